"""The profile coach in headless Chromium with the real matching service: an owner whose needs and
tags are buried in the description opens the editor, sees the top suggestion with its measured
effect, fills it in with one click, saves, and once the profile is re-embedded the coach measures
the saved profile exactly as it claimed; the panel fits a 390 px screen."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.e2e.conftest import fits_on_phone, session, settle, shoot
from tests.web.test_coach import MESSY
from tests.web.webkit import PASSWORD, load_small, member
from web.db.pool import Database
from web.services.profiles import import_records
from web.store import profiles as profile_store

pytestmark = pytest.mark.e2e


def indexed(app: Any, profile_id: str, field: str, timeout: float = 60) -> None:
    """Wait until the live index holds the saved profile with ``field`` set (embedded and refreshed
    incrementally, as after any save: no refit, so the corpus statistics the claim was made with stay)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        engine = app.state.matching._engine
        row = engine.index_.row_of.get(profile_id) if engine is not None else None
        meta = engine.index_.meta[row] if row is not None else None
        if meta is not None and meta[0].get(field):
            return
        time.sleep(0.2)
    raise AssertionError(f"{profile_id} with its {field} never reached the index")


def test_the_owner_applies_the_top_suggestion_and_the_saved_profile_does_as_claimed(
        browser: Any, server: tuple[str, Any], db: Database) -> None:
    base, app = server
    load_small(db)
    import_records(db, [MESSY])
    member(db, "owner@messy.example", owns=("vn-messy",))
    settle(db, app)
    page = session(browser, base, "owner@messy.example", PASSWORD, next_url="/me/profiles/vn-messy")
    top = page.locator("#coach .coach-list li").first
    top.wait_for(timeout=30000)  # loaded by htmx once the page is there
    button = top.locator("button[name=action]")
    key = (button.get_attribute("value") or "").removeprefix("coach_")
    effect = top.locator(".coach-effect")
    claimed_in_top = int(effect.get_attribute("data-in-top-after") or "-1")
    claimed_fit = float(effect.get_attribute("data-own-fit-after") or "-1")
    now = page.locator("#coach-now")
    before_fit = float(now.get_attribute("data-own-fit") or "-1")
    assert key in ("needs", "offers", "sectors", "cooperation_sought", "cooperation_offered", "technologies")
    assert claimed_fit > before_fit or claimed_in_top > int(now.get_attribute("data-in-top") or "0")
    assert fits_on_phone(page)
    shoot(page, "editor-coach-en")

    button.click()  # one click: the field is filled in, nothing is stored
    page.locator("#coach [role=status]").wait_for(timeout=30000)
    with db.connection() as conn:
        row = profile_store.get_profile(conn, "vn-messy")
    assert row is not None and not row.record.get(key)
    page.click("button[name=action][value=save]")
    page.wait_for_url(re.compile(r"/me/profiles/vn-messy$"))
    with db.connection() as conn:
        row = profile_store.get_profile(conn, "vn-messy")
    assert row is not None and row.record.get(key)

    indexed(app, "vn-messy", key)
    page.goto("/me/profiles/vn-messy?coach=1")  # the panel with the page (as without JavaScript)
    now = page.locator("#coach-now")
    assert int(now.get_attribute("data-in-top") or "-1") == claimed_in_top
    assert float(now.get_attribute("data-own-fit") or "-1") == pytest.approx(claimed_fit, abs=0.11)
    assert page.locator(f"#coach button[value=coach_{key}]").count() == 0  # done: not proposed again
    assert fits_on_phone(page)
