"""Expert lists over HTTP on the real PostgreSQL: an officer makes a list for a programme with
experts on side B (whatever their country) and members on side A, finds experts by filter and by
name, runs the engine's assignment (expert ↔ member pairs only), and exports the experts escaped
for spreadsheets; members get 403."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.web.target_support import EXPERTS, ScoutingMatching, target_records
from tests.web.webkit import member, post, scalar, sign_in, web_client
from web.db.pool import Database
from web.services.profiles import import_records
from web.settings import Settings

MEMBERS = ["vn-chipviet", "vn-tomsen", "vn-hocvui"]


@pytest.fixture
def matching(db: Database) -> ScoutingMatching:
    records = target_records()
    for r in records:
        if r["id"] == "xp-sara-kim":
            r["affiliation"] = "=cmd|' /C calc'!A0"
    import_records(db, records)
    return ScoutingMatching(records)


@pytest.fixture
def officer(db: Database, settings: Settings, matching: ScoutingMatching) -> Iterator[TestClient]:
    member(db, "officer@caunoi.example", role="officer")
    with web_client(settings, db, matching) as c:
        post(c, "/locale", {"lang": "en", "next": "/"})
        sign_in(c, "officer@caunoi.example")
        yield c


def expert_list(client: TestClient) -> int:
    r = post(client, "/officer/lists", {"name": "Semiconductor mentors 2027", "kind": "experts", "min_a": "1",
                                        "max_b": "2"})
    assert r.status_code == 303, r.text[:800]
    found = re.search(r"/officer/lists/(\d+)/participants", r.headers["location"])
    assert found
    return int(found.group(1))


def sides(db: Database, list_id: int) -> dict[str, str]:
    with db.connection() as conn:
        rows = conn.execute("SELECT profile_id, side FROM match_list_participants WHERE list_id = %(l)s",
                            {"l": list_id}).fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def test_experts_go_on_side_b_and_members_on_side_a_however_they_are_added(db: Database, officer: TestClient) -> None:
    list_id = expert_list(officer)
    page = officer.get(f"/officer/lists/{list_id}").text
    assert "Expert list" in page and "Experts as CSV" in page
    r = post(officer, f"/officer/lists/{list_id}/participants/import", {"text": "\n".join([EXPERTS[0], *MEMBERS])})
    assert r.status_code == 303
    assert post(officer, f"/officer/lists/{list_id}/participants/add", {"profile_id": EXPERTS[1]}).status_code == 303
    assert post(officer, f"/officer/lists/{list_id}/participants/add", {"profile_id": "kr-hanul-chips"}).status_code == 303
    assert sides(db, list_id) == {**dict.fromkeys(EXPERTS, "b"), **dict.fromkeys([*MEMBERS, "kr-hanul-chips"], "a")}


def test_the_officer_finds_experts_by_filter_and_by_name(db: Database, officer: TestClient) -> None:
    list_id = expert_list(officer)
    page = officer.get(f"/officer/lists/{list_id}/participants?kind=expert").text
    assert "2 profiles match" in page and "Sara Kim" in page and "Lê Minh Anh" in page
    assert post(officer, f"/officer/lists/{list_id}/participants/filter", {"kind": "expert"}).status_code == 303
    assert sides(db, list_id) == dict.fromkeys(EXPERTS, "b")
    assert post(officer, f"/officer/lists/{list_id}/participants/{EXPERTS[1]}/remove").status_code == 303
    only = officer.get(f"/officer/lists/{list_id}/participants?q=kim&experts=on").text
    assert "Sara Kim" in only and 'name="experts" value="on" checked' in only
    assert "No profile found" in officer.get(f"/officer/lists/{list_id}/participants?q=vn-&experts=on").text
    assert "ChipViệt" in officer.get(f"/officer/lists/{list_id}/participants?q=vn-").text


def test_the_engine_pairs_experts_with_members_never_two_experts(db: Database, officer: TestClient) -> None:
    list_id = expert_list(officer)
    post(officer, f"/officer/lists/{list_id}/participants/import", {"text": "\n".join(EXPERTS + MEMBERS)})
    r = post(officer, f"/officer/lists/{list_id}/runs")
    assert r.status_code == 303, r.text[:500]
    with db.connection() as conn:
        pairs = conn.execute("SELECT a_id, b_id FROM run_pairs").fetchall()
    assert pairs and all(a in MEMBERS and b in EXPERTS for a, b in pairs)
    assert {a for a, _ in pairs} == set(MEMBERS)     # every member gets an expert (min 1)
    schedule = officer.get(r.headers["location"] + "/schedule.csv")
    assert schedule.status_code == 200 and "xp-" in schedule.text


def test_the_expert_export_lists_experts_first_escaped(db: Database, officer: TestClient) -> None:
    list_id = expert_list(officer)
    post(officer, f"/officer/lists/{list_id}/participants/import", {"text": "\n".join(EXPERTS + MEMBERS)})
    r = officer.get(f"/officer/lists/{list_id}/experts.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [x["id"] for x in rows[:2]] == ["xp-le-minh-anh", "xp-sara-kim"]
    assert rows[0]["overseas_vietnamese"] == "yes" and rows[0]["availability"] == "remote_collaboration co_founding"
    assert rows[1]["affiliation"] == "'=cmd|' /C calc'!A0"
    assert {x["id"] for x in rows[2:]} == set(MEMBERS)
    wb = load_workbook(io.BytesIO(officer.get(f"/officer/lists/{list_id}/experts.xlsx").content))
    experts, members = wb.worksheets
    assert experts.max_row == 3 and members.max_row == 4
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    member(db, "m@x.example")
    post(officer, "/logout")
    sign_in(officer, "m@x.example")
    assert officer.get(f"/officer/lists/{list_id}/experts.csv").status_code == 403
    assert scalar(db, "SELECT kind FROM match_lists") == "experts"


def test_an_expert_cannot_be_moved_to_the_members_side_nor_a_member_to_the_experts(
        db: Database, officer: TestClient) -> None:
    """Moved by hand across, an expert would meet an expert (never proposed) or a member a member."""
    list_id = expert_list(officer)
    post(officer, f"/officer/lists/{list_id}/participants/import", {"text": "\n".join([EXPERTS[0], MEMBERS[0]])})
    for profile_id, side in ((EXPERTS[0], "a"), (MEMBERS[0], "b")):
        r = post(officer, f"/officer/lists/{list_id}/participants/{profile_id}", {"side": side})
        assert r.status_code in (303, 400, 422) and "experts are side B" in (r.text + officer.get(
            f"/officer/lists/{list_id}/participants").text)
        r = post(officer, f"/officer/lists/{list_id}/participants/add", {"profile_id": EXPERTS[1], "side": "a"})
    assert sides(db, list_id) == {EXPERTS[0]: "b", MEMBERS[0]: "a"}
    assert post(officer, f"/officer/lists/{list_id}/participants/{MEMBERS[0]}",
                {"side": "a", "max_pairs": "2"}).status_code == 303
