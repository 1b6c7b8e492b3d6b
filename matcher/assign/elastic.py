"""When the constraints cannot all hold: the fewest units of change, read off an elastic flow.

Every minimum may fall short and every maximum (and diversity limit) may be exceeded, at a penalty
per unit larger than any difference in total score can be worth (``2 * max pairs * max |cost| + 1``).
The optimal elastic flow therefore first minimises the units of change, then, among changes of
that size, maximises the total score; its pairs are the best assignment once the change is made
(any assignment feasible after the change has no more units of slack, so no better score).
"""

from __future__ import annotations

import numpy as np

from matcher.assign.candidates import int_costs
from matcher.assign.network import Caps
from matcher.assign.prepare import Prepared
from matcher.assign.pricing import FlowOutcome, solve_restricted
from matcher.assign.relax import Relaxation

_NONE = (np.zeros(0, np.int64), np.zeros(0, np.int64))


def _penalty(source, caps: Caps, scale: float) -> int:
    max_pairs = int(caps.hi_a.sum() + caps.room_a.sum())
    top = int(np.abs(int_costs(np.asarray([source.max_abs_score()]), scale))[0])
    return 2 * max_pairs * max(top, 1) + 1


def _amounts(outcome: FlowOutcome, name: str, n: int, lo=None) -> np.ndarray:
    """Slack per row, shape ``(n,)``: flow on excess arcs, or ``lo`` minus flow on minimum arcs."""
    flow = outcome.flow
    assert flow is not None
    out = np.zeros(n, dtype=np.int64)
    rows, arcs = outcome.net.slack.get(name, _NONE)
    out[rows] = flow[arcs] if lo is None else lo[rows] - flow[arcs]
    return out


def read_relaxations(outcome: FlowOutcome, source, prep: Prepared, caps: Caps) -> list[Relaxation]:
    """Raised maxima first, then lowered minima, then raised group limits; rows as ids."""
    found: list[Relaxation] = []
    for side, n, lo, mx, mn in (
        ("a", source.n_a, caps.lo_a, prep.max_a, prep.min_a),
        ("b", source.n_b, caps.lo_b, prep.max_b, prep.min_b),
    ):
        excess, short = _amounts(outcome, f"{side}_excess", n), _amounts(outcome, f"{side}_short", n, lo)
        found += [
            Relaxation("capacity_short", side, int(r), int(mx[r]), int(mx[r] + excess[r]))
            for r in np.flatnonzero(excess)
        ]
        found += [
            Relaxation("minimum_short", side, int(r), int(mn[r]), int(mn[r] - short[r]))
            for r in np.flatnonzero(short)
        ]
    g_keys, g_arcs = outcome.net.slack.get("g_excess", _NONE)
    assert outcome.flow is not None
    limit = caps.group_limit or 0  # the rule; forced pairs beyond it are reported as direct causes
    # where forced pairs already exceed the rule, the limit in force is their count (granted by a
    # direct ``forced_over_group_limit``), and the free pairs' excess comes on top of it
    granted = {(r.partner, r.group): r.suggested for r in prep.direct if r.kind == "forced_over_group_limit"}
    for key, extra in zip(g_keys.tolist(), outcome.flow[g_arcs].tolist(), strict=True):
        if extra:
            b, g = divmod(key, caps.n_codes)
            base = granted.get((b, g), limit)
            found.append(Relaxation("group_limit_short", "b", None, base, base + extra, partner=b, group=g))
    return found


def solve_elastic(
    source, prep: Prepared, caps: Caps, keys: np.ndarray, *, scale: float, max_rounds: int
) -> tuple[FlowOutcome, list[Relaxation]]:
    """The elastic flow over the free pairs (priced like any other) and the changes it made."""
    penalty = _penalty(source, caps, scale)
    outcome = solve_restricted(
        source, caps, keys, scale=scale, elastic=True, penalties=(penalty, penalty), max_rounds=max_rounds
    )
    return outcome, read_relaxations(outcome, source, prep, caps)
