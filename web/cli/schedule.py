"""``caunoi schedule``: meetings into time slots and at tables (``matcher.schedule``), from CSV files
or from a stored list's published meetings.

A stored event list with a plan (days, time slots, tables, presence, minimum gap, video rooms: set
on its timetable page) is scheduled on that plan; ``--slots`` and ``--tables`` then replace the
plan's grid for a what-if (presence is not applied to made-up slots). Any other list needs
``--slots`` and ``--tables``. Nothing is stored unless ``--store`` is given: the result then becomes
the event's preliminary timetable, exactly as the Schedule button of the timetable page makes it
(``web.services.eventday.timetable.schedule``, audited as done from the command line).

CSV formats (UTF-8, header row first, extra columns ignored):

- meetings ``a,b[,fit][,remote]``: one meeting per row; ``fit`` a number >= 0 (empty: 0), higher
  fits are kept when not all fit; ``remote`` ``1/true/yes`` for a video meeting (no table). ``a``
  or ``b`` may name a delegation of ``--delegations``.
- availability ``id,slot``: the slots (0-based) in which that id is present; an id absent from the
  file is always present.
- delegations ``group,id``: the members of each delegation; a meeting with the group occupies them
  all.

Bad input stops with ``FILE: line N, column C: what is wrong`` on stderr and exit status 1, as for
``caunoi assign``; so does a list that cannot be scheduled (one line naming why). Meetings that
cannot be placed are not an error: they are listed with the reason.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from matcher.schedule import (
    Meeting,
    Placement,
    ScheduleProblem,
    Scheduler,
    ScheduleResult,
    Slot,
    Table,
    Unplaced,
)
from web.cli.context import CliError, Context, emit_json, pass_ctx
from web.cli.csvinput import CsvError, csv_id, csv_rows
from web.errors import DomainError
from web.services.curation.lists import get_list
from web.services.curation.meetings import list_meetings
from web.services.eventday import timetable
from web.services.eventday.event import Event, load_event

TRUE, FALSE = {"1", "true", "yes", "y"}, {"", "0", "false", "no", "n"}
LIVE_STATES = ("proposed", "confirmed")  # a declined or expired meeting is not scheduled


def read_meetings(path: Path) -> list[Meeting]:
    """Meetings of a meetings CSV; a repeated pair or a self-meeting is an error."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for line, row in csv_rows(path, ("a", "b"), optional=("fit", "remote")):
        a, b = csv_id(path, line, "a", row["a"]), csv_id(path, line, "b", row["b"])
        if a == b:
            raise CsvError(path, line, "b", f"{b!r} cannot meet itself")
        if (a, b) in seen:
            raise CsvError(path, line, None, f"meeting ({a}, {b}) already listed on line {seen[a, b]}")
        seen[a, b] = line
        out.append(Meeting(a, b, _fit(path, line, row["fit"]), _flag(path, line, row["remote"])))
    if not out:
        raise CsvError(path, 1, None, "no meetings listed")
    return out


def _fit(path: Path, line: int, value: str) -> float:
    try:
        fit = float(value) if value else 0.0
    except ValueError:
        fit = math.nan
    if not (math.isfinite(fit) and fit >= 0):
        raise CsvError(path, line, "fit", f"{value!r} is not a number >= 0")
    return fit


def _flag(path: Path, line: int, value: str) -> bool:
    if value.lower() not in TRUE | FALSE:
        raise CsvError(path, line, "remote", f"{value!r} is not one of 1/0, true/false, yes/no")
    return value.lower() in TRUE


def read_availability(path: Path, known: set[str], n_slots: int) -> dict[str, set[int]]:
    """``{id: slots present}`` of an availability CSV."""
    out: dict[str, set[int]] = defaultdict(set)
    for line, row in csv_rows(path, ("id", "slot")):
        who = row["id"]
        if who not in known:
            raise CsvError(path, line, "id", f"unknown id {who!r}: it is in no meeting")
        if not row["slot"].isdigit() or int(row["slot"]) >= n_slots:
            raise CsvError(path, line, "slot", f"{row['slot']!r} is not a slot 0..{n_slots - 1} (--slots {n_slots})")
        out[who].add(int(row["slot"]))
    return dict(out)


def read_delegations(path: Path) -> dict[str, list[str]]:
    """``{group: member ids}`` of a delegations CSV."""
    out: dict[str, list[str]] = defaultdict(list)
    for line, row in csv_rows(path, ("group", "id")):
        for column in ("group", "id"):
            csv_id(path, line, column, row[column])
        if row["id"] in out[row["group"]] or row["id"] == row["group"]:
            raise CsvError(path, line, "id", f"{row['id']!r} is already in delegation {row['group']!r}")
        out[row["group"]].append(row["id"])
    return dict(out)


def _from_files(meetings: str, availability: str | None, delegations: str | None,
                slots: tuple[Slot, ...]) -> tuple[list[Meeting], dict[str, set[int]], dict[str, list[str]]]:
    listed = read_meetings(Path(meetings))
    groups = read_delegations(Path(delegations)) if delegations else {}
    known = {p for m in listed for p in (m.a, m.b)}
    known |= {member for g, members in groups.items() if g in known for member in members}
    avail = read_availability(Path(availability), known, len(slots)) if availability else {}
    return listed, avail, groups


def _list_number(list_id: str) -> int:
    if not list_id.isdigit():
        raise CliError(f"list id {list_id!r} is not a number")
    return int(list_id)


def _from_list(ctx: Context, list_id: int) -> list[Meeting]:
    """The stored list's proposed and confirmed meetings (fit 0-100)."""
    try:
        rows = list_meetings(ctx.db, list_id)
    except DomainError as exc:
        raise CliError(exc.message) from None
    out = [Meeting(m.a_id, m.b_id, float(m.fit)) for m in rows if m.state in LIVE_STATES]
    if not out:
        raise CliError(f"list {list_id} has no proposed or confirmed meetings: publish a run first")
    return out


def _event(ctx: Context, list_id: int) -> tuple[Event | None, str]:
    """The list's event with its plan, or None and why not; an unknown list is an error."""
    try:
        row = get_list(ctx.db, list_id)
    except DomainError as exc:
        raise CliError(f"list {list_id}: {exc.message}") from None
    if row.kind != "event":
        return None, f"list {list_id} is a {row.kind} list, not an event: it has no plan"
    try:
        with ctx.connection() as conn:
            return load_event(conn, list_id), ""
    except DomainError:
        return None, f"list {list_id} has no event plan yet (days, time slots, tables: see its timetable page)"


def _plan_problem(ev: Event, n_slots: int | None, n_tables: int | None, per_day: int | None,
                  gap: int | None) -> tuple[ScheduleProblem, list[str]]:
    """The event's live meetings on its plan, with ``--slots``, ``--tables`` and ``--gap`` in place
    of the plan's where given; returns the problem and a note for each override."""
    try:
        base = ev.problem()
    except ValueError as exc:
        raise CliError(f"list {ev.row.id}: the stored plan is inconsistent: {exc}") from None
    if not base.meetings:
        raise CliError(f"list {ev.row.id} has no meeting to schedule: none is confirmed"
                       + (" or waiting for answers" if ev.plan.include_proposed else ""))
    slots, tables, availability, notes = base.slots, base.tables, base.availability, []
    if n_slots is not None:
        slots = Slot.grid(n_slots, per_day)
        availability = {}
        notes.append(f"--slots {n_slots} replaces the plan's {len(base.slots)} time slots; "
                     "who is present when is not applied to them")
    if n_tables is not None:
        tables = tuple(Table(f"T{i + 1}") for i in range(n_tables))
        notes.append(f"--tables {n_tables} replaces the plan's {len(base.tables)} tables")
    if gap is not None and gap != base.min_gap:
        notes.append(f"--gap {gap} replaces the plan's minimum gap of {base.min_gap}")
    if ev.plan.schedule_state == "final":
        notes.append("the agenda is published: this is a what-if, the timetable does not change")
    problem = ScheduleProblem.build(base.meetings, slots, tables, availability=availability,
                                    min_gap=base.min_gap if gap is None else gap, video_rooms=base.video_rooms)
    return problem, notes


def _slot_labels(ev: Event) -> dict[int, str]:
    """``{slot: "2026-05-12 09:00–09:30"}`` of the plan."""
    return {s.number: timetable.slot_label(ev, s.number) for s in ev.slots}


def _store(ctx: Context, list_id: int) -> tuple[ScheduleResult, Event, dict[str, Any]]:
    """Schedule the event into its preliminary timetable through the web's service; returns the
    stored timetable as a result, the event read back and the solve's summary."""
    try:
        summary = timetable.schedule(ctx.db, None, list_id)
        with ctx.connection() as conn:
            ev = load_event(conn, list_id)
    except DomainError as exc:
        raise CliError(f"list {list_id}: {exc.message}") from None
    live = [m for m in ev.meetings if ev.live(m)]
    placed = [Placement(m.a_id, m.b_id, m.slot, m.table_name, float(m.fit), m.remote, ev.slots[m.slot].day_no,
                        f"{ev.slots[m.slot].starts_at:%H:%M}") for m in live if m.slot is not None]
    placed.sort(key=lambda p: (p.slot, p.table is None, p.table or "", p.key))
    unplaced = [Unplaced(m.a_id, m.b_id, m.unplaced_reason or "", m.unplaced_detail or "")
                for m in live if m.slot is None]
    # the service keeps the solve's summary, not the solver's objective
    result = ScheduleResult(summary["status"], placed, unplaced, summary["solver_status"], 0, summary["bound"],
                            summary["seconds"], idle_gaps=summary["idle_gaps"])
    return result, ev, summary


SUGGESTIONS = {"table": "one more table", "slot": "one more time slot a day", "shorter": "meetings {n} minutes shorter"}


def render(result: ScheduleResult, problem: ScheduleProblem, labels: Mapping[int, str] | None = None) -> str:
    """A readable timetable: per slot (named by ``labels`` when given), its meetings by table; then
    what was left out and why."""
    total = len(result.placed) + len(result.unplaced)
    lines = [f"status: {result.status}   placed: {len(result.placed)} of {total}   "
             f"solver: {result.solver_status}   {result.seconds:.2f} s", ""]
    days = len({s.day for s in problem.slots}) > 1
    by_slot: dict[int, list] = defaultdict(list)
    for p in result.placed:
        by_slot[p.slot].append(p)
    for s, placed in sorted(by_slot.items()):
        slot = problem.slots[s]
        when = labels[s] if labels else " ".join(x for x in (f"day {slot.day + 1}" if days else "", slot.start) if x)
        lines.append(f"slot {s}" + (f" ({when})" if when else ""))
        width = max(len(p.table or "video") for p in placed)
        pair = max(len(f"{p.a} — {p.b}") for p in placed)
        lines += [(f"  {(p.table or 'video').ljust(width)}  {f'{p.a} — {p.b}'.ljust(pair)}"
                   + (f"  fit {p.fit:g}" if p.fit else "")).rstrip() for p in placed]
    if result.unplaced:
        lines += ["", "not placed:"] + [f"  {u.a} — {u.b}: {u.detail}" for u in result.unplaced]
    return "\n".join(lines) + "\n"


def _plan_line(ev: Event, problem: ScheduleProblem) -> str:
    """What the timetable is made on: the event's name and its grid (the plan's or the options')."""
    days = len({s.day for s in problem.slots})
    rooms = "no limit" if problem.video_rooms is None else problem.video_rooms
    return (f"event: {ev.row.name}   {len(problem.slots)} time slots on {days} day(s), {len(problem.tables)} tables, "
            f"video rooms: {rooms}, present part of the time: {len(problem.availability)}\n\n")


def _stored_lines(list_id: int, summary: dict[str, Any]) -> str:
    """Where the stored timetable is seen next, and the smallest change that would place more."""
    lines = ["", f"stored as the preliminary timetable of list {list_id}: "
                 f"check and publish it on /officer/lists/{list_id}/timetable"]
    hint = summary.get("suggestion")
    if hint:
        change = SUGGESTIONS.get(hint["kind"], hint["kind"]).format(n=hint["amount"])
        lines.append(f"with {change}, {hint['placed']} meetings would fit")
    return "\n".join(lines) + "\n"


def _offline(meetings: str, availability: str | None, delegations: str | None, n_slots: int | None,
             n_tables: int | None, per_day: int | None, gap: int | None) -> ScheduleProblem:
    if n_slots is None or n_tables is None:
        raise click.UsageError("--slots and --tables are required")
    slots = Slot.grid(n_slots, per_day)
    listed, avail, groups = _from_files(meetings, availability, delegations, slots)
    return _grid_problem(listed, slots, n_tables, gap, avail, groups)


def _grid_problem(listed: list[Meeting], slots: tuple[Slot, ...], n_tables: int, gap: int | None,
                  avail: dict[str, set[int]] | None = None, groups: dict[str, list[str]] | None = None) -> ScheduleProblem:
    try:
        return ScheduleProblem.build(listed, slots, [Table(f"T{i + 1}") for i in range(n_tables)],
                                     availability=avail, delegations=groups, min_gap=gap or 0)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _emit(result: ScheduleResult, problem: ScheduleProblem, as_json: bool, head: str = "",
          labels: Mapping[int, str] | None = None, extra: dict[str, Any] | None = None, tail: str = "") -> None:
    if as_json:
        out = result.to_dict()
        if extra is not None:
            out = {k: v for k, v in out.items() if k not in ("objective", "moved", "dropped")} | extra
        emit_json(out)
    else:
        click.echo(head + render(result, problem, labels) + tail, nl=False)


@click.command("schedule")
@click.argument("list_id", required=False)
@click.option("--meetings", type=click.Path(dir_okay=False), help="CSV a,b[,fit][,remote] of the meetings.")
@click.option("--slots", "n_slots", type=click.IntRange(min=1),
              help="Number of time slots (with an event's plan: replaces its slots).")
@click.option("--tables", "n_tables", type=click.IntRange(min=0),
              help="Number of tables, one meeting each per slot (with an event's plan: replaces its tables).")
@click.option("--availability", type=click.Path(dir_okay=False), help="CSV id,slot: when each id is present.")
@click.option("--delegations", type=click.Path(dir_okay=False), help="CSV group,id: delegation members.")
@click.option("--per-day", type=click.IntRange(min=1), help="Slots per day of --slots (default: all on one day).")
@click.option("--gap", type=click.IntRange(min=0), default=None,
              help="Free slots required between two meetings of one participant on a day [default: the plan's, else 0].")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="Seconds the solver may take (not with --store).")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Solver threads (not with --store).")
@click.option("--store", is_flag=True,
              help="Store the result as the event's preliminary timetable, as its timetable page's Schedule button does.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_ctx
def schedule_cmd(ctx: Context, list_id, meetings, n_slots, n_tables, availability, delegations, per_day, gap,
                 time_limit, workers, store, as_json) -> None:
    """Place meetings in time slots and at tables: nobody in two places, availability kept, as
    many meetings as possible (the higher fits first), the rest listed with the reason.

    Give --meetings with --slots and --tables (offline, with --availability and --delegations if
    any), or LIST_ID to schedule a stored list's meetings. An event list with a plan is scheduled
    on the plan's days, time slots, tables, presence, minimum gap and video rooms (--slots and
    --tables replace its grid for a what-if); another list needs --slots and --tables. Nothing is
    stored unless --store makes the result the event's preliminary timetable.
    """
    if (list_id is None) == (meetings is None):
        raise click.UsageError("give LIST_ID or --meetings, not both" if list_id else "give LIST_ID or --meetings")
    if list_id is None:
        if store:
            raise click.UsageError("--store goes with LIST_ID")
        problem = _offline(meetings, availability, delegations, n_slots, n_tables, per_day, gap)
        _emit(Scheduler(time_limit=time_limit, num_workers=workers).fit(problem).result_, problem, as_json)
        return
    if availability or delegations:
        raise click.UsageError("--availability and --delegations go with --meetings")
    number = _list_number(list_id)
    ev, why = _event(ctx, number)
    if ev is None:
        if store:
            raise CliError(f"{why}: --store needs one")
        if n_slots is None or n_tables is None:
            raise CliError(f"{why}: give --slots and --tables")
        problem = _grid_problem(_from_list(ctx, number), Slot.grid(n_slots, per_day), n_tables, gap)
        _emit(Scheduler(time_limit=time_limit, num_workers=workers).fit(problem).result_, problem, as_json)
        return
    if per_day is not None and n_slots is None:
        raise click.UsageError("--per-day goes with --slots")
    if store:
        if n_slots is not None or n_tables is not None or gap is not None:
            raise click.UsageError("--store schedules on the plan as stored: leave out --slots, --tables and --gap")
        result, ev, summary = _store(ctx, number)
        problem = ev.problem()
        _emit(result, problem, as_json, _plan_line(ev, problem), _slot_labels(ev),
              {"stored": True, "suggestion": summary.get("suggestion")}, _stored_lines(number, summary))
        return
    problem, notes = _plan_problem(ev, n_slots, n_tables, per_day, gap)
    for note in notes:
        click.echo(f"caunoi: note: {note}", err=True)
    result = Scheduler(time_limit=time_limit, num_workers=workers).fit(problem).result_
    _emit(result, problem, as_json, _plan_line(ev, problem), None if n_slots is not None else _slot_labels(ev))


COMMANDS = [schedule_cmd]
