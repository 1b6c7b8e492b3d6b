"""The officer's side of an event's timetable: set up the plan, schedule the meetings (OR-Tools
CP-SAT through ``matcher.schedule``), move a meeting by hand with clash checks, publish.

States of the timetable (``event_plans.schedule_state``): ``none`` → ``preliminary`` (scheduled,
seen by officers only; may be scheduled again) → ``final`` (published: participants see their
agenda and are mailed, then mailed again on every change that concerns them).

When not every meeting fits, the last solve also tries the smallest changes of the plan (one more
table, one more slot a day, meetings 5 or 10 minutes shorter) and keeps the first that places
more, for the page to propose.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import psycopg

from matcher.schedule import Clash, Key, Pin, ScheduleProblem, Scheduler, ScheduleResult, Slot, Table, clashes
from web.db.pool import Database
from web.errors import Conflict, Invalid, NotFound
from web.i18n import N_
from web.services.curation.lists import audit, load
from web.services.eventday import notify
from web.services.eventday.event import Event, load_event
from web.services.eventday.plan import PlanForm, form_from_plan, generate_slots, parse_breaks
from web.services.mail import Mailer
from web.store import eventday as store
from web.store.match_lists import MatchListRow
from web.store.users import UserRow

SOLVE_SECONDS = 10.0      # the first schedule; the request waits for it
VARIANT_SECONDS = 3.0     # each smallest-change variant
SOLVER_THREADS = 1        # one request never takes both cores


def plan_form(db: Database, list_id: int) -> PlanForm:
    """The plan's form: the stored plan, or a first one from the list's dates."""
    with db.connection() as conn:
        row = load_event_row(conn, list_id)
        plan = store.get_plan(conn, list_id)
        return form_from_plan(plan, store.list_days(conn, list_id), store.list_tables(conn, list_id),
                              row.starts_on, row.ends_on)


def load_event_row(conn: psycopg.Connection, list_id: int) -> MatchListRow:
    row = load(conn, list_id)
    if row.kind != "event":
        raise NotFound(N_("Only an event list has days, time slots and tables."))
    return row


def save_plan(db: Database, user: UserRow, list_id: int, form: PlanForm) -> None:
    """Store a valid plan and its slots. A preliminary timetable is cleared when the slots or
    tables change; a published one forbids changing them (re-optimise on the day instead)."""
    assert form.ok
    with db.connection() as conn, conn.transaction():
        load_event_row(conn, list_id)
        plan = store.get_plan(conn, list_id, for_update=True)
        old_slots = store.list_slots(conn, list_id)
        old_tables = store.list_tables(conn, list_id)
        changed = ([(s.starts_at, s.minutes) for s in old_slots] != [(s.starts_at, s.minutes) for s in form.slots]
                   or [(t.name, t.capacity) for t in old_tables] != [(t.name, t.capacity) for t in form.tables])
        if plan is not None and plan.schedule_state == "final" and changed:
            raise Conflict(N_("The agenda is published: its time slots and tables can no longer change. "
                              "Handle changes on the day instead."))
        store.upsert_plan(conn, list_id, form.values)
        store.replace_days(conn, list_id, form.days)
        if changed:
            store.replace_slots(conn, list_id, form.slots)
            store.replace_tables(conn, list_id, form.tables)
            store.clear_placements(conn, list_id)
            store.set_schedule_state(conn, list_id, "none", {})
        audit(conn, user, "event-plan-saved", list_id,
              {"slots": len(form.slots), "tables": len(form.tables), "cleared": changed})


def _scheduler(seconds: float) -> Scheduler:
    return Scheduler(time_limit=seconds, num_workers=SOLVER_THREADS)


def _store_result(conn: psycopg.Connection, ev: Event, result: ScheduleResult) -> None:
    ids = {(m.a_id, m.b_id): m.id for m in ev.meetings}
    store.clear_placements(conn, ev.row.id)
    store.store_placements(conn, ev.row.id,
                           [(ids[p.key], p.slot, p.table, p.remote) for p in result.placed],
                           [(ids[u.key], u.reason, u.detail) for u in result.unplaced if u.key in ids])


def _summary(result: ScheduleResult, total: int) -> dict[str, Any]:
    return {"status": result.status, "placed": len(result.placed), "total": total,
            "solver_status": result.solver_status, "seconds": round(result.seconds, 2),
            "idle_gaps": result.idle_gaps, "bound": result.bound}


def schedule(db: Database, user: UserRow | None, list_id: int) -> dict[str, Any]:
    """Schedule the list's live meetings from scratch into a preliminary timetable; returns the
    solve's summary (with ``suggestion`` when not every meeting fits). ``user`` None: the command
    line (``caunoi schedule LIST_ID --store``), audited as such."""
    with db.connection() as conn, conn.transaction():
        ev = load_event(conn, list_id, for_update=True)
        if ev.row.state == "draft":
            raise Conflict(N_("Publish a run first: the timetable places the published meetings."))
        if ev.plan.schedule_state == "final":
            raise Conflict(N_("The agenda is published. Handle changes on the day instead of scheduling again."))
        problem = ev.problem()
        if not problem.meetings:
            raise Conflict(N_("There is no meeting to schedule: none is confirmed or waiting for answers."))
        result = _scheduler(SOLVE_SECONDS).fit(problem).result_
        summary = _summary(result, len(problem.meetings))
        if result.unplaced:
            summary["suggestion"] = smallest_change(ev, problem, len(result.placed))
        _store_result(conn, ev, result)
        store.set_schedule_state(conn, list_id, "preliminary", summary)
        audit(conn, user, "event-scheduled", list_id, summary)
    return summary


def _variants(ev: Event, problem: ScheduleProblem) -> list[tuple[str, int, ScheduleProblem]]:
    """The smallest changes, smallest first: ``(kind, amount, problem)``."""
    out: list[tuple[str, int, ScheduleProblem]] = []
    sized = [t.capacity for t in problem.tables if t.capacity is not None]
    widest = max(sized) if sized and len(sized) == len(problem.tables) else None
    names = {t.name for t in problem.tables}
    extra = next(f"T{i}" for i in range(len(names) + 1, len(names) + 1000) if f"T{i}" not in names)
    out.append(("table", 1, replace(problem, tables=(*problem.tables, Table(extra, widest)))))
    slots: list[Slot] = []
    for day in sorted({s.day for s in problem.slots}):
        of_day = [s for s in problem.slots if s.day == day]
        slots += of_day + [Slot(day, of_day[-1].index + 1, "", of_day[-1].length)]
    out.append(("slot", 1, _renumbered(problem, slots)))
    breaks = parse_breaks(ev.plan.breaks)
    for shorter in (5, 10):
        minutes = ev.plan.meeting_minutes - shorter
        if minutes < 5:
            break
        rows = generate_slots(ev.days, minutes, ev.plan.changeover_minutes, breaks)
        if len(rows) > len(problem.slots):
            out.append(("shorter", shorter, _with_slots(problem, [Slot(r.day_no, r.position, "", r.minutes)
                                                                  for r in rows], None)))
    return out


def _renumbered(problem: ScheduleProblem, slots: list[Slot]) -> ScheduleProblem:
    """``problem`` with one slot added at the end of each day: the old slots keep their place
    in the day, so availability carries over by (day, index)."""
    where = {(s.day, s.index): i for i, s in enumerate(slots)}
    mapping = {i: where[(s.day, s.index)] for i, s in enumerate(problem.slots)}
    return _with_slots(problem, slots, mapping)


def _with_slots(problem: ScheduleProblem, slots: list[Slot], mapping: dict[int, int] | None) -> ScheduleProblem:
    """``problem`` on other slots: availability moved through ``mapping`` (old → new number); with
    None (other slot times), a partly present participant keeps the share of the day they gave."""
    availability: dict[str, set[int]] = {}
    for who, present in problem.availability.items():
        if mapping is not None:
            availability[who] = {mapping[s] for s in present}
        else:
            scale = len(slots) / max(len(problem.slots), 1)
            availability[who] = {min(int(s * scale + k), len(slots) - 1) for s in present
                                 for k in range(max(int(round(scale)), 1))}
    return ScheduleProblem.build(problem.meetings, slots, problem.tables, availability=availability,
                                 delegations=problem.delegations, min_gap=problem.min_gap,
                                 video_rooms=problem.video_rooms)


def smallest_change(ev: Event, problem: ScheduleProblem, placed: int) -> dict[str, Any] | None:
    """The first variant (one more table, one more slot a day, shorter meetings) that places more
    meetings than ``placed``: ``{"kind", "amount", "placed"}``; None when none does."""
    best: dict[str, Any] | None = None
    for kind, amount, variant in _variants(ev, problem):
        got = len(_scheduler(VARIANT_SECONDS).fit(variant).result_.placed)
        if got > placed and (best is None or got > best["placed"]):
            best = {"kind": kind, "amount": amount, "placed": got}
            if got == len(problem.meetings):
                break
    return best


@dataclass
class MoveReport:
    """A hand move: the meeting, and the soft rules it breaks (``min_gap``), already applied;
    ``names`` gives each clash's ``who`` as the page shows it."""

    meeting_id: int
    warnings: list[Clash]
    names: dict[str, str] = field(default_factory=dict)

    def who(self, clash: Clash) -> str:
        return self.names.get(clash.who, clash.who)


class MoveRefused(Invalid):
    """A hand move that breaks a hard rule. ``message`` is the msgid of ``clash`` (with ``%(who)s``);
    ``who`` the participant's name or the table it names, for the page to fill it in."""

    def __init__(self, clash: Clash, who: str) -> None:
        super().__init__(clash_message(clash), field="slot")
        self.clash = clash
        self.who = who


def _names(ev: Event) -> dict[str, str]:
    """Participants' names by id (tables are named as they are)."""
    return {m.a_id: m.a_name for m in ev.meetings} | {m.b_id: m.b_name for m in ev.meetings}


def move(db: Database, mailer: Mailer, user: UserRow, list_id: int, meeting_id: int, slot: int,
         table: str | None) -> MoveReport:
    """Put meeting ``meeting_id`` in ``slot`` at ``table`` (None: a video room). A hard clash
    (someone absent or busy, the table taken or too small, no video room free) refuses the move
    with the first one named (``MoveRefused``); a too short gap is applied and reported."""
    queued: list[int] = []
    with db.connection() as conn, conn.transaction():
        ev = load_event(conn, list_id, for_update=True)
        if ev.plan.schedule_state == "none":
            raise Conflict(N_("Schedule the meetings first."))
        row = ev.by_id.get(meeting_id)
        if row is None or not ev.live(row):
            raise NotFound(N_("This meeting is not in the timetable."))
        key: Key = (row.a_id, row.b_id)
        problem = ev.problem()
        found = clashes(problem, ev.placements(), key, Pin(slot, table))
        hard = [c for c in found if c.hard]
        names = _names(ev)
        if hard:
            raise MoveRefused(hard[0], names.get(hard[0].who, hard[0].who))
        remote = problem.meetings[[m.key for m in problem.meetings].index(key)].remote
        table = None if remote else table
        store.store_placements(conn, list_id, [(meeting_id, slot, table, remote)], [])
        audit(conn, user, "event-meeting-moved", list_id,
              {"meeting": meeting_id, "from": [row.slot, row.table_name], "to": [slot, table]})
        if ev.plan.schedule_state == "final":
            queued = notify.changed(conn, mailer, load_event(conn, list_id), {meeting_id})
    mailer.deliver(db, queued)
    soft = [c for c in found if not c.hard]
    return MoveReport(meeting_id, soft, {c.who: names[c.who] for c in soft if c.who in names})


CLASH_MESSAGES = {
    "bad_slot": N_("There is no such time slot."),
    "absent": N_("%(who)s is not present in that time slot."),
    "busy": N_("%(who)s already has a meeting in that time slot."),
    "no_table": N_("Choose a table: only a remote meeting takes a video room."),
    "table_small": N_("Table %(who)s has too few seats for this meeting."),
    "table_taken": N_("Table %(who)s is taken in that time slot."),
    "video_full": N_("Every video room is in use in that time slot."),
    "min_gap": N_("%(who)s has another meeting close to that time slot."),
}


def clash_message(clash: Clash) -> str:
    """The msgid of a clash (``%(who)s`` filled in where the page translates it)."""
    return CLASH_MESSAGES[clash.code]


def publish(db: Database, mailer: Mailer, user: UserRow, list_id: int) -> int:
    """Publish the preliminary timetable as the final agenda; every participant with a meeting in
    it is mailed a link to their agenda. Returns how many e-mails were queued."""
    with db.connection() as conn, conn.transaction():
        ev = load_event(conn, list_id, for_update=True)
        if ev.plan.schedule_state != "preliminary":
            raise Conflict(N_("Only a scheduled, not yet published timetable can be published."))
        if not any(m.slot is not None for m in ev.meetings):
            raise Invalid(N_("No meeting is placed: there is nothing to publish."))
        store.set_schedule_state(conn, list_id, "final")
        queued = notify.published(conn, mailer, ev)
        audit(conn, user, "event-agenda-published", list_id, {"mails": len(queued)})
    mailer.deliver(db, queued)
    return len(queued)


def slot_label(ev: Event, number: int) -> str:
    slot = ev.slots[number]
    end = slot.starts_at + timedelta(minutes=slot.minutes)
    return f"{slot.starts_at:%Y-%m-%d %H:%M}–{end:%H:%M}"
