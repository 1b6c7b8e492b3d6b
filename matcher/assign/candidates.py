"""Allowed pairs behind one interface: a dense score matrix or a sparse list of arcs.

A pair is *free* when it is allowed, not blocked and not forced (forced pairs are placed before
the flow is solved). Pairs travel as int64 keys ``a * n_b + b``, kept sorted.
"""

from __future__ import annotations

import numpy as np

from matcher.assign.problem import AssignmentProblem

_CHUNK = 1 << 20  # dense entries per pricing step: bounds temporary memory


def int_costs(scores: np.ndarray, scale: float) -> np.ndarray:
    """Min-cost-flow arc costs of the given scores: ``-round(score * scale)`` as int64."""
    return -np.rint(np.asarray(scores, dtype=np.float64) * scale).astype(np.int64)


def top_rows(m: np.ndarray, k: int) -> np.ndarray:
    """Columns of each row's ``k`` best scores, best first, ties by column; shape ``(n_rows, k)``."""
    n, c = m.shape
    k = min(k, c)
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
    return np.take_along_axis(idx, order, axis=1).astype(np.int64)


def _member(keys: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    if len(sorted_set) == 0:
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_set, keys), len(sorted_set) - 1)
    return sorted_set[pos] == keys


def _drop(keys: np.ndarray, sorted_out: np.ndarray) -> np.ndarray:
    return keys[~_member(keys, sorted_out)]


def _first_per_row(rows: np.ndarray, cols: np.ndarray, n_rows: int, k: int) -> np.ndarray:
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
        self.excluded = np.union1d(p.blocked[:, 0] * p.n_b + p.blocked[:, 1], p.forced[:, 0] * p.n_b + p.forced[:, 1])

    @property
    def n_free(self) -> int:
        """How many free pairs there are."""
        return int(self.free_degree()[0].sum())

    def split(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return keys // self.n_b, keys % self.n_b


class DenseSource(_Source):
    """Every pair allowed unless blocked; scores from a ``(n_a, n_b)`` matrix."""

    def __init__(self, problem: AssignmentProblem) -> None:
        super().__init__(problem)
        self.m = problem.dense
        ea, eb = self.split(self.excluded)
        self.excl_a = np.bincount(ea, minlength=self.n_a)
        self.excl_b = np.bincount(eb, minlength=self.n_b)

    def free_degree(self) -> tuple[np.ndarray, np.ndarray]:
        return self.n_b - self.excl_a, self.n_a - self.excl_b

    def allowed(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.ones(len(a), dtype=bool)

    def max_abs_score(self) -> float:
        return float(np.abs(self.m).max(initial=0))

    def scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.m[a, b].astype(np.float64)

    def all_keys(self) -> np.ndarray:
        return _drop(np.arange(self.n_a * self.n_b, dtype=np.int64), self.excluded)

    def _top(self, side: str, k: int, rows: np.ndarray) -> np.ndarray:
        """Best ``k`` other-side indices for each of ``rows`` of ``side``, ties by index."""
        if side == "a":
            return top_rows(self.m[rows], k)
        # columns are strided: transpose narrow blocks so each is read with unit stride
        parts = [top_rows(np.ascontiguousarray(self.m[:, rows[j : j + 64]].T), k) for j in range(0, len(rows), 64)]
        return np.concatenate(parts) if parts else np.zeros((0, min(k, self.n_a)), dtype=np.int64)

    def _ranked(self, side: str, k: int, out: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Each of ``rows``' best ``k`` pairs not in ``out``: ``(len(rows), k)`` indices, -1 padded."""
        own_out = out // self.n_b if side == "a" else out % self.n_b
        extra = int(np.bincount(own_out, minlength=max(self.n_a, self.n_b))[rows].max(initial=0))
        other = self._top(side, k + extra, rows)
        pos = np.repeat(np.arange(len(rows)), other.shape[1])
        own, o = rows[pos], other.ravel()
        keep = ~_member(own * self.n_b + o if side == "a" else o * self.n_b + own, out)
        return _first_per_row(pos[keep], o[keep], len(rows), k)

    def initial(self, k: int, b_rows: np.ndarray) -> np.ndarray:
        """Each a-row's top ``k`` free pairs, plus the top ``k`` of each b-row in ``b_rows``."""
        top = self._top_a = self._ranked("a", k, self.excluded, np.arange(self.n_a))
        ok = top >= 0
        keys = np.flatnonzero(ok) // top.shape[1] * self.n_b + top[ok]
        if len(b_rows):
            top = self._ranked("b", k, self.excluded, b_rows)
            ok = top >= 0
            keys = np.union1d(keys, top[ok] * self.n_b + b_rows[np.flatnonzero(ok) // top.shape[1]])
        return np.unique(keys)

    def violations(self, d_a, target, groups, included, scale, use_scores: bool) -> np.ndarray:
        """Free pairs outside ``included`` whose reduced cost is negative (sorted keys).

        ``target`` has shape ``(n_codes, n_b)``: the potential an arc from an a-row of group code
        ``groups[a]`` enters (the b node, or its ``(b, group)`` node under a diversity rule).
        """
        found = []
        step = max(1, _CHUNK // max(self.n_b, 1))
        for lo in range(0, self.n_a, step):
            hi = min(self.n_a, lo + step)
            rc = d_a[lo:hi, None] - target[groups[lo:hi]]
            if use_scores:
                rc += int_costs(self.m[lo:hi], scale)
            ra, rb = np.nonzero(rc < 0)
            found.append((ra + lo) * self.n_b + rb)
        keys = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
        return _drop(_drop(keys, self.excluded), included)

    def alternates(self, side: str, taken: np.ndarray, k: int) -> np.ndarray:
        """Best ``k`` allowed pairs per row of ``side`` not blocked nor in ``taken``; ``(n, k)``, -1 padded."""
        out = np.union1d(self.excluded, taken)
        n = self.n_a if side == "a" else self.n_b
        top = getattr(self, "_top_a", None)
        if side == "b" or top is None:
            return self._ranked(side, k, out, np.arange(n))
        # the a-rows' top lists from `initial` hold the answer unless taken pairs used them up
        width = top.shape[1]
        pos = np.repeat(np.arange(n), width)
        o = top.ravel()
        keep = (o >= 0) & ~_member(pos * self.n_b + o, out)
        res = _first_per_row(pos[keep], o[keep], n, k)
        redo = np.flatnonzero((res[:, -1] < 0) & (top[:, -1] >= 0)) if k else np.zeros(0, dtype=np.int64)
        if len(redo):
            res[redo] = self._ranked("a", k, out, redo)
        return res


class SparseSource(_Source):
    """Only listed pairs are allowed."""

    def __init__(self, problem: AssignmentProblem) -> None:
        super().__init__(problem)
        p = problem
        self.keys = p.arc_a * p.n_b + p.arc_b  # sorted: arcs are sorted by (a, b)
        self.score_of = p.arc_score
        self.free = _drop(self.keys, self.excluded)

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

    def violations(self, *args, **kwargs) -> np.ndarray:
        return np.zeros(0, dtype=np.int64)  # every free pair is always included

    def alternates(self, side: str, taken: np.ndarray, k: int) -> np.ndarray:
        blocked_or_taken = np.union1d(self.excluded, taken)
        keys = _drop(self.keys, blocked_or_taken)
        a, b = self.split(keys)
        s = self.scores(a, b)
        own, other = (a, b) if side == "a" else (b, a)
        order = np.lexsort((other, -s, own))
        n = self.n_a if side == "a" else self.n_b
        return _first_per_row(own[order], other[order], n, k)
