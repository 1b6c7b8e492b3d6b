"""Compiled scoring of many candidates, read straight from the index's stacked arrays.

``raw_channels`` (``matcher.scoring``) works on a ``Block``: the candidates' passages, needs,
descriptions and lexical rows copied out of the index (``Index.block``) so that numpy and scipy
can multiply them. For a few thousand candidates the copies cost more than the products (at
100k profiles, 3,200 candidates: 10 ms gathering against 6 ms of products, docs/performance.md).
The kernels here compute the same channels in one pass over each candidate's rows where they
lie (a profile's passages, needs and lexical entries are contiguous in the index), compiled
by numba, without copying them.

``dense_channels``    ``dense_fwd``, ``dense_nn``, ``dense_bwd``, ``dense_oo`` and the
                      description cosine, as ``raw_channels`` reads them (NaN where it gives NaN).
``lexical_channels``  ``lex_fwd``, ``lex_bwd``, ``lex_domain`` (float32 sums in the order of
                      scipy's CSR product, so the same values).
``has_documents``     which candidates have document passages or document words rows: the only
                      ones the document readings (``matcher.expertise``) need.

The dense products are float32 sums in another order than BLAS's, so they differ from
``raw_channels``'s by float32 rounding (~1e-7); tests hold the two to 1e-5 and the same
rankings. Compiled on first use and cached beside the module (``cache=True``).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})  # reassociation lets the dot product use SIMD lanes
def _dot(a: np.ndarray, b: np.ndarray) -> np.float32:
    s = np.float32(0.0)
    for k in range(a.shape[0]):
        s += a[k] * b[k]
    return s


@numba.njit(cache=True, nogil=True)
def _dense(q_need: np.ndarray, q_prov: np.ndarray, n_off: int, q_desc: np.ndarray, need_vec: np.ndarray,
           prov_vec: np.ndarray, desc: np.ndarray, need_start: np.ndarray, need_n: np.ndarray,
           prov_start: np.ndarray, prov_n: np.ndarray, offer_n: np.ndarray, rows: np.ndarray,
           out: np.ndarray) -> None:
    m, p = q_need.shape[0], q_prov.shape[0]
    nan, ninf = np.float32(np.nan), np.float32(-np.inf)
    for i in range(rows.shape[0]):
        r = rows[i]
        ns, nn, ps, pn, on = need_start[r], need_n[r], prov_start[r], prov_n[r], offer_n[r]
        fwd = nn_best = bwd = oo = nan
        if m > 0 and pn > 0:  # each of your needs: their best passage; the mean over your needs
            total = np.float32(0.0)
            for a in range(m):
                best = ninf
                for j in range(pn):
                    best = max(best, _dot(q_need[a], prov_vec[ps + j]))
                total += best
            fwd = total / np.float32(m)
        if nn > 0 and (m > 0 or p > 0):
            total = np.float32(0.0)
            nn_best = ninf
            for j in range(nn):
                v = need_vec[ns + j]
                for a in range(m):  # need ↔ need: the best pair
                    nn_best = max(nn_best, _dot(q_need[a], v))
                best = ninf
                for a in range(p):  # each of their needs: your best passage
                    best = max(best, _dot(q_prov[a], v))
                total += best
            if m == 0:
                nn_best = nan
            if p > 0:
                bwd = total / np.float32(nn)
        if n_off > 0 and on > 0:  # offer ↔ offer: the best pair
            oo = ninf
            for a in range(n_off):
                for j in range(on):
                    oo = max(oo, _dot(q_prov[a], prov_vec[ps + j]))
        out[0, i], out[1, i], out[2, i], out[3, i] = fwd, nn_best, bwd, oo
        out[4, i] = _dot(q_desc, desc[r])


def dense_channels(q_need: np.ndarray, q_prov: np.ndarray, n_offers: int, q_desc: np.ndarray,
                   need_vec: np.ndarray, prov_vec: np.ndarray, desc: np.ndarray, need_start: np.ndarray,
                   need_n: np.ndarray, prov_start: np.ndarray, prov_n: np.ndarray, offer_n: np.ndarray,
                   rows: np.ndarray) -> np.ndarray:
    """The dense channels of one query against index ``rows`` (n,): shape (5, n) float32, rows
    ``dense_fwd``, ``dense_nn``, ``dense_bwd``, ``dense_oo`` and the description cosine.

    ``q_need`` (m, dim), ``q_prov`` (p, dim) with its first ``n_offers`` the offers, ``q_desc``
    (dim,): the query's vectors. ``need_vec``/``prov_vec`` (R, dim) and ``desc`` (N, dim) are the
    index's stacks; ``need_start``/``need_n``, ``prov_start``/``prov_n``, ``offer_n`` (N,) where
    each row's passages lie in them. NaN where ``raw_channels`` gives NaN: a side without the
    passages a channel compares."""
    out = np.empty((5, len(rows)), dtype=np.float32)
    _dense(_f32(q_need), _f32(q_prov), int(n_offers), _f32(q_desc), need_vec, prov_vec, desc, need_start, need_n,
           prov_start, prov_n, offer_n, np.ascontiguousarray(rows, dtype=np.int64), out)
    return out


@numba.njit(cache=True, nogil=True)
def _sparse_rows(scratch: np.ndarray, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                 rows: np.ndarray, which: int, need_rows: bool, out: np.ndarray) -> None:
    """``out[i]`` = lexical row ``2 rows[i] + which`` · ``scratch``; NaN where ``need_rows`` and
    the row's needs segment (``2 rows[i]``) is empty."""
    for i in range(rows.shape[0]):
        r = 2 * rows[i]
        if need_rows and indptr[r + 1] == indptr[r]:
            out[i] = np.float32(np.nan)
            continue
        s = np.float32(0.0)
        for jj in range(indptr[r + which], indptr[r + which + 1]):
            s += data[jj] * scratch[indices[jj]]
        out[i] = s


def lexical_channels(q_need: object, q_prov: object, lexical: object, rows: np.ndarray,
                     scratch: np.ndarray) -> np.ndarray:
    """``lex_fwd``, ``lex_bwd``, ``lex_domain`` of a query's lexical rows ``q_need``/``q_prov``
    (1-row CSR) against index ``rows`` (n,), from ``lexical`` (``Index.lexical_matrix``: row
    ``2r`` needs, ``2r + 1`` provide); shape (3, n) float32, NaN where ``raw_channels`` gives NaN.
    ``scratch`` is a zeroed float32 vector of the lexical width, left zeroed."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    out = np.full((3, len(rows)), np.nan, dtype=np.float32)
    indptr, indices, data = lexical.indptr, lexical.indices, lexical.data  # type: ignore[attr-defined]
    for q, targets in ((q_need, ((0, 1, False),)), (q_prov, ((1, 0, True), (2, 1, False)))):
        if not q.nnz:  # type: ignore[attr-defined]
            continue
        idx = q.indices  # type: ignore[attr-defined]
        scratch[idx] = q.data  # type: ignore[attr-defined]
        try:
            for slot, which, need_rows in targets:
                _sparse_rows(scratch, indptr, indices, data, rows, which, need_rows, out[slot])
        finally:
            scratch[idx] = 0.0
    return out


@numba.njit(cache=True, nogil=True)
def _with_documents(prov_doc: np.ndarray, prov_start: np.ndarray, prov_n: np.ndarray, topic_doc: np.ndarray,
                    topics_start: np.ndarray, topics_n: np.ndarray, rows: np.ndarray, out: np.ndarray) -> None:
    for i in range(rows.shape[0]):
        r = rows[i]
        found = False
        for j in range(prov_start[r], prov_start[r] + prov_n[r]):
            if prov_doc[j] >= 0:
                found = True
                break
        if not found:
            for j in range(topics_start[r], topics_start[r] + topics_n[r]):
                if topic_doc[j]:
                    found = True
                    break
        out[i] = found


def has_documents(prov_doc: np.ndarray, prov_start: np.ndarray, prov_n: np.ndarray, topic_doc: np.ndarray,
                  topics_start: np.ndarray, topics_n: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Whether each of ``rows`` (n,) has a document passage (``prov_doc`` ≥ 0) or a document
    words row (``topic_doc``); shape (n,) bool."""
    out = np.empty(len(rows), dtype=np.bool_)
    _with_documents(prov_doc, prov_start, prov_n, topic_doc, topics_start, topics_n,
                    np.ascontiguousarray(rows, dtype=np.int64), out)
    return out


def _f32(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)
