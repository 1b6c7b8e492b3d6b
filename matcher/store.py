"""Growable stacks of arrays: the storage under the index.

``Columns`` holds named arrays that share their first axis and grow by amortised doubling, so
that adding one profile (``partial_fit``) costs O(1) on average instead of copying everything.
``Segments`` keeps variable-length groups of rows (a profile's passages, a sparse row's
non-zeros) in one flat ``Columns``; each owner has a ``start`` and a ``count``.
``gather(starts, counts)`` gives the flat row numbers of several owners and the offsets of each
owner's block, ready for ``np.maximum.reduceat``.
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


def sparse_dot(rows: sp.csr_matrix, query: sp.csr_matrix) -> np.ndarray:
    """Each row's dot product with a 1-row sparse query (both (·, n_features)); shape (n,), float32.

    The query is scattered into a per-thread dense scratch vector (allocated once per width:
    zero-filling a fresh one of ~10^6 features per call would cost more than the product), the
    product runs in scipy's compiled sparse × dense code, and the scratch is zeroed again."""
    if rows.nnz == 0 or query.nnz == 0:
        return np.zeros(rows.shape[0], dtype=np.float32)
    width = query.shape[1]
    scratch = getattr(_SCRATCH, "vec", None)
    if scratch is None or len(scratch) != width:
        scratch = _SCRATCH.vec = np.zeros(width, dtype=np.float32)
    idx = query.indices
    scratch[idx] = query.data
    try:
        return np.asarray(rows @ scratch, dtype=np.float32)
    finally:
        scratch[idx] = 0.0
