"""``caunoi schedule``: meetings into time slots and at tables (``matcher.schedule``), from CSV files
or from a stored list's published meetings.

CSV formats (UTF-8, header row first, extra columns ignored):

- meetings ``a,b[,fit][,remote]``: one meeting per row; ``fit`` a number >= 0 (empty: 0), higher
  fits are kept when not all fit; ``remote`` ``1/true/yes`` for a video meeting (no table). ``a``
  or ``b`` may name a delegation of ``--delegations``.
- availability ``id,slot``: the slots (0-based) in which that id is present; an id absent from the
  file is always present.
- delegations ``group,id``: the members of each delegation; a meeting with the group occupies them
  all.

Bad input stops with ``FILE: line N, column C: what is wrong`` on stderr and exit status 1, as for
``caunoi assign``. Meetings that cannot be placed are not an error: they are listed with the reason.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import click

from matcher.schedule import Meeting, ScheduleProblem, Scheduler, ScheduleResult, Slot, Table
from web.cli.context import CliError, Context, emit_json, pass_ctx
from web.cli.csvinput import CsvError, csv_id, csv_rows
from web.errors import DomainError
from web.services.curation.meetings import list_meetings

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


def _from_list(ctx: Context, list_id: str) -> list[Meeting]:
    """The stored list's proposed and confirmed meetings (fit 0-100)."""
    if not list_id.isdigit():
        raise CliError(f"list id {list_id!r} is not a number")
    try:
        rows = list_meetings(ctx.db, int(list_id))
    except DomainError as exc:
        raise CliError(exc.message) from None
    out = [Meeting(m.a_id, m.b_id, float(m.fit)) for m in rows if m.state in LIVE_STATES]
    if not out:
        raise CliError(f"list {list_id} has no proposed or confirmed meetings: publish a run first")
    return out


def render(result: ScheduleResult, problem: ScheduleProblem) -> str:
    """A readable timetable: per slot, its meetings by table; then what was left out and why."""
    total = len(result.placed) + len(result.unplaced)
    lines = [f"status: {result.status}   placed: {len(result.placed)} of {total}   "
             f"solver: {result.solver_status}   {result.seconds:.2f} s", ""]
    days = len({s.day for s in problem.slots}) > 1
    by_slot: dict[int, list] = defaultdict(list)
    for p in result.placed:
        by_slot[p.slot].append(p)
    for s, placed in sorted(by_slot.items()):
        slot = problem.slots[s]
        when = " ".join(x for x in (f"day {slot.day + 1}" if days else "", slot.start) if x)
        lines.append(f"slot {s}" + (f" ({when})" if when else ""))
        width = max(len(p.table or "video") for p in placed)
        pair = max(len(f"{p.a} — {p.b}") for p in placed)
        lines += [(f"  {(p.table or 'video').ljust(width)}  {f'{p.a} — {p.b}'.ljust(pair)}"
                   + (f"  fit {p.fit:g}" if p.fit else "")).rstrip() for p in placed]
    if result.unplaced:
        lines += ["", "not placed:"] + [f"  {u.a} — {u.b}: {u.detail}" for u in result.unplaced]
    return "\n".join(lines) + "\n"


@click.command("schedule")
@click.argument("list_id", required=False)
@click.option("--meetings", type=click.Path(dir_okay=False), help="CSV a,b[,fit][,remote] of the meetings.")
@click.option("--slots", "n_slots", type=click.IntRange(min=1), help="Number of time slots.")
@click.option("--tables", "n_tables", type=click.IntRange(min=0), help="Number of tables (one meeting each per slot).")
@click.option("--availability", type=click.Path(dir_okay=False), help="CSV id,slot: when each id is present.")
@click.option("--delegations", type=click.Path(dir_okay=False), help="CSV group,id: delegation members.")
@click.option("--per-day", type=click.IntRange(min=1), help="Slots per day (default: all on one day).")
@click.option("--gap", type=click.IntRange(min=0), default=0, show_default=True,
              help="Free slots required between two meetings of one participant on a day.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="Seconds the solver may take.")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True, help="Solver threads.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_ctx
def schedule_cmd(ctx: Context, list_id, meetings, n_slots, n_tables, availability, delegations, per_day, gap,
                 time_limit, workers, as_json) -> None:
    """Place meetings in time slots and at tables: nobody in two places, availability kept, as
    many meetings as possible (the higher fits first), the rest listed with the reason.

    Give --meetings (offline, with --availability and --delegations if any), or LIST_ID to
    schedule a stored list's proposed and confirmed meetings (nothing is stored).
    """
    if n_slots is None or n_tables is None:
        raise click.UsageError("--slots and --tables are required")
    if (list_id is None) == (meetings is None):
        raise click.UsageError("give LIST_ID or --meetings, not both" if list_id else "give LIST_ID or --meetings")
    if list_id is not None and (availability or delegations):
        raise click.UsageError("--availability and --delegations go with --meetings")
    slots = Slot.grid(n_slots, per_day)
    avail: dict[str, set[int]] = {}
    groups: dict[str, list[str]] = {}
    if list_id is not None:
        listed = _from_list(ctx, list_id)
    else:
        listed, avail, groups = _from_files(meetings, availability, delegations, slots)
    try:
        problem = ScheduleProblem.build(listed, slots, [Table(f"T{i + 1}") for i in range(n_tables)],
                                        availability=avail, delegations=groups, min_gap=gap)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    result = Scheduler(time_limit=time_limit, num_workers=workers).fit(problem).result_
    if as_json:
        emit_json(result.to_dict())
    else:
        click.echo(render(result, problem), nl=False)


COMMANDS = [schedule_cmd]
