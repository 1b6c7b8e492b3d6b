"""Who is present when: the whole event, some slots, or remote only; set by the officer, by the
participant (until the agenda is published), or from a CSV ``id,slot`` (the slots, 0-based, in
which that id is present; the CLI's availability format).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from web.db.pool import Database
from web.errors import Conflict, Forbidden, Invalid, NotFound
from web.i18n import N_
from web.params import whole_number
from web.services.curation.csvids import LineError, decode
from web.services.curation.lists import audit
from web.services.eventday.event import Event, load_event
from web.services.introductions import Party
from web.store import audit as audit_store
from web.store import eventday as store
from web.store import match_lists as list_store
from web.store.users import UserRow

MODES = ("whole", "slots", "remote")


def parse_slots(values: Iterable[str], n_slots: int) -> list[int]:
    """Slot numbers from form values; anything not a slot 0..n-1 is an Invalid naming ``slots``."""
    out = []
    for value in values:
        slot = _slot(value, n_slots)
        if slot is None:
            raise Invalid(N_("Choose time slots of this event."), field="slots")
        out.append(slot)
    return sorted(set(out))


def _slot(text: str, n_slots: int) -> int | None:
    """``text`` as a slot number 0..n-1, else None (``str.isdigit`` passes '²', which ``int`` refuses)."""
    try:
        return whole_number(text, low=0, high=n_slots - 1) if n_slots else None
    except ValueError:
        return None


def _check(ev: Event, mode: str, slots: list[int]) -> None:
    if mode not in MODES:
        raise Invalid(N_("Choose the whole event, some time slots, or remote only."), field="mode")
    if mode == "slots" and not slots:
        raise Invalid(N_("Tick at least one time slot, or choose the whole event."), field="slots")


def set_presence(db: Database, user: UserRow, list_id: int, profile_id: str, mode: str, slots: list[int]) -> None:
    """The officer sets a participant's presence."""
    with db.connection() as conn, conn.transaction():
        ev = load_event(conn, list_id, for_update=True)
        if profile_id not in {p.profile_id for p in list_store.list_participants(conn, list_id)}:
            raise Invalid(N_("This participant is not on the list."), field="profile_id")
        _check(ev, mode, slots)
        store.upsert_presence(conn, list_id, profile_id, mode, slots if mode == "slots" else [], "officer")
        audit(conn, user, "event-presence", list_id, {"profile": profile_id, "mode": mode, "slots": len(slots)})


def set_own_presence(db: Database, party: Party, list_id: int, profile_id: str, mode: str, slots: list[int]) -> None:
    """A participant states when they are present, until the agenda is published."""
    with db.connection() as conn, conn.transaction():
        ev = load_event(conn, list_id, for_update=True)
        if ev.row.state == "draft":
            raise NotFound(N_("You have no agenda at this event."))
        if profile_id not in party.owned or profile_id not in {
                p.profile_id for p in list_store.list_participants(conn, list_id)}:
            raise Forbidden(N_("You can only give the presence of your own profile on this list."))
        if ev.plan.schedule_state == "final":
            raise Conflict(N_("The agenda is published: ask the officers to change your presence."))
        _check(ev, mode, slots)
        store.upsert_presence(conn, list_id, profile_id, mode, slots if mode == "slots" else [], "participant")
        audit_store.insert_audit(conn, "event-presence", "match_list", str(list_id),
                                 {"profile": profile_id, "mode": mode, "slots": len(slots)},
                                 actor="web", actor_id=party.user_id)


@dataclass
class PresenceImport:
    """A presence CSV's outcome: participants set, and every bad line (nothing is stored then)."""

    updated: int = 0
    errors: list[LineError] = field(default_factory=list)


def import_csv(db: Database, user: UserRow, list_id: int, data: bytes) -> PresenceImport:
    """Read ``id,slot`` rows: each listed id is present in exactly the listed slots (others keep
    theirs). Every bad line is reported with its number and column; nothing is stored then."""
    report = PresenceImport()
    try:
        text = decode(data)
    except ValueError as exc:
        report.errors.append(LineError(1, str(exc)))
        return report
    with db.connection() as conn, conn.transaction():
        ev = load_event(conn, list_id, for_update=True)
        known = {p.profile_id for p in list_store.list_participants(conn, list_id)}
        reader = csv.reader(io.StringIO(text))
        header = [h.strip().lower() for h in next(reader, [])]
        if "id" not in header or "slot" not in header:
            report.errors.append(LineError(1, N_("The first line must be the header id,slot.")))
            return report
        col_id, col_slot = header.index("id"), header.index("slot")
        slots: dict[str, set[int]] = defaultdict(set)
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            who = row[col_id].strip() if col_id < len(row) else ""
            value = row[col_slot].strip() if col_slot < len(row) else ""
            if who not in known:
                report.errors.append(LineError(line, N_("Column id: %(value)s is not a participant of this list."), who))
            elif (slot := _slot(value, len(ev.slots))) is None:
                report.errors.append(LineError(line, N_("Column slot: %(value)s is not a time slot of this event (0 is the first)."),
                                               value))
            else:
                slots[who].add(slot)
        if report.errors:
            return report
        for who, present in sorted(slots.items()):
            store.upsert_presence(conn, list_id, who, "slots", sorted(present), "csv")
        report.updated = len(slots)
        audit(conn, user, "event-presence-imported", list_id, {"participants": report.updated})
    return report
