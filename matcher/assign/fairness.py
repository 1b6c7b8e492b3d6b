"""Fairness first: the worst-off a-side participant's fit is maximised before the total.

Per-participant score floors are side constraints that break the network structure, so both
stages are mixed-integer programs solved by HiGHS (``scipy.optimize.milp``) on the candidate pairs
the flow solve ended with (all free pairs for a sparse instance):

1. ``total``: maximise ``t`` subject to every eligible a-row's total score ``>= t``;
   ``mean``: the generalised Dinkelbach iteration on ``max min_a S_a(x) / n_a(x)``: for the current
   ``t`` maximise ``min_a S_a(x) - t * n_a(x)``; while that is positive, move ``t`` to the worst mean
   of the new solution (each step raises ``t``; it stops at the max-min mean).
2. Maximise the total score subject to the floor found, less a tolerance of ``1e-7 * (1 + |t|)``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

_MAX_DINKELBACH = 50


def _structure(source, keys, prep):
    """Constraint rows shared by every stage: degrees and group limits; returns (A, lb, ub)."""
    caps = prep.caps
    a, b = source.split(keys)
    m = len(keys)
    rows = [a, source.n_a + b]
    lb = [caps.lo_a, caps.lo_b]
    ub = [caps.hi_a, caps.hi_b]
    n_rows = source.n_a + source.n_b
    cols = [np.arange(m), np.arange(m)]
    if caps.group_limit is not None:
        g = caps.groups[a]
        has = g >= 0
        bg = b[has] * caps.n_codes + g[has]
        uniq, inv = np.unique(bg, return_inverse=True)
        rows.append(n_rows + inv)
        cols.append(np.flatnonzero(has))
        lb.append(np.zeros(len(uniq)))
        ub.append(caps.limit_of(uniq))
        n_rows += len(uniq)
    r, c = np.concatenate(rows), np.concatenate(cols)
    mat = coo_array((np.ones(len(r)), (r, c)), shape=(n_rows, m + 1)).tocsr()
    return mat, np.concatenate(lb).astype(float), np.concatenate(ub).astype(float)


def _floor_rows(source, keys, weight, eligible, shift):
    """Rows ``sum_e weight_e x_e - t`` for each eligible a-row, shape ``(n_eligible, m + 1)``."""
    a, _ = source.split(keys)
    pos = np.full(source.n_a, -1)
    pos[eligible] = np.arange(len(eligible))
    keep = pos[a] >= 0
    r = np.concatenate([pos[a][keep], np.arange(len(eligible))])
    c = np.concatenate([np.flatnonzero(keep), np.full(len(eligible), len(keys))])
    v = np.concatenate([weight[keep], -np.ones(len(eligible)) if shift else np.zeros(len(eligible))])
    return coo_array((v, (r, c)), shape=(len(eligible), len(keys) + 1)).tocsr()


def _milp(c, constraints, m):
    integrality = np.r_[np.ones(m), 0]
    bounds = Bounds(np.r_[np.zeros(m), -np.inf], np.r_[np.ones(m), np.inf])
    res = milp(
        c, constraints=constraints, integrality=integrality, bounds=bounds, options={"mip_rel_gap": 1e-9}
    )
    if res.status != 0 or res.x is None:
        raise RuntimeError(f"fairness MILP failed: {res.message}")
    return np.rint(res.x[:m]) > 0.5, float(res.x[m])


def _per_a(source, keys, x, prep, values):
    a, _ = source.split(keys)
    total = np.bincount(a[x], weights=values[x], minlength=source.n_a).astype(np.float64)
    total += np.bincount(prep.forced_a, weights=prep.forced_score, minlength=source.n_a)
    count = np.bincount(a[x], minlength=source.n_a) + np.bincount(prep.forced_a, minlength=source.n_a)
    return total, count


def fair_keys(source, keys, used, prep, measure: str):
    """Pairs (sorted keys) of the fairness-first optimum, and a summary dict of the worst-off values."""
    a, b = source.split(keys)
    w = source.scores(a, b)
    m = len(keys)
    base, lb, ub = _structure(source, keys, prep)
    f_tot, f_cnt = _per_a(source, keys, np.zeros(m, dtype=bool), prep, w)
    x0 = np.isin(keys, used)
    tot0, cnt0 = _per_a(source, keys, x0, prep, w)
    eligible = (
        np.flatnonzero(prep.caps.hi_a + f_cnt > 0) if measure == "total" else np.flatnonzero(prep.min_a >= 1)
    )
    if len(eligible) == 0:
        return used, {"measure": measure, "worst_before": None, "worst_after": None}
    if measure == "total":
        worst_before = float(tot0[eligible].min(initial=np.inf))
        rows = _floor_rows(source, keys, w, eligible, True)
        floor = LinearConstraint(rows, -f_tot[eligible], np.inf)
        _, t = _milp(np.r_[np.zeros(m), -1.0], [LinearConstraint(base, lb, ub), floor], m)
        weight, offset = w, f_tot
    else:
        worst_before = float((tot0[eligible] / np.maximum(cnt0[eligible], 1)).min(initial=np.inf))
        t = worst_before
        for _ in range(_MAX_DINKELBACH):
            rows = _floor_rows(source, keys, w - t, eligible, True)
            floor = LinearConstraint(rows, -(f_tot - t * f_cnt)[eligible], np.inf)
            x, gap = _milp(np.r_[np.zeros(m), -1.0], [LinearConstraint(base, lb, ub), floor], m)
            if gap <= 1e-9 * (1 + abs(t)):
                break
            tot, cnt = _per_a(source, keys, x, prep, w)
            t = float((tot[eligible] / np.maximum(cnt[eligible], 1)).min())
        weight, offset = w - t, f_tot - t * f_cnt
    tol = 1e-7 * (1 + abs(t))
    rows = _floor_rows(source, keys, weight, eligible, False)
    floor = LinearConstraint(
        rows, (t - tol - offset[eligible]) if measure == "total" else -tol - offset[eligible], np.inf
    )
    x, _ = _milp(np.r_[-w, 0.0], [LinearConstraint(base, lb, ub), floor], m)
    tot, cnt = _per_a(source, keys, x, prep, w)
    vals = tot[eligible] if measure == "total" else tot[eligible] / np.maximum(cnt[eligible], 1)
    summary = {
        "measure": measure,
        "worst_before": worst_before,
        "worst_after": float(vals.min(initial=np.inf)),
    }
    return keys[x], summary
