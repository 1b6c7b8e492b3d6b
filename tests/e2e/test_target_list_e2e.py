"""A technology-acquisition target list in headless Chromium against a live server: the officer
creates the list, adds the Vietnamese buyer, narrows the engine's proposals to licensable assets
(htmx), adds the proposed packaging process as a target in one click, moves it through contacted,
NDA and acquired or licensed (htmx swaps the card; the history grows), sees it counted on the
outcomes dashboard, and every page fits a 390 px phone. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import fits_on_phone, session, shoot
from tests.web.curation_support import PASSWORD, make_people
from tests.web.server import live_server
from tests.web.target_support import BUYER, ScoutingMatching, import_targets, target_records
from web.db.pool import Database
from web.settings import Settings

pytestmark = pytest.mark.e2e
OFFICER = "officer@caunoi.example"    # make_people


@pytest.fixture(scope="module")
def scouting_server(database: Database, settings: Settings) -> Iterator[str]:
    """A live server whose matching service is the scouting double (rankings citing an asset)."""
    with live_server(settings, database, ScoutingMatching(target_records())) as (base, _app):
        yield base


def test_an_officer_builds_a_target_list_and_follows_a_target_to_acquisition(
        db: Database, browser: Any, scouting_server: str) -> None:
    import_targets(db)
    make_people(db)
    page = session(browser, scouting_server, OFFICER, PASSWORD, "en", "/officer/lists/new")
    page.fill("#f-name", "ChipViet: packaging technology abroad")
    page.select_option("#f-kind", "targets")
    page.click("form.editor-form button[type=submit]")
    page.wait_for_url(re.compile(r"/officer/lists/\d+/participants$"))
    list_id = int(re.findall(r"/lists/(\d+)/", page.url)[0])
    assert page.is_visible("text=Add the Vietnamese buyer here")

    # the buyer, found by name, goes on side A
    page.fill("#find-q", "ChipViệt")
    page.click("form[role=search] button[type=submit]")
    page.locator("#pickers form[action$='/participants/add'] button").first.click()
    page.wait_for_url(re.compile(r"/participants$"))
    assert page.locator(f"#p-{BUYER}").is_visible()

    # the engine's proposals, narrowed by htmx to licensable assets at TRL 7 or more
    page.click("nav.tabs >> text=Targets")
    page.wait_for_url(re.compile(r"/targets$"))
    assert page.locator("#proposals .proposal-list > li").count() >= 2
    shoot(page, "target-list-proposals")
    assert fits_on_phone(page)
    for select, value in (("#pf-mode", "licence"), ("#pf-trl", "7")):
        page.evaluate("() => { window.shownBefore = document.querySelector('#proposals'); }")
        with page.expect_response(lambda r: "/targets?" in r.url):
            page.select_option(select, value)
        # the next change must reach the swapped-in form, not the one htmx is replacing
        page.wait_for_function("() => document.querySelector('#proposals') !== window.shownBefore")
    page.wait_for_function("() => document.querySelectorAll('#proposals .proposal-list > li').length === 1")
    proposal = page.locator("#proposals .proposal-list > li").first
    assert "fan-out wafer-level packaging process" in proposal.inner_text()
    assert "Cited asset" in proposal.inner_text()
    proposal.locator("button", has_text="Add as target").click()
    page.wait_for_url(re.compile(r"/targets#t-\d+$"))
    card = page.locator(".target-card").first
    target_id = (card.get_attribute("id") or "").removeprefix("t-")
    assert "Identified" in card.inner_text() and "fan-out" in card.inner_text()
    assert page.locator("#proposals >> text=On the list").is_visible()

    # through the statuses, htmx swapping the card each time
    for status, note in (("contacted", "Wrote to their licensing team"), ("nda", "NDA signed in Suwon"),
                         ("acquired", "Process licence signed")):
        card = page.locator(f"#t-{target_id}")
        card.locator("select[name=status]").select_option(status)
        card.locator("input[name=note]").fill(note)
        card.locator("button", has_text="Save the status").click()
        page.wait_for_function(f"() => document.querySelector('#t-{target_id}').innerText.includes({note!r})")
    card = page.locator(f"#t-{target_id}")
    assert "Acquired or licensed" in card.inner_text()
    card.locator("summary").click()
    history = card.locator(".target-history li")
    assert history.count() == 4 and "Wrote to their licensing team" in history.nth(1).inner_text()
    assert fits_on_phone(page)
    shoot(page, "target-list-targets")

    # the dashboard counts it per status and as an outcome
    page.goto("/officer/dashboard")
    row = page.locator(f"#targets-{list_id}")
    cells = [c.strip() for c in row.locator("td.num").all_inner_texts()]
    assert cells == ["0", "0", "0", "0", "1", "0"]
    assert page.locator(".stat", has_text="Technology acquired or licensed").locator("b").inner_text() == "1"
    assert fits_on_phone(page)
    shoot(page, "target-list-dashboard")

    # and in Vietnamese
    page.click("form.lang button[value=vi]")
    page.wait_for_load_state()
    page.goto(f"/officer/lists/{list_id}/targets")
    assert "Đã mua hoặc được cấp phép" in page.locator(f"#t-{target_id}").inner_text()
    assert fits_on_phone(page)
    page.context.close()
