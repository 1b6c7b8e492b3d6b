"""A sublinear first stage: the shortlist from an inverted-file index (faiss IVF) over ``stage1``.

The exact first stage (``matcher.distill.first_stage_scores``) scores every row: one product of
the row's ``stage1`` vector with the query vector (the text part), plus the structured part
gathered by code. ``IVFShortlist`` clusters the rows (k-means, ``nlist`` lists) and, per
query, scores only the eligible rows (a bitmap of the eligibility mask, inside faiss) of the
``nprobe`` lists whose centroid has the largest product with the query, then keeps the best
``size`` by their exact first-stage score. ``nprobe`` follows from ``ratio``: enough lists that
about ``ratio * size`` eligible rows are scored (more when a filter keeps few rows); when the
lists probed hold fewer than ``size`` eligible rows, ``nprobe`` doubles. A mask keeping less
than ``exact_fraction`` of the rows takes the exact path over the eligible rows only (cheaper
than probing, and exact).

The structured part is in the vectors too, approximately, so that lists are clustered and
probed by (nearly) the whole first-stage score: per signal group, the query's table (its
structured score against each distinct value, ``StructuredCodes.tables``) is approximated in a
basis of ``struct_dims`` vectors over the group's codes, fitted by SVD on the tables of sampled
queries; a row carries its code's coordinates in that basis (times ``struct_scale``, so that
k-means weighs the structure; the query's coordinates are divided by it), the query the
projection of its table. The product is then the text part plus the structure's projection;
the remainder (the table minus its projection, gathered by code) is added for the rows faiss
returns, so their scores are exact. Without the structure in the vectors the probe picks
lists by text alone and misses the rows the structure lifts (bench/bench_ann.py, 100k profiles,
shortlist 3200, ratio 4: recall@10 0.74 against exhaustive scoring; with 4 coordinates per
group: 0.957, the exact first stage 0.975). Codes first seen after ``fit`` have no coordinates (zeros): their
structure is all remainder, still exact.

Rows follow the ``Index`` without a rebuild: ``sync`` (called before each query, O(1) when
nothing changed) adds the rows appended since (``Index.add``, ``Engine.partial_fit``) and removes
the rows marked dead (``Index.discard``) with ``faiss``'s ``add_with_ids`` / ``remove_ids`` (a
hash-table direct map: O(1) per row). ``Index.compact`` renumbers the rows: the engine builds a
new ``IVFShortlist`` then; one that finds its rows renumbered under it (``compact`` called
directly) answers ``None`` and the caller takes the exact path. Engines that share one (the
snapshots of ``web.matching``) sync it under its lock.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import faiss
import numpy as np

from matcher.distill import FirstStage, QueryVectors, query_vectors, structured_weights
from matcher.features import ProfileFeatures
from matcher.firststage import CODE_COLUMNS
from matcher.index import Index
from matcher.scoring import Weights

FIRST_STAGES = ("auto", "exact", "ivf")
# ``first_stage="auto"``: the IVF from this many profiles on, the exact first stage below
# (bench/bench_ann.py, 2026-12-04, 2 loaded cores). At 20k the IVF is not faster; at 50k it ties
# (shortlist 1600: both recall 0.960, 15.6 against 16.4 ms) but loses recall at the request
# default shortlist (400: 0.710 against 0.763); at 100k, ratio 8, it keeps the exact path's
# recall (shortlist 3200: 0.975 both) at 29.1 against 35.2 ms (first stage 10.9 against 18 ms).
# So it switches where it is faster at no loss.
AUTO_MIN_PROFILES = 100_000
_NO_BOUND = float(np.finfo(np.float32).min)  # a range search's radius that every product passes
# rows, times the shortlist, whose backward proxy the IVF reads with the best passage: gathering
# the need vectors of every row probed cost more than the rest of the probe (1M rows, 102,400
# probed: first stage 49 ms against 32), and on 100k profiles re-ranking the best 2 x shortlist
# of the mean-passage scores found as much as re-ranking every row (docs/performance.md)
CORRECTED = 2


def check_first_stage(name: str) -> str:
    """``name`` if it is a known first stage, else a ``ValueError`` listing them."""
    if name not in FIRST_STAGES:
        raise ValueError(f"unknown first stage {name!r}; choose one of {', '.join(FIRST_STAGES)}")
    return name


def structured_part(q: ProfileFeatures, index: Index, weights: Weights, rows: np.ndarray) -> np.ndarray:
    """The structured part of the first-stage score of ``q`` against ``rows`` (n,): (n,) float32."""
    out = np.zeros(len(rows), dtype=np.float32)
    cols = index.profiles
    for name, table in index.codes.tables(q.structured, structured_weights(weights)).items():
        if table.any():
            out += np.take(table, np.take(cols[name], rows))
    return out


def first_stage_rows(q: ProfileFeatures, index: Index, stage: FirstStage, weights: Weights, rows: np.ndarray) -> np.ndarray:
    """``distill.first_stage_scores`` restricted to ``rows`` (n,): shape (n,), float32, the same values."""
    cols = index.profiles
    text = query_vectors(q, index, stage.proxy_weights(weights)).scores(cols["stage1"][rows], cols["stage1_need"][rows])
    return text + structured_part(q, index, weights, rows)


def best(rows: np.ndarray, scores: np.ndarray, size: int) -> np.ndarray:
    """The ``size`` rows (n,) of best ``scores`` (n,), sorted by row."""
    return np.sort(best_scored(rows, scores, size)[0])


def best_scored(rows: np.ndarray, scores: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``size`` rows (n,) of best ``scores`` (n,) and their scores, unordered."""
    if len(rows) <= size:
        return rows, scores
    keep = np.argpartition(scores, len(scores) - size)[len(scores) - size :]
    return rows[keep], scores[keep]


class IVFShortlist:
    """The first stage's shortlist from an IVF over the index's ``stage1`` rows.

    Parameters
    ----------
    nlist : int, optional
        Number of lists (k-means centroids); ``round(4 sqrt(n))`` of the rows at ``fit`` if None
        (at 10k and 20k, 4 sqrt(n) found more of the exact shortlist than sqrt(n) at the same cost).
    ratio : float
        Eligible rows scored per shortlisted row (sets ``nprobe``). Larger: closer to the exact
        first stage, slower.
    exact_fraction : float
        Below this share of eligible rows (a selective filter), score the eligible rows exactly.
    struct_dims : int
        Coordinates per structured signal group in the vectors (0: the structure only exactly,
        after the probe).
    struct_scale : float
        Their weight in the clustering (the products do not depend on it).
    n_iter : int
        k-means iterations.
    random_state : int
        Seed of k-means (its training sample and initialisation) and of the sampled queries.
    """

    def __init__(self, nlist: int | None = None, ratio: float = 8.0, exact_fraction: float = 0.02,
                 struct_dims: int = 4, struct_scale: float = 3.0, n_iter: int = 10, random_state: int = 0) -> None:
        self.nlist = nlist
        self.ratio = ratio
        self.exact_fraction = exact_fraction
        self.struct_dims = struct_dims
        self.struct_scale = struct_scale
        self.n_iter = n_iter
        self.random_state = random_state

    def fit(self, index: Index, weights: Weights, n_queries: int = 200) -> IVFShortlist:
        """Fit the structure's bases on ``n_queries`` sampled profiles' tables under ``weights``,
        cluster the live rows of ``index`` (``nlist`` lists) and add them."""
        rows = index.alive_rows()
        self.bases_ = self._fit_bases(index, weights, rows, n_queries)
        x = self._vectors(index, rows)
        dim = x.shape[1]
        self.nlist_ = max(1, min(self.nlist or round(4 * math.sqrt(len(rows))), len(rows)))
        self.quantizer_ = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFFlat(self.quantizer_, dim, self.nlist_, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.niter = self.n_iter
        ivf.cp.seed = self.random_state
        ivf.cp.max_points_per_centroid = 64  # train on a sample: k-means cost, not quality, grows past it
        ivf.cp.min_points_per_centroid = 1
        ivf.train(x if len(x) else np.zeros((1, dim), np.float32))
        # (the ignores below: faiss's stubs give the SWIG signatures, its wrappers take numpy and keywords)
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]  # remove_ids in O(1) per row
        ivf.add_with_ids(x, rows.astype(np.int64))
        self.ivf_ = ivf
        self.member_ = np.zeros(index.n_rows, dtype=bool)
        self.member_[rows] = True
        self.n_members_ = len(rows)
        self.n_synced_ = index.n_rows
        self.row_ids_ = list(index.ids)  # the id of every synced row: how renumbering is noticed
        self.lock_ = threading.Lock()
        return self

    def __getstate__(self) -> dict[str, Any]:
        """For pickling (``matcher.persist``): the faiss index as bytes, no lock."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("lock_", "quantizer_")}
        if "ivf_" in state:
            state["ivf_"] = faiss.serialize_index(self.ivf_)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "ivf_" in state:
            ivf = faiss.deserialize_index(state["ivf_"])
            quantizer = faiss.downcast_index(ivf.quantizer)  # type: ignore[attr-defined]
            state = {**state, "ivf_": ivf, "quantizer_": quantizer}
        self.__dict__.update(state)
        self.lock_ = threading.Lock()

    def _fit_bases(self, index: Index, weights: Weights, rows: np.ndarray, n_queries: int) -> dict[str, np.ndarray]:
        """``{code column: (n_distinct, k)}``: orthonormal bases of the sampled queries' tables
        (centred per query: a constant changes no order), k <= ``struct_dims``."""
        if self.struct_dims <= 0 or not len(rows):
            return {}
        rng = np.random.RandomState(self.random_state + 2)
        sample = rows if len(rows) <= n_queries else rng.choice(rows, n_queries, replace=False)
        tables: dict[str, list[np.ndarray]] = {name: [] for name in CODE_COLUMNS}
        for r in np.sort(sample):
            for name, table in index.codes.tables(index.features(int(r), lexical=False).structured,
                                                  structured_weights(weights)).items():
                tables[name].append(table)
        bases = {}
        for name, ts in tables.items():
            t = np.stack(ts).astype(np.float64)
            _, s, vt = np.linalg.svd(t - t.mean(1, keepdims=True), full_matrices=False)
            k = int(np.count_nonzero(s[: self.struct_dims] > 1e-6 * max(float(s[0]), 1e-12))) if len(s) else 0
            if k:
                bases[name] = vt[:k].T.astype(np.float32)
        return bases

    def _basis(self, name: str, n_codes: int) -> np.ndarray:
        """The basis of ``name`` over ``n_codes`` codes: rows of codes first seen after ``fit`` are zeros."""
        basis = self.bases_[name]
        if n_codes <= len(basis):
            return basis[:n_codes]
        return np.vstack([basis, np.zeros((n_codes - len(basis), basis.shape[1]), np.float32)])

    def _vectors(self, index: Index, rows: np.ndarray) -> np.ndarray:
        """The IVF's vectors of ``rows``: (n, stage1 and stage1_need widths + the bases' widths), float32."""
        cols = index.profiles
        parts = [cols["stage1"][rows], cols["stage1_need"][rows]]
        for name, basis in self.bases_.items():
            parts.append(np.float32(self.struct_scale) * basis[np.minimum(cols[name][rows], len(basis) - 1)]
                         * (cols[name][rows] < len(basis))[:, None])
        return np.ascontiguousarray(np.concatenate(parts, axis=1), dtype=np.float32)

    def _query(self, q: ProfileFeatures, index: Index, stage: FirstStage, weights: Weights
               ) -> tuple[np.ndarray, dict[str, np.ndarray], QueryVectors]:
        """The query's vector for the IVF, the remainder of each structured table (what the
        product misses, ``{code column: (n_distinct,)}``), and its first-stage vectors (the
        product reads the backward proxy with the mean provide passage: ``QueryVectors.correction``
        makes it the best one)."""
        tables = index.codes.tables(q.structured, structured_weights(weights))
        vectors = query_vectors(q, index, stage.proxy_weights(weights))
        parts, rest = [vectors.main, vectors.probe_need], dict(tables)
        for name in self.bases_:
            basis = self._basis(name, len(tables[name]))
            coords = basis.T @ tables[name]
            parts.append(coords / np.float32(self.struct_scale))
            rest[name] = tables[name] - basis @ coords
        return np.concatenate(parts).astype(np.float32), rest, vectors

    # ----------------------------------------------------------------- following the index
    def _renumbered(self, index: Index) -> bool:
        """Whether ``index``'s rows are not those this IVF holds (``Index.compact`` ran): O(1)."""
        last = min(index.n_rows, self.n_synced_) - 1
        return last >= 0 and index.ids[last] != self.row_ids_[last]

    def sync(self, index: Index) -> bool:
        """Add the live rows appended to ``index`` since the last sync, remove the rows it marks
        dead; False (nothing done) if its rows were renumbered. Call under ``lock_``."""
        if self._renumbered(index):
            return False
        n = index.n_rows
        alive = index.profiles["alive"]
        if n > self.n_synced_:
            new = self.n_synced_ + np.flatnonzero(alive[self.n_synced_ :])
            self.ivf_.add_with_ids(self._vectors(index, new), new.astype(np.int64))
            if n > len(self.member_):  # doubling: adding one profile stays O(1) amortised
                grown = np.zeros(max(n, 2 * len(self.member_)), dtype=bool)
                grown[: len(self.member_)] = self.member_
                self.member_ = grown
            self.member_[new] = True
            self.n_members_ += len(new)
            self.row_ids_.extend(index.ids[self.n_synced_ : n])
            self.n_synced_ = n
        if self.n_members_ != len(index) or n < self.n_synced_:  # removals (or an older snapshot)
            upto = min(n, self.n_synced_)
            dead = np.flatnonzero(self.member_[:upto] & ~alive[:upto])
            if len(dead):
                self.ivf_.remove_ids(dead.astype(np.int64))  # type: ignore[arg-type]
                self.member_[dead] = False
                self.n_members_ -= len(dead)
        return True

    # ----------------------------------------------------------------- queries
    def shortlist(self, q: ProfileFeatures, index: Index, stage: FirstStage, weights: Weights,
                  mask: np.ndarray, size: int) -> np.ndarray | None:
        """The rows (sorted) to score fully: about the ``size`` eligible rows (``mask``, (n_rows,))
        of best first-stage score; None if this IVF does not hold ``index``'s rows."""
        eligible = int(np.count_nonzero(mask))
        if eligible <= size:
            return np.flatnonzero(mask)
        if eligible < self.exact_fraction * index.n_rows:
            rows = np.flatnonzero(mask)
            return best(rows, first_stage_rows(q, index, stage, weights, rows), size)
        qv, rest, vectors = self._query(q, index, stage, weights)
        with self.lock_:
            if not self.sync(index):
                return None
            rows, scores = self._probe(qv, mask, size, eligible)
        return self.finish(index, rows, scores, rest, vectors, size)

    @staticmethod
    def finish(index: Index, rows: np.ndarray, scores: np.ndarray, rest: dict[str, np.ndarray],
               vectors: QueryVectors, size: int) -> np.ndarray:
        """The ``size`` best of the ``rows`` a search returned with their products ``scores`` with
        ``_query``'s vector: the structure's remainder added, the backward proxy read with the
        best passage for the best ``CORRECTED * size`` of them; sorted."""
        cols = index.profiles
        for name, table in rest.items():
            if table.any():
                scores += np.take(table, np.take(cols[name], rows))
        rows, scores = best_scored(rows, scores, CORRECTED * size)
        scores += vectors.correction(np.take(cols["stage1_need"], rows, axis=0))
        return best(rows, scores, size)

    def _probe(self, qv: np.ndarray, mask: np.ndarray, size: int, eligible: int) -> tuple[np.ndarray, np.ndarray]:
        """Every eligible row of the lists probed for ``qv`` and its product with it, at least
        ``size`` of them (or every eligible one the IVF holds).

        A range search with no lower bound, not a top-k search: the lists probed are chosen to
        hold about ``ratio * size`` eligible rows, all of which the search scores anyway, and a
        top-k of that many kept them in a heap and sorted them (bench/bench_ann.py's setting at
        100k, 2,400 rows, ratio 6: 5.9 ms against 2.8 ms, the same rows and more; 2026-12-07)."""
        share = eligible / max(self.n_members_, 1)
        per_list = max(self.n_members_ / self.nlist_, 1.0)
        nprobe = min(self.nlist_, max(1, math.ceil(self.ratio * size / (share * per_list))))
        bits = np.packbits(mask, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bits))  # rows past the mask: not eligible
        while True:
            params = faiss.SearchParametersIVF(nprobe=nprobe, sel=selector)  # type: ignore[call-arg]
            _, text, ids = self.ivf_.range_search(qv[None], _NO_BOUND, params=params)  # type: ignore[call-arg]
            if len(ids) >= size or nprobe >= self.nlist_:
                return ids, text
            nprobe = min(self.nlist_, 2 * nprobe)
