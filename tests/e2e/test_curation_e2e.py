"""A programme officer's event in headless Chromium, against a live server with the real matching
service: build a match list from a small ecosystem, run the assignment, adjust it, compare, publish,
export, print; participants answer and record outcomes; the officer sees them on the dashboard.
Screenshots of every page go to artifacts/screenshots/ (desktop and phone)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import SHOTS, session, settle, shoot
from tests.web.curation_support import EVENT, PARTNERS, STARTUPS
from tests.web.webkit import PASSWORD, member
from web.db.pool import Database
from web.interchange.importer import load_files
from web.services.profiles import import_records

pytestmark = pytest.mark.e2e
OFFICER = "officer@most.example"
STARTUP = "chip@chipviet.example"
PARTNER = "bd@daesung.example"


@pytest.fixture
def event(db: Database, server: tuple[str, Any]) -> str:
    """The event ecosystem (8 Vietnamese startups, 5 foreign partners), an officer, and members
    owning ChipViệt and the Korean packaging partner."""
    import_records(db, load_files([EVENT]))
    member(db, OFFICER, role="officer")
    member(db, STARTUP, owns=("vn-chipviet",))
    member(db, PARTNER, owns=("kr-daesung-osat",))
    base, app = server
    settle(db, app)
    return base



def create_list(page: Any, name: str, max_b: str) -> int:
    page.goto("/officer/lists")
    page.click("a[href='/officer/lists/new']")
    page.fill("#f-name", name)
    page.fill("#f-starts_on", "2026-05-12")
    page.fill("#f-ends_on", "2026-05-13")
    page.fill("#f-location", "Hà Nội, Trung tâm Đổi mới sáng tạo Quốc gia")
    page.fill("#f-description", "Ngày kết nối công nghệ Việt Nam – Hàn Quốc: bán dẫn, AI và nông nghiệp thông minh.")
    page.fill("#f-min_a", "1")
    page.fill("#f-max_a", "2")
    page.fill("#f-max_b", max_b)
    page.click("form.editor-form button[type=submit]")
    page.wait_for_url(re.compile(r"/officer/lists/\d+/participants$"))
    return int(re.search(r"/lists/(\d+)/", page.url).group(1))  # type: ignore[union-attr]


def add_by_filter(page: Any, side: str, expected: int) -> None:
    page.select_option("#flt-side", side)
    # htmx refreshes the preview on change; the form also works with the Preview button without JS
    page.wait_for_selector(f"text={expected} profiles match")
    page.click(f"button:has-text('Add all {expected}')")
    page.wait_for_url(re.compile(r"/participants$"))


def test_an_officer_plans_publishes_and_follows_an_event(browser: Any, event: str) -> None:
    officer = session(browser, event, OFFICER, PASSWORD, next_url="/officer/lists")
    shoot(officer, "officer-lists-empty")
    list_id = create_list(officer, "Vietnam–Korea Tech Days 2026", max_b="3")
    add_by_filter(officer, "vn", len(STARTUPS))
    add_by_filter(officer, "foreign", len(PARTNERS))
    assert officer.locator("#p-vn-chipviet").count() == 1 and officer.locator("#p-sg-lionfund").count() == 1
    shoot(officer, "officer-participants")

    # a conflict of interest, and a meeting the Korean partner asked for
    officer.goto(f"/officer/lists/{list_id}/rules")
    officer.select_option("#r-a", "vn-chipviet")
    officer.select_option("#r-b", "kr-hanul-chips")
    officer.select_option("#r-reason", "competitor")
    officer.click("form[action$='/rules'] button[type=submit]")
    officer.wait_for_selector("#rule-vn-chipviet-kr-hanul-chips")
    officer.select_option("#r-a", "vn-tomsen")
    officer.select_option("#r-b", "no-fjord-aqua")
    officer.check("input[name=kind][value=forced]")
    officer.select_option("#r-reason", "requested")
    officer.click("form[action$='/rules'] button[type=submit]")
    officer.wait_for_selector("#rule-vn-tomsen-no-fjord-aqua")
    shoot(officer, "officer-rules")

    officer.goto(f"/officer/lists/{list_id}")
    officer.click("form[action$='/runs'] button[type=submit]")
    officer.wait_for_url(re.compile(r"/runs/\d+$"))
    first_run = int(officer.url.rsplit("/", 1)[1])
    assert officer.locator(".state-optimal").count() >= 1
    assert officer.locator(".assign-grid .cell-blocked").count() == 1
    assert officer.locator(".assign-grid [aria-pressed=true]").count() >= len(STARTUPS)
    objective = officer.locator("#objective .stat b").first.inner_text()
    shoot(officer, "officer-run-grid")

    # adjust by hand: click an empty cell of the grid (htmx swaps the workspace, objective recomputed)
    officer.locator("button.cell-open").first.click()
    officer.wait_for_selector("text=Last change:")
    assert officer.locator("#objective .stat b").first.inner_text() != objective
    # per startup: pin a pair, swap another
    officer.click("a[href$='?view=a']")
    card = officer.locator("#a-vn-chipviet")
    card.locator("form:has(input[value=pin]) button").first.click()
    officer.wait_for_selector("#a-vn-chipviet .pin-mark")
    swap = officer.locator("#a-vn-mattran-vision form:has(input[value=swap])").first
    swap.locator("button").click()
    officer.wait_for_selector("text=swapped")
    shoot(officer, "officer-run-by-startup")
    officer.click("a[href$='?view=b']")
    shoot(officer, "officer-run-by-partner")

    # run again keeping the changes, then compare the two runs
    officer.click("form:has(input[name=parent]) button")
    officer.wait_for_url(re.compile(r"/runs/\d+$"))
    second_run = int(officer.url.rsplit("/", 1)[1])
    assert second_run != first_run
    officer.goto(f"/officer/lists/{list_id}/compare?left={first_run}&right={second_run}")
    assert officer.locator("text=Who is affected").count() + officer.locator("text=same meetings").count() == 1
    shoot(officer, "officer-compare")

    # exports and the print view
    officer.goto(f"/officer/lists/{list_id}/runs/{second_run}")
    with officer.expect_download() as download:
        officer.click("a[href$='/schedule.xlsx']")
    wb = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(wb["Schedule"].iter_rows(min_row=2, values_only=True))
    assert ("vn-tomsen", "TômSen Agritech") in {(r[0], r[1]) for r in rows if r[3] == "no-fjord-aqua"}
    assert all(r[0] != "vn-chipviet" or r[3] != "kr-hanul-chips" for r in rows)
    officer.click("a[href$='/print']")
    officer.wait_for_selector(".print-grid")
    shoot(officer, "officer-print")
    officer.emulate_media(media="print")
    assert not officer.locator(".site-header").is_visible()
    officer.screenshot(path=str(SHOTS / "officer-print-paper.png"), full_page=True)
    officer.emulate_media(media="screen")

    # publish the second run
    officer.goto(f"/officer/lists/{list_id}")
    officer.select_option("#pub-run", str(second_run))
    shoot(officer, "officer-list-overview")
    officer.click("form[action$='/publish'] button[type=submit]")
    officer.wait_for_url(re.compile(r"/meetings$"))
    shoot(officer, "officer-meetings")

    # the startup and the partner answer; the startup records that they met
    startup = session(browser, event, STARTUP, PASSWORD, locale="vi", next_url="/meetings")
    shoot(startup, "meetings-startup-vi")
    pairs = {(r[0], r[3]) for r in rows}
    if ("vn-chipviet", "kr-daesung-osat") in pairs:
        item = startup.locator(".meeting-item", has_text="Daesung")
        item.locator("button[type=submit]").first.click()
        startup.wait_for_url(re.compile(r"/meetings/\d+$"))
        meeting_url = startup.url
        partner = session(browser, event, PARTNER, PASSWORD, next_url="/meetings")
        partner.locator(".meeting-item", has_text="ChipViệt").locator("button[type=submit]").first.click()
        partner.wait_for_selector(".contact")
        startup.goto(meeting_url)
        startup.wait_for_selector(".contact")
    else:
        startup.locator(".meeting-item a").first.click()
        startup.wait_for_url(re.compile(r"/meetings/\d+$"))
    startup.select_option("select[name=type]", "met")
    startup.fill("textarea[name=note]", "Gặp tại gian hàng, hẹn thăm nhà máy tháng sau.")
    startup.click("#outcomes button[type=submit]")
    startup.wait_for_selector(".outcome-list li")
    shoot(startup, "meeting-detail-vi")

    # the officer records an MoU on another meeting, closes the list and reads the dashboard
    officer.goto(f"/officer/lists/{list_id}/meetings")
    row = officer.locator("tr[id^=meeting-]").nth(1)
    row.locator("summary").click()
    row.locator("select[name=type]").select_option("nda_mou")
    row.locator("form button[type=submit]").click()
    officer.wait_for_url(re.compile(r"/meetings$"))
    officer.goto(f"/officer/lists/{list_id}")
    officer.click("form[action$='/close'] button[type=submit]")
    officer.wait_for_url(re.compile(r"/meetings$"))
    officer.goto("/officer/dashboard")
    stats = officer.locator(".stats .stat b").first.inner_text()
    assert stats == "2"
    officer.wait_for_load_state("networkidle")
    assert officer.evaluate("() => Array.from(document.querySelectorAll('.chart img')).every(i => i.naturalWidth > 0)")
    shoot(officer, "officer-dashboard")
    with officer.expect_download() as download:
        officer.click("a[href^='/officer/dashboard.csv']")
    report = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "nda_mou" in report and "met" in report


def test_an_infeasible_event_is_explained_in_the_officers_language(browser: Any, event: str) -> None:
    officer = session(browser, event, OFFICER, PASSWORD, locale="vi", next_url="/officer/lists")
    list_id = create_list(officer, "Đoàn doanh nghiệp Na Uy", max_b="1")
    officer.fill("#csv-text", "\n".join(STARTUPS + PARTNERS))
    officer.click("form[action$='/import'] button[type=submit]")
    officer.wait_for_url(re.compile(r"/participants$"))
    officer.goto(f"/officer/lists/{list_id}")
    officer.click("form[action$='/runs'] button[type=submit]")
    officer.wait_for_url(re.compile(r"/runs/\d+$"))
    assert officer.locator("#explanation").count() == 1
    assert "nâng mức tối đa" in officer.locator("#explanation").inner_text()
    shoot(officer, "officer-run-infeasible-vi")
    officer.locator("#explanation form button").first.click()
    officer.wait_for_url(re.compile(r"#explanation$"))
    assert officer.locator(".flash").count() == 1
