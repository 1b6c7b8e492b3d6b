"""Target lists over HTTP on the real PostgreSQL: an officer makes a technology-acquisition list
for a Vietnamese buyer, adds targets from the engine's proposals (the cited asset) and by name,
moves them through the statuses with a dated note each (history kept), sees the counts and the
acquired target on the outcomes dashboard, and exports them escaped for spreadsheets; members
get 403, visitors the sign-in page, and no form works without its CSRF token."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from matcher.rules import validate_filters
from tests.web.target_support import BUYER, PACKAGING, SOLAR, ScoutingMatching, import_targets
from tests.web.webkit import member, post, scalar, sign_in, web_client
from web.db.pool import Database
from web.matching.records import engine_filters
from web.settings import Settings

HTMX = {"HX-Request": "true"}


@pytest.fixture
def matching(db: Database) -> ScoutingMatching:
    return ScoutingMatching(import_targets(db))


@pytest.fixture
def client(db: Database, settings: Settings, matching: ScoutingMatching) -> Iterator[TestClient]:
    with web_client(settings, db, matching) as c:
        post(c, "/locale", {"lang": "en", "next": "/"})
        yield c


@pytest.fixture
def officer(db: Database, client: TestClient) -> TestClient:
    member(db, "officer@caunoi.example", role="officer")
    sign_in(client, "officer@caunoi.example")
    return client


def target_list(client: TestClient, buyer: str = BUYER) -> int:
    r = post(client, "/officer/lists", {"name": "ChipViet packaging acquisition", "kind": "targets", "min_a": "0"})
    assert r.status_code == 303, r.text[:800]
    found = re.search(r"/officer/lists/(\d+)/participants", r.headers["location"])
    assert found
    list_id = int(found.group(1))
    assert post(client, f"/officer/lists/{list_id}/participants/add", {"profile_id": buyer}).status_code == 303
    return list_id


def target_ids(db: Database, list_id: int) -> list[int]:
    with db.connection() as conn:
        return [int(r[0]) for r in conn.execute("SELECT id FROM list_targets WHERE list_id = %(l)s ORDER BY id",
                                                {"l": list_id})]


def test_the_engine_proposes_foreign_targets_citing_the_asset_and_one_click_adds_one(
        db: Database, officer: TestClient, matching: ScoutingMatching) -> None:
    list_id = target_list(officer)
    page = officer.get(f"/officer/lists/{list_id}/targets")
    assert page.status_code == 200
    assert "Proposed by the engine" in page.text and "Cited asset" in page.text
    assert "fan-out wafer-level packaging process" in page.text and "Perovskite tandem cell patent" in page.text
    assert matching.ranked[-1] == {"side": "foreign"}
    # filters narrow the proposals (htmx answers the proposals block only)
    part = officer.get(f"/officer/lists/{list_id}/targets?ip_transfer=licence&min_trl=7", headers=HTMX)
    assert part.status_code == 200 and "<html" not in part.text
    assert matching.ranked[-1] == {"side": "foreign", "ip_transfer": "licence", "min_trl": "7"}
    assert "fan-out" in part.text and "Perovskite" not in part.text
    # one click: the proposal's form posts the company, the cited asset and the fit
    form = re.search(r'name="profile_id" value="kr-daesung-osat">\s*<input type="hidden" name="asset_index" '
                     r'value="(\d*)"><input type="hidden" name="fit" value="([\d.]+)">', part.text)
    assert form and form.group(1) == "0"
    r = post(officer, f"/officer/lists/{list_id}/targets",
             {"buyer_id": BUYER, "profile_id": PACKAGING, "asset_index": "0", "fit": form.group(2)})
    assert r.status_code == 303 and "#t-" in r.headers["location"]
    [target] = target_ids(db, list_id)
    assert scalar(db, "SELECT added_via || ' ' || status || ' ' || asset_index FROM list_targets") == "proposal identified 0"
    assert scalar(db, "SELECT side FROM match_list_participants WHERE profile_id = %(p)s", {"p": PACKAGING}) == "b"
    page = officer.get(f"/officer/lists/{list_id}/targets").text
    assert f'id="t-{target}"' in page and "On the list" in page
    # the same asset again adds nothing
    r = post(officer, f"/officer/lists/{list_id}/targets", {"profile_id": PACKAGING, "asset_index": "0"})
    assert r.status_code == 303 and len(target_ids(db, list_id)) == 1


def test_by_name_the_officer_adds_a_company_or_one_of_its_assets(db: Database, officer: TestClient) -> None:
    list_id = target_list(officer)
    page = officer.get(f"/officer/lists/{list_id}/targets?q=sonnen").text
    assert "Perovskite tandem cell patent" in page and "The company as a whole" in page
    assert post(officer, f"/officer/lists/{list_id}/targets", {"profile_id": SOLAR, "asset_index": ""}).status_code == 303
    assert post(officer, f"/officer/lists/{list_id}/targets", {"profile_id": SOLAR, "asset_index": "0"}).status_code == 303
    assert scalar(db, "SELECT count(*) FROM list_targets WHERE added_via = 'hand'") == 2
    assert post(officer, f"/officer/lists/{list_id}/targets", {"profile_id": SOLAR, "asset_index": "7"}).status_code == 422
    assert post(officer, f"/officer/lists/{list_id}/targets", {"profile_id": "nobody", "asset_index": ""}).status_code == 404


def test_status_changes_keep_their_history_with_date_and_note(db: Database, officer: TestClient) -> None:
    list_id = target_list(officer)
    post(officer, f"/officer/lists/{list_id}/targets", {"profile_id": PACKAGING, "asset_index": "0"})
    [target] = target_ids(db, list_id)
    url = f"/officer/lists/{list_id}/targets/{target}/status"
    earlier = (date.today() - timedelta(days=20)).isoformat()
    r = post(officer, url, {"status": "contacted", "occurred_on": earlier, "note": "Wrote to their BD head"})
    assert r.status_code == 303
    # htmx: the target's card comes back, with the new status and the history
    r = post(officer, url, {"status": "nda", "note": "NDA signed in Seoul"}, headers=HTMX)
    assert r.status_code == 200 and "<html" not in r.text
    assert f'id="t-{target}"' in r.text and "NDA signed" in r.text and "History (3 changes)" in r.text
    assert post(officer, url, {"status": "bought"}).status_code == 422
    assert post(officer, url, {"status": "nda", "occurred_on": "2999-01-01"}).status_code == 422
    with db.connection() as conn:
        history = conn.execute("SELECT status, occurred_on, note FROM list_target_changes ORDER BY id").fetchall()
    assert [h[0] for h in history] == ["identified", "contacted", "nda"]
    assert history[1][1].isoformat() == earlier and history[1][2] == "Wrote to their BD head"
    page = officer.get(f"/officer/lists/{list_id}/targets").text
    assert "Wrote to their BD head" in page and "NDA signed in Seoul" in page


def test_the_dashboard_counts_targets_per_status_and_an_acquisition_as_an_outcome(
        db: Database, officer: TestClient) -> None:
    list_id = target_list(officer)
    for pid, index in ((PACKAGING, "0"), (PACKAGING, "1"), (SOLAR, "0")):
        post(officer, f"/officer/lists/{list_id}/targets", {"profile_id": pid, "asset_index": index})
    first, second, third = target_ids(db, list_id)
    post(officer, f"/officer/lists/{list_id}/targets/{first}/status", {"status": "acquired", "note": "Licence signed"})
    post(officer, f"/officer/lists/{list_id}/targets/{second}/status", {"status": "dropped"})
    page = officer.get("/officer/dashboard").text
    row = re.search(rf'<tr id="targets-{list_id}">(.*?)</tr>', page, re.S)
    assert row
    assert re.findall(r'<td class="num">(\d+)</td>', row.group(1)) == ["1", "0", "0", "0", "1", "1"]
    assert "Technology acquired or licensed" in page
    assert re.search(r"<b>1</b><span>Outcomes</span>", page)
    report = officer.get("/officer/dashboard.csv").content.decode("utf-8-sig")
    [fact] = list(csv.DictReader(io.StringIO(report)))
    assert (fact["type"], fact["follows"], fact["a_id"], fact["b_id"]) == ("acquired", "target", BUYER, PACKAGING)
    assert "Licence signed" in fact["notes"] and fact["notes"].startswith("'=HYPERLINK")
    # one list only, and a period without it
    assert officer.get(f"/officer/dashboard?list={list_id}").status_code == 200
    assert "<b>0</b><span>Outcomes</span>" in officer.get("/officer/dashboard?until=2000-01-01").text
    assert third


def test_exports_carry_status_and_history_escaped_for_spreadsheets(db: Database, officer: TestClient) -> None:
    list_id = target_list(officer)
    post(officer, f"/officer/lists/{list_id}/targets", {"profile_id": PACKAGING, "asset_index": "0"})
    [target] = target_ids(db, list_id)
    post(officer, f"/officer/lists/{list_id}/targets/{target}/status", {"status": "negotiating", "note": "@SUM(1+1)"})
    r = officer.get(f"/officer/lists/{list_id}/targets.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert row["status"] == "negotiating" and row["note"] == "'@SUM(1+1)"
    assert row["asset_title"].startswith("'=HYPERLINK") and row["trl"] == "7" and row["transfer"] == "licence joint_development"
    r = officer.get(f"/officer/lists/{list_id}/targets.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    targets, history = wb.worksheets
    cells = [c.value for c in targets[2]]
    assert "negotiating" in cells and "'@SUM(1+1)" in cells
    assert all(c.data_type != "f" for ws in wb.worksheets for row_ in ws.iter_rows() for c in row_)
    assert [c.value for c in history["D"]][1:] == ["identified", "negotiating"]


def test_members_get_403_visitors_sign_in_and_forms_need_csrf(db: Database, client: TestClient) -> None:
    member(db, "officer@caunoi.example", role="officer")
    sign_in(client, "officer@caunoi.example")
    list_id = target_list(client)
    post(client, f"/officer/lists/{list_id}/targets", {"profile_id": PACKAGING, "asset_index": "0"})
    [target] = target_ids(db, list_id)
    no_token = client.post(f"/officer/lists/{list_id}/targets/{target}/status", data={"status": "dropped"},
                           follow_redirects=False)
    assert no_token.status_code == 403
    no_token = client.post(f"/officer/lists/{list_id}/targets/{target}/status", data={"status": "dropped"},
                           headers=HTMX, follow_redirects=False)
    assert no_token.status_code == 403
    assert scalar(db, "SELECT status FROM list_targets") == "identified"
    post(client, "/logout")
    gets = [f"/officer/lists/{list_id}/targets", f"/officer/lists/{list_id}/targets.csv",
            f"/officer/lists/{list_id}/targets.xlsx"]
    for path in gets:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    member(db, "m@x.example")
    sign_in(client, "m@x.example")
    for path in gets:
        assert client.get(path).status_code == 403
    assert post(client, f"/officer/lists/{list_id}/targets/{target}/status", {"status": "dropped"}).status_code == 403
    assert post(client, f"/officer/lists/{list_id}/targets", {"profile_id": SOLAR}).status_code == 403
    assert scalar(db, "SELECT status FROM list_targets") == "identified"


def test_an_event_list_has_no_targets_page(db: Database, officer: TestClient) -> None:
    r = post(officer, "/officer/lists", {"name": "Tech Days", "kind": "event", "min_a": "1"})
    list_id = int(r.headers["location"].split("/")[3])
    assert officer.get(f"/officer/lists/{list_id}/targets").status_code == 404
    assert post(officer, f"/officer/lists/{list_id}/targets", {"profile_id": SOLAR}).status_code == 404


def test_the_scouting_filters_reach_the_engine_under_its_names() -> None:
    """The web's filter names for asset type, transfer mode and TRL are the engine's (``matcher.rules``)."""
    chosen = {"side": "foreign", "ip_asset_type": "patent", "ip_transfer": "licence", "min_trl": "7"}
    assert engine_filters(chosen) == chosen
    assert validate_filters(engine_filters(chosen)) == {k: (v,) for k, v in chosen.items()}
