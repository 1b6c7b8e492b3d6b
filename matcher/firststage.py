"""What the first ranking stage keeps per profile: one float row for the text, codes for the structure.

The first stage (``matcher.distill``) scores every row of the index, so per row it may read
little more than one profile vector. It reads

* ``stage1``, shape ``(probe_dim + 2 * SKETCH_DIM,)``: the mean provide passage in probe space
  (``Index.probe_mean``), then count sketches (``sketch``) of the lexical provide and needs
  rows; and ``stage1_need``, shape ``(probe_dim,)``, the mean need passage, kept apart so that
  its products with each of the query's provide passages read contiguous memory. The text part
  of the fused score is approximated by one product of ``stage1`` with a query vector and one
  product of ``stage1_need`` per query passage (``distill.QueryVectors``);
* one small integer per structured signal group (``StructuredCodes``): the structured signals
  are computed exactly, once per distinct value of the columns a signal reads, then gathered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.domain import mode_answer_matrix, mutual_mode_vector
from matcher.structured import COLUMNS, SIGNAL_FUNCTIONS, _nanmean2, mode_rivalry_towards

SKETCH_DIM = 64  # count-sketch buckets per lexical row

# signal groups: signals that read the same candidate columns share a code
GROUPS: dict[tuple[str, ...], tuple[str, ...]] = {}
for _name, (_, _columns) in SIGNAL_FUNCTIONS.items():
    GROUPS[_columns] = (*GROUPS.get(_columns, ()), _name)
CODE_COLUMNS = {f"code_{'_'.join(cols)}": cols for cols in GROUPS}
_MODES = ("offered", "sought")
_BEST_ANSWER = mode_answer_matrix()  # (sought, offered)
_MUTUAL = mutual_mode_vector()


def sketch(row: sp.csr_matrix, dim: int = SKETCH_DIM) -> np.ndarray:
    """A count sketch (dim,) of a sparse row (1, F): feature ``j`` adds ``±value`` to bucket
    ``h(j) mod dim`` (a fixed multiplicative hash, so no matrix to store and nothing to fit);
    the dot product of two sketches estimates that of the rows without bias."""
    row = row.tocsr()
    h = (row.indices.astype(np.uint64) * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)
    bucket = ((h >> np.uint64(7)) % np.uint64(dim)).astype(np.int64)
    sign = np.where((h >> np.uint64(3)) & np.uint64(1), 1.0, -1.0)
    return np.bincount(bucket, weights=sign * row.data, minlength=dim).astype(np.float32)


class StructuredCodes:
    """Codes of distinct structured values, per signal group (``GROUPS``).

    ``encode(row)`` gives a row's code in each group, registering values not seen before;
    ``tables(q, weights)`` the weighted sum of each group's signals for every distinct value and
    ``signals(q, codes)`` the signals of rows given their codes. Values are computed with
    ``matcher.structured``'s own functions (cooperation modes from parts precomputed per value,
    equal up to float32 rounding), so they are those of ``structured_signals``. A query costs
    a gather per group over the rows plus work in the number of distinct values (on the
    348-profile sample: 182 sector sets, 250 mode combinations, 107 (country, preferences),
    30 stage pairs, 22 language sets, 4 kinds), never more than the reference over every row.
    """

    def __init__(self) -> None:
        self.keys: dict[tuple[str, ...], dict[bytes, int]] = {cols: {} for cols in GROUPS}
        self.values: dict[tuple[str, ...], dict[str, list[np.ndarray]]] = {
            cols: {c: [] for c in cols} for cols in GROUPS
        }
        self._stacked: dict[tuple[str, ...], dict[str, np.ndarray]] = {}

    def encode(self, row: dict[str, np.ndarray]) -> dict[str, int]:
        """``{code column: code}`` of one structured row (``encode_structured``)."""
        out = {}
        for (name, cols) in CODE_COLUMNS.items():
            parts = [np.asarray(row[c], dtype=COLUMNS[c][0]) for c in cols]
            key = b"|".join(p.tobytes() for p in parts)
            code = self.keys[cols].get(key)
            if code is None:
                code = self.keys[cols][key] = len(self.keys[cols])
                for c, p in zip(cols, parts, strict=True):
                    self.values[cols][c].append(p)
                self._stacked.pop(cols, None)
            out[name] = code
        return out

    def _distinct(self, cols: tuple[str, ...]) -> dict[str, np.ndarray]:
        if cols not in self._stacked:
            stacked = {c: np.stack(v) if v else np.zeros((0, *COLUMNS[c][1]), COLUMNS[c][0]) for c, v in self.values[cols].items()}
            self._stacked[cols] = {**stacked, **_mode_parts(stacked)} if cols == _MODES else stacked
        return self._stacked[cols]

    def _signal(self, signal: str, q: dict[str, np.ndarray], cols: tuple[str, ...]) -> np.ndarray:
        fast = _FAST.get(signal)
        return fast(q, self._distinct(cols)) if fast else SIGNAL_FUNCTIONS[signal][0](q, self._distinct(cols))

    def tables(self, q: dict[str, np.ndarray], weights: dict[str, float]) -> dict[str, np.ndarray]:
        """``{code column: (n_distinct,) float32}``: ``sum(weights[s] * signal s)`` over the group's
        signals for each distinct value; signals without a weight are left out."""
        out = {}
        for name, cols in CODE_COLUMNS.items():
            distinct = self._distinct(cols)
            n = len(next(iter(distinct.values())))
            total = np.zeros(n, dtype=np.float32)
            for signal in GROUPS[cols]:
                if weights.get(signal):
                    total += np.float32(weights[signal]) * self._signal(signal, q, cols)
            out[name] = total
        return out

    def signals(self, q: dict[str, np.ndarray], codes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """``structured_signals(q, rows)`` from the rows' codes (``{code column: (n,) int}``):
        ``{signal: (n,) float32}``, each computed once per distinct value and gathered."""
        out = {}
        for name, cols in CODE_COLUMNS.items():
            for signal in GROUPS[cols]:
                out[signal] = np.take(self._signal(signal, q, cols), codes[name])
        return out

    def rivalry_towards(self, c: dict[str, np.ndarray], codes: dict[str, np.ndarray]) -> np.ndarray:
        """``mode_rivalry`` of rows (given by their codes) as queries against the one structured
        row ``c``, shape (n,) float32 (``structured.mode_rivalry_towards``, once per distinct value)."""
        cols = SIGNAL_FUNCTIONS["mode_rivalry"][1]
        name = next(n for n, group in CODE_COLUMNS.items() if group == cols)
        return np.take(mode_rivalry_towards(self._distinct(cols), c), codes[name])

    def n_distinct(self) -> dict[str, int]:
        return {name: len(self.keys[cols]) for name, cols in CODE_COLUMNS.items()}


def code_columns() -> dict[str, Any]:
    """Column spec of the codes for ``Index.profiles``."""
    return {name: (np.int32, ()) for name in CODE_COLUMNS}


# Cooperation modes take many distinct (offered, sought) combinations (250 of the sample's 348
# profiles), and the reference functions build (n, modes, modes) arrays per query; their
# candidate-only parts are computed once per distinct value instead (the same values up to
# float32 rounding; tested).


def _mode_parts(c: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    offered, sought = c["offered"], c["sought"]
    answers = (offered[:, None, :] * _BEST_ANSWER[None]).max(2) if len(offered) else np.zeros_like(offered)
    return {
        "mode_answers": answers,  # best answer the offers give to each mode
        "mode_best": np.maximum(answers, sought * _MUTUAL),  # ... or a mutual search
        "sought_share": sought / np.maximum(sought.sum(1, keepdims=True), 1),
        "has_sought": sought.sum(1) > 0,
        "modes_known": (offered.sum(1) + sought.sum(1)) > 0,
    }


def _fast_modes(q: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> np.ndarray:
    """``structured._mode_signal`` from ``_mode_parts``."""
    n = len(c["sought"])
    q_sought = np.flatnonzero(q["sought"])
    fwd = np.where(c["modes_known"], c["mode_best"][:, q_sought].mean(1), np.nan) if len(q_sought) else np.full(n, np.nan)
    q_best = np.maximum((q["offered"][None, :] * _BEST_ANSWER).max(1), q["sought"] * _MUTUAL)
    q_known = q["offered"].sum() + q["sought"].sum() > 0
    bwd = np.where(c["has_sought"] & q_known, c["sought_share"] @ q_best, np.nan)
    fwd, bwd = fwd.astype(np.float32), bwd.astype(np.float32)
    value = 2 * _nanmean2(fwd, bwd) - np.where(np.isnan(fwd) & np.isnan(bwd), 0.0, 1.0)
    return np.clip(value, -1, 1).astype(np.float32)


def _fast_rivalry(q: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> np.ndarray:
    """``structured.mode_rivalry`` from ``_mode_parts``."""
    rival = np.flatnonzero(q["sought"] * (_MUTUAL == 0))
    out = np.zeros(len(c["sought"]), dtype=np.float32)
    q_answers = (q["offered"][None, :] * _BEST_ANSWER).max(1)
    for m in rival:
        out += c["sought"][:, m] * (1.0 - np.maximum(c["mode_answers"][:, m], q_answers[m]))
    return out / np.float32(max(len(rival), 1))


_FAST = {"modes": _fast_modes, "mode_rivalry": _fast_rivalry}
