"""After the run: publishing creates the participants' proposals, both sides answer, the list
closes, outcomes are recorded and counted on the dashboard, and everything exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.web.curation_support import (
    PARTNERS,
    PASSWORD,
    STARTUPS,
    FakeMatching,
    People,
    import_event,
    make_people,
)
from tests.web.webkit import sign_in, web_client
from web.db.pool import Database
from web.errors import Conflict, NotFound
from web.http.pages import charts
from web.i18n import Renderer
from web.interchange import exports
from web.services.curation import lists, meetings, outcomes, runs, views
from web.services.curation.forms import parse_list_form
from web.services.curation.outcomes import DashboardFilter
from web.services.eventday import day, timetable
from web.services.eventday.event import load_event
from web.services.eventday.plan import parse_plan_form
from web.services.introductions import Party
from web.services.mail import Mailer
from web.settings import Settings
from web.store.users import UserRow


@pytest.fixture
def setup(db: Database, settings: Settings) -> tuple[People, FakeMatching, Mailer]:
    records = import_event(db)
    return make_people(db), FakeMatching(records), Mailer(settings, Renderer())


def party(db: Database, user: UserRow) -> Party:
    return Party.of(db, user)


def planned(db: Database, people: People, matching: Any, **form: str) -> tuple[int, int]:
    base = {"name": "Vietnam–Korea Tech Days", "kind": "event", "starts_on": "2026-05-12", "min_a": "1",
            "max_a": "2", "max_b": "3"}
    list_id = lists.create_list(db, people.officer, parse_list_form(base | form))
    lists.add_by_hand(db, people.officer, list_id, STARTUPS + PARTNERS)
    lists.set_pair(db, people.officer, list_id, "vn-chipviet", "kr-daesung-osat", "forced", "requested")
    return list_id, runs.run_assignment(db, matching, people.officer, list_id)


def test_publishing_creates_the_participants_proposals_and_mails_them(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id, run_id = planned(db, people, matching)
    n_pairs = len(views.run_view(db, list_id, run_id).pairs)
    assert meetings.publish(db, mailer, people.officer, list_id, run_id) == n_pairs
    row = lists.get_list(db, list_id)
    assert (row.state, row.published_run) == ("published", run_id)
    mine = meetings.meetings_for(db, party(db, people.member), "en")
    assert any(m.other == "kr-daesung-osat" and m.can_answer for m in mine)
    assert {m.mine for m in mine} == {"vn-chipviet"}
    with db.connection() as conn:
        mails = conn.execute("SELECT recipient, kind FROM outbox ORDER BY id").fetchall()
    assert ("chip@chipviet.example", "meetings_proposed") in mails and ("bd@daesung.example", "meetings_proposed") in mails
    with pytest.raises(Conflict):
        runs.edit_run(db, people.officer, list_id, run_id, "remove", "vn-chipviet", "kr-daesung-osat")
    with pytest.raises(Conflict):
        meetings.publish(db, mailer, people.officer, list_id, run_id)


def test_a_meeting_is_confirmed_when_both_sides_accept(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id, run_id = planned(db, people, matching)
    meetings.publish(db, mailer, people.officer, list_id, run_id)
    (m,) = [m for m in meetings.meetings_for(db, party(db, people.member), "en") if m.other == "kr-daesung-osat"]
    assert meetings.answer(db, mailer, party(db, people.member), m.row.id, "accepted") == "proposed"
    assert meetings.meeting_for(db, party(db, people.member), m.row.id, "en").contact is None
    with pytest.raises(Conflict):
        meetings.answer(db, mailer, party(db, people.member), m.row.id, "declined")
    assert meetings.answer(db, mailer, party(db, people.partner), m.row.id, "accepted") == "confirmed"
    view = meetings.meeting_for(db, party(db, people.member), m.row.id, "en")
    assert view.contact and view.contact["contact_email"] == "vn@daesung.example"
    with pytest.raises(NotFound):  # an outsider cannot see it
        meetings.meeting_for(db, Party(people.officer.id, "officer", frozenset()), m.row.id, "en")


def test_a_decline_ends_the_meeting_and_closing_expires_the_rest(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id, run_id = planned(db, people, matching)
    meetings.publish(db, mailer, people.officer, list_id, run_id)
    (m,) = [m for m in meetings.meetings_for(db, party(db, people.partner), "en") if m.other == "vn-chipviet"]
    assert meetings.answer(db, mailer, party(db, people.partner), m.row.id, "declined") == "declined"
    expired = meetings.close(db, people.officer, list_id)
    states = [x.state for x in meetings.list_meetings(db, list_id)]
    assert expired == len(states) - 1 and states.count("declined") == 1
    with pytest.raises(Conflict):
        meetings.close(db, people.officer, list_id)


def test_an_infeasible_run_is_published_only_when_confirmed(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id, run_id = planned(db, people, matching, max_b="1")
    with pytest.raises(Conflict):
        meetings.publish(db, mailer, people.officer, list_id, run_id)
    assert meetings.publish(db, mailer, people.officer, list_id, run_id, force=True) > 0


def test_outcomes_are_recorded_by_either_side_or_an_officer_and_counted_once(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id, run_id = planned(db, people, matching)
    meetings.publish(db, mailer, people.officer, list_id, run_id)
    (m,) = [m for m in meetings.meetings_for(db, party(db, people.member), "en") if m.other == "kr-daesung-osat"]
    outcomes.record(db, people.member, "meeting", m.row.id, "met", "2026-05-12", "Good first talk")
    outcomes.record(db, people.partner, "meeting", m.row.id, "met", "2026-05-13")
    outcomes.record(db, people.officer, "meeting", m.row.id, "nda_mou", "2026-06-02", "NDA on test programs")
    ref, rows = outcomes.list_for(db, people.member, "meeting", m.row.id)
    assert [(r.type, r.entered_role, r.entered_for) for r in rows] == [
        ("nda_mou", "officer", None), ("met", "participant", "kr-daesung-osat"), ("met", "participant", "vn-chipviet")]
    board = outcomes.dashboard(db, DashboardFilter())
    assert board.total == 2 and dict(board.by_type) == {"met": 1, "nda_mou": 1}
    assert dict(board.by_country) == {"KR": 2} and dict(board.by_list) == {"Vietnam–Korea Tech Days": 2}
    assert dict(board.by_sector)["semiconductors"] == 2
    assert board.months == ["2026-05", "2026-06"] and board.by_month["met"] == {"2026-05": 1, "2026-06": 0}
    met = next(f for f in board.facts if f.type == "met")
    assert met.occurred_on == date(2026, 5, 12) and met.records == 2 and met.notes == "Good first talk"
    assert outcomes.dashboard(db, DashboardFilter(since=date(2026, 6, 1))).total == 1
    (funnel,) = board.funnel
    assert funnel.list_id == list_id and funnel.proposed == len(meetings.list_meetings(db, list_id))
    assert funnel.outcomes == 2


def test_outsiders_cannot_record_and_introductions_need_an_acceptance(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id, run_id = planned(db, people, matching)
    meetings.publish(db, mailer, people.officer, list_id, run_id)
    other = next(m for m in meetings.list_meetings(db, list_id) if "vn-chipviet" not in (m.a_id, m.b_id)
                 and "kr-daesung-osat" not in (m.a_id, m.b_id))
    with pytest.raises(NotFound):
        outcomes.record(db, people.member, "meeting", other.id, "met", "2026-05-12")
    with db.connection() as conn:
        row = conn.execute("INSERT INTO introductions (from_profile, to_profile, expires_at)"
                           " VALUES ('vn-chipviet', 'kr-hanul-chips', now() + interval '1 day') RETURNING id").fetchone()
    assert row is not None
    with pytest.raises(Conflict):
        outcomes.record(db, people.member, "introduction", row[0], "met", "2026-05-12")
    with db.connection() as conn:
        conn.execute("UPDATE introductions SET state = 'accepted' WHERE id = %(id)s", {"id": row[0]})
    outcomes.record(db, people.member, "introduction", row[0], "pilot", "2026-07-01")
    board = outcomes.dashboard(db, DashboardFilter())
    assert dict(board.by_list) == {None: 1} and dict(board.by_type) == {"pilot": 1}


def _csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_schedule_exports_as_csv_and_xlsx(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id, run_id = planned(db, people, matching)
    meetings.publish(db, mailer, people.officer, list_id, run_id)
    pairs = views.run_view(db, list_id, run_id).pairs
    rows = _csv(exports.schedule_csv(db, list_id, run_id))
    assert rows[0] == list(exports.SCHEDULE_COLUMNS) and len(rows) == len(pairs) + 1
    chip = next(r for r in rows if r[0] == "vn-chipviet" and r[3] == "kr-daesung-osat")
    assert chip[1] == "ChipViệt" and chip[9] == "forced" and chip[10] == "proposed"
    wb = load_workbook(io.BytesIO(exports.schedule_xlsx(db, list_id, run_id, str)))
    assert wb.sheetnames == ["Schedule", "By partner", "Grid"]
    ws = wb["Schedule"]
    assert [c.value for c in ws[1]][:2] == ["Startup id", "Startup"] and ws.max_row == len(pairs) + 1
    assert ws.freeze_panes == "A2"
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert next(v[:2] for v in values if v[0] == "vn-chipviet") == ["vn-chipviet", "ChipViệt"]
    assert sum(row[2] for row in wb["By partner"].iter_rows(min_row=2, values_only=True)) == len(pairs)
    grid = wb["Grid"]
    header = [c.value for c in grid[1]]
    daesung = next(r for r in grid.iter_rows(min_row=2, values_only=True) if r[0] == "Daesung Packaging & Test")
    assert daesung[header.index("ChipViệt")] == next(p.fit for p in pairs if p.key == "vn-chipviet|kr-daesung-osat")


def test_the_participant_csv_round_trips_through_the_import(db: Database, setup) -> None:
    people, matching, _ = setup
    list_id, _ = planned(db, people, matching)
    lists.update_participant(db, people.officer, list_id, "kr-hanul-chips", "b", 1, 4, "=cmd")
    data = exports.list_csv(db, list_id)
    rows = _csv(data)
    assert rows[0][:5] == ["id", "side", "min", "max", "group"]
    assert next(r[:5] for r in rows if r[0] == "kr-hanul-chips") == ["kr-hanul-chips", "b", "1", "4", "'=cmd"]
    copy = lists.create_list(db, people.officer, parse_list_form({"name": "Copy", "kind": "event"}))
    report = lists.import_csv(db, people.officer, copy, data)
    assert report.added == 13 and not report.errors
    wb = load_workbook(io.BytesIO(exports.list_xlsx(db, list_id, str)))
    assert wb.sheetnames == ["Match list", "Participants", "Blocked and forced pairs"]
    assert wb["Match list"]["B2"].value == "Vietnam–Korea Tech Days"
    assert wb["Blocked and forced pairs"]["E2"].value == "forced"


def test_the_outcome_report_exports_and_charts_render_as_svg(db: Database, setup) -> None:
    people, matching, mailer = setup
    list_id, run_id = planned(db, people, matching)
    meetings.publish(db, mailer, people.officer, list_id, run_id)
    m = meetings.list_meetings(db, list_id)[0]
    outcomes.record(db, people.officer, "meeting", m.id, "technology_transfer", "2026-05-20", "=HYPERLINK()")
    board = outcomes.dashboard(db, DashboardFilter())
    rows = _csv(exports.outcomes_csv(board))
    assert rows[0] == list(exports.OUTCOME_COLUMNS) and rows[1][1] == "technology_transfer" and rows[1][-1] == "'=HYPERLINK()"
    svg = charts.bar_chart([("Công nghệ bán dẫn", 3), ("AI", 1)], "none")
    assert svg.startswith(b"<?xml") and "Công nghệ bán dẫn".encode() in svg
    assert charts.bar_chart([("AI", 1)], "x") == charts.bar_chart([("AI", 1)], "x")
    assert b"No data" in charts.timeline_chart([], [], "No data")
    assert b"<svg" in charts.timeline_chart(board.months, [("Transfer", [1])], "none")


def test_the_dashboard_counts_each_event_day_and_shows_it(db: Database, setup, settings: Settings,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Per event with a plan: scheduled, held, no-shows, cancelled, walk-ins, and follow-ups beyond "met"."""
    people, matching, mailer = setup
    # every meeting is placed within a second; the rest of the ten seconds would only shorten idle gaps
    monkeypatch.setattr(timetable, "SOLVE_SECONDS", 1.0)
    list_id, run_id = planned(db, people, matching)
    meetings.publish(db, mailer, people.officer, list_id, run_id)
    unplanned, _ = planned(db, people, matching, name="No plan yet")
    plan = parse_plan_form([("meeting_minutes", "30"), ("table_count", "4"), ("video_rooms", "1"),
                            ("include_proposed", "on"), ("day_date", "2026-05-12"), ("day_start", "09:00"),
                            ("day_end", "12:00")])
    timetable.save_plan(db, people.officer, list_id, plan)
    timetable.schedule(db, people.officer, list_id)
    timetable.publish(db, mailer, people.officer, list_id)
    with db.connection() as conn:
        ev = load_event(conn, list_id)
    placed = sorted((m for m in ev.meetings if m.slot is not None), key=lambda m: (m.slot, m.id))
    held, also_held, missed, called_off = placed[:4]
    for m, value in ((held, "held"), (also_held, "held"), (missed, "no_show"), (called_off, "cancelled")):
        day.mark(db, mailer, people.officer, list_id, m.id, value)
    pairs = {frozenset((m.a_id, m.b_id)) for m in ev.meetings}
    a, b = next((x, y) for x in STARTUPS for y in PARTNERS if frozenset((x, y)) not in pairs)
    assert day.walk_in(db, mailer, people.officer, list_id, a, b, 0).walk_in is not None
    outcomes.record(db, people.officer, "meeting", held.id, "met", "2026-05-12")
    outcomes.record(db, people.officer, "meeting", held.id, "pilot", "2026-07-01", "Pilot line")
    outcomes.record(db, people.officer, "meeting", also_held.id, "pilot", "2026-06-15")
    outcomes.record(db, people.officer, "meeting", also_held.id, "nda_mou", "2026-05-20")

    (row,) = outcomes.dashboard(db, DashboardFilter()).event_days
    # the no-show and the cancelled meeting lost their slots but were scheduled; the walk-in joined
    assert (row.list_id, row.scheduled, row.held, row.no_show, row.cancelled, row.walk_in) == (
        list_id, len(placed) + 1, 2, 1, 1, 1)
    assert row.follow_ups == [("nda_mou", 1), ("pilot", 2)] and row.follow_up_total == 3
    assert outcomes.dashboard(db, DashboardFilter(list_id=unplanned)).event_days == []
    assert outcomes.dashboard(db, DashboardFilter(since=date(2026, 5, 13))).event_days == []
    (in_may,) = outcomes.dashboard(db, DashboardFilter(since=date(2026, 5, 1), until=date(2026, 6, 30))).event_days
    assert in_may.held == 2 and in_may.follow_ups == [("nda_mou", 1), ("pilot", 1)]  # the July pilot is outside

    english = settings.model_copy(update={"default_locale": "en"})
    with web_client(english, db) as client:
        sign_in(client, people.officer.email, PASSWORD)
        page = client.get(f"/officer/dashboard?list={list_id}").text
    found = re.search(rf'<tr id="event-day-{list_id}">(.*?)</tr>', page, re.S)
    assert found, page[-3000:]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
    assert f'href="/officer/lists/{list_id}/timetable"' in cells[0]
    assert [c.strip() for c in cells[2:7]] == [str(len(placed) + 1), "2", "1", "1", "1"]
    assert "<b>3</b>" in cells[7] and "NDA or MoU signed: 1" in cells[7] and "Pilot project: 2" in cells[7]


def test_an_anonymous_partner_is_known_by_its_label_until_the_meeting_is_confirmed(db: Database, setup) -> None:
    """An officer may propose a meeting with an anonymous profile: the startup's meeting pages and
    its mail name it by its generated label and alias until both accept; then by its name."""
    from web.store import outbox as outbox_store
    people, matching, mailer = setup
    with db.connection() as conn:
        conn.execute("UPDATE profiles SET record = record || '{\"visibility\": \"anonymous\"}'::jsonb"
                     " WHERE id = 'kr-daesung-osat'")
        name = conn.execute("SELECT name FROM profiles WHERE id = 'kr-daesung-osat'").fetchone()[0]
    list_id, run_id = planned(db, people, matching)
    meetings.publish(db, mailer, people.officer, list_id, run_id)
    (m,) = [m for m in meetings.meetings_for(db, party(db, people.member), "vi") if m.row.b_id == "kr-daesung-osat"]
    assert m.other.startswith("anon-") and m.other_name.startswith("Một ") and name not in m.other_name
    with db.connection() as conn:
        mails = [r.body for r in outbox_store.list_outbox(conn) if "chipviet" in r.recipient]
    assert mails and not any(name in body or "kr-daesung-osat" in body for body in mails)
    meetings.answer(db, mailer, party(db, people.member), m.row.id, "accepted")
    meetings.answer(db, mailer, party(db, people.partner), m.row.id, "accepted")
    confirmed = meetings.meeting_for(db, party(db, people.member), m.row.id, "en")
    assert (confirmed.other, confirmed.other_name) == ("kr-daesung-osat", name)
