"""Formula injection: participants, a match list and outcomes whose texts start like spreadsheet
formulas, exported over real HTTP from a live server, and by `caunoi export`. No cell of any sheet
or CSV runs as a formula; the texts arrive whole, behind an apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from tests.web.curation_support import PARTNERS, STARTUPS, FakeMatching, event_records
from tests.web.server import live_server
from tests.web.webkit import member, post, sign_in
from web.cli import main
from web.db.pool import Database
from web.i18n import Renderer
from web.interchange.spreadsheet import FORMULA_START
from web.services.curation import lists, meetings, outcomes, runs
from web.services.curation.forms import parse_list_form
from web.services.mail import Mailer
from web.services.profiles import import_records
from web.settings import Settings

HYPERLINK = '=HYPERLINK("http://x","y")'
HOSTILE = [HYPERLINK, "+1", "@SUM(A1)", "-2+3", "\uff1dHYPERLINK(\"http://x\")"]
# names of a startup and two partners: the Grid sheet's header row and first column hold them
NAMED = {"vn-chipviet": HYPERLINK, "vn-tomsen": "@SUM(A1)", "kr-daesung-osat": "+1", "sg-lionfund": "-2+3",
         "kr-hanul-chips": HOSTILE[4]}


def hostile_records() -> list[dict[str, Any]]:
    records = event_records()
    for record in records:
        if record["id"] in NAMED:
            record["name"] = NAMED[record["id"]]
            record["region"] = "-2+3"
            record["needs"] = "@SUM(A1) " + record.get("needs", "")
    return records


@pytest.fixture
def event(db: Database, settings: Settings) -> Iterator[tuple[str, int, int]]:
    """``(base URL of a live server, list id, run id)``: a published run of a list named like a
    formula, with a formula-like group, pair note and outcome note; an officer is signed in."""
    records = hostile_records()
    import_records(db, records)
    officer = member(db, "officer@caunoi.example", role="officer")
    form = {"name": HYPERLINK, "kind": "event", "starts_on": "2026-05-12", "min_a": "1", "max_a": "2",
            "max_b": "3", "description": "+1", "location": "@SUM(A1)"}
    list_id = lists.create_list(db, officer, parse_list_form(form))
    lists.add_by_hand(db, officer, list_id, STARTUPS + PARTNERS)
    lists.update_participant(db, officer, list_id, "kr-hanul-chips", "b", 1, 4, "=cmd|' /C calc'!A0")
    lists.set_pair(db, officer, list_id, "vn-chipviet", "kr-daesung-osat", "forced", "requested", "-2+3")
    matching = FakeMatching(records)
    run_id = runs.run_assignment(db, matching, officer, list_id)
    meetings.publish(db, Mailer(settings, Renderer()), officer, list_id, run_id)
    first = meetings.list_meetings(db, list_id)[0]
    outcomes.record(db, officer, "meeting", first.id, "technology_transfer", "2026-05-20", HYPERLINK)
    with live_server(settings, db, matching) as (base, _app):
        yield base, list_id, run_id


def unescaped(value: Any) -> bool:
    return isinstance(value, str) and value[:1] in FORMULA_START


def csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8").removeprefix("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_every_cell_of_every_officer_export_is_text_never_a_formula(event: tuple[str, int, int]) -> None:
    base, list_id, run_id = event
    with httpx.Client(base_url=base) as http:
        post(http, "/locale", {"lang": "en", "next": "/"})  # type: ignore[arg-type]
        sign_in(http, "officer@caunoi.example")  # type: ignore[arg-type]

        def get(path: str) -> bytes:
            r = http.get(path)
            assert r.status_code == 200, (path, r.text[:300])
            return r.content

        sheets = {}
        for path in (f"/officer/lists/{list_id}/list.xlsx", f"/officer/lists/{list_id}/runs/{run_id}/schedule.xlsx"):
            wb = load_workbook(io.BytesIO(get(path)))
            for ws in wb.worksheets:
                cells = [c for row in ws.iter_rows() for c in row]
                formulas = [(c.coordinate, c.value) for c in cells if c.data_type == "f"]
                assert not formulas, f"{path} {ws.title}: formulas {formulas}"
                assert not [c.value for c in cells if unescaped(c.value)], f"{path} {ws.title}"
                sheets[ws.title] = [c.value for c in cells]
        assert list(sheets) == ["Match list", "Participants", "Blocked and forced pairs", "Schedule", "By partner",
                                "Grid"]
        # the Grid: startups across the header row, partners down the first column
        assert {"'" + HYPERLINK, "'@SUM(A1)", "'+1", "'-2+3"} <= set(sheets["Grid"])
        everything = [v for values in sheets.values() for v in values]
        for text in HOSTILE + ["=cmd|' /C calc'!A0"]:
            assert "'" + text in everything, text

        texts = []
        for path in (f"/officer/lists/{list_id}/participants.csv", f"/officer/lists/{list_id}/runs/{run_id}/schedule.csv",
                     "/officer/dashboard.csv"):
            cells = csv_cells(get(path))
            assert not [c for c in cells if unescaped(c)], path
            texts += cells
        for text in HOSTILE + ["=cmd|' /C calc'!A0"]:
            assert "'" + text in texts, text


def cli(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "--database-url",
                                       str(settings.database_url), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_caunoi_export_round_trips_byte_identical_and_excel_safe_escapes(
        db: Database, settings: Settings, tmp_path: Path) -> None:
    import_records(db, hostile_records())
    plain = cli(settings, "export", "--format", "csv")
    assert HYPERLINK.replace('"', '""') in plain  # the import format keeps the text as it is
    path = tmp_path / "plain.csv"
    path.write_text(plain, encoding="utf-8")
    assert cli(settings, "import", str(path)).strip() == "imported 0, updated 0, unchanged 13"
    assert cli(settings, "export", "--format", "csv") == plain

    safe = cli(settings, "export", "--format", "csv", "--excel-safe")
    cells = [c for row in csv.reader(io.StringIO(safe)) for c in row]
    assert not [c for c in cells if unescaped(c)]
    for text in HOSTILE:
        assert "'" + text in cells, text
    assert len(safe.splitlines()) == len(plain.splitlines())
    refused = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "--database-url",
                                        str(settings.database_url), "export", "--format", "json", "--excel-safe"])
    assert refused.exit_code == 2 and "--excel-safe applies to --format csv" in refused.stderr
