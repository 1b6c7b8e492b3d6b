"""A brokered introduction in headless Chromium against a live server: a startup (English UI)
finds an anonymous Korean partner under its label and asks to be introduced; the request waits
with the programme office; an officer in the Vietnamese UI sees both sides and forwards it with a
note; the partner (Vietnamese UI) accepts; only then does the startup see the partner's name and
contacts. Every page fits a 390 px phone. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import fits_on_phone, session, shoot
from tests.web.test_brokered_introductions import ANON, LABEL_EN, anonymous_small
from tests.web.webkit import PASSWORD, member
from web.db.pool import Database
from web.services import anonymity
from web.settings import Settings

pytestmark = pytest.mark.e2e
NAME = "HanPack Semiconductor"




def test_a_startup_is_introduced_to_an_anonymous_partner_through_an_officer(
        browser: Any, db: Database, settings: Settings, server: tuple[str, Any]) -> None:
    base, _app = server
    anonymous_small(db)
    member(db, "a@chipviet.example", owns=("vn-chipviet",))
    member(db, "b@hanpack.example", owns=(ANON,))
    member(db, "officer@x.example", role="officer")
    alias = anonymity.alias(ANON, settings.resolved_secret_key())

    # the startup finds the partner under its label and asks for an introduction
    startup = session(browser, base, "a@chipviet.example", PASSWORD, "en", f"/profiles/{alias}")
    assert LABEL_EN in startup.content() and NAME not in startup.content()
    startup.fill("#intro-message", "We design power chips and need an advanced packaging partner.")
    startup.click("form[action='/introductions'] button[type=submit]")
    startup.wait_for_url(re.compile(r"/introductions/\d+$"))
    intro_url = startup.url.removeprefix(base)
    intro_id = int(intro_url.rsplit("/", 1)[1])
    text = startup.content()
    assert "With the programme office" in text and LABEL_EN in text and NAME not in text and ANON not in text
    assert fits_on_phone(startup)
    shoot(startup, "brokered-intro-waiting")

    # the partner knows nothing of it yet
    partner = session(browser, base, "b@hanpack.example", PASSWORD, "vi", "/introductions")
    assert "ChipViệt" not in partner.content()

    # the officer, in Vietnamese, sees both sides and forwards it with a note
    officer = session(browser, base, "officer@x.example", PASSWORD, "vi", "/officer/introductions")
    card = officer.locator(f"#broker-{intro_id}")
    assert NAME in card.inner_text() and "ChipViệt" in card.inner_text() and "power chips" in card.inner_text()
    assert fits_on_phone(officer)
    shoot(officer, "brokered-intro-queue")
    card.locator(f"#note-{intro_id}").fill("Một startup nghiêm túc, đáng để gặp.")
    card.locator("button:has-text('Chuyển cho bên nhận')").click()
    officer.wait_for_load_state()
    assert officer.locator(f"#broker-{intro_id}").count() == 0
    assert "Đã chuyển" in officer.content()

    # the partner gets it as an ordinary request with the officer's note, and accepts
    partner.goto(intro_url)
    assert "Một startup nghiêm túc, đáng để gặp." in partner.content()
    assert fits_on_phone(partner)
    partner.click(f"form[action='/introductions/{intro_id}/accept'] button[type=submit]")
    partner.wait_for_load_state()
    assert "hello@chipviet.example" in partner.content()

    # now the startup sees who it is, and how to reach them
    startup.goto(intro_url)
    text = startup.content()
    assert NAME in text and "bd@hanpack.example" in text and LABEL_EN not in text
    assert fits_on_phone(startup)
    shoot(startup, "brokered-intro-accepted")
