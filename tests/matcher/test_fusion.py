"""The fitted fusion: what it learns on known problems, how it weighs sets, and that the engine
ships exactly the weights the last fit wrote."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from matcher import fusion
from matcher.engine import Engine
from matcher.quality import parallel_set
from matcher.scoring import COMPONENTS, Weights

from .conftest import make_profile

FUSION_JSON = Path(fusion.__file__).parent / "data" / "fusion.json"
C = len(COMPONENTS)


def test_engine_defaults_are_the_fitted_weights():
    fitted = json.loads(FUSION_JSON.read_text(encoding="utf-8"))
    assert Weights().as_dict() == fitted["weights"], "refit with bench/fit_fusion.py --write and copy the weights"
    assert fitted["l2"] > 0 and not fitted["small"]
    assert set(fitted["fitted_on"]) >= {"dev", "dev-messy", "tatoeba", "iwslt-sent", "iwslt-para", "reviewers"}


def _query(set_name: str, key: str, informative: int, rng: np.random.RandomState, n: int = 40) -> fusion.QueryData:
    """Candidates whose label is decided by component ``informative`` alone; the rest is noise."""
    X = rng.normal(size=(n, C))
    gain = np.zeros(n)
    best = int(np.argmax(X[:, informative]))
    gain[best] = 1.0
    return fusion.QueryData(set_name, key, key, np.array([f"c{i}" for i in range(n)]), X, gain)


def test_fit_raises_the_weight_of_the_component_that_decides_the_labels():
    rng = np.random.RandomState(0)
    queries = [_query("a", f"q{i}", informative=3, rng=rng) for i in range(60)]
    flat = Weights(**dict.fromkeys(COMPONENTS, 1.0))
    w = fusion.fit_weights(queries, flat, l2=1e-3)
    assert w.min() >= 0.0
    assert int(np.argmax(w)) == 3
    assert w[3] > 2 * np.median(np.delete(w, 3))


def test_the_penalty_pulls_towards_the_designed_weights_where_labels_say_nothing():
    rng = np.random.RandomState(1)
    queries = [_query("a", f"q{i}", informative=0, rng=rng) for i in range(40)]
    for qd in queries:
        qd.X[:, 5] = 0.0  # a component constant in every query: no evidence either way
    w = fusion.fit_weights(queries, fusion.DESIGNED, l2=1e-2)
    assert w[5] == pytest.approx(fusion.as_vector(fusion.DESIGNED)[5], abs=1e-6)


def test_every_set_weighs_the_same_whatever_its_number_of_queries():
    rng = np.random.RandomState(2)
    big = [_query("big", f"b{i}", 0, rng) for i in range(50)]
    small = [_query("small", f"s{i}", 0, rng) for i in range(5)]
    D, p = fusion.training_pairs(big + small, np.ones(C))
    n_big = sum(min(len(qd.ids) - 1, 60) for qd in big)
    assert p[:n_big].sum() == pytest.approx(1.0) and p[n_big:].sum() == pytest.approx(1.0)
    assert D.shape == (len(p), C)


def test_twins_share_a_fold_and_folds_are_stable():
    dataset = parallel_set("tiny", ["Xin chào.", "Cảm ơn."], ["Hello.", "Thank you."])
    keys = {q: fusion._key(dataset, q) for q in dataset.queries}
    assert keys["vi-0"] == keys["en-0"] != keys["vi-1"]
    assert fusion.fold_of(keys["vi-0"]) == fusion.fold_of(keys["en-0"]) == fusion.fold_of("tiny:0")


def test_extract_reads_every_eligible_candidate_with_signed_components(fake_embedder):
    dataset = parallel_set("tiny", ["Nuôi tôm.", "Vi mạch.", "Cà phê."], ["Shrimp farming.", "Chips.", "Coffee."])
    engine = Engine(fake_embedder).fit(dataset.records)
    data = fusion.extract(dataset, engine)
    assert [qd.query for qd in data] == dataset.queries
    first = data[0]
    assert first.X.shape == (3, C) and sorted(first.ids) == ["vi-0", "vi-1", "vi-2"]  # en-0 ranks the other side
    assert first.gain.tolist() == [1.0 if c == "vi-0" else 0.0 for c in first.ids]
    values = engine.component_values("en-0")[1]
    assert np.allclose(first.X[:, COMPONENTS.index("competition")], -values["competition"])


def test_weights_written_as_a_vector_round_trip():
    w = fusion.as_vector(fusion.DESIGNED)
    assert fusion.as_weights(w) == fusion.DESIGNED


def test_evaluate_measures_a_subset_of_queries_with_the_sets_metric(fake_embedder):
    records = [make_profile("vn-a", "VN", "startup"), make_profile("kr-b"), make_profile("kr-c")]
    from matcher.quality import EvalSet

    dataset = EvalSet("g", "graded", records, gold={"vn-a": {"kr-c": 3}})
    data = fusion.extract(dataset, Engine(fake_embedder).fit(records))
    qd = data[0]
    right = np.zeros(C)
    qd.X[:, 0] = [1.0 if c == "kr-c" else 0.0 for c in qd.ids]
    right[0] = 1.0
    assert fusion.evaluate(dataset, data, right).value == pytest.approx(1.0)
    assert fusion.evaluate(dataset, data, -right).value < 1.0
