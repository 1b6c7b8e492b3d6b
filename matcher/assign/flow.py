"""Min-cost circulation with arc lower bounds (OR-Tools) and its dual potentials.

A network is given as arrays over arcs: ``tail``, ``head``, ``lo``, ``hi``, ``cost`` (all int64,
shape ``(n_arcs,)``); every node has supply zero, so a solution is a circulation. Lower bounds are
removed by the standard transformation: an arc ``(u, v)`` with bounds ``[lo, hi]`` becomes
``[0, hi - lo]`` while ``lo`` units of supply move from ``u`` to ``v``; ``SimpleMinCostFlow`` then
reports INFEASIBLE exactly when no circulation meets the bounds.

Potentials ``d`` (shape ``(n_nodes,)``) certify optimality: a circulation is optimal iff every arc of
its residual graph has non-negative reduced cost ``cost + d[tail] - d[head]``. They are shortest
distances in the residual graph from an anchor node (Bellman-Ford in whole-array sweeps; failing
that, a second min-cost flow sending one unit from the anchor to every node, whose flow-carrying
arcs are tight, so distances follow along a BFS tree of them), and they are checked arc by arc, so a
wrong certificate can never pass silently.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow as mcf
from scipy.sparse import csr_array
from scipy.sparse.csgraph import NegativeCycleError, bellman_ford, breadth_first_order


class FlowRangeError(ValueError):
    """The integer costs or capacities exceed what the min-cost flow solver can scale."""


def _solve(n_nodes: int, tail, head, cap, cost, supply) -> tuple[bool, np.ndarray]:
    g = mcf.SimpleMinCostFlow()
    arcs = g.add_arcs_with_capacity_and_unit_cost(tail, head, cap, cost)
    g.set_nodes_supplies(np.arange(n_nodes), supply)
    status = g.solve()
    if status in (g.BAD_COST_RANGE, g.BAD_CAPACITY_RANGE):
        raise FlowRangeError(
            f"min-cost flow refused the instance ({status.name}): lower score_scale or bound the scores"
        )
    if status != g.OPTIMAL:
        return False, np.zeros(len(tail), dtype=np.int64)
    return True, np.asarray(g.flows(arcs), dtype=np.int64)


def solve_circulation(n_nodes: int, tail, head, lo, hi, cost) -> np.ndarray | None:
    """Minimum-cost circulation within ``lo <= flow <= hi``.

    Returns
    -------
    flow : ndarray of int64, shape (n_arcs,), or None when no circulation meets the bounds.
    """
    if np.any(lo > hi):
        return None
    supply = np.zeros(n_nodes, dtype=np.int64)
    np.add.at(supply, head, lo)
    np.subtract.at(supply, tail, lo)
    ok, flow = _solve(n_nodes, tail, head, hi - lo, cost, supply)
    return flow + lo if ok else None


def residual_arcs(tail, head, lo, hi, cost, flow, free_lb=None):
    """Arcs of the residual graph: forward where ``flow < hi``, backward where ``flow > lo``.

    ``free_lb`` marks arcs whose lower bound is implied by the rest of the network (a degree arc
    whose flow is a sum of non-negative arc flows); they also get a backward arc, which changes no
    optimum but selects the dual that leaves such bounds unused (see ``pricing``).
    """
    fwd = flow < hi
    bwd = flow > lo
    if free_lb is not None:
        bwd = bwd | free_lb
    r_tail = np.concatenate([tail[fwd], head[bwd]])
    r_head = np.concatenate([head[fwd], tail[bwd]])
    r_cost = np.concatenate([cost[fwd], -cost[bwd]])
    return r_tail, r_head, r_cost


def _tree_distances(n: int, anchor: int, r_tail, r_head, r_cost, used) -> np.ndarray:
    t, h, c = r_tail[used], r_head[used], r_cost[used]
    graph = csr_array((np.ones(len(t)), (t, h)), shape=(n, n))
    order, pred = breadth_first_order(graph, anchor, directed=True, return_predecessors=True)
    dist = np.zeros(n, dtype=np.int64)
    if len(order) < n:
        raise RuntimeError("internal: shortest-path tree does not span the residual graph")
    keys = t * n + h
    by_key = np.argsort(keys, kind="stable")
    nodes = order[1:]
    arc_cost = c[by_key[np.searchsorted(keys[by_key], pred[nodes] * n + nodes)]]
    for v, p, w in zip(nodes.tolist(), pred[nodes].tolist(), arc_cost.tolist(), strict=True):
        dist[v] = dist[p] + w
    return dist


def _sweeps(n_nodes: int, anchor: int, r_tail, r_head, r_cost, start: int, max_sweeps: int):
    """Bellman-Ford as whole-array sweeps (each relaxes every arc at once); None if not converged.

    Every node starts at ``start`` (an arc of that cost from a virtual root), the anchor at 0.
    """
    order = np.argsort(r_head, kind="stable")
    tail, head, cost = r_tail[order], r_head[order], r_cost[order]
    if len(head) == 0:
        return np.where(np.arange(n_nodes) == anchor, 0, start).astype(np.int64)
    first = np.r_[0, np.flatnonzero(head[1:] != head[:-1]) + 1]
    heads = head[first]
    d = np.full(n_nodes, start, dtype=np.int64)
    d[anchor] = 0
    for _ in range(max_sweeps):
        best = np.minimum.reduceat(d[tail] + cost, first)
        better = best < d[heads]
        if not better.any():
            return d
        d[heads[better]] = best[better]
    return None


def shortest_distances(
    n_nodes: int, anchor: int, r_tail, r_head, r_cost, max_sweeps: int = 400
) -> np.ndarray:
    """Shortest distances from ``anchor`` over arcs without negative cycles, shape ``(n_nodes,)``.

    Nodes the anchor cannot reach hang from a virtual root by arcs of a cost larger than any
    simple path, so the result is a valid potential for every arc. Whole-array Bellman-Ford sweeps
    converge in as many sweeps as the longest shortest path has arcs (tens here); when they do not
    within ``max_sweeps``, the shortest-path tree comes from OR-Tools instead.
    """
    big = 1 + 2 * n_nodes * int(np.abs(r_cost).max(initial=0))
    d = _sweeps(n_nodes, anchor, r_tail, r_head, r_cost, big, max_sweeps)
    if d is not None:
        return d
    reach = csr_array((np.ones(len(r_tail)), (r_tail, r_head)), shape=(n_nodes, n_nodes))
    seen = np.zeros(n_nodes, dtype=bool)
    seen[breadth_first_order(reach, anchor, directed=True, return_predecessors=False)] = True
    root = n_nodes
    lost = np.flatnonzero(~seen)
    tail = np.concatenate([r_tail, [root], np.full(len(lost), root)])
    head = np.concatenate([r_head, [anchor], lost])
    cost = np.concatenate([r_cost, [0], np.full(len(lost), big)])
    supply = np.full(n_nodes + 1, -1, dtype=np.int64)
    supply[root] = n_nodes
    try:
        ok, flow = _solve(n_nodes + 1, tail, head, np.full(len(tail), n_nodes), cost, supply)
    except FlowRangeError:
        ok = False
    if ok:
        return _tree_distances(n_nodes + 1, root, tail, head, cost, flow > 0)[:n_nodes]
    # the slow but range-safe route: Bellman-Ford on the same graph (parallel arcs: keep the cheapest)
    keys = tail * (n_nodes + 1) + head
    order = np.lexsort((cost, keys))
    first = order[np.r_[True, keys[order][1:] != keys[order][:-1]]]
    g = csr_array((cost[first].astype(np.float64), (tail[first], head[first])), shape=(n_nodes + 1,) * 2)
    return np.rint(bellman_ford(g, indices=root)[:n_nodes]).astype(np.int64)


def potentials(n_nodes: int, anchor: int, tail, head, lo, hi, cost, flow, free_lb=None) -> np.ndarray:
    """Dual potentials proving ``flow`` optimal, shape ``(n_nodes,)``; checked before returning.

    Tries the residual graph widened by ``free_lb`` first (a dual better suited to pricing) and
    falls back to the plain residual graph.
    """
    plain = residual_arcs(tail, head, lo, hi, cost, flow)
    attempts = [residual_arcs(tail, head, lo, hi, cost, flow, free_lb)] if free_lb is not None else []
    for r_tail, r_head, r_cost in [*attempts, plain]:
        try:
            d = shortest_distances(n_nodes, anchor, r_tail, r_head, r_cost)
        except (NegativeCycleError, RuntimeError):
            continue
        if np.all(r_cost + d[r_tail] - d[r_head] >= 0):
            return d
    raise RuntimeError("internal: no dual certificate for a flow reported optimal")
