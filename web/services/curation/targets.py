"""Target lists for technology acquisition: a Vietnamese buyer (side A) and the foreign companies
and IP assets (a profile's ``ip_assets`` entries) it wants to license or buy (side B), each with a
status (identified, contacted, NDA, negotiating, acquired or licensed, dropped) whose every change
is kept with its date and note. The engine proposes targets: the buyer's needs ranked over
foreign profiles and their assets, with the asset it cites. Every change is audited.

A target list is a match list of kind ``targets``; it is never assigned or published, so targets
can be added and moved on until the list is closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg

from web.db.pool import Database
from web.errors import Conflict, Invalid, NotFound
from web.i18n import N_
from web.params import whole_number
from web.services.curation.forms import parse_dated_note
from web.services.curation.lists import ListDetail, audit, detail, load
from web.store import match_lists as list_store
from web.store import targets as store
from web.store.match_lists import MatchListRow
from web.store.targets import STATUSES, ChangeRow, TargetRow
from web.store.users import UserRow

STATUS_LABELS = {
    "identified": N_("Identified"),
    "contacted": N_("Contacted"),
    "nda": N_("NDA signed"),
    "negotiating": N_("Negotiating"),
    "acquired": N_("Acquired or licensed"),
    "dropped": N_("Dropped"),
}


@dataclass
class TargetView:
    """One target with the asset as the profile now describes it (None when it moved or went)
    and its history, oldest first."""

    row: TargetRow
    asset: dict[str, Any] | None
    history: list[ChangeRow] = field(default_factory=list)


@dataclass
class TargetBoard:
    d: ListDetail
    targets: list[TargetView]

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(t.row.status == s for t in self.targets) for s in STATUSES}


def _asset(record: Mapping[str, Any] | None, index: int | None, title: str) -> dict[str, Any] | None:
    """The profile's asset at ``index`` if it still has the title it was added with."""
    if record is None or index is None:
        return None
    assets = record.get("ip_assets") or []
    if index < len(assets) and str(assets[index].get("title", "")) == title:
        return dict(assets[index])
    return None


def load_targets_list(conn: psycopg.Connection, list_id: int, *, for_update: bool = False) -> MatchListRow:
    """The list (locked when ``for_update``); NotFound unless it is a target list."""
    row = load(conn, list_id, for_update=for_update)
    if row.kind != "targets":
        raise NotFound(N_("This list is not a target list."))
    return row


def board(db: Database, list_id: int) -> TargetBoard:
    with db.connection() as conn:
        load_targets_list(conn, list_id)
        rows = store.list_targets(conn, list_id)
        changes = store.list_changes(conn, list_id)
        records = store.list_target_records(conn, sorted({r.profile_id for r in rows}))
    history: dict[int, list[ChangeRow]] = {}
    for c in changes:
        history.setdefault(c.target_id, []).append(c)
    views = [TargetView(r, _asset(records.get(r.profile_id), r.asset_index, r.asset_title), history.get(r.id, []))
             for r in rows]
    return TargetBoard(detail(db, list_id), views)


def parse_change(status: str, occurred_on: str, note: str) -> tuple[str, date, str]:
    if status not in STATUSES:
        raise Invalid(N_("Choose a status."), field="status")
    when, note = parse_dated_note(occurred_on, note, today_when_empty=True)
    return status, when, note


def _buyer(conn: psycopg.Connection, list_id: int, buyer_id: str) -> str:
    buyers = [p.profile_id for p in list_store.list_participants(conn, list_id) if p.side == "a"]
    if not buyer_id and len(buyers) == 1:
        return buyers[0]
    if buyer_id not in buyers:
        raise Invalid(N_("Choose the buyer (a side-A participant) first."), field="buyer_id")
    return buyer_id


def buyer_of(conn: psycopg.Connection, list_id: int, buyer_id: str) -> str:
    """The buyer ``buyer_id`` of a target list (its only buyer when empty); Invalid otherwise."""
    load_targets_list(conn, list_id)
    return _buyer(conn, list_id, buyer_id)


def add_target(db: Database, user: UserRow, list_id: int, buyer_id: str, profile_id: str,
               asset_index: str = "", *, fit: str = "", note: str = "", on: str = "") -> int | None:
    """Add ``profile_id`` (the company, or its asset at ``asset_index``) as a target of the buyer,
    status "identified" ``on`` that day (today when empty), with the engine's ``fit`` when proposed;
    the company joins side B.
    None when the buyer has it already."""
    try:
        index = whole_number(asset_index, low=0, high=49)
        fit_value = float(fit) if fit.strip() else None
    except ValueError:
        raise Invalid(N_("Unknown asset."), field="asset_index") from None
    if fit_value is not None and not 0 <= fit_value <= 100:
        raise Invalid(N_("Unknown asset."), field="fit")
    _, today, note = parse_change("identified", on, note)
    with db.connection() as conn, conn.transaction():
        row = load_targets_list(conn, list_id, for_update=True)
        if row.state == "closed":
            raise Conflict(N_("This list is closed."))
        buyer = _buyer(conn, list_id, buyer_id)
        record = store.list_target_records(conn, [profile_id]).get(profile_id)
        if record is None or profile_id == buyer:
            raise NotFound(N_("This profile does not exist."))
        assets = record.get("ip_assets") or []
        if index is not None and index >= len(assets):
            raise Invalid(N_("Unknown asset."), field="asset_index")
        title = str(assets[index]["title"]) if index is not None else ""
        list_store.insert_participants(conn, list_id, [(profile_id, "b", None, None, None, "hand")])
        target_id = store.insert_target(conn, {
            "list_id": list_id, "buyer_id": buyer, "profile_id": profile_id, "asset_index": index,
            "asset_title": title, "status_on": today, "fit": fit_value, "added_via": "hand" if fit_value is None else "proposal", "created_by": user.id})
        if target_id is None:
            return None
        store.insert_change(conn, target_id, "identified", today, note, user.id)
        audit(conn, user, "target-added", list_id, {"target": target_id, "id": profile_id, "asset": index})
    return target_id


def change_status(db: Database, user: UserRow, list_id: int, target_id: int, status: str, occurred_on: str = "",
                  note: str = "") -> None:
    """Move a target to ``status`` on ``occurred_on`` (today when empty), keeping the change."""
    status, when, note = parse_change(status, occurred_on, note)
    with db.connection() as conn, conn.transaction():
        row = load_targets_list(conn, list_id)
        if row.state == "closed":
            raise Conflict(N_("This list is closed."))
        target = store.get_target(conn, list_id, target_id, for_update=True)
        if target is None:
            raise NotFound(N_("This target is not on the list."))
        store.update_target_status(conn, target_id, status, when)
        store.insert_change(conn, target_id, status, when, note, user.id)
        audit(conn, user, "target-status", list_id, {"target": target_id, "from": target.status, "to": status})


def get_target(db: Database, list_id: int, target_id: int) -> TargetView:
    """One target with its history (the row an htmx status change swaps)."""
    with db.connection() as conn:
        load_targets_list(conn, list_id)
        row = store.get_target(conn, list_id, target_id)
        if row is None:
            raise NotFound(N_("This target is not on the list."))
        history = [c for c in store.list_changes(conn, list_id) if c.target_id == target_id]
        record = store.list_target_records(conn, [row.profile_id]).get(row.profile_id)
    return TargetView(row, _asset(record, row.asset_index, row.asset_title), history)


def remove_target(db: Database, user: UserRow, list_id: int, target_id: int) -> None:
    with db.connection() as conn, conn.transaction():
        load_targets_list(conn, list_id, for_update=True)
        if not store.delete_target(conn, list_id, target_id):
            raise NotFound(N_("This target is not on the list."))
        audit(conn, user, "target-removed", list_id, {"target": target_id})


@dataclass
class TargetCounts:
    """One target list on the dashboard: how many of its targets are at each status now."""

    list_id: int
    name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def target_counts(conn: psycopg.Connection, list_id: int | None) -> list[TargetCounts]:
    """Every target list with targets (or just ``list_id``), with its counts per status."""
    out: dict[int, TargetCounts] = {}
    for r in store.count_targets_by_status(conn, list_id):
        out.setdefault(r.list_id, TargetCounts(r.list_id, r.name, dict.fromkeys(STATUSES, 0))).counts[r.status] = r.n
    return list(out.values())
