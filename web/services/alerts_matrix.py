"""Every saved search against one new profile, in one pass: the saved searches' query vectors
stacked into a matrix, their facets as masks, their thresholds as a vector.

The score is the directory search's own (``matcher.scoring.search_components``: the mean of the
query passages' best match among the profile's provide passages and of the two whole texts'
cosine, z-scored and weighted like the dense component, plus the words-space cosine), computed
for all ``S`` searches at once instead of running ``S`` searches: ``(M, d) @ (d, R)`` for the
``M`` stacked query passages against the profile's ``R`` provide passages, a segment mean per
search, ``(S, d) @ (d,)`` for the whole texts, and one sparse ``(S, V) @ (V,)`` product for the words.
A search is a candidate when the profile passes its facets, is not its subscriber's own and scores
above its threshold (the score of its k-th result); the caller confirms each candidate with the
real search (``web.services.alerts``), so a rounding or a stale threshold never claims a place the
directory would not show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from matcher.scoring import Weights, search_components
from web.store.directory import FACETS

if TYPE_CHECKING:
    from matcher.engine import Engine


@dataclass(frozen=True)
class QueryVectors:
    """One search text as the fitted engine sees it: ``need_vecs`` (m, d) its passages' vectors
    (m >= 1), ``whole`` (d,) the whole text's (``ProfileFeatures.whole_vec`` of the query),
    ``words`` (1, V) its unit row in the lexical model's words space."""

    need_vecs: np.ndarray
    whole: np.ndarray
    words: sp.csr_matrix


def profile_vectors(engine: Engine, profile_id: str) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
    """``(prov_vecs, whole_vec, words)`` of a fitted profile: what ``SearchMatrix.scores`` and
    ``candidates`` read of it, as ``Engine.search`` reads it."""
    row = engine.index_.row_of[profile_id]
    block = engine.index_.block(np.array([row]))
    return block.prov_vecs, engine.index_.profiles["whole"][row], engine.featurizer_.lexical.space(block.lex_prov, "words")


class SearchMatrix:
    """``S`` saved searches stacked for evaluation against one profile at a time.

    ``ids`` (S,) the saved searches' ids, ``users`` (S,) their subscribers, ``queries`` their
    ``QueryVectors``, ``facets`` their selected facet values (``{facet: [values]}``, empty: any),
    ``thresholds`` (S,) the score to beat (-inf: unknown, every profile passing the facets is a
    candidate)."""

    def __init__(self, ids: Sequence[int], users: Sequence[int], queries: Sequence[QueryVectors],
                 facets: Sequence[Mapping[str, Sequence[str]]], thresholds: Sequence[float]) -> None:
        n = len(ids)
        if not (len(users) == len(queries) == len(facets) == len(thresholds) == n):
            raise ValueError(f"ids ({n},), users ({len(users)},), queries ({len(queries)},), facets "
                             f"({len(facets)},) and thresholds ({len(thresholds)},) must have one entry per search")
        self.ids = np.asarray(ids, dtype=np.int64)
        self.users = np.asarray(users, dtype=np.int64)
        self.thresholds = np.asarray(thresholds, dtype=np.float64)
        counts = np.array([len(q.need_vecs) for q in queries], dtype=np.int64)
        if n and counts.min() < 1:
            raise ValueError("every saved search needs at least one query passage")
        self.counts = counts
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        dim = queries[0].need_vecs.shape[1] if n else 0
        self.queries = (np.vstack([q.need_vecs for q in queries]).astype(np.float32) if n
                        else np.zeros((0, dim), dtype=np.float32))
        self.wholes = (np.vstack([q.whole for q in queries]).astype(np.float32) if n
                       else np.zeros((0, dim), dtype=np.float32))
        self.words = (sp.vstack([q.words for q in queries], format="csr").astype(np.float32) if n
                      else sp.csr_matrix((0, 0), dtype=np.float32))
        self._facets = {name: _FacetMask.build([list(f.get(name) or ()) for f in facets]) for name in FACETS}

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, prov_vecs: np.ndarray, whole_vec: np.ndarray, words: sp.csr_matrix,
               stats: Mapping[str, tuple[float, float]], weights: Weights) -> np.ndarray:
        """The directory search score of one profile under every saved search, shape (S,):
        ``prov_vecs`` (R, d) its provide passages, ``whole_vec`` (d,) its description read as one
        text (``ProfileFeatures.whole_vec``), ``words`` (1, V) its words-space row: ``profile_vectors``."""
        n = len(self.ids)
        if prov_vecs.ndim != 2 or (n and prov_vecs.shape[1] != self.queries.shape[1]):
            raise ValueError(f"prov_vecs has shape {prov_vecs.shape}; the saved searches' vectors {self.queries.shape}")
        if len(prov_vecs):
            best = (self.queries @ prov_vecs.astype(np.float32, copy=False).T).max(axis=1)  # (M,)
            dense = (np.add.reduceat(best, self.starts) / self.counts).astype(np.float32) if n else best[:0]
        else:  # nothing offered: the channel is unknown, as in the engine
            dense = np.full(n, np.nan, dtype=np.float32)
        if words.shape[1] != self.words.shape[1]:
            raise ValueError(f"words has {words.shape[1]} columns; the saved searches' {self.words.shape[1]}")
        cosine = np.asarray((self.words @ words.T).todense(), dtype=np.float64).ravel() if n else np.zeros(0)
        whole = (self.wholes @ np.asarray(whole_vec, dtype=np.float32)).astype(np.float64)
        score, _, _ = search_components({"dense_fwd": dense}, whole, cosine, dict(stats), weights)
        return np.asarray(score, dtype=np.float64)

    def passes(self, values: Mapping[str, Sequence[str]], owners: Sequence[int]) -> np.ndarray:
        """(S,) bool: the profile with facet ``values`` passes each search's facets and is not
        its subscriber's own (``owners``: the profile's owners' user ids)."""
        mask = ~np.isin(self.users, np.asarray(list(owners), dtype=np.int64))
        for name, facet in self._facets.items():
            mask &= facet.passes(values.get(name) or ())
        return mask

    def candidates(self, prov_vecs: np.ndarray, whole_vec: np.ndarray, words: sp.csr_matrix,
                   values: Mapping[str, Sequence[str]],
                   owners: Sequence[int], stats: Mapping[str, tuple[float, float]], weights: Weights
                   ) -> tuple[np.ndarray, np.ndarray]:
        """``(ids, scores)`` of the saved searches the profile would enter: facets passed, not
        its subscriber's own, score above the threshold; best score first."""
        scores = self.scores(prov_vecs, whole_vec, words, stats, weights)
        hit = self.passes(values, owners) & (scores > self.thresholds)
        rows = np.flatnonzero(hit)
        order = rows[np.lexsort((self.ids[rows], -scores[rows]))]
        return self.ids[order], scores[order]


@dataclass
class _FacetMask:
    """One facet over ``S`` searches: ``allowed`` (S, V) which values each search selected
    (``vocab``: value -> column), ``free`` (S,) the searches that selected none."""

    vocab: dict[str, int]
    allowed: sp.csr_matrix
    free: np.ndarray

    @classmethod
    def build(cls, selections: list[list[str]]) -> _FacetMask:
        vocab: dict[str, int] = {}
        rows, cols = [], []
        for i, values in enumerate(selections):
            for v in values:
                rows.append(i)
                cols.append(vocab.setdefault(v, len(vocab)))
        allowed = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                shape=(len(selections), max(1, len(vocab))))
        free = np.array([not values for values in selections], dtype=bool)
        return cls(vocab, allowed, free)

    def passes(self, values: Sequence[str]) -> np.ndarray:
        cols = [self.vocab[v] for v in set(values) if v in self.vocab]
        if not cols:
            return self.free.copy()
        return self.free | (np.asarray(self.allowed[:, cols].sum(axis=1)).ravel() > 0)
