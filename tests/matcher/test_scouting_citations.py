"""Technology scouting on the sample: for every scouting query of ``profiles/dev-gold-experts.json``
the explanation of every relevant foreign profile that holds IP assets cites one of them (the
buyer's need ↔ the asset that answers it), with the real sample vectors (no model run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher.cache import InMemoryVectorCache
from matcher.engine import Engine
from matcher.profile import normalise_record

PROFILES = Path(__file__).resolve().parents[2] / "profiles"


class SeedOnly:
    """An embedder answering only from the shipped vector seed (a missing text is an error)."""

    dim = 384

    def __init__(self, name: str) -> None:
        self.name = name

    def encode(self, texts: list[str], *, role: str) -> np.ndarray:
        if len(texts):
            raise RuntimeError(f"{len(texts)} {role} texts are not in the vector seed; regenerate it")
        return np.zeros((0, self.dim), dtype=np.float32)


def scouting_queries() -> dict[str, dict[str, int]]:
    gold = json.loads((PROFILES / "dev-gold-experts.json").read_text(encoding="utf-8"))
    tagged = {parts[0] for line in (PROFILES / "dev-gold-experts.notes.md").read_text(encoding="utf-8").splitlines()
              if len(parts := [p.strip() for p in line.split("|")]) >= 4 and "scouting" in parts[2]}
    return {q: gold[q] for q in sorted(tagged & set(gold))}


@pytest.fixture(scope="module")
def sample() -> tuple[Engine, dict[str, dict[str, Any]]]:
    records = [normalise_record(json.loads(line)) for f in sorted(PROFILES.glob("ecosystem-*.jsonl"))
               for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    with np.load(PROFILES / "ecosystem.vectors.npz", allow_pickle=False) as seed:
        model = str(seed["model"])
        cache = InMemoryVectorCache()
        rows = zip(seed["text_hash"], seed["role"], seed["vectors"], strict=True)
        cache.put_many(((str(h), str(r), model), v) for h, r, v in rows)
    return Engine(embedder=SeedOnly(model), cache=cache).fit(records), {r["id"]: r for r in records}


def test_the_sample_has_scouting_queries_with_asset_holders_among_their_answers() -> None:
    queries = scouting_queries()
    assert len(queries) >= 10


def test_every_relevant_asset_holder_is_explained_by_one_of_its_assets(sample) -> None:
    engine, records = sample
    missing = []
    for query, labels in scouting_queries().items():
        for candidate, grade in labels.items():
            if grade < 2 or not records[candidate].get("ip_assets"):
                continue
            explanation = engine.explain(query, candidate)
            cited = [q.asset for e in explanation.evidence for q in (e.need, e.offer)
                     if q.profile == candidate and q.asset is not None]
            if not cited:
                missing.append(f"{query} -> {candidate} (grade {grade})")
    assert not missing, "no asset cited for:\n" + "\n".join(missing)
