"""Exports of the issue-16 list kinds, written with the match lists' own export pieces
(``web.interchange.exports``: UTF-8 CSV with a byte-order mark, XLSX text cells, every cell
through ``safe_cell``):

- a target list: one row per target (buyer, company, asset, status, date, latest note), and in
  XLSX the history of every status change;
- an expert list: the experts (affiliation, availability, overseas Vietnamese) and the members
  on the other side.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook

from web.db.pool import Database
from web.i18n import N_
from web.interchange.exports import Tr, _sheet, _xlsx, to_csv
from web.services.curation import targets
from web.services.curation.lists import load
from web.store import match_lists as list_store
from web.store import targets as target_store

TARGET_COLUMNS = ("buyer_id", "buyer_name", "target_id", "target_name", "country", "asset_index", "asset_title",
                  "asset_type", "trl", "transfer", "status", "status_on", "note", "fit", "added_via")
HISTORY_COLUMNS = ("target_id", "target_name", "asset_title", "status", "occurred_on", "note", "changed_by")
EXPERT_COLUMNS = ("id", "side", "name", "kind", "country", "overseas_vietnamese", "affiliation", "availability",
                  "languages", "sectors")


def _target_rows(db: Database, list_id: int) -> tuple[targets.TargetBoard, list[tuple[Any, ...]]]:
    b = targets.board(db, list_id)
    rows = []
    for t in b.targets:
        r, asset = t.row, t.asset or {}
        rows.append((r.buyer_id, r.buyer_name, r.profile_id, r.name, r.country,
                     r.asset_index, r.asset_title, asset.get("asset_type", ""), asset.get("trl"),
                     " ".join(asset.get("transfer") or []), r.status, r.status_on.isoformat(), r.note,
                     None if r.fit is None else round(r.fit, 1), r.added_via))
    return b, rows


def targets_csv(db: Database, list_id: int) -> bytes:
    return to_csv(TARGET_COLUMNS, _target_rows(db, list_id)[1])


def targets_xlsx(db: Database, list_id: int, tr: Tr) -> bytes:
    """Sheets: the targets with their status, and every status change."""
    b, rows = _target_rows(db, list_id)
    wb = Workbook()
    _sheet(wb, tr(N_("Targets")), TARGET_COLUMNS, rows, first=True)
    history = [(t.row.profile_id, t.row.name, t.row.asset_title, c.status, c.occurred_on.isoformat(), c.note,
                c.changed_by_name or "") for t in b.targets for c in t.history]
    _sheet(wb, tr(N_("Status history")), HISTORY_COLUMNS, history)
    return _xlsx(wb)


def _expert_rows(db: Database, list_id: int) -> list[tuple[Any, ...]]:
    with db.connection() as conn:
        load(conn, list_id)
        people = list_store.list_participants(conn, list_id)
        records = target_store.list_target_records(conn, [p.profile_id for p in people])
    rows = []
    for p in sorted(people, key=lambda p: (p.side != "b", p.name.lower(), p.profile_id)):
        rec = records.get(p.profile_id, {})
        rows.append((p.profile_id, p.side, p.name, p.kind, p.country,
                     "yes" if rec.get("overseas_vietnamese") else "", rec.get("affiliation", ""),
                     " ".join(rec.get("availability") or []), " ".join(rec.get("languages") or []),
                     " ".join(p.sectors)))
    return rows


def experts_csv(db: Database, list_id: int) -> bytes:
    """The list's experts first (side B), then the members they are matched with (side A)."""
    return to_csv(EXPERT_COLUMNS, _expert_rows(db, list_id))


def experts_xlsx(db: Database, list_id: int, tr: Tr) -> bytes:
    rows = _expert_rows(db, list_id)
    wb = Workbook()
    _sheet(wb, tr(N_("Experts")), EXPERT_COLUMNS, [r for r in rows if r[1] == "b"], first=True)
    _sheet(wb, tr(N_("Members")), EXPERT_COLUMNS, [r for r in rows if r[1] == "a"])
    return _xlsx(wb)
