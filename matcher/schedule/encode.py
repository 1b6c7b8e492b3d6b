"""Ids become rows in one place: a :class:`ScheduleProblem` as the arrays the solver reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.schedule.problem import ScheduleProblem

NO_LIMIT = 1 << 30  #: the capacity of a table without one


@dataclass(frozen=True)
class Encoded:
    """The arrays of one instance. ``n`` meetings, ``k`` slots, ``t`` tables, ``p`` people.

    Attributes
    ----------
    people : tuple of str, length p
        Row -> id of everyone a meeting can occupy (delegation ids included).
    busy : list of int64 ndarray, length n
        The people rows each meeting occupies.
    seats : int64 ndarray of shape (n,)
    remote : bool ndarray of shape (n,)
    fit : int64 ndarray of shape (n,)
        Fit scaled to 0..100 (the best meeting 100).
    allowed : list of int64 ndarray, length n
        Slots where everyone of the meeting is present and a table (or video room) can hold it,
        sorted; just the pinned slot for a pinned meeting.
    day, rank : int64 ndarray of shape (k,)
        The slot's day, and its position among that day's slots (0 = first of the day).
    index : int64 ndarray of shape (k,)
        The slot's index within its day (breaks leave numbers out), for the minimum gap.
    capacity : int64 ndarray of shape (t,)
        Seats per table (``NO_LIMIT`` when unlimited).
    pin_slot, pin_table : int64 ndarray of shape (n,)
        Pinned slot and table rows, -1 where none.
    """

    people: tuple[str, ...]
    busy: list[np.ndarray]
    seats: np.ndarray
    remote: np.ndarray
    fit: np.ndarray
    allowed: list[np.ndarray]
    day: np.ndarray
    rank: np.ndarray
    index: np.ndarray
    capacity: np.ndarray
    pin_slot: np.ndarray
    pin_table: np.ndarray
    min_gap: int
    video_rooms: int | None

    @property
    def n_meetings(self) -> int:
        return len(self.busy)

    @property
    def n_slots(self) -> int:
        return len(self.day)


def _present(problem: ScheduleProblem, people: tuple[str, ...]) -> np.ndarray:
    """Bool ``(p, k)``: who is present when."""
    out = np.ones((len(people), len(problem.slots)), dtype=bool)
    for row, who in enumerate(people):
        avail = problem.availability.get(who)
        if avail is not None:
            out[row] = False
            out[row, sorted(avail)] = True
    return out


def encode(problem: ScheduleProblem, earliest: np.ndarray | None = None) -> Encoded:
    """The arrays of ``problem``; ``earliest`` (shape ``(n,)``) forbids a meeting the slots before
    its entry (the day's re-optimisation uses it; pins are not restricted)."""
    busy_ids = [problem.busy(m) for m in problem.meetings]
    people = tuple(sorted({p for ids in busy_ids for p in ids}))
    row_of = {p: i for i, p in enumerate(people)}
    busy = [np.array([row_of[p] for p in ids], dtype=np.int64) for ids in busy_ids]
    n, k = len(problem.meetings), len(problem.slots)
    seats = np.array([problem.seats(m) for m in problem.meetings], dtype=np.int64).reshape(n)
    remote = np.array([m.remote for m in problem.meetings], dtype=bool).reshape(n)
    capacity = np.array([NO_LIMIT if t.capacity is None else t.capacity for t in problem.tables], dtype=np.int64)
    present = _present(problem, people)
    table_rows = {t.name: i for i, t in enumerate(problem.tables)}
    pin_slot, pin_table = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    allowed = []
    for i, m in enumerate(problem.meetings):
        pin = problem.pinned.get(m.key)
        if pin is not None:
            pin_slot[i] = pin.slot
            pin_table[i] = -1 if pin.table is None else table_rows[pin.table]
            allowed.append(np.array([pin.slot], dtype=np.int64))
            continue
        ok: np.ndarray = np.asarray(present[busy[i]].all(axis=0))
        if remote[i] and problem.video_rooms == 0:
            ok[:] = False
        if not remote[i] and not (capacity >= seats[i]).any():
            ok[:] = False
        if earliest is not None:
            ok[: max(int(earliest[i]), 0)] = False
        allowed.append(np.flatnonzero(ok).astype(np.int64))
    day = np.array([s.day for s in problem.slots], dtype=np.int64).reshape(k)
    index = np.array([s.index for s in problem.slots], dtype=np.int64).reshape(k)
    rank = np.zeros(k, dtype=np.int64)
    for s in range(1, k):
        rank[s] = rank[s - 1] + 1 if day[s] == day[s - 1] else 0
    fits = np.array([m.fit for m in problem.meetings], dtype=np.float64).reshape(n)
    top = fits.max() if n else 0.0
    fit = np.rint(100 * fits / top).astype(np.int64) if top > 0 else np.zeros(n, dtype=np.int64)
    return Encoded(people, busy, seats, remote, fit, allowed, day, rank, index, capacity, pin_slot, pin_table,
                   problem.min_gap, problem.video_rooms)
