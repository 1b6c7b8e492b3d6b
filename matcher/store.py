"""Growable stacks of arrays: the storage under the index.

``Columns`` holds named arrays that share their first axis and grow by amortised doubling, so
that adding one profile (``partial_fit``) costs O(1) on average instead of copying everything.
``Segments`` keeps variable-length groups of rows (a profile's passages, a sparse row's
non-zeros) in one flat ``Columns``; each owner has a ``start`` and a ``count``.
``gather(starts, counts)`` gives the flat row numbers of several owners and the offsets of each
owner's block, ready for ``np.maximum.reduceat``. ``SparseRows`` stacks sparse rows appended a
group at a time, each with a flag, readable as one CSR matrix.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import scipy.sparse as sp

_SCRATCH = threading.local()  # sparse_dot: one dense scratch vector per thread


class Columns:
    """Named arrays with a common first axis (the row), appended to in amortised O(1).

    Parameters
    ----------
    spec : dict
        ``{name: (dtype, row_shape)}``; column ``name`` has shape ``(n_rows, *row_shape)``.
    """

    def __init__(self, spec: dict[str, tuple[Any, tuple[int, ...]]]) -> None:
        self.spec = dict(spec)
        self.n = 0
        self._data = {name: np.empty((0, *shape), dtype=dtype) for name, (dtype, shape) in self.spec.items()}

    def __getitem__(self, name: str) -> np.ndarray:
        """The first ``n`` rows of column ``name`` (a view; do not keep across appends)."""
        return self._data[name][: self.n]

    def _reserve(self, extra: int) -> None:
        capacity = len(next(iter(self._data.values()))) if self._data else 0
        if self.n + extra <= capacity:
            return
        new_cap = max(self.n + extra, 2 * capacity, 16)
        for name, old in self._data.items():
            grown = np.empty((new_cap, *old.shape[1:]), dtype=old.dtype)
            grown[: self.n] = old[: self.n]
            self._data[name] = grown

    def append(self, rows: dict[str, np.ndarray]) -> int:
        """Append rows given as ``{name: array of shape (k, *row_shape)}`` (every column, same k);
        returns the row number of the first appended row."""
        if set(rows) != set(self._data):
            raise ValueError(f"append needs columns {sorted(self._data)}; got {sorted(rows)}")
        counts = {name: len(v) for name, v in rows.items()}
        k = next(iter(counts.values()))
        for name, arr in rows.items():
            want = (k, *self._data[name].shape[1:])
            if np.shape(arr) != want:
                raise ValueError(f"column {name!r}: got shape {np.shape(arr)}, expected {want}")
        self._reserve(k)
        start = self.n
        for name, arr in rows.items():
            self._data[name][start : start + k] = arr
        self.n += k
        return start

    def take(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Every column at the given row numbers: ``{name: array of shape (len(rows), ...)}``."""
        return {name: arr[rows] for name, arr in self._data.items()}

    def __getstate__(self) -> dict[str, Any]:
        """For pickling (``matcher.persist``): the ``n`` rows, not the spare capacity."""
        return {"spec": self.spec, "n": self.n, "_data": {name: arr[: self.n] for name, arr in self._data.items()}}


class SparseRows:
    """Sparse rows of a fixed width, appended a group at a time (one owner's rows), each with a
    boolean ``flag``; ``matrix()`` gives all of them as one CSR matrix without copying.

    Parameters
    ----------
    width : int
        Number of columns of every row.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self.rows = Columns({"start": (np.int64, ()), "flag": (np.bool_, ())})
        self.entries = Columns({"col": (np.int32, ()), "val": (np.float32, ())})
        self._matrix: tuple[int, sp.csr_matrix] | None = None

    @property
    def n(self) -> int:
        return self.rows.n

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_matrix": None}  # a cache, rebuilt on first use

    def append(self, rows: sp.csr_matrix, flags: np.ndarray) -> int:
        """Append ``rows`` (k, width) with ``flags`` (k,); returns the number of the first row."""
        if rows.shape[1] != self.width or np.shape(flags) != (rows.shape[0],):
            raise ValueError(f"rows of shape {rows.shape} with flags of shape {np.shape(flags)}; "
                             f"expected (k, {self.width}) and (k,)")
        rows = sp.csr_matrix(rows)
        rows.sort_indices()
        start = self.entries.append({"col": rows.indices.astype(np.int32), "val": rows.data.astype(np.float32)})
        return self.rows.append({"start": start + rows.indptr[:-1].astype(np.int64), "flag": np.asarray(flags, bool)})

    def matrix(self) -> sp.csr_matrix:
        """Every row as one CSR matrix (n, width) over the stored arrays; built on first use after
        an append and kept until the next."""
        cached = self._matrix
        if cached is not None and cached[0] == self.n:
            return cached[1]
        indptr = np.append(self.rows["start"], self.entries.n)
        matrix = sp.csr_matrix((self.entries["val"], self.entries["col"], indptr), shape=(self.n, self.width))
        self._matrix = (self.n, matrix)
        return matrix


def gather(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat row numbers of several segments, and where each segment begins among them.

    Parameters
    ----------
    starts, counts : ndarray of int, shape (n,)

    Returns
    -------
    rows : ndarray of int64, shape (counts.sum(),)
        ``starts[0] .. starts[0]+counts[0]-1, starts[1] ..`` concatenated.
    offsets : ndarray of int64, shape (n + 1,)
        Segment ``i`` is ``rows[offsets[i]:offsets[i+1]]``.
    """
    if starts.shape != counts.shape:
        raise ValueError(f"starts has shape {starts.shape} but counts has shape {counts.shape}")
    counts = counts.astype(np.int64, copy=False)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    rows = np.arange(offsets[-1], dtype=np.int64) - np.repeat(offsets[:-1] - starts, counts)
    return rows, offsets


def segment_reduce(values: np.ndarray, offsets: np.ndarray, how: str = "max", fill: float = np.nan) -> np.ndarray:
    """Reduce the last axis of ``values`` per segment.

    Parameters
    ----------
    values : ndarray, shape (..., R)
    offsets : ndarray of int, shape (n + 1,), with ``offsets[-1] == R``
    how : {"max", "sum"}
    fill : float
        Value for empty segments.

    Returns
    -------
    ndarray, shape (..., n)
    """
    reducers = {"max": np.maximum, "sum": np.add}
    if how not in reducers:
        raise ValueError(f"unknown reduction {how!r}; valid reductions: {', '.join(reducers)}")
    if values.shape[-1] != offsets[-1]:
        raise ValueError(f"values has shape {values.shape} but the segments cover {offsets[-1]} columns")
    n = len(offsets) - 1
    out = np.full((*values.shape[:-1], n), fill, dtype=np.float32)
    nonempty = offsets[1:] > offsets[:-1]
    if nonempty.any():
        out[..., nonempty] = reducers[how].reduceat(values, offsets[:-1][nonempty], axis=-1)
    return out


def _scratch(width: int) -> np.ndarray:
    """This thread's zeroed dense scratch vector of ``width`` (one per width: the lexical rows and
    the words rows of documents alternate, and re-allocating on each switch would cost more
    than the products)."""
    vecs = getattr(_SCRATCH, "vecs", None)
    if vecs is None:
        vecs = _SCRATCH.vecs = {}
    if width not in vecs:
        vecs[width] = np.zeros(width, dtype=np.float32)
    return vecs[width]


def sparse_dot(rows: sp.csr_matrix, query: sp.csr_matrix) -> np.ndarray:
    """Each row's dot product with a 1-row sparse query (both (·, n_features)); shape (n,), float32.

    The query is scattered into a per-thread dense scratch vector (allocated once per width:
    zero-filling a fresh one of ~10^6 features per call would cost more than the product), the
    product runs in scipy's compiled sparse × dense code, and the scratch is zeroed again."""
    return sparse_dots(rows, query)[0]


def sparse_dots(rows: sp.csr_matrix, queries: sp.csr_matrix) -> np.ndarray:
    """Each of ``rows`` (n, n_features) against each row of ``queries`` (m, n_features), one
    ``sparse_dot`` per query row; shape (m, n), float32. Cheaper than a sparse product, which
    transposes a matrix as wide as the hashed vocabulary on every call."""
    out = np.zeros((queries.shape[0], rows.shape[0]), dtype=np.float32)
    if rows.nnz == 0 or queries.nnz == 0:
        return out
    scratch = _scratch(queries.shape[1])
    for i in range(queries.shape[0]):
        lo, hi = queries.indptr[i], queries.indptr[i + 1]
        idx = queries.indices[lo:hi]
        scratch[idx] = queries.data[lo:hi]
        try:
            out[i] = rows @ scratch
        finally:
            scratch[idx] = 0.0
    return out
