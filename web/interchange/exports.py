"""Exports for officers: the schedule of a run and the match list itself as CSV and XLSX, and the
outcome report as CSV.

CSV files are UTF-8 with a byte-order mark (Excel then shows Vietnamese correctly) and stable
English column names; the participants CSV is the format the CSV import reads back. XLSX
headers are translated with the ``tr`` callable given. Every cell, headers included (the Grid's
are participant names), goes through ``web.interchange.spreadsheet.safe_cell``: text a spreadsheet would take
for a formula gets a leading apostrophe, and XLSX text cells are written as text, never formulas.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from web.db.pool import Database
from web.i18n import N_
from web.interchange.spreadsheet import safe_cell
from web.services.curation.lists import load
from web.services.curation.outcomes import Dashboard, partner_country
from web.services.curation.runs import load_run
from web.store import match_lists as list_store
from web.store import meetings as meeting_store
from web.store import runs as run_store
from web.store.match_lists import MatchListRow
from web.store.runs import RunRow

SCHEDULE_COLUMNS = ("a_id", "a_name", "a_country", "b_id", "b_name", "b_country", "fit", "score", "pinned",
                    "source", "meeting_state")
PARTICIPANT_COLUMNS = ("id", "side", "min", "max", "group", "name", "kind", "country")
RULE_COLUMNS = ("a_id", "a_name", "b_id", "b_name", "kind", "reason", "note")
OUTCOME_COLUMNS = ("occurred_on", "type", "event", "follows", "follows_id", "a_id", "a_name", "a_country", "b_id",
                   "b_name", "b_country", "partner_country", "sectors", "records", "notes")
Tr = Callable[[str], str]


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in (header, *rows):
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


@dataclass
class Schedule:
    row: MatchListRow
    run: RunRow
    rows: list[tuple[Any, ...]]          # in SCHEDULE_COLUMNS order


def schedule(db: Database, list_id: int, run_id: int) -> Schedule:
    """The run's pairs, with the meeting states when this run was published."""
    with db.connection() as conn:
        row = load(conn, list_id)
        run = load_run(conn, list_id, run_id)
        pairs = run_store.list_run_pairs(conn, run_id)
        states = {}
        if row.published_run == run_id:
            states = {(m.a_id, m.b_id): m.state for m in meeting_store.list_meetings_of_list(conn, list_id)}
    rows = [(p.a_id, p.a_name, p.a_country, p.b_id, p.b_name, p.b_country, round(p.fit, 1), round(p.score, 4),
             "yes" if p.pinned else "", p.source, states.get((p.a_id, p.b_id), "")) for p in pairs]
    return Schedule(row, run, rows)


def schedule_csv(db: Database, list_id: int, run_id: int) -> bytes:
    return to_csv(SCHEDULE_COLUMNS, schedule(db, list_id, run_id).rows)


def _sheet(wb: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], first: bool = False) -> Any:
    ws = wb.active if first else wb.create_sheet()
    assert ws is not None
    ws.title = title[:31]
    for cell in _append(ws, header):
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="9B1C1C")
    for row in rows:
        _append(ws, row)
    ws.freeze_panes = "A2"
    for i, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(c.value or "")) for c in ws[get_column_letter(i)][1:200]])
        ws.column_dimensions[get_column_letter(i)].width = min(48, max(8, width + 2))
    return ws


def _append(ws: Any, values: Sequence[Any]) -> Any:
    """Add a row of escaped cells; return its cells."""
    ws.append([safe_cell(v) for v in values])
    cells = ws[ws.max_row]
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text stays text: openpyxl would store a value starting with = as a formula
    return cells


def _xlsx(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def schedule_xlsx(db: Database, list_id: int, run_id: int, tr: Tr) -> bytes:
    """Sheets: the schedule, one row per partner with their startups, and the partners × startups grid."""
    sch = schedule(db, list_id, run_id)
    wb = Workbook()
    heads = [tr(N_("Startup id")), tr(N_("Startup")), tr(N_("Country")), tr(N_("Partner id")), tr(N_("Partner")), tr(N_("Country")),
             tr(N_("Fit")), tr(N_("Score")), tr(N_("Pinned")), tr(N_("Source")), tr(N_("Meeting"))]
    _sheet(wb, tr(N_("Schedule")), heads, sch.rows, first=True)
    per_b: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in sch.rows:
        per_b[r[3], r[4]].append(r[1])
    _sheet(wb, tr(N_("By partner")), [tr(N_("Partner id")), tr(N_("Partner")), tr(N_("Meetings")), tr(N_("Startups"))],
           [(b_id, name, len(a), ", ".join(a)) for (b_id, name), a in sorted(per_b.items(), key=lambda x: x[0][1])])
    a_names = sorted({(r[0], r[1]) for r in sch.rows}, key=lambda x: x[1])
    fits = {(r[0], r[3]): r[6] for r in sch.rows}
    grid = [(name, *[fits.get((a_id, b_id)) for a_id, _ in a_names]) for b_id, name in sorted(per_b, key=lambda x: x[1])]
    _sheet(wb, tr(N_("Grid")), [tr(N_("Partner")), *[n for _, n in a_names]], grid)
    return _xlsx(wb)


def _participant_rows(db: Database, list_id: int) -> tuple[MatchListRow, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with db.connection() as conn:
        row = load(conn, list_id)
        people = list_store.list_participants(conn, list_id)
        pairs = list_store.list_pairs(conn, list_id)
    participants = [(p.profile_id, p.side, p.min_pairs, p.max_pairs, p.group_label, p.name, p.kind, p.country)
                    for p in people]
    rules = [(x.a_id, x.a_name, x.b_id, x.b_name, x.kind, x.reason, x.note) for x in pairs]
    return row, participants, rules


def list_csv(db: Database, list_id: int) -> bytes:
    """The participants in the format the CSV import reads (id, side, min, max, group, ...)."""
    return to_csv(PARTICIPANT_COLUMNS, _participant_rows(db, list_id)[1])


def list_xlsx(db: Database, list_id: int, tr: Tr) -> bytes:
    row, participants, rules = _participant_rows(db, list_id)
    wb = Workbook()
    about = [(tr(N_("Name")), row.name), (tr(N_("Kind")), row.kind), (tr(N_("Starts")), row.starts_on), (tr(N_("Ends")), row.ends_on),
             (tr(N_("Place")), row.location), (tr(N_("State")), row.state), (tr(N_("Description")), row.description),
             (tr(N_("Minimum per side-A participant")), row.min_a), (tr(N_("Maximum per side-A participant")), row.max_a),
             (tr(N_("Minimum per side-B participant")), row.min_b), (tr(N_("Maximum per side-B participant")), row.max_b),
             (tr(N_("Minimum fit")), row.min_fit)]
    _sheet(wb, tr(N_("Match list")), [tr(N_("Setting")), tr(N_("Value"))], about, first=True)
    _sheet(wb, tr(N_("Participants")), PARTICIPANT_COLUMNS, participants)
    _sheet(wb, tr(N_("Blocked and forced pairs")), RULE_COLUMNS, rules)
    return _xlsx(wb)


def outcomes_csv(board: Dashboard) -> bytes:
    rows = [(f.occurred_on.isoformat(), f.type, f.list_name or "", f.ref_kind, f.ref_id, f.a_id, f.a_name, f.a_country,
             f.b_id, f.b_name, f.b_country, partner_country(f), " ".join(sorted(set(f.a_sectors) | set(f.b_sectors))),
             f.records, f.notes) for f in board.facts]
    return to_csv(OUTCOME_COLUMNS, rows)
