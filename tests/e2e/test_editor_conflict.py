"""Two browser sessions of one owner edit the same profile in headless Chromium: the later save
opens the conflict page with both versions side by side, and "Save my version" keeps what was typed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import shoot
from tests.web.fakes import FakeMatching
from tests.web.server import live_server
from tests.web.webkit import PASSWORD, load_small, member
from web.db.pool import Database
from web.settings import Settings
from web.store import profiles as profile_store

pytestmark = pytest.mark.e2e
EDIT = "/me/profiles/vn-agrisense"


@pytest.fixture(scope="module")
def light_server(database: Database, settings: Settings) -> Iterator[str]:
    """A live server with the test stand-in for matching: editing needs no embedding model."""
    with live_server(settings, database, FakeMatching(database)) as (base, _app):
        yield base


def owner_page(browser: Any, base: str) -> Any:
    page = browser.new_context(base_url=base).new_page()
    page.goto("/login")
    page.fill("#email", "owner@agrisense.example")
    page.fill("#password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/matches"))
    page.goto(EDIT)
    return page


def test_two_tabs_edit_one_profile_and_the_later_keeps_what_it_typed(
        browser: Any, db: Database, light_server: str) -> None:
    load_small(db)
    member(db, "owner@agrisense.example", owns=("vn-agrisense",))
    a, b = owner_page(browser, light_server), owner_page(browser, light_server)
    a.fill("#f-offers", "Dữ liệu ao nuôi tôm theo thời gian thực.")
    a.click("button[name=action][value=save]")
    a.wait_for_selector(".flash")
    mine = "Cảm biến IoT cho ao tôm ở Đồng bằng sông Cửu Long, kèm ứng dụng cho nông dân."
    b.fill("#f-description", mine)
    b.click("button[name=action][value=save]")
    b.wait_for_selector("#conflict")
    assert b.locator("#diff-offers .stored").inner_text().strip() == "Dữ liệu ao nuôi tôm theo thời gian thực."
    assert b.locator("#diff-description .mine").inner_text().strip() == mine
    shoot(b, "editor-conflict")
    b.click("#resolve button[value=save]")
    b.wait_for_url(re.compile(EDIT + "$"))
    assert b.locator("#f-description").input_value() == mine
    with db.connection() as conn:
        row = profile_store.get_profile(conn, "vn-agrisense")
    assert row is not None and row.revision == 3 and row.record["description"] == mine
    a.context.close()
    b.context.close()
