"""Place forced pairs, turn capacities into finite degree bounds, and find direct causes.

Direct causes are contradictions visible by counting (a forced pair that is blocked, more forced
pairs than a maximum, fewer allowed partners than a minimum, ...). Each is recorded as a
:class:`~matcher.assign.relax.Relaxation` and then *applied* (the forcing dropped, the maximum
raised, the minimum lowered) so that the elastic flow only has to find what counting cannot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.assign.network import Caps
from matcher.assign.problem import UNBOUNDED, AssignmentProblem
from matcher.assign.relax import KINDS, Relaxation


@dataclass(eq=False)
class Prepared:
    """Forced pairs kept (``forced_a``, ``forced_b``, ``forced_score``, shape ``(f,)``), the caps for
    the free pairs, the effective per-row minimum/maximum after direct fixes, and the direct causes."""

    caps: Caps
    forced_a: np.ndarray
    forced_b: np.ndarray
    forced_score: np.ndarray
    min_a: np.ndarray
    max_a: np.ndarray
    min_b: np.ndarray
    max_b: np.ndarray
    direct: list[Relaxation]


def _side(side: str, lo, hi, forced, degree, direct: list[Relaxation]):
    """Effective bounds of one side, shapes ``(n,)``, recording what had to change."""
    bounded = hi != UNBOUNDED
    hi = np.where(bounded, hi, degree + forced)
    for r in np.flatnonzero((lo > hi) & bounded):
        direct.append(Relaxation("min_above_max", side, int(r), int(lo[r]), int(hi[r])))
    lo = np.where(bounded, np.minimum(lo, hi), lo)
    for r in np.flatnonzero(forced > hi):
        direct.append(Relaxation("forced_over_capacity", side, int(r), int(hi[r]), int(forced[r])))
    hi = np.maximum(hi, forced)
    reach = degree + forced
    for r in np.flatnonzero(lo > reach):
        direct.append(Relaxation("too_few_candidates", side, int(r), int(lo[r]), int(reach[r])))
    lo = np.minimum(lo, reach)
    return lo, hi


def _forced(problem: AssignmentProblem, source, direct: list[Relaxation]):
    fa, fb = problem.forced[:, 0], problem.forced[:, 1]
    blocked = np.isin(fa * problem.n_b + fb, problem.blocked[:, 0] * problem.n_b + problem.blocked[:, 1])
    allowed = source.allowed(fa, fb)
    for i in np.flatnonzero(blocked):
        direct.append(Relaxation("forced_and_blocked", None, int(fa[i]), 1, 0, partner=int(fb[i])))
    for i in np.flatnonzero(~blocked & ~allowed):
        direct.append(Relaxation("forced_not_allowed", None, int(fa[i]), 1, 0, partner=int(fb[i])))
    keep = ~blocked & allowed
    fa, fb = fa[keep], fb[keep]
    return fa, fb, source.scores(fa, fb)


def _groups(problem: AssignmentProblem, fa, fb, direct: list[Relaxation]) -> dict:
    if problem.max_per_group is None or problem.groups is None:
        return {}
    n_codes = int(problem.groups.max(initial=-1)) + 1
    g = problem.groups[fa]
    keys, counts = np.unique(fb[g >= 0] * n_codes + g[g >= 0], return_counts=True)
    limit = problem.max_per_group
    for k, c in zip(keys[counts > limit].tolist(), counts[counts > limit].tolist(), strict=True):
        direct.append(
            Relaxation(
                "forced_over_group_limit", "b", None, limit, c, partner=k // n_codes, group=k % n_codes
            )
        )
    # forced pairs use the limit; one that already exceeds it was granted above
    delta = np.minimum(limit, counts) * -1
    return dict(groups=problem.groups, n_codes=n_codes, group_limit=limit, group_keys=keys, group_delta=delta)


def prepare(problem: AssignmentProblem, source) -> Prepared:
    """Direct causes and the degree bounds left for the free pairs."""
    direct: list[Relaxation] = []
    fa, fb, fs = _forced(problem, source, direct)
    f_a = np.bincount(fa, minlength=problem.n_a)
    f_b = np.bincount(fb, minlength=problem.n_b)
    deg_a, deg_b = source.free_degree()
    min_a, max_a = _side("a", problem.min_a, problem.max_a, f_a, deg_a, direct)
    min_b, max_b = _side("b", problem.min_b, problem.max_b, f_b, deg_b, direct)
    hi_a, hi_b = np.minimum(max_a - f_a, deg_a), np.minimum(max_b - f_b, deg_b)
    caps = Caps(
        lo_a=np.maximum(min_a - f_a, 0),
        hi_a=hi_a,
        lo_b=np.maximum(min_b - f_b, 0),
        hi_b=hi_b,
        # an elastic flow raises a maximum only to meet a minimum on the other side
        room_a=np.minimum(deg_a - hi_a, np.maximum(min_b - f_b, 0).sum()),
        room_b=np.minimum(deg_b - hi_b, np.maximum(min_a - f_a, 0).sum()),
        **_groups(problem, fa, fb, direct),
    )
    direct.sort(
        key=lambda r: (KINDS.index(r.kind), r.side or "", -1 if r.who is None else r.who, r.partner or 0)
    )
    return Prepared(caps, fa, fb, fs, min_a, max_a, min_b, max_b, direct)
