"""The flow network of a (restricted) assignment instance.

Nodes: source ``s`` = 0, sink ``t`` = 1, one node per a-row, per b-row and, under a diversity
rule, per ``(b, group)`` present among the arcs. A pair ``(a, b)`` is an arc ``a -> b`` (or
``a -> (b, group(a))``) of capacity 1 and cost ``-round(score * scale)``; ``s -> a`` and ``b -> t``
carry the degree bounds, ``(b, g) -> b`` the group limit, ``t -> s`` closes the circulation.

``strict`` networks put the bounds on the degree arcs. ``elastic`` networks split each degree arc
into a *minimum* part ``[0, min]`` with cost ``-short_cost`` (a unit left unfilled costs
``short_cost``), a free part, and an *excess* part with cost ``excess_cost`` per unit above the
maximum; every circulation is then feasible and the slack flows say what had to give.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True, eq=False)
class Caps:
    """Degree bounds left for the free pairs once forced pairs are placed.

    ``lo_*``, ``hi_*`` (shape ``(n,)``) are finite; ``room_*`` is how far an elastic network may
    exceed ``hi_*``. ``groups`` (shape ``(n_a,)``, -1 = none) and ``group_limit`` (``None`` or the
    limit per ``(b, group)``) describe the diversity rule; ``group_keys`` (sorted ``b * n_codes + g``)
    and ``group_delta`` adjust that limit where forced pairs use it or a relaxation widens it.
    """

    lo_a: np.ndarray
    hi_a: np.ndarray
    lo_b: np.ndarray
    hi_b: np.ndarray
    room_a: np.ndarray
    room_b: np.ndarray
    groups: np.ndarray | None = None
    n_codes: int = 0
    group_limit: int | None = None
    group_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    group_delta: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def limit_of(self, bg_keys: np.ndarray) -> np.ndarray:
        """Group limit left for each ``(b, group)`` key, shape ``(len(bg_keys),)``, never negative."""
        out = np.full(len(bg_keys), self.group_limit or 0, dtype=np.int64)
        if len(self.group_keys):
            pos = np.minimum(np.searchsorted(self.group_keys, bg_keys), len(self.group_keys) - 1)
            hit = self.group_keys[pos] == bg_keys
            out[hit] += self.group_delta[pos[hit]]
        return np.maximum(out, 0)

    def widened(self, short_a, excess_a, short_b, excess_b, g_keys, g_extra) -> Caps:
        """These caps with minima lowered by ``short_*`` and maxima raised by ``excess_*``."""
        keys = np.union1d(self.group_keys, g_keys)
        delta = np.zeros(len(keys), dtype=np.int64)
        delta[np.searchsorted(keys, self.group_keys)] += self.group_delta
        delta[np.searchsorted(keys, g_keys)] += g_extra
        return replace(
            self,
            lo_a=self.lo_a - short_a,
            hi_a=self.hi_a + excess_a,
            room_a=self.room_a - excess_a,
            lo_b=self.lo_b - short_b,
            hi_b=self.hi_b + excess_b,
            room_b=self.room_b - excess_b,
            group_keys=keys,
            group_delta=delta,
        )


@dataclass(eq=False)
class Network:
    """Arc arrays (int64, shape ``(n_arcs,)``) plus where each kind of arc sits."""

    n_nodes: int
    n_a: int
    n_b: int
    tail: np.ndarray
    head: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    cost: np.ndarray
    free_lb: np.ndarray
    score_arcs: slice
    bg_keys: np.ndarray
    slack: dict[str, tuple[np.ndarray, np.ndarray]]

    def a_node(self, a):
        return 2 + np.asarray(a)

    def b_node(self, b):
        return 2 + self.n_a + np.asarray(b)


class _Builder:
    """Arc arrays under construction, and where the slack arcs of an elastic network went."""

    def __init__(self, elastic: bool, penalties: tuple[int, int]) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.n = 0
        self.elastic = elastic
        self.short_cost, self.excess_cost = penalties
        self.slack: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def add(self, tail, head, lo, hi, cost, free_lb=False) -> np.ndarray:
        """Append arcs (scalars broadcast); returns their positions."""
        k = len(tail)
        cols = [np.asarray(tail), np.asarray(head), lo, hi, cost, free_lb]
        self.parts.append(tuple(np.broadcast_to(np.asarray(x, dtype=np.int64), (k,)) for x in cols))
        self.n += k
        return np.arange(self.n - k, self.n)

    def degree(self, name: str, tail, head, lo, hi, room) -> None:
        """Degree arcs: ``[lo, hi]`` when strict; minimum, free and excess parts when elastic."""
        if not self.elastic:
            self.add(tail, head, lo, hi, 0, lo == 0)
            return
        need, grow = np.flatnonzero(lo > 0), np.flatnonzero(room > 0)
        self.slack[f"{name}_short"] = (need, self.add(tail[need], head[need], 0, lo[need], -self.short_cost))
        self.add(tail, head, 0, hi - lo, 0)
        self.slack[f"{name}_excess"] = (
            grow,
            self.add(tail[grow], head[grow], 0, room[grow], self.excess_cost),
        )

    def arrays(self) -> list[np.ndarray]:
        return [np.concatenate([p[i] for p in self.parts]) for i in range(6)]


def _group_keys(arc_a, arc_b, caps: Caps) -> np.ndarray:
    """``b * n_codes + group`` of each pair under a diversity rule, -1 otherwise; shape ``(m,)``."""
    if caps.group_limit is None or caps.groups is None:
        return np.full(len(arc_a), -1, dtype=np.int64)
    g = caps.groups[arc_a]
    return np.where(g >= 0, arc_b * caps.n_codes + g, -1)


def build_network(
    n_a: int, n_b: int, arc_a, arc_b, arc_cost, caps: Caps, elastic: bool = False, penalties=(0, 0)
) -> Network:
    """Network over the given free pairs (``arc_*`` of shape ``(m,)``), strict or elastic."""
    s, t = 0, 1
    a_nodes, b_nodes = 2 + np.arange(n_a), 2 + n_a + np.arange(n_b)
    net = _Builder(elastic, penalties)
    net.degree("a", np.full(n_a, s), a_nodes, caps.lo_a, caps.hi_a, caps.room_a)
    bg_all = _group_keys(arc_a, arc_b, caps)
    grouped = bg_all >= 0
    bg_keys = np.unique(bg_all[grouped])
    bg_nodes = 2 + n_a + n_b + np.arange(len(bg_keys))
    target = b_nodes[arc_b]
    target[grouped] = bg_nodes[np.searchsorted(bg_keys, bg_all[grouped])]
    first = net.n
    net.add(a_nodes[arc_a], target, 0, 1, arc_cost)
    score_arcs = slice(first, net.n)
    if len(bg_keys):
        to_b = b_nodes[bg_keys // caps.n_codes]
        net.add(bg_nodes, to_b, 0, caps.limit_of(bg_keys), 0, not elastic)
        if elastic:
            net.slack["g_excess"] = (bg_keys, net.add(bg_nodes, to_b, 0, len(arc_a), net.excess_cost))
    net.degree("b", b_nodes, np.full(n_b, t), caps.lo_b, caps.hi_b, caps.room_b)
    net.add([t], [s], 0, int(caps.hi_a.sum() + caps.room_a.sum()) + 1, 0, True)
    tail, head, lo, hi, cost, free_lb = net.arrays()
    return Network(
        n_nodes=2 + n_a + n_b + len(bg_keys),
        n_a=n_a,
        n_b=n_b,
        tail=tail,
        head=head,
        lo=lo,
        hi=hi,
        cost=cost,
        free_lb=free_lb.astype(bool),
        score_arcs=score_arcs,
        bg_keys=bg_keys,
        slack=net.slack,
    )
