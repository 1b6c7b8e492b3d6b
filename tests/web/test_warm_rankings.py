"""Stored default rankings (web.matching.warm) stay equal to fresh ones through edits, additions, removals."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from matcher.domain import KINDS
from matcher.engine import Engine
from matcher.results import Match
from matcher.structured import encode_structured, mode_rivalry, mode_rivalry_towards
from matcher.synth import synthesize
from tests.matcher.conftest import FakeEmbedder
from tests.matcher.test_first_stage import _sample
from web.matching.warm import WarmRankings

DEPTH = 10


def _engine(shortlist: int) -> Engine:
    return Engine(embedder=FakeEmbedder(), shortlist=shortlist).fit(synthesize(_sample(), 500, random_state=3))


@pytest.fixture(scope="module")
def engine() -> Engine:
    # more eligible candidates than the shortlist: the two-stage path, not only exhaustive ranking
    return _engine(80)


def _fill(warm: WarmRankings, engine: Engine) -> int:
    n = 0
    while warm.compute_next(engine) is not None:
        n += 1
    return n


def _fresh(engine: Engine, pid: str) -> list[Match]:
    return engine.rank(pid, k=DEPTH)


def _same(a: list[Match], b: list[Match]) -> bool:
    """The same matches in the same order, scores equal up to float32 rounding (BLAS may round
    differently once the index's arrays have grown)."""
    return [m.id for m in a] == [m.id for m in b] and all(
        abs(x.score - y.score) < 1e-4 for x, y in zip(a, b, strict=True))


def _stored_all(warm: WarmRankings, engine: Engine) -> dict[str, list[Match]]:
    out = {}
    for pid in engine.ids_:
        stored = warm.matches(pid, DEPTH)
        assert stored is not None, f"{pid} has no stored ranking"
        out[pid] = stored
    return out


def test_mode_rivalry_towards_is_mode_rivalry_the_other_way_round() -> None:
    rows = [encode_structured(r) for r in _sample()[:120]]
    stacked = {name: np.stack([r[name] for r in rows]) for name in ("offered", "sought")}
    for c in rows[:30]:
        expected = [float(mode_rivalry(q, {k: v[None] for k, v in c.items()})[0]) for q in rows]
        assert np.allclose(mode_rivalry_towards(stacked, c), expected, atol=1e-6)


def test_scores_towards_equal_the_other_profiles_own_scores(engine: Engine) -> None:
    for pid in engine.ids_[:5]:
        ids, scores = engine.scores_towards(pid)
        assert pid not in set(ids.tolist()) and len(ids) == len(engine.ids_) - 1
        direct = engine.score_matrix(list(ids[:150]), [pid])[:, 0]
        assert np.abs(direct - scores[:150]).max() < 1e-3
        # among a few (the profiles that follow their new partners): the same scores for those few
        few = [str(i) for i in ids[::37]] + ["no-such-profile"]
        some_ids, some = engine.scores_towards(pid, few)
        assert some_ids.tolist() == few[:-1]
        assert np.abs(some - scores[::37]).max() < 1e-4


@pytest.mark.parametrize("shortlist", [10_000, 80])
def test_stored_rankings_stay_equal_to_fresh_ones_through_changes(shortlist: int) -> None:
    """Exhaustive ranking (shortlist above the eligible count): every stored ranking equals a fresh
    one after each change. Two-stage ranking: a change can also move the shortlist's boundary by
    one candidate (a newcomer enters it, a removed one leaves it), which the stored ranking does
    not follow, so a few rankings may differ from a fresh one by a candidate from that boundary."""
    engine = _engine(shortlist)
    warm = WarmRankings(DEPTH)
    warm.reset(engine.ids_)
    assert _fill(warm, engine) == len(engine.ids_)
    ids = engine.ids_
    before = _stored_all(warm, engine)
    assert all(_same(before[pid], _fresh(engine, pid)) for pid in ids[::25])

    # the profile that appears in most rankings, and a strong partner of the first profile
    counts: dict[str, int] = {}
    for matches in before.values():
        for m in matches:
            counts[m.id] = counts.get(m.id, 0) + 1
    popular = max(counts, key=counts.__getitem__)
    records = {r["id"]: r for r in (engine.index_.meta[engine.index_.row_of[p]][0] for p in ids)}

    edited = dict(records[ids[1]], needs=records[popular].get("offers", "") + " " + (records[ids[1]].get("needs") or ""),
                  cooperation_sought=["technology_transfer", "investment"])
    copy = dict(records[popular], id="zz-near-copy", name="Near Copy Ltd")
    changes: list[tuple[str, Any]] = [("edit", edited), ("add", copy), ("remove", popular), ("remove", ids[7])]
    recomputed = []
    for action, arg in changes:
        if action == "remove":
            engine.remove(arg)
            changed = arg
        else:
            engine.partial_fit(arg)
            changed = arg["id"]
        dropped = warm.update(engine, [changed])
        recomputed.append(_fill(warm, engine))
        assert dropped < len(ids) // 2  # selective, not a reset
        stored = _stored_all(warm, engine)
        stale = [pid for pid in engine.ids_ if not _same(stored[pid], _fresh(engine, pid))]
        assert len(stale) <= (0 if shortlist > len(ids) else len(ids) // 50), f"stale after {action} {changed}: {stale}"
        assert not any(changed in {m.id for m in stored[p]} for p in stored) or action != "remove"
    # the changes mattered: the near-copy and the removal moved many rankings (the test could fail)
    after = _stored_all(warm, engine)
    moved = sum(not _same(after[p], before[p]) for p in after if p in before)
    assert moved > 10 and max(recomputed) > 10
    assert json.loads(warm.json(ids[3], 3) or b"") == {"id": ids[3], "matches": [m.to_dict() for m in after[ids[3]][:3]]}


def test_many_changes_at_once_recompute_everything(engine: Engine) -> None:
    warm = WarmRankings(DEPTH)
    warm.reset(engine.ids_)
    _fill(warm, engine)
    warm.update(engine, engine.ids_[: len(engine.ids_) // 10])
    assert warm.progress()["stored"] == 0 and warm.progress()["queued"] == len(engine.ids_)


def test_a_deeper_shortlist_for_stored_rankings_is_a_per_call_override(engine: Engine) -> None:
    pid = engine.ids_[11]
    deep = [m.id for m in engine.rank(pid, k=DEPTH, shortlist=10_000, explain=False)]
    default, engine.shortlist = engine.shortlist, 10_000
    try:
        exhaustive = [m.id for m in engine.rank(pid, k=DEPTH, explain=False)]
    finally:
        engine.shortlist = default
    assert deep == exhaustive and engine.shortlist == 80
    warm = WarmRankings(DEPTH, shortlist=10_000)
    assert [m.id for m in warm.compute(engine, pid)] == exhaustive


def test_after_a_refit_the_previous_rankings_are_served_until_recomputed(engine: Engine) -> None:
    warm = WarmRankings(DEPTH)
    ids = engine.ids_[:40]
    warm.reset(ids)
    while warm.compute_next(engine) is not None:
        pass
    before = {pid: warm.json(pid, DEPTH) for pid in ids}
    gone = json.loads(before[ids[0]] or b"")["matches"][0]["id"]  # a match missing from the new engine
    warm.reset(ids, alive=lambda pid: pid != gone)
    assert warm.progress()["stored"] == 0 and warm.progress()["stale"] == 40
    served = [pid for pid in ids if warm.json(pid, DEPTH) is not None]
    holding_gone = {pid for pid in ids if gone in {m["id"] for m in json.loads(before[pid] or b"")["matches"]}}
    assert ids[0] in holding_gone and set(served) == set(ids) - holding_gone - {gone}
    assert all(warm.json(pid, DEPTH) == before[pid] for pid in served)
    changed = json.loads(before[ids[1]] or b"")["matches"][-1]["id"]  # a later change drops stale ones too
    warm.invalidate(changed, False, None, len(engine.ids_))
    assert warm.json(ids[1], DEPTH) is None
    recomputed = 0
    while warm.compute_next(engine) is not None:
        recomputed += 1
    assert recomputed == 40 and warm.progress()["stale"] == 0 and warm.progress()["stored"] == 40


@pytest.mark.parametrize("depth,tail", [(DEPTH, 0), (4, 30)])
def test_a_filtered_request_is_answered_from_the_stored_ranking_exactly_or_not_at_all(depth: int, tail: int) -> None:
    # exhaustive ranking (no first-stage approximation), so that a filtered rank must equal the
    # filtered stored one wherever the stored one answers; with a tail, the matches past the
    # explained head are scored and explained on the spot
    engine = _engine(10_000)
    warm = WarmRankings(depth, tail=tail)
    warm.reset(engine.ids_)
    _fill(warm, engine)
    answered = refused = 0
    for pid in engine.ids_[:120]:
        for kind in KINDS:
            filters = {"kind": kind}
            keep = lambda ids, f=filters: engine.passes_filters(ids, f)  # noqa: E731
            for top in (3, depth):
                served = warm.matches(pid, top, keep, engine.rank_candidates)
                fresh = engine.rank(pid, k=top, filters=filters)
                stored_ids = [m.id for m in engine.rank(pid, k=warm.total)]
                if served is None:
                    refused += 1
                    # refused only when the stored ranking is cut and keeps fewer than `top`
                    assert len(stored_ids) == warm.total and int(keep(stored_ids).sum()) < top
                else:
                    answered += 1
                    assert _same(served, fresh), (pid, filters, top)
                    assert all(m.explanation is not None for m in served)
                    body = json.loads(warm.json(pid, top, keep, engine.rank_candidates) or b"{}")
                    assert [m["id"] for m in body["matches"]] == [m.id for m in fresh]
    assert answered > 100 and refused > 10  # both paths were exercised


def test_a_request_deeper_than_the_explained_head_is_served_from_the_stored_tail() -> None:
    # the learned re-ranking asks for the engine's best 30 (web.services.learning): the stored
    # ranking's tail answers it, its matches past the head scored and explained on the spot
    engine = _engine(10_000)
    warm = WarmRankings(4, tail=30)
    warm.reset(engine.ids_)
    _fill(warm, engine)
    assert warm.covers(12, None, None, None) and not warm.covers(31, None, None, None)
    for pid in engine.ids_[:40]:
        assert warm.matches(pid, 12) is None  # no way to explain the tail: not answered
        served = warm.matches(pid, 12, None, engine.rank_candidates)
        assert served is not None and _same(served, engine.rank(pid, k=12))
        assert all(m.explanation is not None for m in served)
