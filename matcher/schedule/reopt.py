"""Changes on the day: cancellations, no-shows and walk-ins, turned into the next instance to solve.

The slot under way (``now``) and the ``frozen - 1`` after it keep their meetings exactly (slot
and table): people are walking to them. Later meetings may move, but moving one costs more than
anything else in the second objective; meetings left out before are tried again in the later slots;
a walk-in may take any slot from ``now + 1``, the earliest free one preferred. Meetings before
``now`` are history and stay as they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from matcher.schedule.problem import Key, Meeting, Pin, ScheduleProblem
from matcher.schedule.result import Unplaced


@dataclass(frozen=True)
class DayChanges:
    """What happened since the last schedule. ``now``: the slot under way; ``cancelled``: meetings
    that will not take place; ``no_shows``: participants absent from ``now`` on; ``walk_ins``: new
    meetings between present participants; ``frozen``: slots from ``now`` whose meetings stay."""

    now: int
    cancelled: tuple[Key, ...] = ()
    no_shows: tuple[str, ...] = ()
    walk_ins: tuple[Meeting, ...] = ()
    frozen: int = 2


@dataclass
class Plan:
    """The instance to solve after ``DayChanges``, with per meeting row (shape ``(n,)``):
    ``earliest`` slot allowed, ``previous`` slot and table row (-1: none), ``movable`` (placed
    before in a slot that may change), ``fresh`` (walk-in or left out before); and ``dropped``."""

    problem: ScheduleProblem
    earliest: np.ndarray
    previous: np.ndarray
    previous_table: np.ndarray
    movable: np.ndarray
    fresh: np.ndarray
    dropped: list[Unplaced] = field(default_factory=list)


def _check(problem: ScheduleProblem, previous: Mapping[Key, Pin], changes: DayChanges) -> None:
    keys = {m.key for m in problem.meetings}
    people = {p for m in problem.meetings for p in problem.busy(m)}
    if not 0 <= changes.now < len(problem.slots) or changes.frozen < 1:
        raise ValueError(f"now must be a slot 0..{len(problem.slots) - 1} and frozen at least 1")
    for what, unknown in (("cancelled meeting", [k for k in changes.cancelled if k not in keys]),
                          ("previous schedule's meeting", [k for k in previous if k not in keys]),
                          ("no-show", [p for p in changes.no_shows if p not in people]),
                          ("walk-in", [m.key for m in changes.walk_ins if m.key in keys])):
        if unknown:
            known = "already a meeting" if what == "walk-in" else "not in the schedule's problem"
            raise ValueError(f"{what} {unknown[0]!r} is {known}")


def plan_day(problem: ScheduleProblem, previous: Mapping[Key, Pin], changes: DayChanges, *,
             hold: bool = False) -> Plan:
    """The re-optimisation instance of ``problem`` scheduled as ``previous`` after ``changes``;
    with ``hold``, every meeting of ``previous`` stays pinned where it is (only walk-ins and
    meetings left out before are placed)."""
    _check(problem, previous, changes)
    now, cut = changes.now, changes.now + changes.frozen
    held = len(problem.slots) if hold else cut
    cancelled, gone = set(changes.cancelled), set(changes.no_shows)
    kept: list[Meeting] = []
    dropped: list[Unplaced] = []
    for m in problem.meetings:
        was = previous.get(m.key)
        history = was is not None and was.slot < now
        absent = sorted(gone & set(problem.busy(m)))
        if m.key in cancelled:
            dropped.append(Unplaced(m.a, m.b, "cancelled", "the meeting was cancelled"))
        elif absent and not history:
            dropped.append(Unplaced(m.a, m.b, "no_show", f"{absent[0]} did not come"))
        else:
            kept.append(m)
    meetings = kept + list(changes.walk_ins)
    pinned = {k: p for k, p in problem.pinned.items() if k in {m.key for m in kept}}
    pinned.update({m.key: previous[m.key] for m in kept if m.key in previous and previous[m.key].slot < held})
    known = {p for m in meetings for p in problem.busy(m)}
    availability = {who: set(s) for who, s in problem.availability.items() if who in known}
    for who in gone & known:
        availability[who] = {s for s in availability.get(who, range(len(problem.slots))) if s < now}
    new = ScheduleProblem.build(meetings, problem.slots, problem.tables, availability=availability,
                                delegations=problem.delegations, min_gap=problem.min_gap,
                                video_rooms=problem.video_rooms, pinned=pinned)
    return _arrays(new, previous, kept, len(changes.walk_ins), now, cut, dropped)


def _arrays(new: ScheduleProblem, previous: Mapping[Key, Pin], kept: list[Meeting], n_walk: int,
            now: int, cut: int, dropped: list[Unplaced]) -> Plan:
    n = len(new.meetings)
    tables = {t.name: i for i, t in enumerate(new.tables)}
    prev = np.full(n, -1, np.int64)
    prev_table = np.full(n, -1, np.int64)
    for i, m in enumerate(kept):
        pin = previous.get(m.key)
        if pin is not None:
            prev[i] = pin.slot
            prev_table[i] = tables.get(pin.table, -1) if pin.table is not None else -1
    walk = np.arange(n) >= len(kept)
    earliest = np.where(walk, now + 1, cut)
    movable = (prev >= cut) & ~walk
    fresh = walk | (prev < 0)
    return Plan(new, earliest, prev, prev_table, movable, fresh, dropped)
