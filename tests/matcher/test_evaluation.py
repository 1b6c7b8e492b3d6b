"""Ranking metrics, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matcher.evaluation import evaluate, ndcg_at_k, recall_at_k, reciprocal_rank


def test_ndcg_uses_graded_gains():
    judged = {"a": 3, "b": 1}
    ideal = 7 + 1 / math.log2(3)
    assert ndcg_at_k(["a", "b", "x"], judged, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["b", "a"], judged, 10) == pytest.approx((1 + 7 / math.log2(3)) / ideal)
    assert ndcg_at_k(["x", "y"], judged, 10) == 0.0


def test_recall_and_mrr():
    judged = {"a": 2, "b": 1, "c": 1, "d": 3}
    assert recall_at_k(["x", "a", "y", "c"], judged, 2) == 0.25
    assert reciprocal_rank(["x", "y", "c"], judged) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x"], judged) == 0.0


def test_evaluate_averages_per_query_rows_and_drops_the_query_itself():
    gold = {"q1": {"a": 3}, "q2": {"b": 1, "c": 2}}
    rankings = {"q1": ["q1", "a", "b"], "q2": ["a", "c", "b"]}
    result = evaluate(gold, rankings.__getitem__, k=1)
    assert [r["query"] for r in result.rows] == ["q1", "q2"]
    assert result.rows[0]["mrr"] == 1.0 and result.rows[1]["mrr"] == 0.5
    assert result.recall == pytest.approx((1.0 + 0.0) / 2)
    assert result.as_dict() == {"ndcg@1": result.ndcg, "recall@1": result.recall, "mrr": result.mrr}


def test_search_set_measures_where_the_right_profile_lands():
    """A search set scores accuracy@1 and MRR from the rank of each query's right profile, and
    refuses a query for a profile it does not hold."""
    from matcher.quality import measure, search_set

    records = [{"id": "a", "description": "x"}, {"id": "b", "description": "y"}, {"id": "c", "description": "z"}]
    dataset = search_set("tiny", records, [("first", "a", {}), ("second", "b", {}), ("third", "c", {})])
    fixed = {"first": ["a", "b", "c"], "second": ["a", "b", "c"], "third": ["a", "b"]}

    def scores(q):
        ranked = fixed[dataset.searches[q][0]]
        return ranked, np.arange(len(ranked), 0, -1, dtype=float)

    result = measure(dataset, scores)
    assert result.metric == "acc@1"
    assert result.value == pytest.approx(1 / 3)  # only "first" finds its profile first
    assert result.extra["mrr"] == pytest.approx((1 + 1 / 2 + 0) / 3)  # "third" never finds c
    with pytest.raises(ValueError, match="unknown profiles"):
        search_set("bad", records, [("q", "zz", {})])
