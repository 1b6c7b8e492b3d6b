"""The assignment solver against an independent HiGHS formulation on random small instances."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array

from matcher.assign import AssignmentProblem, CapacitatedAssigner

SLACK_KINDS = {
    "min_above_max",
    "forced_over_capacity",
    "too_few_candidates",
    "capacity_short",
    "minimum_short",
}


def reference(
    n_a, n_b, arcs, w, min_a, max_a, min_b, max_b, forced=(), groups=None, limit=None, elastic=False
):
    """Max total score (or, elastic, min total slack units) by HiGHS; ``None`` when infeasible.

    Variables: one 0/1 per allowed pair; elastic adds a shortfall and an excess per participant.
    """
    m, n = len(arcs), n_a + n_b
    a, b = arcs[:, 0], arcs[:, 1]
    rows = [np.r_[a, n_a + b]]
    cols = [np.r_[np.arange(m), np.arange(m)]]
    vals = [np.ones(2 * m)]
    lo, hi = np.r_[min_a, min_b].astype(float), np.r_[max_a, max_b].astype(float)
    n_var = m + (2 * n if elastic else 0) + 1  # the last variable is fixed at 0: milp wants one at least
    if elastic:  # degree + short >= min, degree - excess <= max: two rows per participant
        rows = [np.r_[rows[0], n + a, n + n_a + b], np.arange(n), np.arange(n, 2 * n)]
        cols = [np.r_[cols[0], np.arange(m), np.arange(m)], m + np.arange(n), m + n + np.arange(n)]
        vals = [np.ones(4 * m), np.ones(n), -np.ones(n)]
        lo, hi = np.r_[lo, np.full(n, -np.inf)], np.r_[np.full(n, np.inf), hi]
    n_rows = len(lo)
    if limit is not None:
        g = groups[a]
        keys = np.unique(b[g >= 0] * 100 + g[g >= 0])
        for i, k in enumerate(keys):
            sel = np.flatnonzero((g >= 0) & (b * 100 + g == k))
            rows.append(np.full(len(sel), n_rows + i))
            cols.append(sel)
            vals.append(np.ones(len(sel)))
        lo, hi = np.r_[lo, np.zeros(len(keys))], np.r_[hi, np.full(len(keys), limit)]
    mat = coo_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(len(lo), n_var)
    )
    lb = np.zeros(n_var)
    lb[[i for i, p in enumerate(map(tuple, arcs)) if p in set(map(tuple, forced))]] = 1
    ub = np.r_[np.ones(m), np.full(n_var - m - 1, np.inf), 0]
    c = np.r_[np.zeros(m), np.ones(n_var - m - 1), 0] if elastic else np.r_[-np.asarray(w, float), 0]
    res = milp(
        c,
        constraints=LinearConstraint(mat.tocsr(), lo, hi),
        integrality=np.r_[np.ones(m), np.zeros(n_var - m)],
        bounds=Bounds(lb, ub),
    )
    if res.status != 0:
        return None
    if not elastic and limit is None and not len(forced):  # total unimodularity: the LP is integral too
        lp = linprog(
            c,
            A_ub=np.vstack([mat.toarray(), -mat.toarray()]),
            b_ub=np.r_[np.where(np.isinf(hi), 1e9, hi), -lo],
            bounds=list(zip(lb, ub, strict=True)),
            method="highs",
        )
        assert lp.status == 0 and abs(lp.fun - res.fun) < 1e-7
    return float(res.fun) if elastic else -float(res.fun)


@st.composite
def instances(draw, dense=False, feasible_bias=True):
    n_a, n_b = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    mask = np.ones((n_a, n_b), bool) if dense else rng.random((n_a, n_b)) < draw(st.floats(0.3, 1.0))
    arcs = np.argwhere(mask)
    w = np.round(rng.normal(0.5, 0.4, len(arcs)), 3)
    max_a = rng.integers(0, 4, n_a)
    min_a = np.minimum(rng.integers(0, 3, n_a), max_a)
    max_b = rng.integers(0, 5, n_b)
    min_b = np.minimum(rng.integers(0, 2, n_b), max_b)
    blocked = arcs[rng.random(len(arcs)) < 0.1] if len(arcs) else np.zeros((0, 2), int)
    free = [p for p in map(tuple, arcs) if p not in set(map(tuple, blocked))]
    n_forced = draw(st.integers(0, min(2, len(free))))
    forced = np.array(free[:: max(1, len(free) // max(n_forced, 1))][:n_forced]).reshape(-1, 2)
    groups = rng.integers(-1, 2, n_a) if draw(st.booleans()) else None
    limit = int(rng.integers(1, 3)) if groups is not None else None
    return dict(
        n_a=n_a,
        n_b=n_b,
        arcs=arcs,
        w=w,
        min_a=min_a,
        max_a=max_a,
        min_b=min_b,
        max_b=max_b,
        blocked=blocked,
        forced=forced,
        groups=groups,
        limit=limit,
        dense=dense,
        rng=rng,
    )


def solve(inst, **params):
    kw = dict(
        min_a=inst["min_a"],
        max_a=inst["max_a"],
        min_b=inst["min_b"],
        max_b=inst["max_b"],
        blocked=inst["blocked"],
        forced=inst["forced"],
        groups=inst["groups"],
        max_per_group=inst["limit"],
    )
    if inst["dense"]:
        m = np.zeros((inst["n_a"], inst["n_b"]))
        m[inst["arcs"][:, 0], inst["arcs"][:, 1]] = inst["w"]
        problem = AssignmentProblem.from_dense(m, **kw)
    else:
        problem = AssignmentProblem.from_arcs(
            inst["n_a"], inst["n_b"], inst["arcs"][:, 0], inst["arcs"][:, 1], inst["w"], **kw
        )
    return CapacitatedAssigner(**params).fit(problem)


def allowed_arcs(inst):
    blocked = set(map(tuple, inst["blocked"]))
    keep = [i for i, p in enumerate(map(tuple, inst["arcs"])) if p not in blocked]
    return inst["arcs"][keep], inst["w"][keep]


def check_constraints(inst, est, widen=None):
    """Every constraint (after the relaxations, if any) holds in the output."""
    pairs = est.pairs_
    assert len({tuple(p) for p in pairs.tolist()}) == len(pairs), "a pair assigned twice"
    arcs, _ = allowed_arcs(inst)
    allowed = set(map(tuple, arcs))
    assert all(tuple(p) in allowed for p in pairs.tolist()), "a blocked or unlisted pair was assigned"
    assert {tuple(p) for p in inst["forced"].tolist()} <= {tuple(p) for p in pairs.tolist()}, (
        "a forced pair is missing"
    )
    deg_a = np.bincount(pairs[:, 0], minlength=inst["n_a"])
    deg_b = np.bincount(pairs[:, 1], minlength=inst["n_b"])
    lo_a, hi_a, lo_b, hi_b = (inst[k].copy() for k in ("min_a", "max_a", "min_b", "max_b"))
    extra_g = {}
    for r in est.relaxations_:
        if r.kind in ("capacity_short", "forced_over_capacity"):
            (hi_a if r.side == "a" else hi_b)[r.who] = r.suggested
        if r.kind in ("minimum_short", "too_few_candidates", "min_above_max"):
            (lo_a if r.side == "a" else lo_b)[r.who] = r.suggested
        if r.kind in ("group_limit_short", "forced_over_group_limit"):
            extra_g[(r.partner, r.group)] = r.suggested
    assert np.all(deg_a >= lo_a) and np.all(deg_a <= hi_a) and np.all(deg_b >= lo_b) and np.all(deg_b <= hi_b)
    if inst["limit"] is not None:
        g = inst["groups"][pairs[:, 0]]
        keys, counts = np.unique(np.stack([pairs[g >= 0, 1], g[g >= 0]], 1), axis=0, return_counts=True)
        for (b, gg), c in zip(keys.tolist(), counts.tolist(), strict=True):
            assert c <= extra_g.get((b, gg), inst["limit"])
    return lo_a, hi_a, lo_b, hi_b


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=st.one_of(instances(dense=False), instances(dense=True)))
def test_matches_highs_optimum_and_explains_infeasibility(inst):
    """Constraints always hold; the objective is HiGHS's optimum; infeasible iff HiGHS says so, with
    the same minimal number of units changed; after the changes the pairs are optimal."""
    est = solve(inst)
    arcs, w = allowed_arcs(inst)
    args = (inst["n_a"], inst["n_b"], arcs, w, inst["min_a"], inst["max_a"], inst["min_b"], inst["max_b"])
    kw = dict(forced=inst["forced"], groups=inst["groups"], limit=inst["limit"])
    best = reference(*args, **kw)
    lo_a, hi_a, lo_b, hi_b = check_constraints(inst, est)
    event(f"{est.status_}, forced={len(inst['forced'])}, groups={inst['limit'] is not None}")
    if best is not None:
        assert est.status_ == "optimal" and not est.relaxations_
        assert est.objective_ == pytest.approx(best, abs=1e-6)
        return
    assert est.status_ == "infeasible" and est.relaxations_
    if inst["limit"] is None:  # units of change are comparable when only degrees may give
        units = sum(r.amount for r in est.relaxations_ if r.kind in SLACK_KINDS)
        assert units == pytest.approx(reference(*args, forced=inst["forced"], elastic=True))
        relaxed = reference(inst["n_a"], inst["n_b"], arcs, w, lo_a, hi_a, lo_b, hi_b, forced=inst["forced"])
        assert relaxed is not None and est.objective_ == pytest.approx(relaxed, abs=1e-6)


def test_a_group_limit_raised_for_forced_pairs_and_again_for_free_ones_says_the_total():
    """Found by the test above (2026-12-07): one partner, diversity limit 1; two forced pairs of
    group 1 already take it to 2, and a third profile of group 1 must still get its one pair. The
    explanation said 1 -> 2 twice; the limit in force after the forced pairs is 2, so the free
    pair's relaxation must read 2 -> 3, the number of pairs assigned."""
    inst = {
        "n_a": 5, "n_b": 1, "arcs": np.array([[0, 0], [1, 0], [2, 0], [3, 0], [4, 0]]),
        "w": np.array([0.515, 1.092, 0.521, 0.535, 0.893]), "min_a": np.array([0, 2, 1, 0, 0]),
        "max_a": np.array([0, 3, 2, 1, 1]), "min_b": np.array([0]), "max_b": np.array([3]),
        "blocked": np.zeros((0, 2), dtype=np.int64), "forced": np.array([[0, 0], [2, 0]]),
        "groups": np.array([1, 1, 1, 0, 1]), "limit": 1, "dense": True,
    }
    est = solve(inst)
    check_constraints(inst, est)
    short = [r for r in est.relaxations_ if r.kind == "group_limit_short"]
    assert [(r.partner, r.group, r.current, r.suggested) for r in short] == [(0, 1, 2, 3)]


@settings(max_examples=60, deadline=None)
@given(inst=instances(dense=True), k=st.integers(1, 3))
def test_top_k_with_pricing_gives_the_full_optimum(inst, k):
    """Solving on each row's top-k and pricing out the rest gives the objective of the full instance."""
    full = solve(inst, top_k=100)
    small = solve(inst, top_k=k)
    assert small.status_ == full.status_
    event(f"{full.status_}, rounds={small.info_['rounds']}")
    if full.status_ == "optimal":
        assert small.objective_ == pytest.approx(full.objective_, abs=1e-6)
        assert small.info_["proved_optimal"]


@pytest.mark.parametrize("seed", range(4))
def test_pricing_rounds_on_a_crowded_market_reach_the_lp_optimum(seed):
    """Everyone wants the same few partners: the top-2 lists are far from enough, pricing adds the
    missing pairs over several rounds, and the answer is HiGHS's optimum for all pairs."""
    rng = np.random.default_rng(seed)
    n_a, n_b = 40, 25
    m = np.round(rng.random((n_a, n_b)) * 0.2 + np.linspace(1, 0, n_b)[None, :], 4)
    groups = rng.integers(0, 3, n_a)
    kw = dict(min_a=2, max_a=2, min_b=1, max_b=5, groups=groups, max_per_group=2)
    est = CapacitatedAssigner(top_k=2).fit(AssignmentProblem.from_dense(m, **kw))
    arcs = np.argwhere(np.ones((n_a, n_b), bool))
    best = reference(
        n_a,
        n_b,
        arcs,
        m.ravel(),
        np.full(n_a, 2),
        np.full(n_a, 2),
        np.ones(n_b),
        np.full(n_b, 5),
        groups=groups,
        limit=2,
    )
    assert est.status_ == "optimal" and est.objective_ == pytest.approx(best, abs=1e-6)
    assert est.info_["rounds"] > 1 and est.info_["proved_optimal"]


def max_min_total(inst, arcs, w):
    """HiGHS: the largest t such that every a-row able to have pairs gets a total score >= t."""
    n_a, n_b, m = inst["n_a"], inst["n_b"], len(arcs)
    a, b = arcs[:, 0], arcs[:, 1]
    deg = np.bincount(a, minlength=n_a)
    elig = np.flatnonzero((deg > 0) & (inst["max_a"] > 0))
    rows = np.r_[
        a,
        n_a + b,
        [n_a + n_b + np.flatnonzero(elig == x)[0] for x in a if x in elig],
        n_a + n_b + np.arange(len(elig)),
    ]
    cols = np.r_[np.arange(m), np.arange(m), [i for i in range(m) if a[i] in elig], np.full(len(elig), m)]
    vals = np.r_[np.ones(2 * m), [w[i] for i in range(m) if a[i] in elig], -np.ones(len(elig))]
    mat = coo_array((vals, (rows, cols)), shape=(n_a + n_b + len(elig), m + 1)).tocsr()
    lo = np.r_[inst["min_a"], inst["min_b"], np.zeros(len(elig))]
    hi = np.r_[inst["max_a"], inst["max_b"], np.full(len(elig), np.inf)]
    res = milp(
        np.r_[np.zeros(m), -1],
        constraints=LinearConstraint(mat, lo, hi),
        integrality=np.r_[np.ones(m), 0],
        bounds=Bounds(np.r_[np.zeros(m), -np.inf], np.r_[np.ones(m), np.inf]),
    )
    return None if res.status != 0 else float(res.x[m]), elig


@settings(max_examples=40, deadline=None)
@given(inst=instances(dense=False))
def test_fairness_reaches_the_highs_max_min(inst):
    """Fairness-first: the worst-off a-row gets HiGHS's max-min total, and never less than before."""
    inst = {**inst, "forced": np.zeros((0, 2), int), "groups": None, "limit": None}
    plain, fair = solve(inst), solve(inst, fairness=True)
    if fair.status_ != "optimal":
        return
    check_constraints(inst, fair)
    arcs, w = allowed_arcs(inst)
    best, elig = max_min_total(inst, arcs, w)
    totals = lambda est: np.bincount(est.pairs_[:, 0], weights=est.pair_scores_, minlength=inst["n_a"])[elig]  # noqa: E731
    if len(elig):
        assert totals(fair).min() == pytest.approx(best, abs=1e-6)
        assert totals(fair).min() >= totals(plain).min() - 1e-9
    assert fair.objective_ <= plain.objective_ + 1e-9
