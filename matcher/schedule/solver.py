"""The scheduler estimator: a first timetable (``fit``) and re-optimisation on the day (``refit``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from matcher.schedule.encode import Encoded, encode
from matcher.schedule.model import Solved, SolveOptions, solve_slots
from matcher.schedule.problem import Key, Pin, ScheduleProblem
from matcher.schedule.reasons import explain
from matcher.schedule.reopt import DayChanges, Plan, plan_day
from matcher.schedule.result import Placement, ScheduleResult, Unplaced
from matcher.schedule.tables import seat


class Scheduler:
    """Meetings into time slots and at tables with OR-Tools CP-SAT.

    Objectives, strictly in this order (solver phases, see ``matcher.schedule.model``):

    1. as many meetings placed as possible;
    2. first schedule (``fit``): the largest total fit of the placed meetings, i.e. when not all
       fit, the lower-fit ones are left out (skipped when every meeting that has a possible slot is
       placed: nothing is left to choose); re-optimisation (``refit``): as few moves of already
       scheduled meetings as possible, then walk-ins and meetings left out before as early as
       possible;
    3. first schedule, best effort (``polish``): each meeting as early in its day as it can be,
       which packs a participant's meetings together and leaves few idle gaps (``idle_gaps``).
       Not proved, and not in ``solver_status``: on the 1,000-meeting benchmark, minimising
       lateness as a proper objective gained 2.5% in 5 s and proved nothing in 20 s.

    Parameters
    ----------
    time_limit : float
        Seconds for the whole solve; what is found by then is returned (``solver_status``
        ``"feasible"``).
    num_workers : int
        CP-SAT threads.
    polish : float
        Budget of the best-effort third phase that moves meetings earlier in the day (keeping the
        first two objectives), in CP-SAT's deterministic time units (about a second of one
        thread), so that it ends at the same point whatever the machine's load; 0 skips it. On a
        150-meeting event it cut idle gaps from 236 to 81 in 0.2 s; on 400 or more meetings it
        found nothing better within 2 units, so it is skipped above ``model.POLISH_MAX``
        booleans.
    random_state : int
        CP-SAT's seed. With a fixed seed, repeated solves of one instance gave the same schedule
        in every run we made; CP-SAT's parallel search does not promise it (its interleaved
        deterministic mode found no schedule at all in 15 s on the benchmark).

    Attributes
    ----------
    problem_ : ScheduleProblem
        The instance of the last ``fit`` or ``refit`` (after ``refit``: without the cancelled
        meetings, with the walk-ins).
    result_ : ScheduleResult
    """

    def __init__(self, *, time_limit: float = 10.0, num_workers: int = 2, polish: float = 0.5,
                 random_state: int = 0) -> None:
        self.time_limit = time_limit
        self.num_workers = num_workers
        self.polish = polish
        self.random_state = random_state

    def _options(self) -> SolveOptions:
        if not self.time_limit > 0 or int(self.num_workers) < 1 or not self.polish >= 0:
            raise ValueError(f"time_limit must be > 0, num_workers >= 1 and polish >= 0; got {self.time_limit}, "
                             f"{self.num_workers}, {self.polish}")
        return SolveOptions(float(self.time_limit), int(self.num_workers), int(self.random_state), float(self.polish))

    def fit(self, problem: ScheduleProblem) -> Scheduler:
        """Schedule ``problem`` from scratch; sets ``problem_`` and ``result_``."""
        options = self._options()
        enc = encode(problem)
        gain = [np.full(len(enc.allowed[i]), enc.fit[i], dtype=np.int64) for i in range(enc.n_meetings)]
        early = _early(enc, int(self.random_state)) if self.polish > 0 else None
        solved = solve_slots(enc, gain, options, polish=early)
        self.problem_, self.result_ = problem, _result(problem, enc, solved, seat(enc, solved.slot))
        return self

    def refit(self, changes: DayChanges, previous: Mapping[Key, Pin] | None = None, *,
              hold_first: bool = True, problem: ScheduleProblem | None = None) -> Scheduler:
        """Re-optimise after ``changes``, starting from ``previous`` (``{(a, b): Pin}``; default
        the fitted schedule, pass the officer's edited one if it was moved by hand).

        First (``hold_first``) every scheduled meeting is held where it is and only the walk-ins
        and the meetings left out before are placed: a small model. When that places every one of
        them that has a possible slot, it is the optimum (nothing more can be placed, nothing
        moved, and the newcomers are as early as they can be without moving anyone). Only
        otherwise is the whole day re-solved, from that schedule.

        ``problem`` resumes a stored schedule without fitting first (the web app keeps the
        timetable in its database): the instance ``previous`` is a schedule of, which is then
        required."""
        if problem is None and not hasattr(self, "result_"):
            raise RuntimeError("this Scheduler is not fitted yet; call fit(problem) first")
        if problem is not None and previous is None:
            raise ValueError("refit with a problem needs the previous schedule it resumes")
        options = self._options()
        before = self.result_.assignment() if previous is None else previous
        plan, enc, solved = _solve_day(problem or self.problem_, before, changes, options, hold_first)
        table = seat(enc, solved.slot, prefer=np.where(solved.slot == plan.previous, plan.previous_table, -1))
        moved = [plan.problem.meetings[i].key for i in np.flatnonzero(plan.movable & (solved.slot != plan.previous))]
        self.problem_ = plan.problem
        self.result_ = _result(plan.problem, enc, solved, table, plan.earliest, moved, plan.dropped)
        return self


def _early(enc: Encoded, seed: int, spread: int = 1000) -> list[np.ndarray]:
    """Polish gains: ``K * (R - rank_s)`` (earlier in the day is better) plus a seeded tie-break
    below ``spread`` per meeting, with ``K = n * spread`` so that earliness always wins. Without the
    tie-break many schedules are equally early and which one comes back would depend on the
    thread timing of phase 1; with it the polished optimum is, but for chance collisions, unique."""
    top = int(enc.rank.max()) if enc.n_slots else 0
    rng = np.random.default_rng(seed)
    k = enc.n_meetings * spread
    return [k * (top - enc.rank[a]) + rng.integers(0, spread, len(a)) for a in enc.allowed]


def _solve_day(problem: ScheduleProblem, before: Mapping[Key, Pin], changes: DayChanges, options: SolveOptions,
               hold_first: bool) -> tuple[Plan, Encoded, Solved]:
    """The re-optimised day: its plan, the encoding the schedule is in, and the schedule."""
    plan = plan_day(problem, before, changes)
    enc = encode(plan.problem, plan.earliest)
    if not hold_first:
        return plan, enc, solve_slots(enc, _day_gain(enc, plan), options, hint=plan.previous, first_share=0.5)
    held = plan_day(problem, before, changes, hold=True)
    held_enc = encode(held.problem, held.earliest)
    first = solve_slots(held_enc, _day_gain(held_enc, held), options)
    placeable = np.array([len(a) > 0 for a in enc.allowed], dtype=bool)
    if not (first.slot[placeable & plan.fresh] < 0).any():
        return plan, held_enc, first
    rest = replace(options, time_limit=max(options.time_limit - first.seconds, 0.1))
    # half the time at most for placing more, so that moving few has time too: on the day a
    # schedule that places a few more by moving hundreds is no help
    solved = solve_slots(enc, _day_gain(enc, plan), rest, hint=first.slot, first_share=0.5)
    return plan, enc, replace(solved, seconds=solved.seconds + first.seconds)


def _day_gain(enc: Encoded, plan: Plan) -> list[np.ndarray]:
    """A movable meeting gains ``W`` for staying where it was; a fresh one ``k - s`` in slot ``s``
    (earliest first); ``W`` is above all fresh gains together, so staying always wins."""
    k = enc.n_slots
    w = int(plan.fresh.sum()) * k + 1
    out = []
    for i, slots in enumerate(enc.allowed):
        if plan.movable[i]:
            out.append(np.where(slots == plan.previous[i], w, 0))
        elif plan.fresh[i]:
            out.append(k - slots)
        else:
            out.append(np.zeros(len(slots), np.int64))
    return out


def _idle_gaps(problem: ScheduleProblem, enc: Encoded, slot: np.ndarray) -> int:
    """Free slots between a participant's first and last meeting of a day, summed (delegation
    ids aside: their members count)."""
    ranks: dict[tuple[str, int], list[int]] = {}
    for i in np.flatnonzero(slot >= 0).tolist():
        s = int(slot[i])
        for p in problem.busy(problem.meetings[i]):
            if p not in problem.delegations:
                ranks.setdefault((p, int(enc.day[s])), []).append(int(enc.rank[s]))
    return sum(max(r) - min(r) + 1 - len(r) for r in ranks.values())


def _result(problem: ScheduleProblem, enc: Encoded, solved: Solved, table: np.ndarray,
            earliest: np.ndarray | None = None, moved: list[Key] | None = None,
            dropped: list[Unplaced] | None = None) -> ScheduleResult:
    placed = []
    for i in np.flatnonzero(solved.slot >= 0).tolist():
        m, s = problem.meetings[i], int(solved.slot[i])
        name = problem.tables[table[i]].name if table[i] >= 0 else None
        placed.append(Placement(m.a, m.b, s, name, m.fit, m.remote, problem.slots[s].day, problem.slots[s].start))
    order = {t.name: j for j, t in enumerate(problem.tables)}
    placed.sort(key=lambda p: (p.slot, p.table is None, order.get(p.table or "", 0), p.a, p.b))
    why = explain(problem, enc, solved.slot, table, earliest)
    unplaced = [Unplaced(problem.meetings[i].a, problem.meetings[i].b, *why[i]) for i in sorted(why)]
    return ScheduleResult(
        status="partial" if unplaced else "complete",
        placed=placed,
        unplaced=unplaced,
        solver_status=solved.status,
        objective=solved.objective,
        bound=solved.bound,
        seconds=solved.seconds,
        moved=moved or [],
        dropped=dropped or [],
        idle_gaps=_idle_gaps(problem, enc, solved.slot),
    )
