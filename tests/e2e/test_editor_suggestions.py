"""The profile editor's suggestions in headless Chromium on a phone-sized screen: a founder writes a
description, sees the sector it names suggested (unticked) while typing, ticks it and saves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import PHONE, shoot
from tests.web.fakes import FakeMatching
from tests.web.server import live_server
from tests.web.webkit import PASSWORD, member
from web.db.pool import Database
from web.settings import Settings
from web.store import profiles as profile_store

pytestmark = pytest.mark.e2e
DESCRIPTION = ("Nền tảng giám sát ao nuôi tôm cho nông dân Đồng bằng sông Cửu Long. Chúng tôi cung cấp cảm biến "
               "độ mặn cho nuôi trồng thủy sản.")


@pytest.fixture(scope="module")
def light_server(database: Database, settings: Settings) -> Iterator[str]:
    """A live server with the test stand-in for matching: suggestions need no embedding model."""
    with live_server(settings, database, FakeMatching(database)) as (base, _app):
        yield base


def test_a_founder_ticks_a_suggested_sector_on_a_phone(browser: Any, db: Database, light_server: str) -> None:
    member(db, "founder@tomsach.example")
    page = browser.new_context(viewport=PHONE, base_url=light_server).new_page()
    page.goto("/login")
    page.fill("#email", "founder@tomsach.example")
    page.fill("#password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/matches"))
    page.goto("/me/profiles/new?kind=startup")
    assert page.locator("#suggestions").is_hidden()  # nothing written, nothing suggested
    page.fill("#f-name", "Tôm Sạch")
    page.fill("#f-description", DESCRIPTION)
    suggested = page.locator("#suggestions input[name=accept_sectors][value=agritech]")
    suggested.wait_for(timeout=15000)  # htmx, debounced
    assert not suggested.is_checked() and not page.locator("input[name=sectors][value=agritech]").is_checked()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    suggested.check()
    page.locator("#suggestions").scroll_into_view_if_needed()
    shoot(page, "editor-suggestions-vi")
    page.click("button[name=action][value=save]")
    page.wait_for_url(re.compile(r"/me/profiles/tom-sach-[0-9a-f]{6}$"))
    profile_id = page.url.rsplit("/", 1)[1]
    assert page.locator("input[name=sectors][value=agritech]").is_checked()
    with db.connection() as conn:
        row = profile_store.get_profile(conn, profile_id)
    assert row is not None and row.record["sectors"] == ["agritech"] and "offers" not in row.record
