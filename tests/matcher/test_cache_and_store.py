"""The embedding cache, growable storage, segment reductions and their shape checks."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.cache import CachedEncoder, InMemoryVectorCache
from matcher.diversity import mmr
from matcher.embed import text_hash
from matcher.store import Columns, gather, segment_reduce

from .conftest import FakeEmbedder


def test_cached_encoder_embeds_each_text_once_per_role():
    embedder = FakeEmbedder()
    cache = InMemoryVectorCache()
    enc = CachedEncoder(embedder, cache)
    a = enc.encode(["chip packaging", "shrimp", "chip packaging"], role="passage")
    b = enc.encode(["shrimp", "chip packaging"], role="passage")
    enc.encode(["shrimp"], role="query")
    assert embedder.calls == [("passage", 2), ("query", 1)]
    np.testing.assert_array_equal(a[[1, 0]], b)
    assert (text_hash("shrimp"), "query", "fake-bow") in cache.get_many([(text_hash("shrimp"), "query", "fake-bow")])


def test_cached_encoder_rejects_a_cached_vector_of_the_wrong_shape():
    cache = InMemoryVectorCache()
    cache.put_many([((text_hash("x"), "query", "fake-bow"), np.ones(3))])
    with pytest.raises(ValueError, match=r"shape \(3,\); expected \(64,\)"):
        CachedEncoder(FakeEmbedder(), cache).encode(["x"], role="query")


def test_bounded_cache_drops_the_oldest():
    cache = InMemoryVectorCache(max_items=2)
    cache.put_many([(("a", "query", "m"), np.ones(2)), (("b", "query", "m"), np.ones(2)), (("c", "query", "m"), np.ones(2))])
    assert set(cache.get_many([("a", "query", "m"), ("b", "query", "m"), ("c", "query", "m")])) == {
        ("b", "query", "m"), ("c", "query", "m")}


def test_columns_grow_and_check_shapes():
    cols = Columns({"v": (np.float32, (2,)), "k": (np.int8, ())})
    for i in range(40):
        assert cols.append({"v": np.full((1, 2), i), "k": np.array([i])}) == i
    assert cols["v"].shape == (40, 2) and cols["k"][-1] == 39
    with pytest.raises(ValueError, match=r"got shape \(1, 3\), expected \(1, 2\)"):
        cols.append({"v": np.zeros((1, 3)), "k": np.zeros(1)})


def test_gather_and_segment_max_with_empty_segments():
    rows, offsets = gather(np.array([5, 0, 2]), np.array([2, 0, 3]))
    assert rows.tolist() == [5, 6, 2, 3, 4] and offsets.tolist() == [0, 2, 2, 5]
    values = np.array([[1.0, 3.0, 0.5, 2.0, -1.0]])
    out = segment_reduce(values, offsets, "max")
    assert out[0, 0] == 3.0 and np.isnan(out[0, 1]) and out[0, 2] == 2.0
    assert segment_reduce(values, offsets, "sum", fill=0.0).tolist() == [[4.0, 0.0, 1.5]]


def test_shape_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"starts has shape \(2,\) but counts has shape \(3,\)"):
        gather(np.zeros(2, int), np.zeros(3, int))
    with pytest.raises(ValueError, match=r"values has shape \(1, 5\) but the segments cover 4"):
        segment_reduce(np.zeros((1, 5)), np.array([0, 4]))
    with pytest.raises(ValueError, match=r"relevance has shape \(3,\) but vectors has shape \(2, 4\)"):
        mmr(np.zeros(3), np.zeros((2, 4)), 2, 0.5)


def test_unknown_reduction_lists_the_valid_ones():
    with pytest.raises(ValueError, match="valid reductions: max, sum"):
        segment_reduce(np.zeros((1, 2)), np.array([0, 2]), "min")
