"""The quality harness's pieces: evaluation sets as profiles, single-channel rankers, metrics.

Every set is a list of profile records of the import schema plus a way to score a ranking of
them, so that the full engine and each single channel are measured on exactly the same input:

``parallel_set``   aligned Vietnamese/English texts (sentences, paragraphs) as description-only
                   profiles, Vietnamese side in VN, English side abroad; each text must find its
                   twin among all texts of the other language (accuracy@1 and MRR, both ways).
``expertise_set``  researchers as partner profiles whose documents are their papers, and the
                   papers they rated as profiles; for each researcher the rated papers are
                   ordered and the weighted pairwise misordering is the loss (lower is better).
``graded_set``     profiles plus graded judgements ``{query: {candidate: grade}}`` (NDCG@10).
``search_set``     profiles looked up by a short free text (a title, a first sentence, a
                   translation): each query has one right profile (accuracy@1 and MRR), the
                   way the directory and ``/api/v1/search`` are used.

Single channels, used raw (no fusion, no structure; what "the model alone" means):

``dense``          e5 cosine of each profile's whole text, ``query:`` prefix on both sides
                   (symmetric comparison, the better e5 setting for twins); documents max-pooled.
``dense_csls``     the same with hubness correction (CSLS, k = 10, Conneau et al. 2018).
``lexical``        TF-IDF cosine (words and word bigrams, sublinear tf); documents max-pooled.

The harness that reads the external sets and prints the table is ``bench/quality.py``; nothing
here reads files, so the same code runs on any data.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from matcher.embed import Embedder
from matcher.evaluation import ndcg_at_k

# scores[q] = (candidate ids, their scores) for one query; higher is better
Scores = Callable[[str], tuple[Sequence[str], np.ndarray]]


@dataclass
class EvalSet:
    """Profiles and what a good ranking of them is.

    ``kind`` is ``parallel`` (``pairs``: query id -> its twin), ``expertise`` (``gold``: query ->
    {candidate: expertise 1-5}, ranked over exactly those candidates) or ``graded`` (``gold``:
    query -> {candidate: grade ≥ 1}, ranked over every eligible profile)."""

    name: str
    kind: str
    records: list[dict[str, Any]]
    pairs: dict[str, str] = field(default_factory=dict)
    gold: dict[str, dict[str, int]] = field(default_factory=dict)
    # kind ``search``: query id -> (query text, the right profile's id, filters of the search)
    searches: dict[str, tuple[str, str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def queries(self) -> list[str]:
        if self.kind == "search":
            return sorted(self.searches)
        return sorted(self.pairs) if self.kind == "parallel" else sorted(self.gold)

    def candidates(self, query: str) -> list[str] | None:
        """The candidates ranked for ``query``: the judged ones (expertise), else None (all)."""
        return sorted(self.gold[query]) if self.kind == "expertise" else None


def _anon_name(prefix: str, text: str) -> str:
    # names must not leak the pairing (twins get unrelated names)
    return f"{prefix} {hashlib.sha1(text.encode()).hexdigest()[:6]}"


def parallel_set(name: str, vi: Sequence[str], en: Sequence[str], foreign_country: str = "GB") -> EvalSet:
    """Aligned texts as description-only profiles: ``vi-i`` (startup, VN) ↔ ``en-i`` (partner)."""
    if len(vi) != len(en):
        raise ValueError(f"{name}: {len(vi)} Vietnamese texts but {len(en)} English ones")
    records: list[dict[str, Any]] = []
    pairs: dict[str, str] = {}
    for i, (v, e) in enumerate(zip(vi, en, strict=True)):
        records.append({"id": f"vi-{i}", "kind": "startup", "name": _anon_name("Startup", v), "country": "VN",
                        "description": v})
        records.append({"id": f"en-{i}", "kind": "partner", "name": _anon_name("Partner", e),
                        "country": foreign_country, "description": e})
        pairs[f"vi-{i}"], pairs[f"en-{i}"] = f"en-{i}", f"vi-{i}"
    return EvalSet(name, "parallel", records, pairs=pairs)


def search_set(name: str, records: Sequence[dict[str, Any]],
               queries: Sequence[tuple[str, str, Mapping[str, Any]]]) -> EvalSet:
    """``records`` looked up by free text: ``queries`` = (text, the right profile's id, search
    filters), named ``s-0``, ``s-1``, ..."""
    ids = {r["id"] for r in records}
    missing = [t for _, t, _ in queries if t not in ids]
    if missing:
        raise ValueError(f"{name}: {len(missing)} queries look for unknown profiles, e.g. {missing[0]!r}")
    searches = {f"s-{i}": (text, target, dict(filters)) for i, (text, target, filters) in enumerate(queries)}
    return EvalSet(name, "search", list(records), searches=searches)


def with_vietnamese(dataset: EvalSet, name: str, rewrite: Callable[[str], str]) -> EvalSet:
    """``dataset`` with every text of its Vietnamese-side profiles rewritten (e.g. ``strip_marks``)."""
    records = []
    for r in dataset.records:
        if r.get("country") == "VN":
            r = {**r, **{f: rewrite(r[f]) for f in ("description", "offers", "needs") if r.get(f)}}
            if r.get("documents"):
                r["documents"] = [{**d, "text": rewrite(d["text"])} for d in r["documents"]]
        records.append(r)
    return EvalSet(name, dataset.kind, records, pairs=dict(dataset.pairs), gold=dict(dataset.gold),
                   searches=dict(dataset.searches))


def whole_text(record: Mapping[str, Any]) -> str:
    """A profile's texts as one (description, offers, needs; documents are pooled separately)."""
    return "\n".join(str(record[f]) for f in ("description", "offers", "needs") if record.get(f))


def document_texts(record: Mapping[str, Any]) -> list[str]:
    """A profile's documents as "title. text" strings, or its whole text when it has none."""
    docs = [f"{d.get('title', '').strip().rstrip('.')}. {d['text']}".lstrip(". ") for d in record.get("documents") or []]
    return docs or [whole_text(record)]


# --------------------------------------------------------------------------- metrics
def _target_ranks(dataset: EvalSet, scores: Scores, target: Callable[[str], str]) -> dict[str, int]:
    """Rank (1 = first) of ``target(query)`` in each ``scores(query)``, ties by id; 0 when missing."""
    out = {}
    for q in dataset.queries:
        ids, s = scores(q)
        order = np.lexsort((np.array(ids), -np.asarray(s, dtype=np.float64)))
        ranked = [ids[i] for i in order]
        out[q] = ranked.index(target(q)) + 1 if target(q) in ranked else 0
    return out


def twin_ranks(dataset: EvalSet, scores: Scores) -> dict[str, int]:
    """Rank (1 = first) of each query's twin in ``scores(query)``; 0 when it is missing."""
    return _target_ranks(dataset, scores, dataset.pairs.__getitem__)


def search_ranks(dataset: EvalSet, scores: Scores) -> dict[str, int]:
    """Rank (1 = first) of each search's right profile in ``scores(query id)``; 0 when missing."""
    return _target_ranks(dataset, scores, lambda q: dataset.searches[q][1])


def expertise_loss(gold: Mapping[str, Mapping[str, int]], scores: Mapping[str, Mapping[str, float]]) -> float:
    """Weighted pairwise misordering pooled over reviewers: for each pair of rated papers with
    different expertise, weight ``|e1 - e2|``; wrong order counts the weight, a tie half of it.
    0 is perfect, 0.5 a constant scorer (shared/evaldata/README.md)."""
    num = den = 0.0
    for r, rated in gold.items():
        papers = sorted(rated)
        for i, a in enumerate(papers):
            for b in papers[i + 1 :]:
                ea, eb = rated[a], rated[b]
                if ea == eb:
                    continue
                w = abs(ea - eb)
                den += w
                sa, sb = scores[r][a], scores[r][b]
                if sa == sb:
                    num += w / 2
                elif (sa > sb) != (ea > eb):
                    num += w
    return num / den if den else math.nan


def per_query_loss(gold: Mapping[str, Mapping[str, int]], scores: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """``expertise_loss`` of each reviewer alone (for paired comparisons)."""
    return {r: expertise_loss({r: gold[r]}, {r: scores[r]}) for r in gold}


@dataclass
class SetResult:
    """One method on one set: the headline metric, its per-query values, and extras."""

    metric: str
    value: float
    per_query: dict[str, float]
    extra: dict[str, float] = field(default_factory=dict)


def measure(dataset: EvalSet, scores: Scores, all_ids: Sequence[str] | None = None) -> SetResult:
    """The set's headline metric for ``scores``: accuracy@1 (parallel; MRR as an extra), loss
    (expertise; lower is better) or NDCG@10 (graded)."""
    if dataset.kind == "parallel":
        ranks = twin_ranks(dataset, scores)
        hits = {q: float(r == 1) for q, r in ranks.items()}
        vi = [q for q in ranks if q.startswith("vi-")]
        en = [q for q in ranks if q.startswith("en-")]
        return SetResult(
            "acc@1",
            float(np.mean([hits[q] for q in vi])),
            {q: hits[q] for q in vi},
            {
                "acc@1 en→vi": float(np.mean([hits[q] for q in en])) if en else math.nan,
                "mrr vi→en": float(np.mean([1 / ranks[q] if ranks[q] else 0.0 for q in vi])),
            },
        )
    if dataset.kind == "search":
        ranks = search_ranks(dataset, scores)
        return SetResult("acc@1", float(np.mean([r == 1 for r in ranks.values()])),
                         {q: float(r == 1) for q, r in ranks.items()},
                         {"mrr": float(np.mean([1 / r if r else 0.0 for r in ranks.values()]))})
    if dataset.kind == "expertise":
        table: dict[str, dict[str, float]] = {}
        for q in dataset.queries:
            ids, s = scores(q)
            table[q] = dict(zip(ids, map(float, s), strict=True))
        per = per_query_loss(dataset.gold, table)
        return SetResult("loss", expertise_loss(dataset.gold, table), per)
    per = {}
    for q in dataset.queries:
        ids, s = scores(q)
        order = np.lexsort((np.array(ids), -np.asarray(s, dtype=np.float64)))
        per[q] = ndcg_at_k([ids[i] for i in order if ids[i] != q], dataset.gold[q], 10)
    return SetResult("ndcg@10", float(np.mean(list(per.values()))), per)


def paired_gap(a: SetResult, b: SetResult) -> tuple[float, float]:
    """(mean of a − b over shared queries, its standard error): the noise of a comparison on this set."""
    shared = sorted(set(a.per_query) & set(b.per_query))
    d = np.array([a.per_query[q] - b.per_query[q] for q in shared if not (math.isnan(a.per_query[q]) or math.isnan(b.per_query[q]))])
    if len(d) < 2:
        return float(d.mean()) if len(d) else 0.0, math.inf
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d)))


# --------------------------------------------------------------------------- single channels
def _eligible(dataset: EvalSet, side: np.ndarray, q: str, row: dict[str, int]) -> np.ndarray:
    cands = dataset.candidates(q)
    if cands is not None:
        return np.array([row[c] for c in cands], dtype=np.int64)
    # the engine's default rule: Vietnamese side ↔ foreign side only
    return np.flatnonzero(side != side[row[q]])


def pooled_scorer(dataset: EvalSet, doc_vecs: list[np.ndarray], csls_k: int = 0) -> Scores:
    """``Scores`` from per-profile document vectors (rows L2-normalised), max-pooled over the
    documents of both sides; with ``csls_k`` > 0, CSLS: ``2 cos - r(candidate)`` where r is the
    candidate's mean similarity to its k nearest profiles of the other side (hubness)."""
    ids = [r["id"] for r in dataset.records]
    row = {pid: i for i, pid in enumerate(ids)}
    side = np.array([r.get("country") == "VN" for r in dataset.records])
    flat = np.vstack(doc_vecs)
    owner = np.repeat(np.arange(len(doc_vecs)), [len(v) for v in doc_vecs])

    single = all(len(v) == 1 for v in doc_vecs)

    def pair_matrix(rows_a: np.ndarray, rows_b: np.ndarray) -> np.ndarray:
        if single:
            return flat[rows_a] @ flat[rows_b].T
        sims = np.vstack([doc_vecs[a] for a in rows_a]) @ flat[np.isin(owner, rows_b)].T
        own_a = np.repeat(np.arange(len(rows_a)), [len(doc_vecs[a]) for a in rows_a])
        own_b = owner[np.isin(owner, rows_b)]
        out = np.full((len(rows_a), len(doc_vecs)), -np.inf)
        for i in range(len(rows_a)):
            block = sims[own_a == i].max(0)
            np.maximum.at(out[i], own_b, block)
        return out[:, rows_b]

    hub = np.zeros(len(ids))
    if csls_k:
        for s in (True, False):
            a, b = np.flatnonzero(side == s), np.flatnonzero(side != s)
            if len(a) and len(b):
                m = pair_matrix(a, b)
                k = min(csls_k, len(b))
                hub[a] = np.sort(m, axis=1)[:, -k:].mean(1)

    def scores(q: str) -> tuple[list[str], np.ndarray]:
        cand = _eligible(dataset, side, q, row)
        s = pair_matrix(np.array([row[q]]), cand)[0]
        if csls_k:
            s = 2 * s - hub[cand]
        return [ids[c] for c in cand], s

    return scores


def dense_scorer(dataset: EvalSet, encoder: Embedder, csls_k: int = 0) -> Scores:
    """The raw dense channel: e5 (``query:`` on both sides), documents max-pooled."""
    texts = [document_texts(r) for r in dataset.records]
    flat = encoder.encode([t for docs in texts for t in docs], role="query")
    bounds = np.cumsum([0] + [len(d) for d in texts])
    return pooled_scorer(dataset, [flat[bounds[i] : bounds[i + 1]] for i in range(len(texts))], csls_k)


def lexical_scorer(dataset: EvalSet) -> Scores:
    """The raw lexical channel: TF-IDF cosine (words + bigrams, sublinear tf), documents max-pooled."""
    texts = [document_texts(r) for r in dataset.records]
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    flat = normalize(tfidf.fit_transform([t for docs in texts for t in docs])).tocsr()
    bounds = np.cumsum([0] + [len(d) for d in texts])
    ids = [r["id"] for r in dataset.records]
    row = {pid: i for i, pid in enumerate(ids)}
    side = np.array([r.get("country") == "VN" for r in dataset.records])
    flat_t = flat.T.tocsc()

    def scores(q: str) -> tuple[list[str], np.ndarray]:
        cand = _eligible(dataset, side, q, row)
        i = row[q]
        # the query's documents against every document at once, then the best per profile
        sims = (flat[bounds[i] : bounds[i + 1]] @ flat_t).toarray().max(0)
        per_profile = np.maximum.reduceat(sims, bounds[:-1])
        return [ids[c] for c in cand], per_profile[cand]

    return scores


def rrf_scorer(parts: Sequence[Scores], k: int = 60) -> Scores:
    """Reciprocal-rank fusion of several scorers (Cormack et al. 2009), the plain baseline."""

    def scores(q: str) -> tuple[list[str], np.ndarray]:
        total: dict[str, float] = {}
        for part in parts:
            ids, s = part(q)
            order = np.lexsort((np.array(ids), -np.asarray(s, dtype=np.float64)))
            for rank, i in enumerate(order, start=1):
                total[ids[i]] = total.get(ids[i], 0.0) + 1.0 / (k + rank)
        keys = sorted(total)
        return keys, np.array([total[c] for c in keys])

    return scores


def engine_scorer(dataset: EvalSet, engine: Any, depth: int = 100) -> Scores:
    """The fitted ``Engine`` as a scorer: its own ranking (default rules and shortlist), the top
    ``depth`` of it, or exactly the judged candidates for an expertise set. Candidates it does
    not return rank below every returned one (accuracy@1 and NDCG@10 are exact; MRR counts a
    twin below ``depth`` as 0, at most 1/depth off)."""
    k = min(depth, len(dataset.records))

    def scores(q: str) -> tuple[list[str], np.ndarray]:
        cands = dataset.candidates(q)
        matches = engine.rank_candidates(q, cands, explain=False) if cands is not None else engine.rank(q, k=k, explain=False)
        return [m.id for m in matches], np.array([m.score for m in matches], dtype=np.float64)

    return scores


# --------------------------------------------------------------------------- search sets
def _search_candidates(dataset: EvalSet, filters: Mapping[str, Any]) -> np.ndarray:
    """Rows a search with ``filters`` may return; the harness knows the ``side`` filter only."""
    unknown = set(filters) - {"side"}
    if unknown:
        raise ValueError(f"{dataset.name}: the raw search channels apply only the 'side' filter, not {sorted(unknown)}")
    vn = np.array([r.get("country") == "VN" for r in dataset.records])
    side = filters.get("side")
    if side is None:
        return np.arange(len(vn))
    return np.flatnonzero(vn if side == "vn" else ~vn)


def search_dense_scorer(dataset: EvalSet, encoder: Embedder) -> Scores:
    """The raw dense channel of a search: e5 cosine (``query:`` on both sides, as ``dense``)
    of the query and each profile's whole text; documents max-pooled."""
    texts = [document_texts(r) for r in dataset.records]
    flat = encoder.encode([t for docs in texts for t in docs], role="query")
    bounds = np.cumsum([0] + [len(d) for d in texts])
    ids = [r["id"] for r in dataset.records]
    queries = dataset.queries
    qvecs = dict(zip(queries, encoder.encode([dataset.searches[q][0] for q in queries], role="query"), strict=True))

    def scores(q: str) -> tuple[list[str], np.ndarray]:
        cand = _search_candidates(dataset, dataset.searches[q][2])
        per_profile = np.maximum.reduceat(flat @ qvecs[q], bounds[:-1])
        return [ids[c] for c in cand], per_profile[cand]

    return scores


def search_lexical_scorer(dataset: EvalSet) -> Scores:
    """The raw lexical channel of a search: TF-IDF (as ``lexical``, fitted on the profiles) of
    the query and each profile's documents, max-pooled."""
    texts = [document_texts(r) for r in dataset.records]
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    flat = normalize(tfidf.fit_transform([t for docs in texts for t in docs])).tocsr()
    bounds = np.cumsum([0] + [len(d) for d in texts])
    ids = [r["id"] for r in dataset.records]

    def scores(q: str) -> tuple[list[str], np.ndarray]:
        text, _, filters = dataset.searches[q]
        cand = _search_candidates(dataset, filters)
        sims = (flat @ normalize(tfidf.transform([text])).T).toarray().ravel()
        return [ids[c] for c in cand], np.maximum.reduceat(sims, bounds[:-1])[cand]

    return scores


def search_engine_scorer(dataset: EvalSet, engine: Any, depth: int = 100) -> Scores:
    """``Engine.search`` as a scorer: its top ``depth`` (a profile below counts as not found)."""
    k = min(depth, len(dataset.records))

    def scores(q: str) -> tuple[list[str], np.ndarray]:
        text, _, filters = dataset.searches[q]
        matches = engine.search(text, k=k, filters=filters or None)
        return [m.id for m in matches], np.array([m.score for m in matches], dtype=np.float64)

    return scores
