"""``caunoi schedule`` through click's CliRunner: real CSV files offline, and a published list of
the real PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.web.curation_support import PARTNERS, STARTUPS, FakeMatching, import_event, make_people
from tests.web.webkit import cli_runner, file_writer
from web.cli import main
from web.db.pool import Database
from web.i18n import Renderer
from web.services.curation import lists, meetings, runs
from web.services.curation.forms import parse_list_form
from web.services.eventday import presence, timetable
from web.services.eventday.event import load_event
from web.services.eventday.plan import parse_plan_form
from web.services.mail import Mailer
from web.settings import Settings

MEETINGS = "a,b,fit\nlúa-việt,agri-nl,0.9\nlúa-việt,med-de,0.5\nyte-sg,agri-nl,0.8\nyte-sg,med-de,0.1\nchip,agri-nl,0.3\n"


@pytest.fixture
def files(tmp_path):
    return file_writer(tmp_path)


@pytest.fixture
def caunoi():
    """``caunoi schedule ARGS...`` as the console script runs it."""
    return lambda args: cli_runner().invoke(main, ["schedule", *args])


def test_json_output_has_the_promised_shape(files, caunoi):
    res = caunoi(["--meetings", files("m.csv", MEETINGS), "--slots", "2", "--tables", "2", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["status"] == "partial" and out["solver_status"] == "optimal"
    assert {"a", "b", "slot", "table"} <= set(out["placed"][0])
    # agri-nl has three meetings for two slots: the lowest fit is the one left out
    assert out["unplaced"] == [{"a": "chip", "b": "agri-nl", "reason": "participant_full",
                                "detail": "agri-nl's available slots are full"}]
    assert len({(p["slot"], p["table"]) for p in out["placed"]}) == 4


def test_availability_is_kept_and_the_human_output_is_a_timetable(files, caunoi):
    avail = files("a.csv", "id,slot\nlúa-việt,1\nyte-sg,0\n")
    res = caunoi(["--meetings", files("m.csv", MEETINGS), "--slots", "3", "--tables", "1", "--availability", avail])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("status: partial   placed: 3 of 5")
    slot1 = lines[lines.index("slot 1") + 1].split()
    assert slot1[0] == "T1" and slot1[1] == "lúa-việt"
    assert "not placed:" in lines


def test_a_delegation_meets_together_and_remote_meetings_need_no_table(files, caunoi):
    meetings = files("m.csv", "a,b,remote\nvn-tom,nl-mission,\nvn-lua,nl-agri,0\nvn-ca,nl-water,yes\n")
    groups = files("d.csv", "group,id\nnl-mission,nl-agri\nnl-mission,nl-water\n")
    res = caunoi(["--meetings", meetings, "--delegations", groups, "--slots", "2", "--tables", "1", "--json"])
    assert res.exit_code == 0, res.output
    placed = {(p["a"], p["b"]): p for p in json.loads(res.stdout)["placed"]}
    assert placed["vn-ca", "nl-water"]["table"] is None and placed["vn-ca", "nl-water"]["remote"]
    assert placed["vn-tom", "nl-mission"]["slot"] not in (placed["vn-lua", "nl-agri"]["slot"],
                                                          placed["vn-ca", "nl-water"]["slot"])


def test_the_gap_and_days_options(files, caunoi):
    meetings = files("m.csv", "a,b\nan,x\nan,y\nan,z\n")
    res = caunoi(["--meetings", meetings, "--slots", "4", "--per-day", "2", "--tables", "1", "--gap", "1", "--json"])
    out = json.loads(res.stdout)
    assert sorted(p["day"] for p in out["placed"]) == [0, 1] and out["unplaced"][0]["reason"] == "min_gap"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("meetings", "a,b,fit\nx,y,0.5\nx,z,high\n", "line 3, column fit: 'high' is not a number >= 0"),
        ("meetings", "a,fit\nx,0.5\n", "line 1: missing column(s) b"),
        ("meetings", "a,b\nx,y\nx,y\n", "line 3: meeting (x, y) already listed on line 2"),
        ("meetings", "a,b\n,y\n", "line 2, column a: empty id"),
        ("meetings", "a,b\nx,x\n", "line 2, column b: 'x' cannot meet itself"),
        ("meetings", "a,b,remote\nx,y,maybe\n", "line 2, column remote: 'maybe' is not one of 1/0"),
        ("meetings", "a,b\n", "line 1: no meetings listed"),
        ("availability", "id,slot\nx,1\nghost,0\n", "line 3, column id: unknown id 'ghost'"),
        ("availability", "id,slot\nx,2\n", "line 2, column slot: '2' is not a slot 0..1 (--slots 2)"),
        ("availability", "id,slot\nx,-1\n", "line 2, column slot: '-1' is not a slot 0..1"),
        ("availability", "who,slot\nx,1\n", "line 1: missing column(s) id"),
    ],
)
def test_bad_csv_names_file_line_and_column(files, caunoi, name, text, expected):
    paths = {"meetings": "a,b\nx,y\n", "availability": "id,slot\n"}
    paths[name] = text
    res = caunoi(["--meetings", files("meet.csv", paths["meetings"]), "--availability",
                  files("avail.csv", paths["availability"]), "--slots", "2", "--tables", "1"])
    assert res.exit_code == 1, res.output
    assert expected in res.stderr and res.stdout == ""
    assert {"meetings": "meet.csv", "availability": "avail.csv"}[name] in res.stderr
    assert "Traceback" not in res.stderr


def test_a_missing_file_is_named(caunoi, tmp_path):
    res = caunoi(["--meetings", str(tmp_path / "nope.csv"), "--slots", "2", "--tables", "1"])
    assert res.exit_code == 1 and "nope.csv: line 0: cannot open" in res.stderr


@pytest.mark.parametrize(("args", "expected"), [
    (["--slots", "2", "--tables", "1"], "give LIST_ID or --meetings"),
    (["--meetings", "m.csv", "--tables", "1"], "--slots and --tables are required"),
    (["--meetings", "m.csv", "--slots", "0", "--tables", "1"], "0 is not in the range x>=1"),
    (["7", "--meetings", "m.csv", "--slots", "2", "--tables", "1"], "not both"),
])
def test_usage_errors_exit_2(caunoi, args, expected):
    res = caunoi(args)
    assert res.exit_code == 2 and expected in res.stderr


def test_a_list_id_that_is_not_a_number_fails_loudly(caunoi):
    res = caunoi(["list-42", "--slots", "2", "--tables", "1"])
    assert res.exit_code == 1 and "list id 'list-42' is not a number" in res.stderr


def test_a_published_list_is_scheduled_from_the_database(db: Database, settings: Settings) -> None:
    records = import_event(db)
    people = make_people(db)
    form = {"name": "Vietnam–Korea Tech Days", "kind": "event", "starts_on": "2026-05-12", "min_a": "1",
            "max_a": "2", "max_b": "3"}
    list_id = lists.create_list(db, people.officer, parse_list_form(form))
    lists.add_by_hand(db, people.officer, list_id, STARTUPS + PARTNERS)
    run_id = runs.run_assignment(db, FakeMatching(records), people.officer, list_id)
    n = meetings.publish(db, Mailer(settings, Renderer()), people.officer, list_id, run_id)
    base = ["--data-dir", str(settings.data_dir), "--database-url", str(settings.database_url), "schedule"]
    res = cli_runner().invoke(main, [*base, str(list_id), "--slots", "6", "--tables", "4", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert len(out["placed"]) + len(out["unplaced"]) == n and out["status"] == "complete"
    assert all(0 <= p["fit"] <= 100 for p in out["placed"])
    missing = cli_runner().invoke(main, [*base, "999", "--slots", "6", "--tables", "4"])
    assert missing.exit_code == 1 and "caunoi: error:" in missing.stderr


PLAN = [("meeting_minutes", "30"), ("breaks", "10:00-10:30"), ("table_count", "4"), ("video_rooms", "1"),
        ("min_gap", "0"), ("include_proposed", "on"), ("day_date", "2026-05-12"), ("day_start", "09:00"),
        ("day_end", "12:30")]


@pytest.fixture
def event(db: Database, settings: Settings) -> dict[str, Any]:
    """A published event list with a stored plan (six slots, tables T1-T4, one video room), one
    partner remote only and one startup present in the first two slots; and the CLI on its database."""
    records = import_event(db)
    people = make_people(db)
    form = {"name": "Vietnam–Korea Tech Days", "kind": "event", "starts_on": "2026-05-12", "min_a": "1",
            "max_a": "2", "max_b": "3"}
    list_id = lists.create_list(db, people.officer, parse_list_form(form))
    lists.add_by_hand(db, people.officer, list_id, STARTUPS + PARTNERS)
    run_id = runs.run_assignment(db, FakeMatching(records), people.officer, list_id)
    meetings.publish(db, Mailer(settings, Renderer()), people.officer, list_id, run_id)
    plan = parse_plan_form(PLAN)
    timetable.save_plan(db, people.officer, list_id, plan)
    presence.set_presence(db, people.officer, list_id, "sg-lionfund", "remote", [])
    presence.set_presence(db, people.officer, list_id, "vn-chipviet", "slots", [0, 1])
    base = ["--data-dir", str(settings.data_dir), "--database-url", str(settings.database_url), "schedule"]
    return {"id": list_id, "people": people, "run": lambda *args: cli_runner().invoke(main, [*base, *args])}


def stored(db: Database, list_id: int) -> tuple[str, dict[tuple[str, str], tuple[int | None, str | None]]]:
    with db.connection() as conn:
        ev = load_event(conn, list_id)
    return ev.plan.schedule_state, {(m.a_id, m.b_id): (m.slot, m.table_name) for m in ev.meetings}


def test_an_event_is_scheduled_on_its_stored_plan_and_nothing_is_stored(db: Database, event) -> None:
    before = stored(db, event["id"])
    res = event["run"](str(event["id"]), "--json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    live = [m for m in meetings.list_meetings(db, event["id"]) if m.state in ("proposed", "confirmed")]
    assert len(out["placed"]) + len(out["unplaced"]) == len(live) and out["placed"]
    assert {p["slot"] for p in out["placed"]} <= set(range(6)) and {p["start"] for p in out["placed"]} <= {
        "09:00", "09:30", "10:30", "11:00", "11:30", "12:00"}
    for p in out["placed"]:
        remote = "sg-lionfund" in (p["a"], p["b"])
        assert p["remote"] == remote and (p["table"] is None) == remote
        assert p["table"] in (None, "T1", "T2", "T3", "T4")
        assert "vn-chipviet" not in (p["a"], p["b"]) or p["slot"] in (0, 1)
    video = [p["slot"] for p in out["placed"] if p["remote"]]
    assert len(video) == len(set(video))            # one video room
    assert stored(db, event["id"]) == before and before[0] == "none"
    human = event["run"](str(event["id"]))
    assert human.exit_code == 0 and human.stdout.startswith("event: Vietnam–Korea Tech Days   6 time slots on 1 day(s)")
    assert "slot 0 (2026-05-12 09:00–09:30)" in human.stdout and human.stderr == ""


def test_slots_and_tables_given_replace_the_plans_grid_with_a_note(event) -> None:
    res = event["run"](str(event["id"]), "--slots", "2", "--tables", "1", "--json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert {p["table"] for p in out["placed"]} <= {"T1", None} and {p["slot"] for p in out["placed"]} <= {0, 1}
    assert "--slots 2 replaces the plan's 6 time slots" in res.stderr
    assert "--tables 1 replaces the plan's 4 tables" in res.stderr
    assert out["status"] == "partial"


def test_store_makes_the_result_the_preliminary_timetable(db: Database, event) -> None:
    res = event["run"](str(event["id"]), "--store", "--json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    state, where = stored(db, event["id"])
    assert state == "preliminary" and out["stored"] is True and out["placed"]
    assert {(p["a"], p["b"]): (p["slot"], p["table"]) for p in out["placed"]} == {
        k: v for k, v in where.items() if v[0] is not None}
    with db.connection() as conn:
        actor = conn.execute("SELECT actor, actor_id FROM audit_log WHERE action = 'event-scheduled'").fetchone()
    assert actor == ("cli", None)
    timetable.publish(db, Mailer(db.settings, Renderer()), event["people"].officer, event["id"])
    again = event["run"](str(event["id"]), "--store")
    assert again.exit_code == 1 and "The agenda is published" in again.stderr and "Traceback" not in again.stderr
    assert stored(db, event["id"])[1] == where


def test_lists_that_cannot_be_scheduled_on_a_plan_say_why_in_one_line(db: Database, event) -> None:
    people = event["people"]
    plain = lists.create_list(db, people.officer, parse_list_form({"name": "Event, no plan", "kind": "event"}))
    visit = lists.create_list(db, people.officer, parse_list_form({"name": "Visit", "kind": "delegation"}))
    draft = lists.create_list(db, people.officer, parse_list_form({"name": "Draft", "kind": "event"}))
    timetable.save_plan(db, people.officer, draft, parse_plan_form(PLAN))
    cases = [
        (["999"], "list 999: This match list does not exist."),
        ([str(visit)], f"list {visit} is a delegation list, not an event: it has no plan: give --slots and --tables"),
        ([str(plain)], f"list {plain} has no event plan yet"),
        ([str(plain), "--store"], "--store needs one"),
        ([str(draft)], f"list {draft} has no meeting to schedule"),
        ([str(draft), "--store"], "Publish a run first"),
    ]
    for args, expected in cases:
        res = event["run"](*args)
        assert res.exit_code == 1, (args, res.output)
        assert expected in res.stderr and len(res.stderr.strip().splitlines()) == 1, (args, res.stderr)
        assert res.stdout == ""
    res = event["run"](str(event["id"]), "--store", "--tables", "2")
    assert res.exit_code == 2 and "leave out --slots, --tables and --gap" in res.stderr
    assert event["run"]("--meetings", "m.csv", "--store", "--slots", "1", "--tables", "1").exit_code == 2


def test_presence_past_the_last_slot_of_a_shorter_plan_is_ignored(db: Database, event) -> None:
    """A participant gave slot 5; the plan then shrank to two slots: scheduling still works."""
    presence.set_presence(db, event["people"].officer, event["id"], "vn-nangxanh", "slots", [1, 5])
    shorter = [(k, v) for k, v in PLAN if k != "day_end"] + [("day_end", "10:00")]
    timetable.save_plan(db, event["people"].officer, event["id"], parse_plan_form(shorter))
    res = event["run"](str(event["id"]), "--json")
    assert res.exit_code == 0, res.stderr
    hers = [p["slot"] for p in json.loads(res.stdout)["placed"] if "vn-nangxanh" in (p["a"], p["b"])]
    assert hers == [1]
