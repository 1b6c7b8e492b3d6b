"""Event day, service level on the real database: plan, schedule the published meetings, move by
hand with clash checks, publish the agenda (mails, .ics), and the day itself (no-show,
cancellation, re-optimisation, walk-in)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import icalendar
import pytest

from tests.web.curation_support import PARTNERS, STARTUPS, FakeMatching, People, import_event, make_people
from web.db.pool import Database
from web.errors import Conflict, Invalid, NotFound
from web.i18n import Renderer
from web.services.curation import lists, meetings, runs
from web.services.curation.forms import parse_list_form
from web.services.eventday import agenda, day, presence, timetable
from web.services.eventday.event import load_event
from web.services.eventday.plan import generate_slots, parse_breaks, parse_plan_form
from web.services.introductions import Party
from web.services.mail import Mailer
from web.settings import Settings
from web.store.eventday import DayRow


@pytest.fixture
def setup(db: Database, settings: Settings) -> tuple[People, FakeMatching, Mailer]:
    records = import_event(db)
    return make_people(db), FakeMatching(records), Mailer(settings, Renderer())


def plan_items(**over: str) -> list[tuple[str, str]]:
    base = {"meeting_minutes": "30", "changeover_minutes": "0", "breaks": "10:00-10:30", "table_count": "4",
            "min_gap": "0", "video_rooms": "1", "timezone": "Asia/Ho_Chi_Minh", "include_proposed": "on"}
    base.update(over)
    return [*base.items(), ("day_date", "2026-05-12"), ("day_start", "09:00"), ("day_end", "12:30")]


def published_event(db: Database, people: People, matching: Any, mailer: Mailer, **plan: str) -> int:
    form = {"name": "Vietnam–Korea Tech Days", "kind": "event", "starts_on": "2026-05-12", "min_a": "1",
            "max_a": "2", "max_b": "3"}
    list_id = lists.create_list(db, people.officer, parse_list_form(form))
    lists.add_by_hand(db, people.officer, list_id, STARTUPS + PARTNERS)
    lists.set_pair(db, people.officer, list_id, "vn-chipviet", "kr-daesung-osat", "forced", "requested")
    run_id = runs.run_assignment(db, matching, people.officer, list_id)
    meetings.publish(db, mailer, people.officer, list_id, run_id)
    parsed = parse_plan_form(plan_items(**plan))
    assert parsed.ok, parsed.errors
    timetable.save_plan(db, people.officer, list_id, parsed)
    return list_id


def no_clash(db: Database, list_id: int) -> None:
    with db.connection() as conn:
        ev = load_event(conn, list_id)
    placed = [m for m in ev.meetings if m.slot is not None]
    people = Counter((p, m.slot) for m in placed for p in (m.a_id, m.b_id))
    tables = Counter((m.slot, m.table_name) for m in placed if m.table_name)
    assert max(people.values(), default=1) == 1 and max(tables.values(), default=1) == 1
    for m in placed:
        assert ev.present(m.a_id, m.slot) and ev.present(m.b_id, m.slot)


def test_slots_skip_breaks_and_stop_at_the_day_end() -> None:
    days = [DayRow(0, datetime(2026, 5, 12).date(), datetime(2026, 5, 12, 9).time(), datetime(2026, 5, 12, 12).time())]
    slots = generate_slots(days, 30, 5, parse_breaks("10:00-10:30"))
    # 09:35 would run into the break (10:05), so the second slot starts when it ends
    assert [f"{s.starts_at:%H:%M}" for s in slots] == ["09:00", "10:30", "11:05"]
    assert [s.position for s in slots] == [0, 1, 2]


def test_plan_form_names_every_bad_field() -> None:
    form = parse_plan_form([("meeting_minutes", "0"), ("breaks", "lunch"), ("tables", "A\na: 1"),
                            ("timezone", "Mars/Olympus"), ("day_date", "12/05/2026"), ("day_start", "9"),
                            ("day_end", "17:00")])
    assert set(form.errors) >= {"meeting_minutes", "breaks", "tables", "timezone", "day_0"}


def test_schedule_places_the_published_meetings_without_clashes(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id = published_event(db, people, matching, mailer)
    summary = timetable.schedule(db, people.officer, list_id)
    assert summary["placed"] == summary["total"] > 0 and summary["status"] == "complete"
    no_clash(db, list_id)
    with db.connection() as conn:
        ev = load_event(conn, list_id)
    assert ev.plan.schedule_state == "preliminary"


def test_too_small_an_event_says_why_and_proposes_the_smallest_change(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id = published_event(db, people, matching, mailer, table_count="1", breaks="", meeting_minutes="60")
    summary = timetable.schedule(db, people.officer, list_id)
    assert summary["status"] == "partial" and summary["placed"] < summary["total"]
    assert summary["suggestion"]["kind"] in ("table", "slot", "shorter")
    assert summary["suggestion"]["placed"] > summary["placed"]
    with db.connection() as conn:
        ev = load_event(conn, list_id)
    left = [m for m in ev.meetings if ev.live(m) and m.slot is None]
    assert left and all(m.unplaced_reason and m.unplaced_detail for m in left)


def test_a_move_with_a_clash_is_refused_and_a_free_move_is_kept(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id = published_event(db, people, matching, mailer)
    timetable.schedule(db, people.officer, list_id)
    with db.connection() as conn:
        ev = load_event(conn, list_id)
    placed = [m for m in ev.meetings if m.slot is not None]
    first = placed[0]
    busy_other = next(m for m in placed if m.id != first.id and m.slot != first.slot
                      and {m.a_id, m.b_id} & {first.a_id, first.b_id})
    with pytest.raises(Invalid) as caught:
        timetable.move(db, mailer, people.officer, list_id, first.id, busy_other.slot, "T9")
    assert "already has a meeting" in caught.value.message or "not present" in caught.value.message
    taken = {(m.slot, m.table_name) for m in placed}
    mine = {m.slot for m in placed if {m.a_id, m.b_id} & {first.a_id, first.b_id}}
    free = next((s, t) for s in range(len(ev.slots)) for t in ("T1", "T2")
                if (s, t) not in taken and s not in mine)
    timetable.move(db, mailer, people.officer, list_id, first.id, free[0], free[1])
    with db.connection() as conn:
        moved = load_event(conn, list_id).by_id[first.id]
    assert (moved.slot, moved.table_name) == free
    no_clash(db, list_id)


def test_publish_mails_agendas_and_the_participant_downloads_a_calendar(db: Database, setup,
                                                                       settings: Settings) -> None:
    people, matching, mailer = setup
    list_id = published_event(db, people, matching, mailer)
    party = Party.of(db, people.member)
    assert not agenda.agenda_for(db, party, list_id).published   # preliminary: not shown yet
    timetable.schedule(db, people.officer, list_id)
    assert not agenda.agenda_for(db, party, list_id).items
    assert timetable.publish(db, mailer, people.officer, list_id) > 0
    with db.connection() as conn:
        kinds = [r[0] for r in conn.execute("SELECT kind FROM outbox WHERE recipient = 'chip@chipviet.example'")]
    assert "agenda_published" in kinds
    mine = agenda.agenda_for(db, party, list_id)
    assert mine.published and mine.items and all(i.mine == "vn-chipviet" for i in mine.items)
    cal = icalendar.Calendar.from_ical(agenda.to_ics(mine, settings.base_url))
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == len(mine.items)
    start = events[0].decoded("dtstart")
    assert start.utcoffset().total_seconds() == 7 * 3600   # Asia/Ho_Chi_Minh
    assert start.replace(tzinfo=None) == mine.items[0].starts_at
    with pytest.raises(NotFound):
        agenda.agenda_for(db, Party(people.officer.id, "officer", frozenset()), list_id)
    with pytest.raises(Conflict):
        timetable.schedule(db, people.officer, list_id)


def test_on_the_day_no_show_cancellation_reoptimise_and_walk_in(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id = published_event(db, people, matching, mailer)
    timetable.schedule(db, people.officer, list_id)
    timetable.publish(db, mailer, people.officer, list_id)
    with db.connection() as conn:
        ev = load_event(conn, list_id)
    placed = sorted((m for m in ev.meetings if m.slot is not None), key=lambda m: m.slot)
    day.mark(db, mailer, people.officer, list_id, placed[0].id, "held")
    later = [m for m in placed if m.slot >= 2]
    if later:
        day.mark(db, mailer, people.officer, list_id, later[0].id, "cancelled")
    gone = day.no_show(db, people.officer, list_id, "sg-lionfund", 1)
    report = day.reoptimise(db, mailer, people.officer, list_id, 1)
    assert report.placed > 0
    no_clash(db, list_id)
    with db.connection() as conn:
        after = load_event(conn, list_id)
    assert after.by_id[placed[0].id].attendance == "held" and after.by_id[placed[0].id].slot == placed[0].slot
    frozen = {m.id: (m.slot, m.table_name) for m in placed if m.slot in (1, 2) and "sg-lionfund" not in (m.a_id, m.b_id)
              and not (later and m.id == later[0].id)}
    assert all((after.by_id[i].slot, after.by_id[i].table_name) == where for i, where in frozen.items())
    assert gone == sum(1 for m in ev.meetings if "sg-lionfund" in (m.a_id, m.b_id) and ev.live(m)
                       and (m.slot is None or m.slot >= 1))
    pairs = {frozenset((m.a_id, m.b_id)) for m in after.meetings}
    a, b = next((x, y) for x in STARTUPS for y in PARTNERS if frozenset((x, y)) not in pairs and y != "sg-lionfund")
    walk = day.walk_in(db, mailer, people.officer, list_id, a, b, 1)
    assert walk.walk_in is not None
    assert walk.walk_in["slot"] is None or walk.walk_in["slot"] >= 2
    no_clash(db, list_id)
    with pytest.raises(Conflict):
        day.walk_in(db, mailer, people.officer, list_id, a, b, 1)


def test_presence_csv_reports_every_bad_line_and_stores_nothing_then(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id = published_event(db, people, matching, mailer)
    bad = presence.import_csv(db, people.officer, list_id, b"id,slot\nvn-chipviet,0\nnobody,1\nvn-hocvui,99\n")
    assert [e.line for e in bad.errors] == [3, 4]
    with db.connection() as conn:
        assert not load_event(conn, list_id).presence
    good = presence.import_csv(db, people.officer, list_id, b"id,slot\nvn-chipviet,0\nvn-chipviet,1\n")
    assert good.updated == 1 and not good.errors
    timetable.schedule(db, people.officer, list_id)
    with db.connection() as conn:
        ev = load_event(conn, list_id)
    assert all(m.slot in (0, 1) for m in ev.meetings if "vn-chipviet" in (m.a_id, m.b_id) and m.slot is not None)


def test_a_participant_states_presence_only_for_their_own_profile(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id = published_event(db, people, matching, mailer)
    party = Party.of(db, people.member)
    presence.set_own_presence(db, party, list_id, "vn-chipviet", "remote", [])
    with pytest.raises(Exception) as caught:
        presence.set_own_presence(db, party, list_id, "vn-hocvui", "whole", [])
    assert caught.value.__class__.__name__ == "Forbidden"
    with pytest.raises(Invalid):
        presence.set_own_presence(db, party, list_id, "vn-chipviet", "slots", [])
    timetable.schedule(db, people.officer, list_id)
    with db.connection() as conn:
        ev = load_event(conn, list_id)
    mine = [m for m in ev.meetings if "vn-chipviet" in (m.a_id, m.b_id) and m.slot is not None]
    assert mine and all(m.remote and m.table_name is None for m in mine)
