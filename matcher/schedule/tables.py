"""Tables for the meetings of each slot, once the solver has chosen the slots."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from matcher.schedule.encode import Encoded

_NO = 1e9  # cost of a table too small: never chosen (the solver's seat condition leaves a fit)


def seat(enc: Encoded, slot: np.ndarray, prefer: np.ndarray | None = None) -> np.ndarray:
    """Table row per meeting, ``-1`` for remote and unplaced ones; shapes ``(n,)``.

    A pinned table is kept; otherwise a meeting keeps its ``prefer`` table (its table before a
    re-optimisation) when it can, and the rest take the lowest-numbered free tables that seat them:
    an assignment problem per slot (at most tables x tables), solved exactly, so the same slots
    always give the same tables."""
    n, t = enc.n_meetings, len(enc.capacity)
    prefer = np.full(n, -1, np.int64) if prefer is None else prefer
    table = np.where(enc.pin_table >= 0, enc.pin_table, -1)
    seated = (slot >= 0) & ~enc.remote
    for s in np.unique(slot[seated]).tolist():
        here = np.flatnonzero(seated & (slot == s) & (enc.pin_table < 0))
        if not len(here):
            continue
        free = np.setdiff1d(np.arange(t), table[(slot == s) & (enc.pin_table >= 0)])
        cost = 1.0 + np.arange(len(free))[None, :] / (len(free) + 1.0)
        cost = np.repeat(cost, len(here), axis=0)
        cost[prefer[here][:, None] == free[None, :]] = 0.0
        cost[enc.seats[here][:, None] > enc.capacity[free][None, :]] = _NO
        rows, cols = linear_sum_assignment(cost)
        if len(rows) < len(here) or (cost[rows, cols] >= _NO).any():
            raise RuntimeError(f"slot {s}: the meetings do not fit its tables (a solver bug)")
        table[here[rows]] = free[cols]
    return table
