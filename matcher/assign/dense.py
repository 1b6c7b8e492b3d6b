"""Allowed pairs as a dense score matrix: every pair allowed unless blocked.

Nothing here holds more than a few rows of the matrix in a wider type at once; the full matrix is
only read, a block of rows (or narrow block of columns) at a time.
"""

from __future__ import annotations

import numpy as np

from matcher.assign.candidates import _Source, drop, first_per_row, int_costs, member, sorted_union, top_rows
from matcher.assign.problem import AssignmentProblem

_CHUNK = 1 << 20  # matrix entries per step of a full pass: bounds temporary memory


class DenseSource(_Source):
    """Every pair allowed unless blocked; scores from a ``(n_a, n_b)`` matrix."""

    def __init__(self, problem: AssignmentProblem) -> None:
        super().__init__(problem)
        if problem.dense is None:
            raise ValueError("DenseSource needs a problem built with AssignmentProblem.from_dense")
        self.m: np.ndarray = problem.dense
        ea, eb = self.split(self.excluded)
        self.excl_a = np.bincount(ea, minlength=self.n_a)
        self.excl_b = np.bincount(eb, minlength=self.n_b)
        self._top_a: np.ndarray | None = None

    def free_degree(self) -> tuple[np.ndarray, np.ndarray]:
        return self.n_b - self.excl_a, self.n_a - self.excl_b

    def allowed(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.ones(len(a), dtype=bool)

    def max_abs_score(self) -> float:
        return float(max(self.m.max(initial=0), -self.m.min(initial=0)))

    def scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.m[a, b].astype(np.float64)

    def all_keys(self) -> np.ndarray:
        return drop(np.arange(self.n_a * self.n_b, dtype=np.int64), self.excluded)

    def _chunks(self):
        step = max(1, _CHUNK // max(self.n_b, 1))
        for lo in range(0, self.n_a, step):
            yield lo, min(self.n_a, lo + step)

    def _top(self, side: str, k: int, rows: np.ndarray) -> np.ndarray:
        """Best ``k`` other-side indices for each of ``rows`` of ``side``, ties by index."""
        if side == "a":
            return top_rows(self.m[rows], k)
        # columns are strided: transpose narrow blocks so each is read with unit stride
        parts = [
            top_rows(np.ascontiguousarray(self.m[:, rows[j : j + 64]].T), k) for j in range(0, len(rows), 64)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, min(k, self.n_a)), dtype=np.int64)

    def _ranked(self, side: str, k: int, out: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Each of ``rows``' best ``k`` pairs not in ``out``: ``(len(rows), k)`` indices, -1 padded."""
        own_out = out // self.n_b if side == "a" else out % self.n_b
        extra = int(np.bincount(own_out, minlength=max(self.n_a, self.n_b))[rows].max(initial=0))
        other = self._top(side, k + extra, rows)
        pos = np.repeat(np.arange(len(rows)), other.shape[1])
        own, o = rows[pos], other.ravel()
        keep = ~member(own * self.n_b + o if side == "a" else o * self.n_b + own, out)
        return first_per_row(pos[keep], o[keep], len(rows), k)

    def initial(self, k: int, b_rows: np.ndarray) -> np.ndarray:
        """Each a-row's top ``k`` free pairs, plus the top ``k`` of each b-row in ``b_rows`` and of
        each b-row in no a-row's list (an unused partner would otherwise price in a whole column)."""
        top = self._top_a = self._ranked("a", k, self.excluded, np.arange(self.n_a))
        ok = top >= 0
        keys = [np.flatnonzero(ok) // top.shape[1] * self.n_b + top[ok]]
        orphans = np.flatnonzero(np.bincount(top[ok], minlength=self.n_b) == 0)
        b_rows = sorted_union(b_rows, orphans)
        if len(b_rows):
            top = self._ranked("b", k, self.excluded, b_rows)
            ok = top >= 0
            keys.append(top[ok] * self.n_b + b_rows[np.flatnonzero(ok) // top.shape[1]])
        return sorted_union(*keys)

    def violations(self, d_a, target, groups, included, scale) -> np.ndarray:
        """Free pairs outside ``included`` whose reduced cost is negative (sorted keys).

        ``target`` has shape ``(n_codes, n_b)``: the potential an arc from an a-row of group code
        ``groups[a]`` enters (the b node, or its ``(b, group)`` node under a diversity rule). The
        reduced cost is ``d_a - target - round(score * scale)``. A float32 pass, with a margin above
        its rounding error, finds candidates; int64 arithmetic decides.
        """
        ta = (d_a / scale).astype(np.float32)
        tb = (target / scale).astype(np.float32)
        eps = np.float32(2 / scale + 1e-6 * (np.abs(ta).max(initial=0) + np.abs(tb).max(initial=0)))
        found = [np.zeros(0, dtype=np.int64)]
        for lo, hi in self._chunks():
            rows = self.m[lo:hi]
            ra, rb = np.nonzero(rows > (ta[lo:hi, None] - tb[groups[lo:hi]]) - eps)
            g = groups[lo + ra]
            exact = d_a[lo + ra] - target[g, rb] + int_costs(rows[ra, rb], scale) < 0
            found.append((ra[exact] + lo) * self.n_b + rb[exact])
        keys = np.sort(np.concatenate(found))
        return drop(drop(keys, self.excluded), included)

    def alternates(self, side: str, taken: np.ndarray, k: int) -> np.ndarray:
        """Best ``k`` allowed pairs per row of ``side`` not blocked nor in ``taken``; ``(n, k)``, -1 padded."""
        out = sorted_union(self.excluded, taken)
        if self._top_a is None or k == 0:
            return self._ranked(side, k, out, np.arange(self.n_a if side == "a" else self.n_b))
        return self._alternates_a(out, k) if side == "a" else self._alternates_b(out, k)

    def _alternates_a(self, out: np.ndarray, k: int) -> np.ndarray:
        """From the a-rows' top lists of ``initial``, unless taken pairs used a list up."""
        top = self._top_a
        assert top is not None
        pos = np.repeat(np.arange(self.n_a), top.shape[1])
        o = top.ravel()
        keep = (o >= 0) & ~member(pos * self.n_b + o, out)
        res = first_per_row(pos[keep], o[keep], self.n_a, k)
        redo = np.flatnonzero((res[:, -1] < 0) & (top[:, -1] >= 0))
        if len(redo):
            res[redo] = self._ranked("a", k, out, redo)
        return res

    def _alternates_b(self, out: np.ndarray, k: int) -> np.ndarray:
        """A column's best entries are at least the ``need``-th best of its entries in the a-rows' top
        lists; one pass over the matrix collects them. Columns with too few such entries are ranked
        directly."""
        top = self._top_a
        assert top is not None
        need = k + np.bincount(out % self.n_b, minlength=self.n_b)
        ok = top >= 0
        ca, cb = np.flatnonzero(ok) // top.shape[1], top[ok]
        cs = self.m[ca, cb]
        order = np.lexsort((-cs, cb))
        start = np.searchsorted(cb[order], np.arange(self.n_b))
        easy = np.bincount(cb, minlength=self.n_b) >= need
        thr = np.full(self.n_b, np.inf, dtype=self.m.dtype)
        thr[easy] = cs[order][start[easy] + need[easy] - 1]
        rows, cols = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for lo, hi in self._chunks():
            ra, rb = np.nonzero(self.m[lo:hi] >= thr)
            rows.append(ra + lo)
            cols.append(rb)
        a, b = np.concatenate(rows), np.concatenate(cols)
        keep = ~member(a * self.n_b + b, out)
        a, b = a[keep], b[keep]
        order = np.lexsort((a, -self.m[a, b], b))
        res = first_per_row(b[order], a[order], self.n_b, k)
        hard = np.flatnonzero(~easy)
        if len(hard):
            res[hard] = self._ranked("b", k, out, hard)
        return res
