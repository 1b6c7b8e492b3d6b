"""Solve on each participant's top-K candidates and prove the answer optimal for all pairs.

Why a restricted solve can be trusted
-------------------------------------
Let ``F`` be the flow network of the full instance (every free pair an arc) and ``R`` the same
network on a subset of the pair arcs; the degree, group and circulation arcs are the same in both.
Costs are integers ``c = -round(score * scale)``. With the default ``scale`` of 1e6 the answer is
exactly optimal for scores rounded to 1e-6; against the float scores its total is within
``n_pairs * 1e-6`` of the best (each total moves by at most ``n_pairs * 5e-7`` in rounding).

1. Solve ``R`` to optimality with OR-Tools: circulation ``x``. Extended by zero on the missing arcs,
   ``x`` is a feasible circulation of ``F`` (the missing arcs have lower bound 0).
2. Compute potentials ``d`` with ``c_uv + d_u - d_v >= 0`` on every arc of ``R``'s residual graph
   (shortest distances from the sink, so they exist exactly because ``x`` is optimal for ``R``,
   and they are checked arc by arc).
3. Price every missing pair arc ``a -> v`` (``v`` = b or its ``(b, group)`` node; a group node
   absent from ``R`` takes ``d_b``, which keeps its own arcs at reduced cost 0). It carries no flow,
   so it adds only a forward residual arc, of reduced cost ``c_av + d_a - d_v``.
4. If none is negative, ``d`` is a feasible potential for the residual graph of ``F`` at ``x``.
   Then every residual cycle ``C`` has cost ``sum_C c = sum_C (c_uv + d_u - d_v) >= 0`` (the
   potentials telescope), so ``F`` has no negative residual cycle, which is the optimality condition
   of min-cost flow: ``x`` is optimal for the full instance. Otherwise the negative arcs join ``R``
   and the loop repeats (column generation); after ``max_rounds`` the full instance is solved.
5. If ``R`` has no feasible circulation at all, nothing is concluded here: the caller solves the
   elastic network (``elastic``), which always has one and is priced the same way.

The constraint matrix of bipartite b-matching (with the ``(b, group)`` layer it is still a network
matrix) is totally unimodular, so this integral optimum is also the LP optimum.

Among the many optimal potentials, the one used leaves unused the lower bound 0 of each degree arc
(implied anyway: a degree is a sum of 0/1 pair flows). Without that choice an unused partner could be
priced below zero and every missing arc into it would look improving.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.assign.candidates import int_costs, sorted_union
from matcher.assign.flow import potentials, solve_circulation
from matcher.assign.network import Caps, Network, build_network


@dataclass(eq=False)
class FlowOutcome:
    """A solved restricted network: ``keys`` (sorted pair keys in it), ``flow`` (None: infeasible)."""

    keys: np.ndarray
    net: Network
    flow: np.ndarray | None
    rounds: int
    proved: bool  # optimal for all free pairs (pricing passed, or every pair was in)
    complete: bool  # every free pair was in the network

    def used_keys(self) -> np.ndarray:
        """Pair keys carrying flow, sorted."""
        if self.flow is None:
            return np.zeros(0, dtype=np.int64)
        return self.keys[self.flow[self.net.score_arcs] > 0]


def _target_table(net: Network, d: np.ndarray, caps: Caps) -> np.ndarray:
    """Potential entered by an arc from group code ``g`` into ``b``: shape ``(n_codes + 1, n_b)``;
    the last row serves a-rows without a group (and every row when there is no diversity rule)."""
    d_b = d[net.b_node(np.arange(net.n_b))]
    table = np.tile(d_b, (caps.n_codes + 1, 1))
    if len(net.bg_keys):
        first = 2 + net.n_a + net.n_b
        table[net.bg_keys % caps.n_codes, net.bg_keys // caps.n_codes] = d[first : first + len(net.bg_keys)]
    return table


def solve_restricted(
    source,
    caps: Caps,
    keys: np.ndarray,
    *,
    scale: float,
    elastic: bool = False,
    penalties=(0, 0),
    max_rounds: int = 8,
) -> FlowOutcome:
    """Optimal flow over the free pairs, solving on ``keys`` and growing them until priced out.

    ``source`` is a ``DenseSource`` or ``SparseSource``; ``keys`` (sorted ``a * n_b + b``) the first
    candidate pairs; ``elastic``/``penalties`` as in :func:`~matcher.assign.network.build_network`.
    The outcome's ``proved`` says whether optimality for every free pair was shown.
    """
    complete = len(keys) == source.n_free
    if caps.group_limit is not None and caps.groups is not None:
        codes = np.where(caps.groups >= 0, caps.groups, caps.n_codes)
    else:
        codes = np.zeros(source.n_a, dtype=np.int64)
    rounds = 0
    while True:
        rounds += 1
        a, b = source.split(keys)
        cost = int_costs(source.scores(a, b), scale)
        net = build_network(source.n_a, source.n_b, a, b, cost, caps, elastic=elastic, penalties=penalties)
        flow = solve_circulation(net.n_nodes, net.tail, net.head, net.lo, net.hi, net.cost)
        if flow is None or complete:
            return FlowOutcome(keys, net, flow, rounds, complete and flow is not None, complete)
        d = potentials(net.n_nodes, 1, net.tail, net.head, net.lo, net.hi, net.cost, flow, net.free_lb)
        table = _target_table(net, d, caps)
        if caps.group_limit is None:
            table = table[-1:]
        new = source.violations(d[net.a_node(np.arange(net.n_a))], table, codes, keys, scale)
        if len(new) == 0:
            return FlowOutcome(keys, net, flow, rounds, True, False)
        keys = sorted_union(keys, new) if rounds < max_rounds else source.all_keys()
        complete = rounds >= max_rounds
