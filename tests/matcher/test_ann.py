"""The IVF first stage (``matcher.ann``): it finds the exact first stage's shortlist when it probes
enough, never returns an ineligible row, follows adds and removes without a rebuild, and the
engine picks it by profile count."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import matcher.ann
from matcher.ann import IVFShortlist, first_stage_rows
from matcher.distill import first_stage_scores
from matcher.engine import Engine
from matcher.profile import normalise_record
from matcher.synth import synthesize

from .conftest import FakeEmbedder, make_profile

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
N = 1500
SIZE = 60


def _sample() -> list[dict]:
    return [
        normalise_record(json.loads(line))
        for f in sorted(PROFILES.glob("ecosystem-*.jsonl"))
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def engine() -> Engine:
    """An engine on ``N`` synthetic profiles with the exact first stage (tests attach IVFs)."""
    return Engine(embedder=FakeEmbedder(), first_stage="exact").fit(synthesize(_sample(), N, random_state=0))


def _queries(engine: Engine, n: int = 12) -> list[str]:
    rng = np.random.default_rng(3)
    return [str(q) for q in rng.choice(engine.ids_, n, replace=False)]


def _exact(engine: Engine, qid: str, mask: np.ndarray, size: int) -> set[int]:
    q = engine.index_.features(engine._row(qid))
    scores = first_stage_scores(q, engine.index_, engine.first_stage_, engine.weights_)
    scores[~mask] = -np.inf
    return {int(r) for r in np.argsort(-scores, kind="stable")[:size]}


def _ivf(engine: Engine, qid: str, ivf: IVFShortlist, mask: np.ndarray, size: int) -> set[int]:
    q = engine.index_.features(engine._row(qid))
    rows = ivf.shortlist(q, engine.index_, engine.first_stage_, engine.weights_, mask, size)
    assert rows is not None
    return {int(r) for r in rows}


def _mask(engine: Engine, qid: str, filters: dict | None = None) -> np.ndarray:
    return engine._eligible(engine.index_.features(engine._row(qid)), filters, None)


def test_first_stage_on_some_rows_equals_the_first_stage_over_every_row(engine: Engine) -> None:
    index, qid = engine.index_, _queries(engine)[0]
    q = index.features(engine._row(qid))
    rows = np.array([5, 17, 400, 1499, 3])
    np.testing.assert_allclose(first_stage_rows(q, index, engine.first_stage_, engine.weights_, rows),
                               first_stage_scores(q, index, engine.first_stage_, engine.weights_)[rows], rtol=1e-5, atol=1e-5)


def test_probing_every_list_gives_the_exact_first_stage_shortlist(engine: Engine, monkeypatch) -> None:
    """With ``ratio`` large enough to probe every list and score every eligible row, and the
    backward proxy read with the best passage for every row probed, the IVF's shortlist is the
    exact first stage's; reading it so only for the best ``CORRECTED`` x SIZE rows (the default)
    keeps most of it."""
    ivf = IVFShortlist(nlist=40, ratio=1000.0, exact_fraction=0.0).fit(engine.index_, engine.weights_)
    kept = []
    for qid in _queries(engine):
        mask = _mask(engine, qid)
        kept.append(len(_ivf(engine, qid, ivf, mask, SIZE) & _exact(engine, qid, mask, SIZE)) / SIZE)
    assert np.mean(kept) >= 0.9  # measured 0.946
    monkeypatch.setattr(matcher.ann, "CORRECTED", 10**6)
    for qid in _queries(engine):
        mask = _mask(engine, qid)
        assert _ivf(engine, qid, ivf, mask, SIZE) == _exact(engine, qid, mask, SIZE)


def test_a_usual_probe_keeps_most_of_the_exact_shortlist_and_scores_a_fraction_of_the_rows(engine: Engine) -> None:
    """ratio 8: about 8 x SIZE eligible rows scored (of ~N/2 eligible), and most of the exact
    shortlist found (measured on this data: 0.97)."""
    ivf = IVFShortlist(nlist=40, ratio=8.0, exact_fraction=0.0).fit(engine.index_, engine.weights_)
    overlap = []
    for qid in _queries(engine):
        mask = _mask(engine, qid)
        overlap.append(len(_ivf(engine, qid, ivf, mask, SIZE) & _exact(engine, qid, mask, SIZE)) / SIZE)
    assert np.mean(overlap) >= 0.85


@pytest.mark.parametrize("filters", [None, {"sector": "agritech"}, {"cooperation_sought": "investment"}])
def test_no_ineligible_row_is_ever_returned(engine: Engine, filters: dict | None) -> None:
    """The eligibility mask (cross-border rule, filters, the profile itself) holds inside the
    probe, also when the IVF must widen it to find enough eligible rows."""
    ivf = IVFShortlist(nlist=40, ratio=2.0, exact_fraction=0.0).fit(engine.index_, engine.weights_)
    for qid in _queries(engine):
        mask = _mask(engine, qid, filters)
        got = _ivf(engine, qid, ivf, mask, SIZE)
        assert got and all(mask[r] for r in got)
        assert len(got) == min(SIZE, int(mask.sum()))


def test_a_selective_mask_takes_the_exact_path_over_the_eligible_rows(engine: Engine) -> None:
    ivf = IVFShortlist(nlist=40, ratio=1.0, exact_fraction=0.5).fit(engine.index_, engine.weights_)
    for qid in _queries(engine, 4):
        mask = _mask(engine, qid, {"sector": "agritech"})
        assert mask.sum() > SIZE
        assert _ivf(engine, qid, ivf, mask, SIZE) == _exact(engine, qid, mask, SIZE)


def _members(ivf: IVFShortlist) -> set[int]:
    ids = ivf.ivf_.search(np.zeros((1, ivf.ivf_.d), np.float32), ivf.ivf_.ntotal,
                          params=_all_lists(ivf))[1][0]
    return {int(i) for i in ids if i >= 0}


def _all_lists(ivf: IVFShortlist):  # type: ignore[no-untyped-def]
    import faiss

    return faiss.SearchParametersIVF(nprobe=ivf.nlist_)


def test_the_ivf_follows_adds_and_removes_without_a_rebuild() -> None:
    """Profiles added, replaced and removed through the engine: the IVF holds exactly the live
    rows (the added ones in, the removed ones out), and at a full probe its shortlist equals that
    of an IVF built afresh."""
    engine = Engine(embedder=FakeEmbedder(), first_stage="ivf", ann_nlist=20, ann_ratio=1000.0)
    engine.fit(synthesize(_sample(), 600, random_state=1))
    ivf = engine.ann_
    assert isinstance(ivf, IVFShortlist)
    added = [make_profile(f"vn-new-{i}", country="VN", kind="startup", sectors=["agritech"],
                          needs="a pilot customer for soil moisture sensors in the Mekong delta",
                          cooperation_sought=["pilot_customer"]) for i in range(3)]
    for record in added:
        engine.partial_fit(record)
    gone = engine.ids_[:5]
    gone_rows = {engine._row(pid) for pid in gone}
    for pid in gone:
        engine.remove(pid)
    engine.partial_fit({**engine.index_.meta[engine._row(engine.ids_[10])][0], "description": "Now about drones."})
    qid = engine.ids_[20]
    mask = _mask(engine, qid)
    got = _ivf(engine, qid, ivf, mask, SIZE)  # syncs
    assert engine.ann_ is ivf  # not rebuilt
    assert _members(ivf) == set(engine.index_.alive_rows().tolist())
    assert {engine._row(r["id"]) for r in added} <= _members(ivf)
    fresh = IVFShortlist(nlist=20, ratio=1000.0).fit(engine.index_, engine.weights_)
    assert got == _ivf(engine, qid, fresh, mask, SIZE) == _exact(engine, qid, mask, SIZE)
    assert not gone_rows & _members(ivf)


def test_renumbered_rows_fall_back_to_the_exact_first_stage_and_partial_fit_rebuilds() -> None:
    engine = Engine(embedder=FakeEmbedder(), first_stage="ivf", ann_nlist=10, ann_ratio=1000.0, shortlist=30)
    engine.fit(synthesize(_sample(), 300, random_state=2))
    before = engine.ann_
    assert before is not None
    for pid in engine.ids_[:40]:
        engine.remove(pid)
    qid = engine.ids_[0]
    engine.index_.compact()  # behind the engine's back: the IVF notices
    q = engine.index_.features(engine._row(qid))
    assert before.shortlist(q, engine.index_, engine.first_stage_, engine.weights_, _mask(engine, qid), 30) is None
    exact = Engine(embedder=FakeEmbedder(), first_stage="exact", shortlist=30).fit(synthesize(_sample(), 300, random_state=2))
    for pid in exact.ids_[:40]:
        exact.remove(pid)
    assert [m.id for m in engine.rank(qid, explain=False)] == [m.id for m in exact.rank(qid, explain=False)]
    for pid in engine.ids_[:200]:  # more than half dead: partial_fit compacts, and a new IVF follows
        engine.remove(pid)
    engine.partial_fit(make_profile("kr-late", sectors=["fintech"]))
    assert engine.ann_ is not before and engine.ann_ is not None
    assert _members(engine.ann_) == set(engine.index_.alive_rows().tolist())


def test_auto_uses_the_exact_first_stage_below_the_threshold_and_the_ivf_above(fake_embedder) -> None:
    profiles = synthesize(_sample(), 200, random_state=3)
    assert Engine(embedder=fake_embedder).fit(profiles).ann_ is None  # default threshold: far above 200
    assert Engine(embedder=fake_embedder, ann_min_profiles=201).fit(profiles).ann_ is None
    grown = Engine(embedder=fake_embedder, ann_min_profiles=201).fit(profiles)
    grown.partial_fit(make_profile("kr-201", sectors=["fintech"]))  # crosses it
    assert isinstance(grown.ann_, IVFShortlist)
    assert isinstance(Engine(embedder=fake_embedder, ann_min_profiles=200).fit(profiles).ann_, IVFShortlist)
    assert Engine(embedder=fake_embedder, first_stage="exact", ann_min_profiles=1).fit(profiles).ann_ is None


def test_an_unknown_first_stage_fails_loudly_naming_the_choices(fake_embedder) -> None:
    with pytest.raises(ValueError, match="unknown first stage 'hnsw'.*auto, exact, ivf"):
        Engine(embedder=fake_embedder, first_stage="hnsw").fit([make_profile("kr-a")])


def test_a_saved_engine_loads_with_its_ivf_and_ranks_and_updates_as_the_original(tmp_path: Path) -> None:
    """``matcher.persist``: saved and loaded back (IVF included), the engine ranks exactly as the
    one that wrote it, before and after the same adds and removes; other code's fingerprint or
    another model is refused."""
    from matcher.persist import SnapshotMismatch, load_engine, read_header, save_engine

    records = synthesize(_sample(), 600, random_state=2)
    engine = Engine(embedder=FakeEmbedder(), first_stage="ivf", ann_nlist=20).fit(records)
    path = tmp_path / "engine.pkl"
    save_engine(engine, path, "settings-a", {"versions": 1})
    assert read_header(path)["profiles"] == 600
    loaded, meta = load_engine(path, FakeEmbedder(), fingerprint="settings-a")
    assert meta == {"versions": 1} and isinstance(loaded.ann_, IVFShortlist) and loaded.ann_ is not engine.ann_

    def tops(e: Engine) -> list[list[tuple[str, float]]]:
        return [[(m.id, round(m.score, 5)) for m in e.rank(pid, k=10)] for pid in engine.ids_[:25:3]]

    assert tops(loaded) == tops(engine)
    for e in (engine, loaded):
        e.partial_fit(make_profile("vn-new-1", country="VN", kind="startup", needs="soil moisture sensors"))
        e.remove(records[4]["id"])
    assert tops(loaded) == tops(engine) and loaded.ids_ == engine.ids_
    with pytest.raises(SnapshotMismatch, match="fingerprint"):
        load_engine(path, FakeEmbedder(), fingerprint="settings-b")

    class Other(FakeEmbedder):
        name = "another-model"

    with pytest.raises(SnapshotMismatch, match="model"):
        load_engine(path, Other(), fingerprint="settings-a")
