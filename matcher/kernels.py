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
                      scipy's CSR product, so the same values), the query's words looked up in a
                      small hash table instead of a dense vector as wide as the vocabulary.
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


_EMPTY = np.int32(-1)
_FILTER_BITS = 1 << 16


@numba.njit(cache=True, nogil=True)
def _slot(keys: np.ndarray, col: np.int32) -> int:
    """Where ``col`` sits in the open-addressing table ``keys`` (linear probing, a power-of-two
    size), or the empty slot where it would go."""
    mask = keys.shape[0] - 1
    s = (np.uint32(col) * np.uint32(2654435761)) & np.uint32(mask)  # Knuth's multiplicative hash
    while keys[s] != _EMPTY and keys[s] != col:
        s = (s + np.uint32(1)) & np.uint32(mask)
    return int(s)


@numba.njit(cache=True, nogil=True)
def _filter_bit(col: np.int32) -> tuple[np.uint64, np.uint64]:
    """The word of the filter and the bit in it that stand for column ``col`` (``col`` mod 2^16)."""
    h = np.uint64(col) & np.uint64(_FILTER_BITS - 1)
    return h >> np.uint64(6), np.uint64(1) << (h & np.uint64(63))


@numba.njit(cache=True, nogil=True)
def _find(keys: np.ndarray, bits: np.ndarray, col: np.int32) -> int:
    """The slot of ``col`` in the table ``keys``, or -1 if the query lacks it: a clear filter bit
    in ``bits`` says so without the table."""
    word, bit = _filter_bit(col)
    if not bits[word] & bit:
        return -1
    s = np.int64(_slot(keys, col))  # signed, so that it and -1 are one type
    return int(s) if keys[s] != _EMPTY else -1


@numba.njit(cache=True, nogil=True)
def _lexical(need_idx: np.ndarray, need_val: np.ndarray, prov_idx: np.ndarray, prov_val: np.ndarray,
             indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, rows: np.ndarray, out: np.ndarray) -> None:
    # the query's two rows in one small table (a few kB, in the first-level cache) instead of
    # scattered into a dense vector as wide as the vocabulary (3 MB): a candidate's provide row
    # is read once for both of its products, each entry looked up where it stays cached
    size = 16
    while size < 4 * (need_idx.shape[0] + prov_idx.shape[0]):
        size *= 2
    keys = np.full(size, _EMPTY, dtype=np.int32)
    v_need = np.zeros(size, dtype=np.float32)
    v_prov = np.zeros(size, dtype=np.float32)
    for k in range(need_idx.shape[0]):  # a repeated column keeps its last value, as a scatter does
        s = _slot(keys, need_idx[k])
        keys[s], v_need[s] = need_idx[k], need_val[k]
    for k in range(prov_idx.shape[0]):
        s = _slot(keys, prov_idx[k])
        keys[s], v_prov[s] = prov_idx[k], prov_val[k]
    # a bit per column modulo 2^16 (8 kB, first-level cache): most of a candidate's words are
    # not the query's, and a clear bit settles that in one predictable test, before the table
    bits = np.zeros(_FILTER_BITS >> 6, dtype=np.uint64)
    for k in range(size):
        if keys[k] != _EMPTY:
            word, bit = _filter_bit(keys[k])
            bits[word] |= bit
    has_need, has_prov = need_idx.shape[0] > 0, prov_idx.shape[0] > 0
    nan = np.float32(np.nan)
    for i in range(rows.shape[0]):
        r = 2 * rows[i]
        fwd = dom = bwd = np.float32(0.0)
        # a column the query lacks adds 0, as in the dense product: skipped
        for jj in range(indptr[r + 1], indptr[r + 2]):  # their provide row: your needs, your provide
            s = _find(keys, bits, indices[jj])
            if s >= 0:
                fwd += data[jj] * v_need[s]
                dom += data[jj] * v_prov[s]
        for jj in range(indptr[r], indptr[r + 1]):  # their needs row: your provide
            s = _find(keys, bits, indices[jj])
            if s >= 0:
                bwd += data[jj] * v_prov[s]
        out[0, i] = fwd if has_need else nan
        out[1, i] = bwd if has_prov and indptr[r + 1] > indptr[r] else nan
        out[2, i] = dom if has_prov else nan


def lexical_channels(q_need: object, q_prov: object, lexical: object, rows: np.ndarray) -> np.ndarray:
    """``lex_fwd``, ``lex_bwd``, ``lex_domain`` of a query's lexical rows ``q_need``/``q_prov``
    (1-row CSR) against index ``rows`` (n,), from ``lexical`` (``Index.lexical_matrix``: row
    ``2r`` needs, ``2r + 1`` provide); shape (3, n) float32, NaN where ``raw_channels`` gives NaN
    (``lex_fwd`` without a query need row, the other two without a query provide row,
    ``lex_bwd`` where the candidate has no needs row). Each sum is taken in the candidate row's
    order, as scipy's CSR product takes it, so the values are the same."""
    out = np.empty((3, len(rows)), dtype=np.float32)
    _lexical(q_need.indices, _f32(q_need.data), q_prov.indices, _f32(q_prov.data),  # type: ignore[attr-defined]
             lexical.indptr, lexical.indices, lexical.data,  # type: ignore[attr-defined]
             np.ascontiguousarray(rows, dtype=np.int64), out)
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
