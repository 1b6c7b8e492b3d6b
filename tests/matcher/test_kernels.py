"""The compiled scoring kernels (``matcher.kernels``) against the numpy/scipy reading they replace:
``raw_channels_at(q, index, rows)`` must equal ``raw_channels(q, index.block(rows))``."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.engine import Engine
from matcher.scoring import CHANNELS, components, fuse, has_documents, raw_channels, raw_channels_at

from .conftest import FakeEmbedder, make_profile
from .test_first_stage import _sample

# the dense products are float32 sums in another order than BLAS's (measured: at most 2e-7 apart)
ATOL = 1e-5

# shapes the sample has few of: a side with no needs, no offers, nothing but a description, a
# description of no indexed word, needs without offers, and documents on a partner
ODD = [
    make_profile("kr-bare", description="Robots."),
    make_profile("kr-empty-words", description="the and of"),
    make_profile("vn-needs-only", country="VN", kind="startup", description="Nông nghiệp thông minh.",
                 needs="Cần đối tác về cảm biến độ ẩm đất và tưới nhỏ giọt."),
    make_profile("kr-offers-only", offers="Soil moisture sensors and drip irrigation controllers.",
                 description="Agritech hardware maker."),
    make_profile("de-lab", country="DE", kind="partner",
                 description="Power electronics laboratory.",
                 documents=[{"title": "GaN converters", "text": "Gallium nitride converters for solar inverters."}]),
]


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The sample and the odd shapes, embedded by the hashed bag of words: the kernels read
    whatever vectors the index holds, so no model is needed to compare them."""
    return Engine(embedder=FakeEmbedder()).fit(_sample() + ODD)


def _assert_same(at: dict[str, np.ndarray], ref: dict[str, np.ndarray], who: str) -> None:
    assert set(at) == set(CHANNELS) and set(ref) <= set(CHANNELS), who
    for name in CHANNELS:
        expected = ref.get(name)
        got = at[name]
        if expected is None:  # raw_channels leaves out a channel the query has nothing for
            assert np.isnan(got).all(), (who, name)
            continue
        assert got.dtype == np.float32 and got.shape == expected.shape, (who, name)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg=f"{who} {name}")
        np.testing.assert_allclose(got, expected, atol=ATOL, equal_nan=True, err_msg=f"{who} {name}")


def test_every_profile_reads_every_candidate_the_same_way(engine: Engine) -> None:
    """Each profile of the sample and the odd shapes as the query, against every row (those with
    documents among them), and against a random subset in shuffled order."""
    index = engine.index_
    rng = np.random.default_rng(3)
    every = np.arange(len(index.ids))
    checked = with_docs = 0
    for pid in index.ids:
        q = index.features(index.row_of[pid])
        for rows in (every, rng.permutation(every)[: len(every) // 3]):
            _assert_same(raw_channels_at(q, index, rows), raw_channels(q, index.block(rows)), pid)
        checked += 1
        with_docs += has_documents(q)
    assert checked == len(ODD) + len(_sample())
    assert 0 < with_docs < checked  # both paths of raw_channels_at were taken


def test_a_query_outside_the_index_and_no_rows_read_the_same(engine: Engine) -> None:
    index = engine.index_
    rows = np.arange(len(index.ids))
    for record in (ODD[0], ODD[2], make_profile("jp-new", description="Semiconductor packaging and testing.",
                                               needs="A Vietnamese assembly partner.")):
        q = engine._query({**record, "id": ""})
        _assert_same(raw_channels_at(q, index, rows), raw_channels(q, index.block(rows)), record["id"])
        empty = raw_channels_at(q, index, rows[:0])
        assert all(v.shape == (0,) for v in empty.values())


def test_the_fused_scores_and_their_order_are_unchanged(engine: Engine) -> None:
    """What a member sees: the fused score of every candidate, hence the top 10, the same."""
    index = engine.index_
    rows = np.arange(len(index.ids))
    for pid in ("vn-needs-only", "kr-offers-only", *index.ids[::40]):
        q = index.features(index.row_of[pid])
        signals = index.signals(q.structured, rows)
        new, _ = fuse(components(raw_channels_at(q, index, rows), signals, engine.stats_), engine.weights_)
        old, _ = fuse(components(raw_channels(q, index.block(rows)), signals, engine.stats_), engine.weights_)
        np.testing.assert_allclose(new, old, atol=1e-4, err_msg=pid)
        top_new, top_old = np.argsort(-new, kind="stable")[:10], np.argsort(-old, kind="stable")[:10]
        gaps = np.sort(-old)[:11]
        if np.all(np.abs(np.diff(gaps)) > 1e-3):  # no near-tie among the first ten to reorder
            assert top_new.tolist() == top_old.tolist(), pid


def test_the_ids_of_rows_follow_adds_removals_and_longer_ids() -> None:
    """``Index.ids_at`` (the scored rows' ids, from a copy kept beside ``Index.ids``) equals the
    ids list after each add, a removal and an id longer than any before, and after compaction."""
    engine = Engine(embedder=FakeEmbedder()).fit(_sample()[:60] + ODD)
    index = engine.index_
    every = np.arange(len(index.ids))
    assert index.ids_at(every).tolist() == index.ids
    long_id = "vn-" + "x" * 60
    for pid in ("kr-late", long_id, "jp-later"):
        engine.partial_fit(make_profile(pid, description=f"{pid} makes sensors."))
        rows = np.arange(len(index.ids))[::-1]
        assert index.ids_at(rows).tolist() == index.ids[::-1]
    engine.remove("kr-late")
    engine.index_.compact()
    index = engine.index_
    assert index.ids_at(np.arange(len(index.ids))).tolist() == index.ids
    assert long_id in index.ids and "kr-late" not in index.ids
    ranked = [m.id for m in engine.rank(long_id, k=5, explain=False)]
    assert ranked and long_id not in ranked
