"""On the day: meetings held, cancelled or missed, participants who did not come, re-optimising
the remaining slots, and walk-in meetings.

``now`` is the slot under way (the page proposes the one the clock says, in the plan's timezone).
Re-optimising keeps every meeting before ``now`` as history and the meetings of ``now`` and the
next slot exactly where they are (people are walking to them); later meetings move only when that
places more (``matcher.schedule.Scheduler.refit``). A walk-in goes to the first free slot after
``now`` that both sides share, without moving anyone when possible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from matcher.schedule import DayChanges, Key, Meeting, Pin, Scheduler, ScheduleResult
from web.db.pool import Database
from web.errors import Conflict, Invalid, NotFound
from web.i18n import N_
from web.services.curation.lists import audit
from web.services.eventday import notify
from web.services.eventday.event import Event, load_event
from web.services.mail import Mailer
from web.store import eventday as store
from web.store import list_scores as score_store
from web.store import match_lists as list_store
from web.store.users import UserRow

ATTENDANCE = ("held", "no_show", "cancelled")
REOPT_SECONDS = 5.0
FROZEN = 2   # the slot under way and the next keep their meetings


@dataclass
class DayReport:
    """What a re-optimisation or a walk-in did: meetings moved, placed, still out, mails queued."""

    moved: int = 0
    placed: int = 0
    unplaced: int = 0
    walk_in: dict[str, Any] | None = None


def _final(ev: Event) -> None:
    if ev.plan.schedule_state != "final":
        raise Conflict(N_("Publish the agenda first: changes on the day apply to the published timetable."))


def _check_now(ev: Event, now: int) -> None:
    if not 0 <= now < len(ev.slots):
        raise Invalid(N_("Choose the time slot under way."), field="now")


def mark(db: Database, mailer: Mailer, user: UserRow, list_id: int, meeting_id: int, value: str | None) -> None:
    """Mark a meeting held, no-show or cancelled (None clears the mark). A cancelled or missed
    meeting frees its slot; its participants are mailed when it was still to come."""
    if value is not None and value not in ATTENDANCE:
        raise Invalid(N_("Unknown attendance."), field="attendance")
    queued: list[int] = []
    with db.connection() as conn, conn.transaction():
        ev = load_event(conn, list_id, for_update=True)
        _final(ev)
        row = ev.by_id.get(meeting_id)
        if row is None or row.state not in ("confirmed", "proposed"):
            raise NotFound(N_("This meeting is not in the timetable."))
        if value is None and row.attendance in ("cancelled", "no_show"):
            raise Conflict(N_("A cancelled or missed meeting has lost its place; add it again as a walk-in."))
        store.set_attendance(conn, list_id, [meeting_id], value)
        audit(conn, user, "event-attendance", list_id, {"meeting": meeting_id, "attendance": value})
        if value == "cancelled" and row.slot is not None:
            queued = notify.changed(conn, mailer, load_event(conn, list_id), {meeting_id})
    mailer.deliver(db, queued)


def no_show(db: Database, user: UserRow, list_id: int, profile_id: str, now: int) -> int:
    """``profile_id`` did not come (or left): absent from slot ``now`` on; their meetings from
    then on are marked no-show and free their slots. Returns how many."""
    with db.connection() as conn, conn.transaction():
        ev = load_event(conn, list_id, for_update=True)
        _final(ev)
        _check_now(ev, now)
        if profile_id not in {p.profile_id for p in list_store.list_participants(conn, list_id)}:
            raise NotFound(N_("This participant is not on the list."))
        store.set_absent_from(conn, list_id, profile_id, now)
        gone = [m.id for m in ev.meetings if profile_id in (m.a_id, m.b_id) and ev.live(m)
                and m.attendance is None and (m.slot is None or m.slot >= now)]
        store.set_attendance(conn, list_id, gone, "no_show")
        audit(conn, user, "event-no-show", list_id, {"profile": profile_id, "from": now, "meetings": len(gone)})
    return len(gone)


def _previous(ev: Event) -> dict[Key, Pin]:
    """The live meetings' places that still hold (everyone present then)."""
    return {key: pin for key, pin in ev.placements().items()
            if all(ev.present(p, pin.slot) for p in key)}


def _apply(conn: psycopg.Connection, ev: Event, result: ScheduleResult, extra: dict[Key, int]) -> set[int]:
    """Store the re-optimised timetable; returns the ids of meetings whose place changed."""
    ids = {(m.a_id, m.b_id): m.id for m in ev.meetings if ev.live(m)} | extra
    before = {ids[k]: (p.slot, p.table) for k, p in ev.placements().items()}
    placed = [(ids[p.key], p.slot, p.table, p.remote) for p in result.placed if p.key in ids]
    unplaced = [(ids[u.key], u.reason, u.detail) for u in result.unplaced if u.key in ids]
    conn.execute("UPDATE meetings SET slot = NULL, table_name = NULL WHERE id = ANY(%(ids)s)",
                 {"ids": list(ids.values())})
    store.store_placements(conn, ev.row.id, placed, unplaced)
    after = {mid: (s, t) for mid, s, t, _ in placed}
    return {mid for mid in set(before) | set(after) if before.get(mid) != after.get(mid)}


def reoptimise(db: Database, mailer: Mailer, user: UserRow, list_id: int, now: int) -> DayReport:
    """Re-place the meetings after slot ``now`` + 1 around the day's changes (cancellations and
    no-shows free their slots; meetings left out before are tried again)."""
    queued: list[int] = []
    with db.connection() as conn, conn.transaction():
        ev = load_event(conn, list_id, for_update=True)
        _final(ev)
        _check_now(ev, now)
        problem = ev.problem()
        if not problem.meetings:
            raise Conflict(N_("There is no meeting left to schedule."))
        result = Scheduler(time_limit=REOPT_SECONDS, num_workers=1).refit(
            DayChanges(now=now, frozen=FROZEN), _previous(ev), problem=problem).result_
        changed = _apply(conn, ev, result, {})
        report = DayReport(moved=len(result.moved), placed=len(result.placed), unplaced=len(result.unplaced))
        audit(conn, user, "event-reoptimised", list_id,
              {"now": now, "moved": report.moved, "placed": report.placed, "changed": len(changed)})
        if changed:
            queued = notify.changed(conn, mailer, load_event(conn, list_id), changed)
    mailer.deliver(db, queued)
    return report


def walk_in(db: Database, mailer: Mailer, user: UserRow, list_id: int, a_id: str, b_id: str, now: int) -> DayReport:
    """A meeting two present participants ask for on the day, placed in the first free slot after
    ``now`` they share; when there is none it stays listed, unplaced, with the reason."""
    queued: list[int] = []
    with db.connection() as conn, conn.transaction():
        ev = load_event(conn, list_id, for_update=True)
        _final(ev)
        _check_now(ev, now)
        sides = {p.profile_id: p.side for p in list_store.list_participants(conn, list_id)}
        if a_id not in sides or b_id not in sides:
            raise Invalid(N_("Both must be participants of this list."), field="a_id" if a_id not in sides else "b_id")
        if a_id == b_id:
            raise Invalid(N_("Choose two different participants."), field="b_id")
        if sides[a_id] == "b" and sides[b_id] == "a":
            a_id, b_id = b_id, a_id
        if any({m.a_id, m.b_id} == {a_id, b_id} for m in ev.meetings):
            raise Conflict(N_("These two already have a meeting on this list."))
        for who in (a_id, b_id):
            row = ev.presence.get(who)
            if row is not None and row.absent_from is not None and row.absent_from <= now:
                raise Conflict(N_("One of them is marked as not present."))
        scores = {(s.a_id, s.b_id): s.fit for s in score_store.list_fresh_scores(conn, list_id)}
        fit = float(scores.get((a_id, b_id), 0.0))
        problem = ev.problem()
        remote = any(ev.presence.get(p) is not None and ev.presence[p].mode == "remote" for p in (a_id, b_id))
        new = Meeting(a_id, b_id, fit, remote)
        result = Scheduler(time_limit=REOPT_SECONDS, num_workers=1).refit(
            DayChanges(now=now, frozen=FROZEN, walk_ins=(new,)), _previous(ev), problem=problem).result_
        meeting_id = store.insert_walk_in(conn, list_id, a_id, b_id, fit)
        changed = _apply(conn, ev, result, {new.key: meeting_id})
        spot = next((p for p in result.placed if p.key == new.key), None)
        why = next((u for u in result.unplaced if u.key == new.key), None)
        report = DayReport(moved=len(result.moved), placed=len(result.placed), unplaced=len(result.unplaced),
                           walk_in={"id": meeting_id, "slot": spot.slot if spot else None,
                                    "table": spot.table if spot else None, "reason": why.reason if why else None})
        audit(conn, user, "event-walk-in", list_id, {"a": a_id, "b": b_id, **(report.walk_in or {})})
        if changed:
            queued = notify.changed(conn, mailer, load_event(conn, list_id), changed)
    mailer.deliver(db, queued)
    return report
