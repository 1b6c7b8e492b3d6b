"""The CP-SAT model: which slot each meeting gets, solved lexicographically in phases.

One boolean ``x[i, s]`` per meeting ``i`` and slot ``s`` in ``allowed[i]`` (never a slot where
someone is absent: availability is in the variables, not in constraints). Tables are not
variables: for two-person meetings they are interchangeable, so a slot only needs *enough* of
them; with tables of different sizes, a slot's meetings fit its free tables exactly when, for
every size ``k``, the meetings needing ``k`` seats or more are no more than the tables with ``k``
seats or more (the nested form of Hall's condition), which ``tables.seat`` then realises. This
keeps 1,000 meetings x 24 slots at most 24k booleans (16.5k on the benchmark, where people are
absent part of the time), where a boolean per table too would make 60 times more.

Constraints: a meeting at most once; a person in at most one meeting per slot, or, with a minimum
gap ``g``, per window of ``g + 1`` consecutive slot indices of a day; the table condition above per
slot (tables of pinned meetings taken out); remote meetings at most ``video_rooms`` per slot.

Phase 1 maximises the number of meetings placed, with CP-SAT's core-based search
(``optimize_with_core``): "place as many as possible" is a MaxSAT problem, where it proves the
optimum in about a second on the 1,000-meeting benchmark, while the default LP-based search neither
proved nor reached it in 20 s (the per-person constraints enter its LP too slowly to bound
anything). Phase 2 keeps that number (a constraint) and maximises the caller's integer ``gain``
from phase 1's schedule: a strict lexicographic order without big-M weights; here the default
search proved the day's re-optimisation optimal in 5 s where the core-based one had not in 10.
Phase 3 (``polish``) is best effort: one thread, a fixed deterministic-time budget, keeping both
values, e.g. meetings earlier in the day. Measured alternatives are in docs/performance.md.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from matcher.schedule.encode import Encoded

# The polish is skipped above this many booleans: it proved the optimum in 0.07 work units on a
# 150-meeting event (1.8k booleans, idle gaps 236 -> 81) but found nothing better within 2 units on
# 400 meetings (6.4k) or 1,000 (16.5k), where its 0.5 units cost ~1.5 s of wall time for nothing.
POLISH_MAX = 4000


@dataclass(frozen=True)
class SolveOptions:
    """``time_limit`` in seconds for all phases together; ``num_workers`` CP-SAT threads;
    ``random_state`` CP-SAT's seed; ``polish`` the deterministic-time budget of the last, best-effort
    phase (CP-SAT's work units, roughly seconds of one thread)."""

    time_limit: float = 10.0
    num_workers: int = 2
    random_state: int = 0
    polish: float = 0.5


@dataclass(frozen=True)
class Solved:
    """Slot per meeting (``-1``: not placed), the solver status (``"optimal"`` when both phases
    proved their optimum, else ``"feasible"``), ``bound``: most meetings any schedule could place
    (proved by phase 1), phase 2's ``objective`` and wall ``seconds``."""

    slot: np.ndarray
    status: str
    bound: int
    objective: int
    seconds: float


class _StopAt(cp_model.CpSolverSolutionCallback):
    """Stops the search at the first solution whose objective reaches ``target``."""

    def __init__(self, target: int) -> None:
        super().__init__()
        self.target = target

    def on_solution_callback(self) -> None:
        if self.objective_value >= self.target - 1e-6:
            self.stop_search()


class _Model:
    def __init__(self, enc: Encoded) -> None:
        self.enc = enc
        self.cp = cp_model.CpModel()
        self.x = [[self.cp.new_bool_var("") for _ in enc.allowed[i]] for i in range(enc.n_meetings)]
        self.placed = cp_model.LinearExpr.sum([v for row in self.x for v in row])
        for i, row in enumerate(self.x):
            if enc.pin_slot[i] >= 0:
                self.cp.add(row[0] == 1)
            elif len(row) > 1:
                self.cp.add_at_most_one(row)
        self._people()
        self._tables_and_video()

    def _people(self) -> None:
        enc, gap = self.enc, self.enc.min_gap
        by_person: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for i, row in enumerate(self.x):
            for s, v in zip(enc.allowed[i].tolist(), row, strict=True):
                for p in enc.busy[i].tolist():
                    by_person[p].append((s, v))
        for items in by_person.values():
            at: dict[int, list[cp_model.IntVar]] = defaultdict(list)
            for s, v in items:
                at[s].append(v)
            slots = sorted(at)
            for n, s in enumerate(slots):
                # every pair closer than the gap shares the window opening at the earlier of the two
                window = [v for t in slots[n:] if enc.day[t] == enc.day[s] and enc.index[t] - enc.index[s] <= gap
                          for v in at[t]]
                if len(window) > 1:
                    self.cp.add_at_most_one(window)

    def _tables_and_video(self) -> None:
        enc = self.enc
        seats: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        video: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        taken: dict[int, set[int]] = defaultdict(set)
        for i, row in enumerate(self.x):
            if enc.pin_table[i] >= 0:
                taken[int(enc.pin_slot[i])].add(int(enc.pin_table[i]))
                continue
            for s, v in zip(enc.allowed[i].tolist(), row, strict=True):
                if enc.remote[i]:
                    video[s].append(v)
                else:
                    seats[s].append((int(enc.seats[i]), v))
        for s, items in seats.items():
            free = np.delete(enc.capacity, sorted(taken[s]))
            for k in sorted({size for size, _ in items}):
                group = [v for size, v in items if size >= k]
                room = int((free >= k).sum())
                if len(group) > room:
                    self.cp.add(sum(group) <= room)
        if enc.video_rooms is not None:
            for vs in video.values():
                if len(vs) > enc.video_rooms:
                    self.cp.add(sum(vs) <= enc.video_rooms)

    def run(self, options: SolveOptions, seconds: float, *, core: bool = False,
            polish: bool = False, enough: int | None = None) -> tuple[cp_model.CpSolver, Any]:
        """Solve with the portfolio of ``num_workers`` threads, its main search ``core``-based or
        not; a ``polish`` run is one thread with a deterministic-time budget instead (so that its
        result does not depend on the machine's load). ``enough``: stop at a solution whose
        objective reaches it (a bound known outside the model: one thread without LP cannot
        prove that placing every placeable meeting is the optimum, and searched the whole time
        limit for nothing)."""
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = max(seconds, 0.01)
        p.random_seed = int(options.random_state)
        if polish:
            p.num_workers = 1
            p.max_deterministic_time = options.polish
            p.cp_model_presolve = False
        else:
            p.num_workers = max(int(options.num_workers), 1)
            # alone, the core-based search finds no schedule at scale (it proves bounds while the
            # portfolio's other threads find schedules); one thread does better with plain SAT search
            p.optimize_with_core = core and p.num_workers > 1
            if p.num_workers == 1:
                p.linearization_level = 0
        if enough is None:
            return solver, solver.solve(self.cp)
        return solver, solver.solve(self.cp, _StopAt(enough))

    def objective(self, gain: list[np.ndarray]) -> cp_model.LinearExpr:
        terms = [(v, int(g)) for gs, row in zip(gain, self.x, strict=True)
                 for g, v in zip(gs.tolist(), row, strict=True) if g]
        return cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [g for _, g in terms])

    def slots_of(self, solver: cp_model.CpSolver) -> np.ndarray:
        out = np.full(self.enc.n_meetings, -1, dtype=np.int64)
        for i, row in enumerate(self.x):
            for s, v in zip(self.enc.allowed[i].tolist(), row, strict=True):
                if solver.boolean_value(v):
                    out[i] = s
        return out

    def hint(self, slot: np.ndarray) -> None:
        self.cp.clear_hints()
        for i, row in enumerate(self.x):
            for s, v in zip(self.enc.allowed[i].tolist(), row, strict=True):
                self.cp.add_hint(v, bool(slot[i] == s))


def solve_slots(enc: Encoded, gain: list[np.ndarray] | None, options: SolveOptions,
                hint: np.ndarray | None = None, polish: list[np.ndarray] | None = None,
                first_share: float = 1.0) -> Solved:
    """Most meetings placed, then the largest total ``gain``, then (best effort) ``polish``.

    ``gain[i]`` and ``polish[i]`` are parallel to ``enc.allowed[i]`` (None: no such phase);
    ``hint`` (shape ``(n,)``, -1 for none) is a schedule to start from; phase 1 may take
    ``first_share`` of the time limit, the rest is left to the others. The status and ``bound``
    speak of the first two objectives; the polish only ever replaces a schedule by one as good on
    both and better on it.

    Raises ``ValueError`` when the pinned meetings alone break a rule (the minimum gap)."""
    start = time.perf_counter()
    model = _Model(enc)
    if hint is not None:
        model.hint(hint)
    model.cp.maximize(model.placed)
    placeable = sum(len(a) > 0 for a in enc.allowed)
    solver, code = model.run(options, options.time_limit * first_share, core=True, enough=placeable)
    if code == cp_model.INFEASIBLE:
        raise ValueError("the pinned meetings break the minimum gap between a participant's meetings")
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        n = enc.n_meetings
        return Solved(np.full(n, -1, np.int64), "unknown", n, 0, time.perf_counter() - start)
    slot = model.slots_of(solver)
    bound = min(int(np.floor(solver.best_objective_bound + 1e-6)), placeable)
    # every placeable meeting placed is optimal whatever the solver could prove
    proved = code == cp_model.OPTIMAL or int((slot >= 0).sum()) == placeable
    model.cp.add(model.placed >= int((slot >= 0).sum()))
    if gain is not None and not _settled(enc, gain, slot):
        slot, proved = _improve(model, gain, slot, options, options.time_limit - (time.perf_counter() - start))
        proved = proved and code == cp_model.OPTIMAL
    objective = _value(enc, gain, slot)
    if polish is not None and any(g.any() for g in polish) and sum(map(len, enc.allowed)) <= POLISH_MAX:
        if gain is not None:
            model.cp.add(model.objective(gain) >= objective)
        slot, _ = _improve(model, polish, slot, options, options.time_limit - (time.perf_counter() - start),
                           polish=True)
    return Solved(slot, "optimal" if proved else "feasible", bound, objective, time.perf_counter() - start)


def _improve(model: _Model, gain: list[np.ndarray], slot: np.ndarray, options: SolveOptions, seconds: float,
             polish: bool = False) -> tuple[np.ndarray, bool]:
    """The best schedule for ``gain`` among those the model still allows, starting from ``slot``;
    ``slot`` itself when nothing better is found in time. Returns it and whether it is proved best."""
    if seconds < 0.05:
        return slot, False
    before = _value(model.enc, gain, slot)
    model.cp.maximize(model.objective(gain))
    model.hint(slot)
    solver, code = model.run(options, seconds, polish=polish)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) and round(solver.objective_value) >= before:
        return model.slots_of(solver), code == cp_model.OPTIMAL
    return slot, False


def _settled(enc: Encoded, gain: list[np.ndarray], slot: np.ndarray) -> bool:
    """Whether phase 2 has nothing to choose: no gain at all, or gains that do not depend on the
    slot while every meeting that has a possible slot is placed."""
    if not any(g.any() for g in gain):
        return True
    placeable = sum(len(a) > 0 for a in enc.allowed)
    return int((slot >= 0).sum()) == placeable and all(np.ptp(g) == 0 for g in gain if len(g))


def _value(enc: Encoded, gain: list[np.ndarray] | None, slot: np.ndarray) -> int:
    if gain is None:
        return 0
    return sum(int(g[np.searchsorted(enc.allowed[i], slot[i])]) for i, g in enumerate(gain) if slot[i] >= 0)
