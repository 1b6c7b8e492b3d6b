"""An event from plan to the day itself, in headless Chromium against a live server: the officer
sets the days, time slots and tables, schedules the published meetings, moves one by hand (the
rule checker refuses a clash first), publishes; a startup reads its agenda in Vietnamese, adds it
to a calendar and prints it; on the day the officer marks a no-show, re-optimises and adds a
walk-in meeting. Screenshots go to artifacts/screenshots/ (desktop and phone)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import icalendar
import pytest

from tests.e2e.conftest import fits_on_phone, session, settle, shoot
from tests.web.curation_support import PARTNERS, PASSWORD, STARTUPS, FakeMatching, import_event, make_people
from web.db.pool import Database
from web.i18n import Renderer
from web.services.curation import lists, meetings, runs
from web.services.curation.forms import parse_list_form
from web.services.eventday.event import Event, load_event
from web.services.mail import Mailer
from web.settings import Settings

pytestmark = pytest.mark.e2e
OFFICER = "officer@caunoi.example"    # make_people
STARTUP = "chip@chipviet.example"     # owns vn-chipviet


@pytest.fixture
def published(db: Database, settings: Settings, server: tuple[str, Any]) -> tuple[str, int]:
    """An event list whose assignment is published (meetings proposed, none scheduled yet)."""
    records = import_event(db)
    people = make_people(db)
    form = {"name": "Vietnam–Korea Tech Days", "kind": "event", "starts_on": "2026-05-12", "min_a": "1",
            "max_a": "2", "max_b": "3"}
    list_id = lists.create_list(db, people.officer, parse_list_form(form))
    lists.add_by_hand(db, people.officer, list_id, STARTUPS + PARTNERS)
    lists.set_pair(db, people.officer, list_id, "vn-chipviet", "kr-daesung-osat", "forced", "requested")
    run_id = runs.run_assignment(db, FakeMatching(records), people.officer, list_id)
    meetings.publish(db, Mailer(settings, Renderer()), people.officer, list_id, run_id)
    base, app = server
    settle(db, app)
    return base, list_id



def event_now(db: Database, list_id: int) -> Event:
    with db.connection() as conn:
        return load_event(conn, list_id)



def move(page: Any, meeting_id: int, slot: int, table: str) -> None:
    card = page.locator(f".ev-grid #m-{meeting_id}")
    card.locator("summary").click()
    card.locator("select[name=slot]").select_option(str(slot))
    card.locator("select[name=table]").select_option(table)
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_an_officer_runs_an_event_day_and_a_startup_follows_its_agenda(
        browser: Any, db: Database, published: tuple[str, int]) -> None:
    base, list_id = published
    page = f"/officer/lists/{list_id}"
    officer = session(browser, base, OFFICER, PASSWORD, "en", f"{page}/event")

    # the plan: one morning, 30-minute meetings around a break, four tables and one video room
    officer.fill("#f-day-date-0", "2026-05-12")
    officer.fill("#f-day-start-0", "09:00")
    officer.fill("#f-day-end-0", "12:30")
    officer.fill("#f-meeting_minutes", "30")
    officer.fill("#f-changeover_minutes", "0")
    officer.fill("#f-breaks", "10:00-10:30")
    officer.fill("#f-timezone", "Asia/Ho_Chi_Minh")
    officer.fill("#f-table_count", "4")
    officer.fill("#f-video_rooms", "1")
    officer.check("input[name=include_proposed]")
    officer.click("form.editor-form button[type=submit]")
    officer.wait_for_url(re.compile(r"/event#slots$"))
    assert officer.locator("#slots").inner_text().count("09:") >= 2   # 09:00 and 09:30
    assert "10:00–" not in officer.locator("#slots").inner_text()      # no slot starts in the break
    shoot(officer, "event-plan")

    # schedule (htmx), then check the grid against the database
    officer.goto(f"{page}/timetable")
    officer.click("form[action$='/timetable/schedule'] button[type=submit]")
    officer.wait_for_selector(".ev-grid .ev-meeting")
    ev = event_now(db, list_id)
    placed = [m for m in ev.meetings if m.slot is not None]
    assert placed and officer.locator(".ev-grid .ev-meeting").count() == len(placed)
    assert fits_on_phone(officer)
    shoot(officer, "event-timetable")

    # a hand move onto a time slot where one of the two already meets is refused, with the reason
    mover = next(m for m in placed if m.a_id == "vn-chipviet" or m.b_id == "vn-chipviet")
    other = next((m for m in placed if m.id != mover.id and m.slot != mover.slot
                  and {m.a_id, m.b_id} & {mover.a_id, mover.b_id}), None)
    if other is not None:
        move(officer, mover.id, other.slot, "")
        assert officer.locator("text=The meeting was not moved").count() == 1
        assert event_now(db, list_id).by_id[mover.id].slot == mover.slot
    # ... and onto a free time slot and table it is done
    busy = {(m.slot, p) for m in placed for p in (m.a_id, m.b_id)}
    taken = {(m.slot, m.table_name) for m in placed}
    free = next(s.number for s in ev.slots if s.number != mover.slot
                and (s.number, mover.a_id) not in busy and (s.number, mover.b_id) not in busy
                and (s.number, ev.tables[-1].name) not in taken)
    move(officer, mover.id, free, ev.tables[-1].name)
    assert officer.locator("text=The meeting was not moved").count() == 0
    moved = event_now(db, list_id).by_id[mover.id]
    assert (moved.slot, moved.table_name) == (free, ev.tables[-1].name)

    # publishing asks for confirmation (the box is required), then mails everyone their agenda
    officer.click("#publish button[type=submit]")
    assert officer.locator("text=The agenda is published").count() == 0
    officer.check("#publish input[name=confirm]")
    officer.click("#publish button[type=submit]")
    officer.wait_for_selector("text=The agenda is published")
    with db.connection() as conn:
        mails = conn.execute("SELECT count(*) FROM outbox WHERE kind = 'agenda_published'").fetchone()
    assert mails is not None and mails[0] >= 2

    # the startup reads its agenda in Vietnamese, downloads the calendar, prints
    startup = session(browser, base, STARTUP, PASSWORD, "vi", "/meetings")
    startup.goto(f"/agenda/{list_id}")
    mine = [m for m in event_now(db, list_id).meetings if "vn-chipviet" in (m.a_id, m.b_id) and m.slot is not None]
    assert startup.locator(".agenda-partner").count() == len(mine)
    assert "Daesung" in startup.locator("main").inner_text()
    assert startup.locator("html").get_attribute("lang") == "vi"
    assert fits_on_phone(startup)
    shoot(startup, "agenda-startup-vi")
    with startup.expect_download() as download:
        startup.click(f"a[href='/agenda/{list_id}.ics']")
    cal = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
    assert len(list(cal.walk("VEVENT"))) == len(mine)
    startup.click(f"a[href='/agenda/{list_id}/print']")
    startup.wait_for_url(re.compile(r"/print$"))
    startup.emulate_media(media="print")
    assert not startup.locator(".site-header").is_visible()
    startup.emulate_media(media="screen")

    # on the day: a no-show in the first slot, then re-optimise the rest, then a walk-in
    officer.goto(f"{page}/day?now=0")
    assert officer.locator("[aria-current=time]").count() == 1
    first = officer.locator("#slot-0 tr[id^=m-]").first
    first_id = int((first.get_attribute("id") or "m-0")[2:])
    first.locator("button[value=no_show]").click()
    # htmx swaps the day board: the missed meeting leaves the timetable for the list of missed ones
    officer.wait_for_selector(f"li#m-{first_id}")
    assert officer.locator(f"#slot-0 tr#m-{first_id}").count() == 0
    assert event_now(db, list_id).by_id[first_id].attendance == "no_show"
    officer.select_option("#f-no-show", "vn-hocvui")
    officer.click("form[action$='/day/no-show'] button[type=submit]")
    officer.wait_for_load_state()
    officer.click("form[action$='/day/reoptimise'] button[type=submit]")
    officer.wait_for_load_state()
    after = event_now(db, list_id)
    assert all(m.slot is None or m.slot < 1 or "vn-hocvui" not in (m.a_id, m.b_id) for m in after.meetings)
    met = {frozenset((m.a_id, m.b_id)) for m in after.meetings}
    a, b = next((a, b) for a in STARTUPS for b in PARTNERS
                if frozenset((a, b)) not in met and a != "vn-hocvui")
    officer.select_option("#f-walk-a", a)
    officer.select_option("#f-walk-b", b)
    officer.click("form[action$='/day/walk-in'] button[type=submit]")
    officer.wait_for_load_state()
    walk = [m for m in event_now(db, list_id).meetings if {m.a_id, m.b_id} == {a, b}]
    assert len(walk) == 1 and walk[0].walk_in
    assert fits_on_phone(officer)
    shoot(officer, "event-day")
