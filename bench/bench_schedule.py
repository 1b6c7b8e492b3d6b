"""Event-day scheduling at brokerage-event scale (issue 18).

300 participants (200 Vietnamese, 100 foreign, 24 of them in 6 delegations of 3-5 members, 8
remote only), 1,000 meetings (40 of them with a whole delegation), 2 days x 12 slots, 60 tables
(54 of 4 seats, 6 rooms of 8), 8 video rooms; seeded partial availability: 70% present all event,
the others one day or two random half days. First schedule: placed / the proved most possible /
meetings with any common slot, clashes (checked here, independently of the solver), seconds. Then,
at 10:00 of day 1 (slot 4), 20 cancellations and 2 walk-ins: re-optimisation seconds, meetings
changed in the two frozen slots (must be 0), meetings moved later, where the walk-ins went; and
the same re-optimisation with the whole day re-solved (the fallback when holding every meeting
where it is does not place every newcomer).

    python bench/bench_schedule.py [--seed N] [--gap G] [--workers N] [--repeats N]
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, write_result  # noqa: E402
from matcher.schedule import DayChanges, Meeting, ScheduleProblem, Scheduler, ScheduleResult, Slot, Table  # noqa: E402

DAYS, PER_DAY, N_VN, N_FOREIGN, N_MEETINGS = 2, 12, 200, 100, 1000


def event(seed: int, gap: int = 0) -> ScheduleProblem:
    rng = np.random.default_rng(seed)
    vn = [f"vn{i:03d}" for i in range(N_VN)]
    foreign = [f"fx{i:03d}" for i in range(N_FOREIGN)]
    delegations, start = {}, 0
    for d, size in enumerate([3, 4, 5, 3, 4, 5]):
        delegations[f"delegation-{d}"] = tuple(foreign[start : start + size])
        start += size
    remote_only = set(foreign[-8:])
    slots = tuple(Slot(day, i, f"{9 + i // 2 + (i >= 6)}:{30 * (i % 2):02d}", 30)
                  for day in range(DAYS) for i in range(PER_DAY))
    availability = {}
    for who in vn + foreign:
        u = rng.random()
        if u < 0.7:
            continue
        if u < 0.85:
            day = int(rng.integers(DAYS))
            availability[who] = range(day * PER_DAY, (day + 1) * PER_DAY)
        else:
            halves = rng.choice(2 * DAYS, size=2, replace=False)
            availability[who] = [h * PER_DAY // 2 + i for h in halves.tolist() for i in range(PER_DAY // 2)]
    pairs: set[tuple[str, str]] = set()
    for d, n in zip(sorted(delegations), [7, 7, 7, 7, 6, 6], strict=True):
        pairs.update((vn[j], d) for j in rng.choice(N_VN, size=n, replace=False).tolist())
    # foreign participants are the scarce side: popular ones are asked more (a Zipf-like pull), up
    # to the meetings the assignment would allow them: three quarters of the slots they are present
    pull = 1.0 / np.arange(1, N_FOREIGN + 1) ** 0.5
    room = {who: 3 * len(availability.get(who, range(DAYS * PER_DAY))) // 4 for who in vn + foreign}
    load = Counter(x for pair in pairs for p in pair for x in delegations.get(p, (p,)))
    while len(pairs) < N_MEETINGS:
        a, b = vn[int(rng.integers(N_VN))], foreign[int(rng.choice(N_FOREIGN, p=pull / pull.sum()))]
        if (a, b) not in pairs and load[a] < room[a] and load[b] < room[b]:
            pairs.add((a, b))
            load.update((a, b))
    fits = rng.beta(4, 3, size=len(pairs))
    meetings = [Meeting(a, b, round(float(f) * 100, 1), remote=b in remote_only)
                for (a, b), f in zip(sorted(pairs), fits, strict=True)]
    tables = [Table(f"T{i + 1}", 4) for i in range(54)] + [Table(f"R{i + 1}", 8) for i in range(6)]
    met = {p for pair in pairs for p in pair} | {p for ms in delegations.values() for p in ms}
    availability = {who: s for who, s in availability.items() if who in met}
    return ScheduleProblem.build(meetings, slots, tables, availability=availability, delegations=delegations,
                                 min_gap=gap, video_rooms=8)


def common_slot_bound(problem: ScheduleProblem) -> int:
    """Meetings whose people share at least one slot: a bound any schedule stays under."""
    return sum(any(all(problem.present(p, s) for p in problem.busy(m)) for s in range(len(problem.slots)))
               for m in problem.meetings)


def clashes(problem: ScheduleProblem, result: ScheduleResult) -> int:
    """Double-booked people or tables, absent people, tables too small, gaps too short: counted here
    from the result alone."""
    by_key = {m.key: m for m in problem.meetings}
    seats = {t.name: t for t in problem.tables}
    bad = 0
    person: Counter[tuple[str, int]] = Counter()
    table: Counter[tuple[str, int]] = Counter()
    when: dict[str, list[int]] = {}
    for p in result.placed:
        m = by_key[p.key]
        for who in problem.busy(m):
            person[who, p.slot] += 1
            when.setdefault(who, []).append(p.slot)
            bad += not problem.present(who, p.slot)
        if p.table is not None:
            table[p.table, p.slot] += 1
            bad += not seats[p.table].fits(problem.seats(m))
        bad += (p.table is None) != m.remote
    bad += sum(c - 1 for c in person.values() if c > 1) + sum(c - 1 for c in table.values() if c > 1)
    for slots_of in when.values():
        s = sorted(slots_of)
        bad += sum(problem.slots[x].day == problem.slots[y].day
                   and problem.slots[y].index - problem.slots[x].index <= problem.min_gap
                   for x, y in zip(s, s[1:], strict=False))
    return bad


def day_changes(result: ScheduleResult, now: int, seed: int) -> DayChanges:
    rng = np.random.default_rng(seed + 1)
    later = [p.key for p in result.placed if p.slot >= now]
    cancelled = [later[i] for i in sorted(rng.choice(len(later), size=min(20, len(later)), replace=False).tolist())]
    walk_ins = (Meeting("vn000", "fx050", 80.0), Meeting("vn001", "fx051", 75.0))
    return DayChanges(now=now, cancelled=tuple(cancelled), walk_ins=walk_ins)


def frozen_changes(before: ScheduleResult, after: ScheduleResult, changes: DayChanges) -> int:
    """Meetings of the frozen slots (``now``, ``now + 1``) not where they were: must be 0."""
    window = range(changes.now, changes.now + changes.frozen)
    gone = set(changes.cancelled)
    was = {(p.key, p.slot, p.table) for p in before.placed if p.slot in window and p.key not in gone}
    now = {(p.key, p.slot, p.table) for p in after.placed if p.slot in window}
    return len(was - now)


def run(args) -> dict:
    problem = event(args.seed, args.gap)
    upper = common_slot_bound(problem)
    walls = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        sched = Scheduler(time_limit=args.time_limit, num_workers=args.workers).fit(problem)
        walls.append(time.perf_counter() - t0)
    first = sched.result_
    print(f"first schedule: {len(first.placed)} placed / {first.bound} proved most possible / {upper} with a "
          f"common slot; solver {first.solver_status}; clashes {clashes(problem, first)}; "
          f"{np.median(walls):.2f} s (median of {args.repeats}); idle gaps {first.idle_gaps}")
    print("unplaced reasons:", dict(Counter(u.reason for u in first.unplaced)))
    changes = day_changes(first, now=4, seed=args.seed)
    whole = copy.copy(sched)
    t0 = time.perf_counter()
    sched.refit(changes)
    re_wall = time.perf_counter() - t0
    # the fallback, timed on its own: the whole day re-solved (moves allowed, fewest wanted)
    t0 = time.perf_counter()
    whole.refit(changes, hold_first=False)
    whole_wall = time.perf_counter() - t0
    same = {p.key: p.slot for p in whole.result_.placed} == {p.key: p.slot for p in sched.result_.placed}
    after = sched.result_
    frozen = frozen_changes(first, after, changes)
    walk = {p.key: p.slot for p in after.placed if p.key in {m.key for m in changes.walk_ins}}
    print(f"re-optimisation after 20 cancellations + 2 walk-ins at slot {changes.now}: {re_wall:.2f} s; "
          f"{len(after.placed)} placed (was {len(first.placed)}); changed in the frozen slots: {frozen}; "
          f"moved later: {len(after.moved)}; walk-ins in slots {walk}; clashes {clashes(sched.problem_, after)}")
    print(f"  whole day re-solved instead: {whole_wall:.2f} s, {whole.result_.solver_status}, "
          f"{len(whole.result_.moved)} moved, same slots as the quick path: {same}")
    return {
        "machine": machine(),
        "seed": args.seed,
        "workers": args.workers,
        "min_gap": args.gap,
        "meetings": len(problem.meetings),
        "first": {"placed": len(first.placed), "bound": first.bound, "common_slot_bound": upper,
                  "solver_status": first.solver_status, "clashes": clashes(problem, first),
                  "seconds_median": float(np.median(walls)), "seconds": walls, "idle_gaps": first.idle_gaps,
                  "unplaced_reasons": dict(Counter(u.reason for u in first.unplaced))},
        "reopt": {"seconds": re_wall, "placed": len(after.placed), "frozen_changed": frozen,
                  "moved_later": len(after.moved), "walk_in_slots": [walk.get(m.key) for m in changes.walk_ins],
                  "solver_status": after.solver_status, "clashes": clashes(sched.problem_, after),
                  "whole_day_seconds": whole_wall, "whole_day_status": whole.result_.solver_status,
                  "whole_day_moved": len(whole.result_.moved), "whole_day_same_slots": same},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gap", type=int, default=0, help="minimum free slots between a person's meetings")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve (the target)")
    parser.add_argument("--repeats", type=int, default=3, help="first-schedule runs (median reported)")
    args = parser.parse_args()
    write_result("schedule", run(args))


if __name__ == "__main__":
    main()
