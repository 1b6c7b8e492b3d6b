"""An assignment instance as arrays: scores, capacities, blocked and forced pairs, groups."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNBOUNDED = -1  #: a maximum of -1 means "no maximum"


def _check_shape(name: str, arr: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape}; expected {shape}")
    return arr


def _capacity(name: str, value, n: int, default: int) -> np.ndarray:
    """Non-negative integers of shape ``(n,)``; ``None``/``inf`` become ``UNBOUNDED``."""
    if value is None:
        return np.full(n, default, dtype=np.int64)
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    _check_shape(name, arr, (n,))
    unbounded = np.isinf(arr) & (arr > 0)
    finite = arr[~unbounded]
    if np.any(np.isnan(finite)) or np.any(finite < 0) or np.any(finite != np.round(finite)):
        raise ValueError(f"{name} must hold non-negative integers (or inf for no maximum)")
    out = np.where(unbounded, UNBOUNDED, arr).astype(np.int64)
    if default != UNBOUNDED and np.any(out == UNBOUNDED):
        raise ValueError(f"{name} is a minimum and cannot be infinite")
    return out


def _pairs(name: str, value, n_a: int, n_b: int) -> np.ndarray:
    """Row pairs of shape ``(k, 2)``, deduplicated and sorted."""
    if value is None:
        return np.zeros((0, 2), dtype=np.int64)
    arr = np.asarray(value, dtype=np.int64).reshape(-1, 2) if len(value) else np.zeros((0, 2), np.int64)
    if np.any(arr < 0) or np.any(arr[:, 0] >= n_a) or np.any(arr[:, 1] >= n_b):
        raise ValueError(f"{name} holds rows outside [0, {n_a}) x [0, {n_b})")
    return np.unique(arr, axis=0)


@dataclass(frozen=True, eq=False)
class AssignmentProblem:
    """Who may be paired with whom, at what score, and how often.

    Build with :meth:`from_dense` (every pair allowed unless blocked) or :meth:`from_arcs` (only
    listed pairs allowed). Rows are those of an :class:`~matcher.assign.AssignmentIndex`.

    Attributes
    ----------
    n_a, n_b : int
    dense : ndarray of shape (n_a, n_b) or None
    arc_a, arc_b : int64 ndarray of shape (m,)
        Allowed pairs (sparse form), sorted by ``(a, b)``; empty in dense form.
    arc_score : float64 ndarray of shape (m,)
    min_a, max_a : int64 ndarray of shape (n_a,)
        Pairs each a-side row must / may be in; ``max == UNBOUNDED`` means no maximum.
    min_b, max_b : int64 ndarray of shape (n_b,)
    blocked, forced : int64 ndarray of shape (k, 2)
        ``(a_row, b_row)`` pairs never / always assigned.
    groups : int64 ndarray of shape (n_a,) or None
        Group code per a-side row (``-1``: no group), for ``max_per_group``.
    max_per_group : int or None
        At most this many a-side rows of one group per b-side row.
    """

    n_a: int
    n_b: int
    dense: np.ndarray | None
    arc_a: np.ndarray
    arc_b: np.ndarray
    arc_score: np.ndarray
    min_a: np.ndarray
    max_a: np.ndarray
    min_b: np.ndarray
    max_b: np.ndarray
    blocked: np.ndarray
    forced: np.ndarray
    groups: np.ndarray | None
    max_per_group: int | None

    @classmethod
    def from_dense(cls, scores, **constraints) -> AssignmentProblem:
        """All pairs allowed unless blocked; ``scores`` of shape ``(n_a, n_b)``, finite floats.

        ``constraints``: ``min_a, max_a, min_b, max_b`` (scalar or per-row arrays; max ``None`` or
        ``inf`` = unbounded), ``blocked``, ``forced`` (``(k, 2)`` rows), ``groups``, ``max_per_group``.
        """
        scores = np.asarray(scores)
        if scores.ndim != 2 or scores.dtype.kind != "f":
            raise ValueError(f"scores must be a 2-d float array; got shape {scores.shape}, {scores.dtype}")
        if not np.isfinite(scores).all():
            raise ValueError("scores must be finite (leave a pair out with from_arcs, or block it)")
        empty = np.zeros(0, dtype=np.int64)
        return cls._build(scores.shape[0], scores.shape[1], scores, empty, empty, np.zeros(0), constraints)

    @classmethod
    def from_arcs(cls, n_a: int, n_b: int, arc_a, arc_b, arc_score, **constraints) -> AssignmentProblem:
        """Only the listed pairs are allowed; ``arc_a, arc_b, arc_score`` of shape ``(m,)``.

        ``constraints`` as in :meth:`from_dense`. A pair listed twice is an error.
        """
        arc_a = np.asarray(arc_a, dtype=np.int64).ravel()
        arc_b = np.asarray(arc_b, dtype=np.int64)
        arc_score = np.asarray(arc_score, dtype=np.float64)
        _check_shape("arc_b", arc_b, arc_a.shape)
        _check_shape("arc_score", arc_score, arc_a.shape)
        if len(arc_a) and (arc_a.min() < 0 or arc_a.max() >= n_a or arc_b.min() < 0 or arc_b.max() >= n_b):
            raise ValueError(f"arcs hold rows outside [0, {n_a}) x [0, {n_b})")
        if not np.isfinite(arc_score).all():
            raise ValueError("arc_score must be finite")
        order = np.lexsort((arc_b, arc_a))
        arc_a, arc_b, arc_score = arc_a[order], arc_b[order], arc_score[order]
        dup = (arc_a[1:] == arc_a[:-1]) & (arc_b[1:] == arc_b[:-1])
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            raise ValueError(f"pair (a row {arc_a[i]}, b row {arc_b[i]}) is listed more than once")
        return cls._build(n_a, n_b, None, arc_a, arc_b, arc_score, constraints)

    @classmethod
    def _build(cls, n_a, n_b, dense, arc_a, arc_b, arc_score, c: dict) -> AssignmentProblem:
        valid = {"min_a", "max_a", "min_b", "max_b", "blocked", "forced", "groups", "max_per_group"}
        unknown = set(c) - valid
        if unknown:
            raise TypeError(f"unknown constraints {sorted(unknown)}; valid: {', '.join(sorted(valid))}")
        groups = c.get("groups")
        if groups is not None:
            groups = _check_shape("groups", np.asarray(groups, dtype=np.int64), (n_a,))
        limit = c.get("max_per_group")
        if limit is not None and (groups is None or int(limit) < 0):
            raise ValueError("max_per_group needs groups and must be a non-negative integer")
        return cls(
            n_a=int(n_a),
            n_b=int(n_b),
            dense=dense,
            arc_a=arc_a,
            arc_b=arc_b,
            arc_score=arc_score,
            min_a=_capacity("min_a", c.get("min_a", 0), n_a, 0),
            max_a=_capacity("max_a", c.get("max_a"), n_a, UNBOUNDED),
            min_b=_capacity("min_b", c.get("min_b", 0), n_b, 0),
            max_b=_capacity("max_b", c.get("max_b"), n_b, UNBOUNDED),
            blocked=_pairs("blocked", c.get("blocked"), n_a, n_b),
            forced=_pairs("forced", c.get("forced"), n_a, n_b),
            groups=groups,
            max_per_group=None if limit is None else int(limit),
        )
