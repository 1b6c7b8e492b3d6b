"""The shipped sample ecosystem: valid, big and varied enough, and its vector seed is current."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from matcher.embed import text_hash
from matcher.features import NEED_ROLE, OFFER_ROLE, embedding_texts
from matcher.profile import side_of
from web.interchange.importer import load_files
from web.interchange.samples import sample_files

PROFILES = Path(__file__).resolve().parents[2] / "profiles"


def records() -> list[dict]:  # type: ignore[type-arg]
    return load_files(sample_files(PROFILES))


def test_sample_ecosystem_is_valid_and_diverse() -> None:
    recs = records()
    assert len(recs) >= 300
    kinds = Counter((r["kind"], side_of(r)) for r in recs)
    assert kinds[("startup", "vn")] >= 150 and kinds[("partner", "foreign")] >= 100
    for kind in ("incubator", "cluster"):
        assert kinds[(kind, "vn")] >= 5 and kinds[(kind, "foreign")] >= 5
    partner_countries = {r["country"] for r in recs if r["kind"] == "partner"}
    assert len(partner_countries) >= 12
    assert {r.get("partner_type") for r in recs if r["kind"] == "partner"} >= {
        "corporation", "sme", "research_institute", "university", "investor", "government_agency",
        "development_agency"}
    vi_only = sum(1 for r in recs if r["kind"] == "startup" and r.get("languages") == ["vi"])
    assert vi_only >= 60  # about half the Vietnamese startups are written in Vietnamese


def test_dev_gold_refers_to_sample_profiles_across_the_border() -> None:
    by_id = {r["id"]: r for r in records()}
    gold = json.loads((PROFILES / "dev-gold.json").read_text(encoding="utf-8"))
    assert len(gold) >= 60
    for query, judged in gold.items():
        assert query in by_id and len(judged) >= 1
        for cand, grade in judged.items():
            assert cand in by_id and cand != query and grade in (1, 2, 3)
            assert side_of(by_id[cand]) != side_of(by_id[query])


def test_shipped_vector_seed_covers_every_sample_passage() -> None:
    """Regenerate with `caunoi cache export -o profiles/ecosystem.vectors.npz` after editing the sample."""
    with np.load(PROFILES / "ecosystem.vectors.npz", allow_pickle=False) as data:
        keys = set(zip((str(h) for h in data["text_hash"]), (str(r) for r in data["role"]), strict=True))
        assert data["vectors"].shape == (len(data["text_hash"]), 384)
    missing = 0
    for record in records():
        # the texts the embedder reads (diacritics restored on unaccented Vietnamese), as the worker caches them
        needs, provide = embedding_texts(record)
        missing += sum((text_hash(t), NEED_ROLE) not in keys for t in needs)
        missing += sum((text_hash(t), OFFER_ROLE) not in keys for t in provide)
    assert missing == 0
