"""The officer's event-day pages over HTTP: the plan form (errors in place), presence by form and
CSV, scheduling into a grid, moves by hand with clash checks, publishing with agenda mails, the
day itself (attendance, re-optimising, walk-ins), role checks, both languages, labelled controls."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.curation_support import PARTNERS, STARTUPS, FakeMatching, import_event
from tests.web.test_web_a11y import Controls
from tests.web.test_web_i18n import english_leaks, leaks_in, page_segments, user_texts
from tests.web.webkit import csrf, member, post, scalar, sign_in, web_client
from web.db.pool import Database
from web.services.eventday import board, day, timetable
from web.services.eventday.event import load_event
from web.settings import Settings

HTMX = {"HX-Request": "true"}
PLAN = {"day_date": ["2026-05-12", ""], "day_start": ["09:00", ""], "day_end": ["12:30", ""],
        "meeting_minutes": "30", "changeover_minutes": "0", "breaks": "10:00-10:30", "tables": "",
        "table_count": "4", "min_gap": "0", "video_rooms": "1", "timezone": "Asia/Ho_Chi_Minh",
        "include_proposed": "on"}


@pytest.fixture(autouse=True)
def quick_solves(monkeypatch: pytest.MonkeyPatch) -> None:
    """The solver's time limits, shortened: the instance is small, a feasible timetable is all a
    page needs (the solver's own quality is tested in tests/matcher)."""
    monkeypatch.setattr(timetable, "SOLVE_SECONDS", 2.0)
    monkeypatch.setattr(timetable, "VARIANT_SECONDS", 1.0)
    monkeypatch.setattr(day, "REOPT_SECONDS", 2.0)


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    with web_client(settings, db, FakeMatching(import_event(db))) as c:
        post(c, "/locale", {"lang": "en", "next": "/"})
        yield c


@pytest.fixture
def officer(db: Database, client: TestClient) -> TestClient:
    member(db, "officer@caunoi.example", role="officer")
    member(db, "chip@chipviet.example", owns=("vn-chipviet",))
    sign_in(client, "officer@caunoi.example")
    return client


def published_list(client: TestClient, kind: str = "event") -> int:
    """An event list with the small ecosystem's participants and its run published."""
    r = post(client, "/officer/lists", {"name": "Vietnam–Korea Tech Days", "kind": kind, "starts_on": "2026-05-12",
                                        "min_a": "1", "max_a": "2", "max_b": "3"})
    list_id = int(re.search(r"/officer/lists/(\d+)/", r.headers["location"]).group(1))  # type: ignore[union-attr]
    assert post(client, f"/officer/lists/{list_id}/participants/import",
                {"text": "\n".join(STARTUPS + PARTNERS)}).status_code == 303
    run_id = post(client, f"/officer/lists/{list_id}/runs").headers["location"].rsplit("/", 1)[1]
    assert post(client, f"/officer/lists/{list_id}/publish", {"run_id": run_id}).status_code == 303
    return list_id


def planned(client: TestClient, **over: Any) -> int:
    list_id = published_list(client)
    r = post(client, f"/officer/lists/{list_id}/event", PLAN | over)
    assert r.status_code == 303, r.text[:600]
    return list_id


def scheduled(client: TestClient, **over: Any) -> int:
    list_id = planned(client, **over)
    r = post(client, f"/officer/lists/{list_id}/timetable/schedule")
    assert r.status_code == 303 and r.headers["location"] == f"/officer/lists/{list_id}/timetable"
    return list_id


def event(db: Database, list_id: int) -> Any:
    with db.connection() as conn:
        return load_event(conn, list_id)


def slot_row(html: str, slot: int) -> str:
    """The grid row of ``slot``: its ``<tr>`` up to the next one."""
    start = html.index(f'<tr id="slot-{slot}">')
    return html[start:html.index("</tr>", start)]


def test_the_plan_form_names_every_bad_field_then_saves_and_shows_the_slots(db: Database, officer: TestClient) -> None:
    list_id = published_list(officer)
    page = officer.get(f"/officer/lists/{list_id}/event")
    assert page.status_code == 200 and 'name="day_date" value="2026-05-12"' in page.text
    assert "Save the plan to make its time slots." in page.text
    bad = PLAN | {"day_date": ["12/05/2026", "2026-05-13"], "day_end": ["12:30", "08:00"], "meeting_minutes": "0",
                  "breaks": "lunch", "timezone": "Asia", "tables": "A\na: 1", "min_gap": "²"}
    r = post(officer, f"/officer/lists/{list_id}/event", bad)
    assert r.status_code == 422
    for message in ("Enter the date as YYYY-MM-DD and the times as HH:MM.", "The day ends before it starts.",
                    "Enter a meeting length from 5 to 240 minutes.", "Write each break as HH:MM-HH:MM",
                    "Unknown time zone", "Write one table per line", "Enter a number of free slots from 0 to 10."):
        assert message in r.text, message
    assert 'id="day_0"' in r.text and 'id="day_1"' in r.text and r.text.count("has-error") >= 7
    assert 'value="lunch"' in r.text   # what was typed stays in the form
    assert scalar(db, "SELECT count(*) FROM event_plans") == 0
    r = post(officer, f"/officer/lists/{list_id}/event", PLAN | {"tables": "Lotus: 4\nOrchid\nBamboo: 2"})
    assert r.status_code == 303 and r.headers["location"].endswith("/event#slots")
    page = officer.get(f"/officer/lists/{list_id}/event").text
    assert "The event's plan is saved." in page
    # 09:00, 09:30, then the break 10:00-10:30, then four more until 12:30
    assert "6 time slots at 3 tables." in page
    assert all(t in page for t in ("09:00–09:30", "09:30–10:00", "10:30–11:00", "12:00–12:30"))
    assert "10:00–10:30" not in page
    assert [t.name for t in event(db, list_id).tables] == ["Lotus", "Orchid", "Bamboo"]


def test_presence_by_form_and_by_csv_where_a_bad_csv_lists_its_lines_and_stores_nothing(
        db: Database, officer: TestClient) -> None:
    list_id = planned(officer)
    base = f"/officer/lists/{list_id}/event"
    r = post(officer, f"{base}/presence", {"profile_id": "vn-chipviet", "mode": "slots", "slots": ["0", "1"]})
    assert r.status_code == 303
    r = post(officer, f"{base}/presence", {"profile_id": "kr-hanul-chips", "mode": "remote"})
    assert r.status_code == 303
    presence = event(db, list_id).presence
    assert (presence["vn-chipviet"].mode, presence["vn-chipviet"].slots) == ("slots", [0, 1])
    assert presence["kr-hanul-chips"].mode == "remote"
    page = officer.get(base).text
    chip_row = page[page.index('id="pr-vn-chipviet"'):]
    assert "2 time slots" in chip_row[:chip_row.index("</td>", chip_row.index("</td>", chip_row.index("</td>") + 1) + 1)]
    assert "Remote only" in page
    for junk in ("²", "99", "-1", "9" * 4301):
        r = post(officer, f"{base}/presence", {"profile_id": "vn-chipviet", "mode": "slots", "slots": [junk]})
        assert r.status_code == 422 and "Choose time slots of this event." in r.text, junk
    r = post(officer, f"{base}/presence", {"profile_id": "nobody", "mode": "whole"})
    assert r.status_code == 422 and "This participant is not on the list." in r.text
    r = post(officer, f"{base}/presence.csv", {"text": "id,slot\nvn-hocvui,0\nnobody,1\nvn-tomsen,²\n"})
    assert r.status_code == 422
    assert "2 lines need fixing; nothing was imported." in r.text
    assert "Line 3: Column id: nobody is not a participant of this list." in r.text
    assert "Line 4: Column slot: ² is not a time slot of this event" in r.text
    assert "vn-hocvui" not in event(db, list_id).presence
    r = post(officer, f"{base}/presence.csv", files={"file": ("p.csv", b"id,slot\nvn-hocvui,3\nvn-hocvui,4\n", "text/csv")})
    assert r.status_code == 303
    assert event(db, list_id).presence["vn-hocvui"].slots == [3, 4]


def test_scheduling_shows_every_placed_meeting_in_the_grid_and_the_people_view(db: Database, officer: TestClient) -> None:
    list_id = planned(officer)
    page = officer.get(f"/officer/lists/{list_id}/timetable").text
    assert "Schedule the meetings" in page and "Nothing is scheduled yet." in page
    list_id = scheduled(officer, day_date=["2026-05-12"], day_start=["09:00"], day_end=["12:30"])
    html = officer.get(f"/officer/lists/{list_id}/timetable").text
    ev = event(db, list_id)
    placed = [m for m in ev.meetings if m.slot is not None]
    assert placed and "Scheduled. Meetings placed: " in html and "Preliminary" in html
    for m in placed:
        cells = slot_row(html, m.slot).split("<td")[1:]
        column = [t.name for t in ev.tables].index(m.table_name) if m.table_name else len(ev.tables)
        assert f'id="m-{m.id}"' in cells[column], (m.id, m.slot, m.table_name)
    assert html.count('<div class="ev-meeting ') == len(placed)
    people = officer.get(f"/officer/lists/{list_id}/timetable", params={"view": "people"}).text
    assert f"/officer/lists/{list_id}/agenda/vn-chipviet" in people and "By participant" in people
    assert people.count('name="meeting_id"') == 2 * len(placed) + len([m for m in ev.meetings if ev.live(m)
                                                                       and m.slot is None]) * 3


def test_when_not_every_meeting_fits_the_page_says_why_and_proposes_the_smallest_change(
        db: Database, officer: TestClient) -> None:
    list_id = scheduled(officer, table_count="1", breaks="", meeting_minutes="60", video_rooms="0")
    html = officer.get(f"/officer/lists/{list_id}/timetable").text
    ev = event(db, list_id)
    left = [m for m in ev.meetings if ev.live(m) and m.slot is None]
    assert left and f"{len(left)} meetings do not fit." in html
    assert re.search(r"One more table would place \d+ meetings|One more time slot a day would place \d+ meetings"
                     r"|Meetings \d+ minutes shorter would place \d+ meetings", html)
    unplaced = html[html.index('id="unplaced"'):]
    for m in left:
        row = unplaced[unplaced.index(f'id="m-{m.id}"'):]
        row = row[:row.index("</tr>")]
        assert m.unplaced_detail and m.unplaced_detail in row and 'name="slot"' in row
        assert board.REASONS[m.unplaced_reason] in row


def test_a_clashing_move_is_refused_naming_the_participant_and_a_free_move_lands_in_its_cell(
        db: Database, officer: TestClient) -> None:
    list_id = scheduled(officer)
    ev = event(db, list_id)
    placed = [m for m in ev.meetings if m.slot is not None]
    first = placed[0]
    busy = next(m for m in placed if m.id != first.id and m.slot != first.slot
                and {m.a_id, m.b_id} & {first.a_id, first.b_id})
    shared = ({busy.a_id, busy.b_id} & {first.a_id, first.b_id}).pop()
    name = first.a_name if shared == first.a_id else first.b_name
    taken = {(m.slot, m.table_name) for m in placed}
    table = next(t.name for t in ev.tables if (busy.slot, t.name) not in taken)
    url = f"/officer/lists/{list_id}/timetable/move"
    r = post(officer, url, {"meeting_id": str(first.id), "slot": str(busy.slot), "table": table})
    assert r.status_code == 422
    assert f"{name} already has a meeting in that time slot." in r.text and "%(who)s" not in r.text
    assert 'class="ev-grid"' in r.text   # the timetable, with the refusal on top
    assert (event(db, list_id).by_id[first.id].slot, event(db, list_id).by_id[first.id].table_name) == \
        (first.slot, first.table_name)
    mine = {m.slot for m in placed if {m.a_id, m.b_id} & {first.a_id, first.b_id}}
    free = next((s.number, t.name) for s in ev.slots for t in ev.tables
                if (s.number, t.name) not in taken and s.number not in mine)
    r = post(officer, url, {"meeting_id": str(first.id), "slot": str(free[0]), "table": free[1]})
    assert r.status_code == 303 and r.headers["location"].endswith(f"/timetable#m-{first.id}")
    html = officer.get(f"/officer/lists/{list_id}/timetable").text
    assert "Meeting moved." in html
    cells = slot_row(html, free[0]).split("<td")[1:]
    assert f'id="m-{first.id}"' in cells[[t.name for t in ev.tables].index(free[1])]
    for junk, message in (("²", "Choose a time slot of this event."), ("", "Choose a time slot of this event."),
                          ("99", "There is no such time slot.")):
        r = post(officer, url, {"meeting_id": str(first.id), "slot": junk, "table": "T1"})
        assert r.status_code == 422 and message in r.text, junk
    for junk in ("0", "x", "9" * 40):
        assert post(officer, url, {"meeting_id": junk, "slot": "0", "table": "T1"}).status_code == 422
    assert post(officer, url, {"meeting_id": "999999", "slot": "0", "table": "T1"}).status_code == 404


def test_a_move_too_close_to_another_meeting_is_made_with_a_warning_naming_the_participant(
        db: Database, officer: TestClient) -> None:
    list_id = scheduled(officer, min_gap="1", breaks="", table_count="6")
    ev = event(db, list_id)
    placed = [m for m in ev.meetings if m.slot is not None]
    taken = {(m.slot, m.table_name) for m in placed}

    def busy(m: Any, slot: int) -> bool:
        return any(o.slot == slot and o.id != m.id and {o.a_id, o.b_id} & {m.a_id, m.b_id} for o in placed)

    m, other, slot, table = next(
        (m, o, t, table.name) for m in placed for o in placed if o.id != m.id and o.a_id == m.a_id
        for t in (o.slot - 1, o.slot + 1) if 0 <= t < len(ev.slots) and t != m.slot and not busy(m, t)
        for table in ev.tables if (t, table.name) not in taken)
    r = post(officer, f"/officer/lists/{list_id}/timetable/move",
             {"meeting_id": str(m.id), "slot": str(slot), "table": table})
    assert r.status_code == 303, r.text[:500]
    html = officer.get(r.headers["location"]).text
    assert "Meeting moved." in html and f"{m.a_name} has another meeting close to that time slot." in html
    assert 'class="flash flash-warn"' in html and other.slot is not None
    assert event(db, list_id).by_id[m.id].slot == slot


def test_publishing_asks_for_confirmation_and_queues_the_agenda_mails(db: Database, officer: TestClient) -> None:
    list_id = scheduled(officer)
    html = officer.get(f"/officer/lists/{list_id}/timetable").text
    assert "Publish the agenda" in html and f"/officer/lists/{list_id}/day" in html   # the tab, the list is published
    r = post(officer, f"/officer/lists/{list_id}/timetable/publish")
    assert r.status_code == 422 and "Tick the box" in r.text
    assert scalar(db, "SELECT count(*) FROM outbox WHERE kind = 'agenda_published'") == 0
    r = post(officer, f"/officer/lists/{list_id}/timetable/publish", {"confirm": "on"})
    assert r.status_code == 303
    assert scalar(db, "SELECT count(*) FROM outbox WHERE kind = 'agenda_published'"
                      " AND recipient = 'chip@chipviet.example'") == 1
    html = officer.get(f"/officer/lists/{list_id}/timetable").text
    assert "The agenda is published. E-mails on their way: 1." in html
    assert "Moving a meeting now mails both participants" in html and "Publish the agenda" not in html
    assert "Schedule again" not in html
    assert post(officer, f"/officer/lists/{list_id}/timetable/schedule").status_code == 409


def test_on_the_day_a_cancellation_is_marked_the_rest_reoptimised_and_a_walk_in_placed(
        db: Database, officer: TestClient) -> None:
    list_id = scheduled(officer, day_date=["2099-05-12"], day_start=["09:00"], day_end=["12:30"])
    base = f"/officer/lists/{list_id}/day"
    assert "publish the timetable first" in officer.get(base).text
    post(officer, f"/officer/lists/{list_id}/timetable/publish", {"confirm": "on"})
    for junk in ("", "x", "²", "99", "-1", "9" * 40):   # the clock's slot: none yet, the forms use the first
        page = officer.get(base, params={"now": junk})
        assert page.status_code == 200 and "The event has not started yet." in page.text, junk
        assert 'name="now" value="0"' in page.text and 'aria-current="time"' not in page.text
    page = officer.get(base, params={"now": "1"}).text
    assert "Time slot under way: 09:30–10:00" in page and 'aria-current="time"' in page
    assert 'name="now" value="1"' in page
    ev = event(db, list_id)
    later = sorted((m for m in ev.meetings if m.slot is not None and m.slot >= 2), key=lambda m: m.slot)[0]
    r = post(officer, f"{base}/attendance", {"meeting_id": str(later.id), "attendance": "cancelled", "now": "0"})
    assert r.status_code == 303 and r.headers["location"] == f"{base}?now=0#m-{later.id}"
    after = event(db, list_id).by_id[later.id]
    assert after.attendance == "cancelled" and after.slot is None
    assert "Cancelled or missed on the day" in officer.get(base, params={"now": "0"}).text
    held = next(m for m in ev.meetings if m.slot == 0)
    token = csrf(officer, base)
    r = officer.post(f"{base}/attendance", data={"meeting_id": str(held.id), "attendance": "held", "now": "0",
                                                 "csrf_token": token}, headers=HTMX)
    assert r.status_code == 200 and r.text.lstrip().startswith('<section id="today"') and "<html" not in r.text
    assert event(db, list_id).by_id[held.id].attendance == "held"
    assert post(officer, f"{base}/reoptimise", {"now": "²"}).status_code == 422
    r = post(officer, f"{base}/reoptimise", {"now": "0"})
    assert r.status_code == 303
    assert "Re-optimised. Moved: " in officer.get(r.headers["location"]).text
    after = event(db, list_id)
    assert after.by_id[held.id].slot == held.slot and after.by_id[held.id].attendance == "held"
    pairs = {frozenset((m.a_id, m.b_id)) for m in after.meetings}
    a, b = next((x, y) for x in STARTUPS for y in PARTNERS if frozenset((x, y)) not in pairs)
    r = post(officer, f"{base}/walk-in", {"a_id": a, "b_id": b, "now": "0"})
    assert r.status_code == 303
    walk = next(m for m in event(db, list_id).meetings if m.walk_in)
    page = officer.get(r.headers["location"]).text
    if walk.slot is not None:
        assert walk.slot > 0 and "Walk-in meeting placed: 2099-05-12" in page and f'id="m-{walk.id}"' in page
    else:
        assert "The walk-in meeting could not be placed" in page
    assert post(officer, f"{base}/walk-in", {"a_id": a, "b_id": b, "now": "0"}).status_code == 409
    r = post(officer, f"{base}/no-show", {"profile_id": "sg-lionfund", "now": "1"})
    assert r.status_code == 303 and "Marked as not present" in officer.get(r.headers["location"]).text
    assert event(db, list_id).presence["sg-lionfund"].absent_from == 1


def test_the_pages_before_a_plan_and_for_lists_that_are_no_event(officer: TestClient) -> None:
    list_id = published_list(officer)
    for page, notice in (("timetable", "Set up the event's days, time slots and tables first."),
                         ("day", "schedule the meetings and publish the timetable first.")):
        r = officer.get(f"/officer/lists/{list_id}/{page}")
        assert r.status_code == 200 and notice in r.text and 'class="ev-grid"' not in r.text, page
    assert post(officer, f"/officer/lists/{list_id}/timetable/schedule").status_code == 409
    assert post(officer, f"/officer/lists/{list_id}/event/presence",
                {"profile_id": "vn-chipviet", "mode": "whole"}).status_code == 409
    cohort = published_list(officer, kind="cohort")
    assert officer.get(f"/officer/lists/{cohort}/event").status_code == 404
    assert "Event day setup" not in officer.get(f"/officer/lists/{cohort}").text
    assert "Event day setup" in officer.get(f"/officer/lists/{list_id}").text
    assert officer.get("/officer/lists/999999/timetable").status_code == 404


ROUTES = [("GET", "event"), ("POST", "event"), ("POST", "event/presence"), ("POST", "event/presence.csv"),
          ("GET", "timetable"), ("POST", "timetable/schedule"), ("POST", "timetable/move"),
          ("POST", "timetable/publish"), ("GET", "day"), ("POST", "day/attendance"), ("POST", "day/no-show"),
          ("POST", "day/reoptimise"), ("POST", "day/walk-in")]


def test_a_member_is_refused_every_event_route(db: Database, client: TestClient) -> None:
    member(db, "officer@caunoi.example", role="officer")
    sign_in(client, "officer@caunoi.example")
    list_id = planned(client)
    client.cookies.clear()
    member(db, "m@x.example", owns=("vn-chipviet",))
    sign_in(client, "m@x.example")
    token = csrf(client, "/")
    for method, path in ROUTES:
        r = client.request(method, f"/officer/lists/{list_id}/{path}", follow_redirects=False,
                           data={"csrf_token": token, "meeting_id": "1", "now": "0", "profile_id": "vn-chipviet",
                                 "mode": "whole"} if method == "POST" else None)
        assert r.status_code == 403, (method, path, r.status_code)
    assert scalar(db, "SELECT count(*) FROM event_presence") == 0


def test_the_pages_render_in_vietnamese_with_labelled_controls(db: Database, officer: TestClient) -> None:
    list_id = scheduled(officer)
    post(officer, f"/officer/lists/{list_id}/timetable/publish", {"confirm": "on"})
    fresh = published_list(officer)   # no plan yet
    post(officer, "/locale", {"lang": "vi", "next": "/"})
    leaks, written = english_leaks(), user_texts(db)
    expected = {f"{list_id}/event": ("Thiết lập ngày sự kiện", "Lưu kế hoạch", "Ai có mặt khi nào"),
                f"{list_id}/timetable": ("Lịch gặp", "Theo người tham gia", "Cuộc gặp đã xếp"),
                f"{list_id}/timetable?view=people": ("Lịch hẹn để in",),
                f"{list_id}/day?now=0": ("Trong ngày sự kiện", "Tối ưu lại"),
                f"{fresh}/event": ("Lưu kế hoạch để tạo các khung giờ.",),
                f"{fresh}/timetable": ("Hãy thiết lập ngày, khung giờ và bàn của sự kiện trước.",),
                f"{fresh}/day": ("Đến lịch gặp",)}
    for path, words in expected.items():
        r = officer.get(f"/officer/lists/{path}")
        assert r.status_code == 200 and '<html lang="vi">' in r.text, path
        assert all(w in r.text for w in words), path
        assert not any(e in r.text for e in ("Event day setup", "Timetable<", "On the day", "Save the plan")), path
        assert not leaks_in(page_segments(r.text), leaks, written), (path, leaks_in(page_segments(r.text), leaks, written))
        parser = Controls()
        parser.feed(r.text)
        unlabeled = [(tag, id_) for tag, id_, wrapped in parser.controls
                     if not wrapped and (id_ is None or id_ not in parser.label_for)]
        assert parser.h1 == 1 and parser.main and not unlabeled, (path, unlabeled)
        assert len(re.findall(r'\bid="([^"]+)"', r.text)) == len(set(re.findall(r'\bid="([^"]+)"', r.text))), path


JUNK = ("²", "-1", "9223372036854775808", "9" * 4301, "100%)", "%(who)s", "/ệ\\x", " ", "x" * 5000)


def test_junk_in_every_field_of_a_published_event_is_refused_in_words_never_a_server_error(
        db: Database, settings: Settings) -> None:
    """The site-wide fuzz test reaches these routes only on a list without a plan; here each field
    of each form gets junk on an event whose agenda is published (the other fields valid)."""
    with web_client(settings, db, FakeMatching(import_event(db)), raise_server_exceptions=False) as c:
        member(db, "officer@caunoi.example", role="officer")
        sign_in(c, "officer@caunoi.example")
        list_id = scheduled(c)
        assert post(c, f"/officer/lists/{list_id}/timetable/publish", {"confirm": "on"}).status_code == 303
        meeting = next(m for m in event(db, list_id).meetings if m.slot is not None)
        forms = {
            "event": PLAN,
            "event/presence": {"profile_id": "vn-hocvui", "mode": "slots", "slots": "1"},
            "event/presence.csv": {"text": "id,slot\nvn-hocvui,1\n"},
            "timetable/move": {"meeting_id": str(meeting.id), "slot": str(meeting.slot), "table": "T9"},
            "timetable/publish": {"confirm": "on"},
            "day/attendance": {"meeting_id": str(meeting.id), "attendance": "nothing", "now": "0"},
            "day/no-show": {"profile_id": "nobody", "now": "0"},
            "day/reoptimise": {"now": "0"},
            "day/walk-in": {"a_id": "vn-chipviet", "b_id": "nobody", "now": "0"},
        }
        token = csrf(c, "/")
        answers: dict[str, int] = {}
        for path, form in forms.items():
            for field in form:
                for junk in JUNK if path != "day/reoptimise" else JUNK[:3]:
                    data = {**form, field: junk, "csrf_token": token}
                    r = c.post(f"/officer/lists/{list_id}/{path}", data=data, follow_redirects=False)
                    answers[f"{path} {field}={junk[:12]!r}"] = r.status_code
                    assert r.status_code < 500 and "Traceback" not in r.text, (path, field, junk, r.text[:300])
        for path, name in (("day", "now"), ("timetable", "view")):
            for junk in JUNK:
                assert c.get(f"/officer/lists/{list_id}/{path}", params={name: junk}).status_code == 200
    assert set(answers.values()) <= {303, 404, 409, 422}, answers
    # no junk moved the meeting
    after = event(db, list_id).by_id[meeting.id]
    assert (after.slot, after.table_name) == (meeting.slot, meeting.table_name)
