"""Allowed pairs behind one interface: a sparse list of arcs here, a dense matrix in ``dense``.

A pair is *free* when it is allowed, not blocked and not forced (forced pairs are placed before
the flow is solved). Pairs travel as int64 keys ``a * n_b + b``, kept sorted.
"""

from __future__ import annotations

import numpy as np

from matcher.assign.problem import AssignmentProblem


def int_costs(scores: np.ndarray, scale: float) -> np.ndarray:
    """Min-cost-flow arc costs of the given scores: ``-round(score * scale)`` as int64."""
    return -np.rint(np.asarray(scores, dtype=np.float64) * scale).astype(np.int64)


def top_rows(m: np.ndarray, k: int, chunk: int = 1 << 20) -> np.ndarray:
    """Columns of each row's ``k`` best scores, best first, ties by column; shape ``(n_rows, k)``.

    Works a block of rows at a time, so the index arrays of a partition stay small.
    """
    n, c = m.shape
    k = min(k, c)
    out = np.empty((n, k), dtype=np.int64)
    step = max(1, chunk // max(c, 1))
    for lo in range(0, n, step):
        out[lo : lo + step] = _top_block(m[lo : lo + step], k)
    return out


def _top_block(m: np.ndarray, k: int) -> np.ndarray:
    n, c = m.shape
    if k == 0:
        return np.zeros((n, 0), dtype=np.int64)
    idx = np.argpartition(m, c - k, axis=1)[:, c - k :] if k < c else np.tile(np.arange(c), (n, 1))
    vals = np.take_along_axis(m, idx, axis=1)
    thr = vals.min(axis=1)
    cut = (m == thr[:, None]).sum(axis=1) > (vals == thr[:, None]).sum(axis=1)
    for r in np.flatnonzero(cut):  # a tie straddles the cut: the lower columns win
        idx[r] = np.argsort(-m[r], kind="stable")[:k]
        vals[r] = m[r, idx[r]]
    order = np.lexsort((idx, -vals), axis=1)
    return np.take_along_axis(idx, order, axis=1)


def sorted_union(*parts: np.ndarray) -> np.ndarray:
    """Sorted distinct values of int64 arrays."""
    x = np.sort(np.concatenate([np.asarray(p, dtype=np.int64).ravel() for p in parts]))
    return x[np.r_[True, x[1:] != x[:-1]]] if len(x) else x


def member(keys: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    if len(sorted_set) == 0:
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_set, keys), len(sorted_set) - 1)
    return sorted_set[pos] == keys


def drop(keys: np.ndarray, sorted_out: np.ndarray) -> np.ndarray:
    return keys[~member(keys, sorted_out)]


def first_per_row(rows: np.ndarray, cols: np.ndarray, n_rows: int, k: int) -> np.ndarray:
    """Given entries grouped by row in rank order, the first ``k`` per row; ``-1`` padded."""
    out = np.full((n_rows, k), -1, dtype=np.int64)
    if len(rows) == 0 or k == 0:
        return out
    start = np.r_[0, np.flatnonzero(rows[1:] != rows[:-1]) + 1]
    rank = np.arange(len(rows)) - np.repeat(start, np.diff(np.r_[start, len(rows)]))
    keep = rank < k
    out[rows[keep], rank[keep]] = cols[keep]
    return out


class _Source:
    def __init__(self, problem: AssignmentProblem) -> None:
        p = problem
        self.n_a, self.n_b = p.n_a, p.n_b
        self.excluded = sorted_union(
            p.blocked[:, 0] * p.n_b + p.blocked[:, 1], p.forced[:, 0] * p.n_b + p.forced[:, 1]
        )

    def free_degree(self) -> tuple[np.ndarray, np.ndarray]:
        """Free pairs per a-row and per b-row, shapes ``(n_a,)`` and ``(n_b,)``."""
        raise NotImplementedError

    @property
    def n_free(self) -> int:
        """How many free pairs there are."""
        return int(self.free_degree()[0].sum())

    def split(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return keys // self.n_b, keys % self.n_b


class SparseSource(_Source):
    """Only listed pairs are allowed."""

    def __init__(self, problem: AssignmentProblem) -> None:
        super().__init__(problem)
        p = problem
        self.keys = p.arc_a * p.n_b + p.arc_b  # sorted: arcs are sorted by (a, b)
        self.score_of = p.arc_score
        self.free = drop(self.keys, self.excluded)

    def free_degree(self) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.split(self.free)
        return np.bincount(a, minlength=self.n_a), np.bincount(b, minlength=self.n_b)

    def _pos(self, a, b):
        q = a * self.n_b + b
        pos = np.minimum(np.searchsorted(self.keys, q), max(len(self.keys) - 1, 0))
        return pos, (self.keys[pos] == q) if len(self.keys) else np.zeros(len(q), dtype=bool)

    def allowed(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self._pos(a, b)[1]

    def max_abs_score(self) -> float:
        return float(np.abs(self.score_of).max(initial=0))

    def scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.score_of[self._pos(a, b)[0]]

    def all_keys(self) -> np.ndarray:
        return self.free

    def initial(self, k: int, b_rows: np.ndarray) -> np.ndarray:
        return self.free

    def violations(self, *args) -> np.ndarray:
        return np.zeros(0, dtype=np.int64)  # every free pair is always included

    def alternates(self, side: str, taken: np.ndarray, k: int) -> np.ndarray:
        blocked_or_taken = sorted_union(self.excluded, taken)
        keys = drop(self.keys, blocked_or_taken)
        a, b = self.split(keys)
        s = self.scores(a, b)
        own, other = (a, b) if side == "a" else (b, a)
        order = np.lexsort((other, -s, own))
        n = self.n_a if side == "a" else self.n_b
        return first_per_row(own[order], other[order], n, k)
