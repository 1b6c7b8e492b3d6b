"""Match lists: create and edit, participants (by filter, by hand, from a CSV of ids), capacities,
blocked and forced pairs. Lists change only while they are drafts; every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from web.db.pool import Database
from web.errors import Conflict, Invalid, NotFound
from web.i18n import N_
from web.services.curation.csvids import LineError, decode, parse_ids
from web.services.curation.forms import ListForm
from web.store import audit as audit_store
from web.store import directory as directory_store
from web.store import match_lists as store
from web.store import runs as run_store
from web.store.directory import DirectoryFilter, DirectoryRow
from web.store.match_lists import ListSummaryRow, MatchListRow, PairRow, ParticipantRow
from web.store.runs import RunRow
from web.store.users import UserRow

PAIR_KINDS = ("blocked", "forced")
PAIR_REASONS = ("same_group", "competitor", "already_met", "requested", "other")
MAX_FILTER_ADD = 2000
MAX_NOTE = 500


@dataclass
class ListDetail:
    row: MatchListRow
    a: list[ParticipantRow]
    b: list[ParticipantRow]
    pairs: list[PairRow]
    runs: list[RunRow]

    @property
    def names(self) -> dict[str, str]:
        return {p.profile_id: p.name for p in (*self.a, *self.b)}


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    errors: list[LineError] = field(default_factory=list)


def audit(conn: psycopg.Connection, user: UserRow | None, action: str, list_id: int,
          details: dict[str, Any] | None = None) -> None:
    audit_store.insert_audit(conn, action, "match_list", str(list_id), details,
                               actor="web" if user else "cli", actor_id=user.id if user else None)


def load(conn: psycopg.Connection, list_id: int, *, for_update: bool = False) -> MatchListRow:
    row = store.get_match_list(conn, list_id, for_update=for_update)
    if row is None:
        raise NotFound(N_("This match list does not exist."))
    return row


def load_draft(conn: psycopg.Connection, list_id: int) -> MatchListRow:
    """The list, locked for this transaction; Conflict unless it is still a draft."""
    row = load(conn, list_id, for_update=True)
    if row.state != "draft":
        raise Conflict(N_("This list is published or closed; its participants and rules can no longer change."))
    return row


def default_side(profile_side: str, profile_kind: str = "", list_kind: str = "") -> str:
    """Vietnamese-side profiles go on side a (minimum proposals), foreign ones on side b; on an
    expert list, experts go on side b (their time is what is limited) and everyone else on side a."""
    if list_kind == "experts":
        return "b" if profile_kind == "expert" else "a"
    return "a" if profile_side == "vn" else "b"


def _kinds(conn: psycopg.Connection, row: MatchListRow, profile_ids: list[str]) -> dict[str, str]:
    """The profiles' kinds when the list's sides depend on them (an expert list), else nothing."""
    return store.list_profile_kinds(conn, profile_ids) if row.kind == "experts" else {}


def _expert_side(conn: psycopg.Connection, row: MatchListRow, sides: dict[str, str]) -> None:
    """On an expert list experts are side B and nobody else is: moved by hand the other way, an
    expert would be paired with an expert (never proposed) or a member with a member."""
    kinds = _kinds(conn, row, list(sides))
    if any((kinds.get(pid) == "expert") != (side == "b") for pid, side in sides.items() if pid in kinds):
        raise Invalid(N_("On an expert list, experts are side B and the other participants side A."), field="side")


def create_list(db: Database, user: UserRow, form: ListForm) -> int:
    if not form.ok:
        raise Invalid(next(iter(form.errors.values())), field=next(iter(form.errors)))
    with db.connection() as conn, conn.transaction():
        list_id = store.insert_match_list(conn, form.values, user.id)
        audit(conn, user, "match-list-created", list_id, {"name": form.values["name"]})
    return list_id


def update_list(db: Database, user: UserRow, list_id: int, form: ListForm) -> None:
    if not form.ok:
        raise Invalid(next(iter(form.errors.values())), field=next(iter(form.errors)))
    with db.connection() as conn, conn.transaction():
        load_draft(conn, list_id)
        store.update_match_list(conn, list_id, form.values)
        audit(conn, user, "match-list-updated", list_id)


def get_list(db: Database, list_id: int) -> MatchListRow:
    with db.connection() as conn:
        return load(conn, list_id)


def list_lists(db: Database) -> list[ListSummaryRow]:
    with db.connection() as conn:
        return store.list_match_lists(conn)


def detail(db: Database, list_id: int) -> ListDetail:
    with db.connection() as conn:
        row = load(conn, list_id)
        people = store.list_participants(conn, list_id)
        return ListDetail(row, [p for p in people if p.side == "a"], [p for p in people if p.side == "b"],
                          store.list_pairs(conn, list_id), run_store.list_runs(conn, list_id))


def preview_filter(db: Database, list_id: int, filters: DirectoryFilter, limit: int = 30) -> tuple[int, list[DirectoryRow]]:
    """How many published profiles match ``filters`` and the first ``limit`` of them."""
    with db.connection() as conn:
        load(conn, list_id)
        return directory_store.count_directory(conn, filters), directory_store.list_directory(conn, filters, limit, 0)


def add_by_filter(db: Database, user: UserRow, list_id: int, filters: DirectoryFilter) -> int:
    """Add every published profile matching ``filters`` (at most 2000), each on its default side."""
    if not any(getattr(filters, name) for name in directory_store.FACETS):
        raise Invalid(N_("Choose at least one filter first."))
    with db.connection() as conn, conn.transaction():
        row = load_draft(conn, list_id)
        rows = directory_store.list_directory(conn, filters, MAX_FILTER_ADD, 0)
        added = store.insert_participants(
            conn, list_id, [(r.id, default_side(r.side, r.kind, row.kind), None, None, None, "filter") for r in rows])
        audit(conn, user, "match-list-participants-added", list_id, {"via": "filter", "added": added})
    return added


def add_by_hand(db: Database, user: UserRow, list_id: int, profile_ids: list[str], side: str | None = None) -> int:
    """Add the given published profiles (on ``side``, or each on its default side)."""
    if side not in (None, "a", "b"):
        raise Invalid(N_("Unknown side."))
    with db.connection() as conn, conn.transaction():
        row = load_draft(conn, list_id)
        sides = store.list_profile_sides(conn, profile_ids)
        missing = [p for p in profile_ids if p not in sides]
        if missing:
            raise NotFound(N_("This profile does not exist."))
        if side is not None:
            _expert_side(conn, row, dict.fromkeys(profile_ids, side))
        kinds = _kinds(conn, row, profile_ids)
        added = store.insert_participants(
            conn, list_id, [(p, side or default_side(sides[p], kinds.get(p, ""), row.kind), None, None, None, "hand")
                            for p in profile_ids])
        audit(conn, user, "match-list-participants-added", list_id, {"via": "hand", "ids": profile_ids[:50]})
    return added


def import_csv(db: Database, user: UserRow, list_id: int, data: bytes) -> ImportReport:
    """Add or update participants from a CSV of ids. All or nothing: when any line is wrong,
    nothing changes and every wrong line is reported."""
    try:
        text = decode(data)
    except ValueError as exc:
        return ImportReport(errors=[LineError(1, str(exc.args[0]))])
    entries, errors = parse_ids(text)
    if not entries and not errors:
        return ImportReport(errors=[LineError(1, N_("The file lists no ids."))])
    with db.connection() as conn, conn.transaction():
        row = load_draft(conn, list_id)
        sides = store.list_profile_sides(conn, [e.profile_id for e in entries])
        kinds = _kinds(conn, row, [e.profile_id for e in entries])
        errors += [LineError(e.line, N_("line %(line)s: no published profile has the id %(value)s"), e.profile_id)
                   for e in entries if e.profile_id not in sides]
        if errors:
            return ImportReport(errors=sorted(errors, key=lambda e: e.line))
        before = {p.profile_id for p in store.list_participants(conn, list_id)}
        store.upsert_participants(conn, list_id, [
            (e.profile_id, e.side or default_side(sides[e.profile_id], kinds.get(e.profile_id, ""), row.kind),
             e.min_pairs, e.max_pairs, e.group_label, "csv")
            for e in entries])
        report = ImportReport(added=sum(e.profile_id not in before for e in entries),
                              updated=sum(e.profile_id in before for e in entries))
        audit(conn, user, "match-list-participants-added", list_id,
              {"via": "csv", "added": report.added, "updated": report.updated})
    return report


def update_participant(db: Database, user: UserRow, list_id: int, profile_id: str, side: str,
                       min_pairs: int | None, max_pairs: int | None, group_label: str | None) -> None:
    if side not in ("a", "b"):
        raise Invalid(N_("Unknown side."), field="side")
    if min_pairs is not None and max_pairs is not None and min_pairs > max_pairs:
        raise Invalid(N_("The maximum is below the minimum."), field="max_pairs")
    with db.connection() as conn, conn.transaction():
        row = load_draft(conn, list_id)
        _expert_side(conn, row, {profile_id: side})
        if not store.update_participant(conn, list_id, profile_id, side, min_pairs, max_pairs,
                                        (group_label or "").strip()[:100] or None):
            raise NotFound(N_("This participant is not on the list."))
        audit(conn, user, "match-list-participant-updated", list_id,
              {"id": profile_id, "side": side, "min": min_pairs, "max": max_pairs})


def remove_participants(db: Database, user: UserRow, list_id: int, profile_ids: list[str]) -> int:
    with db.connection() as conn, conn.transaction():
        load_draft(conn, list_id)
        removed = store.delete_participants(conn, list_id, profile_ids)
        audit(conn, user, "match-list-participants-removed", list_id, {"ids": profile_ids[:50]})
    return removed


def find_profiles(db: Database, list_id: int, text: str, limit: int = 20,
                  kind: str | None = None) -> list[tuple[str, str, str, str]]:
    """Published profiles not on the list whose name or id contains ``text`` (of ``kind`` only, if given)."""
    text = text.strip()[:100]
    if len(text) < 2:
        return []
    with db.connection() as conn:
        return store.find_profiles(conn, text, list_id, limit, kind)


def _sides_of(conn: psycopg.Connection, list_id: int, a_id: str, b_id: str) -> None:
    sides = {p.profile_id: p.side for p in store.list_participants(conn, list_id)}
    if sides.get(a_id) != "a" or sides.get(b_id) != "b":
        raise Invalid(N_("Choose one participant of side A and one of side B."))


def set_pair(db: Database, user: UserRow, list_id: int, a_id: str, b_id: str, kind: str, reason: str = "other",
             note: str = "") -> None:
    """Block or force the pair (a, b), replacing what was said about it before."""
    if kind not in PAIR_KINDS:
        raise Invalid(N_("Choose blocked or forced."), field="kind")
    if reason not in PAIR_REASONS:
        raise Invalid(N_("Unknown reason."), field="reason")
    with db.connection() as conn, conn.transaction():
        load_draft(conn, list_id)
        _sides_of(conn, list_id, a_id, b_id)
        store.upsert_pair(conn, list_id, a_id, b_id, kind, reason, note.strip()[:MAX_NOTE], user.id)
        audit(conn, user, f"match-list-pair-{kind}", list_id, {"a": a_id, "b": b_id, "reason": reason})


def remove_pair(db: Database, user: UserRow, list_id: int, a_id: str, b_id: str) -> None:
    with db.connection() as conn, conn.transaction():
        load_draft(conn, list_id)
        if not store.delete_pair(conn, list_id, a_id, b_id):
            raise NotFound(N_("This pair is neither blocked nor forced."))
        audit(conn, user, "match-list-pair-cleared", list_id, {"a": a_id, "b": b_id})


def block_already_met(db: Database, user: UserRow, list_id: int) -> int:
    """Block every pair of participants that already met (an accepted introduction, a confirmed
    meeting of another list, or a recorded outcome); pairs already blocked or forced are kept."""
    with db.connection() as conn, conn.transaction():
        load_draft(conn, list_id)
        said = {(p.a_id, p.b_id) for p in store.list_pairs(conn, list_id)}
        met = [p for p in store.list_met_pairs(conn, list_id) if p not in said]
        for a_id, b_id in met:
            store.upsert_pair(conn, list_id, a_id, b_id, "blocked", "already_met", "", user.id)
        audit(conn, user, "match-list-pair-blocked", list_id, {"already_met": len(met)})
    return len(met)
