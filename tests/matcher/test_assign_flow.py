"""The flow layer: circulations with lower bounds and the dual certificate that proves them."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_array
from scipy.sparse.csgraph import bellman_ford

from matcher.assign.flow import potentials, shortest_distances, solve_circulation


def random_graph(seed: int, n: int = 30, m: int = 120):
    """Arcs with negative costs but no negative cycle: costs are reduced costs of random potentials."""
    rng = np.random.default_rng(seed)
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = tail != head
    tail, head = tail[keep], head[keep]
    pot = rng.integers(-50, 50, n)
    cost = rng.integers(0, 20, len(tail)) + pot[head] - pot[tail]
    return n, tail, head, cost


@pytest.mark.parametrize("max_sweeps", [400, 1])
@pytest.mark.parametrize("seed", range(5))
def test_shortest_distances_match_bellman_ford_by_sweeps_or_by_flow(seed, max_sweeps):
    """Whole-array sweeps, and the OR-Tools shortest-path tree they fall back to, give scipy's distances."""
    n, tail, head, cost = random_graph(seed)
    d = shortest_distances(n, 0, tail, head, cost, max_sweeps=max_sweeps)
    order = np.lexsort((cost, tail * n + head))
    first = order[np.r_[True, np.diff((tail * n + head)[order]) != 0]]
    ref = bellman_ford(
        csr_array((cost[first].astype(float), (tail[first], head[first])), shape=(n, n)), indices=0
    )
    reached = np.isfinite(ref)
    np.testing.assert_array_equal(d[reached], ref[reached])
    assert np.all(cost + d[tail] - d[head] >= 0)  # a valid potential everywhere, reached or not


def test_circulation_meets_lower_bounds_or_reports_none():
    # s=0 -> a=1 exactly 2 units, a -> t=2 at most 1: impossible; at most 2: one way to do it
    tail, head, cost = np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([0, -1, 0])
    assert solve_circulation(3, tail, head, np.array([2, 0, 0]), np.array([2, 1, 5]), cost) is None
    flow = solve_circulation(3, tail, head, np.array([2, 0, 0]), np.array([2, 2, 5]), cost)
    assert flow.tolist() == [2, 2, 2]


def test_a_flow_that_is_not_optimal_gets_no_certificate():
    """Zero flow around a negative cycle is feasible but not optimal: no potential can prove it."""
    tail, head, cost = np.array([0, 1]), np.array([1, 0]), np.array([-3, 1])
    lo, hi = np.zeros(2, np.int64), np.ones(2, np.int64)
    with pytest.raises(RuntimeError, match="no dual certificate"):
        potentials(2, 0, tail, head, lo, hi, cost, np.zeros(2, np.int64))
