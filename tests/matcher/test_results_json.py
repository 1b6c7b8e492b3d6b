"""The engine's results as a published JSON contract: ``Match.to_dict()`` keeps its keys and their
order, and ``from_dict`` reads it back into equal typed objects (what the web's stored rankings
and match-list scores rely on)."""

from __future__ import annotations

import json

import pytest

from matcher.engine import Engine
from matcher.evidence import DocumentRef, Evidence, Quote
from matcher.explain import Explanation
from matcher.results import Match

from .conftest import FakeEmbedder
from .test_first_stage import _sample


def _through_json(data: dict) -> dict:
    """As a reader gets it: serialised (the API's settings) and parsed again."""
    return json.loads(json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")))


@pytest.fixture(scope="module")
def sample_engine() -> Engine:
    return Engine(embedder=FakeEmbedder()).fit(_sample())


def test_engine_output_reads_back_from_its_json_unchanged(sample_engine):
    """Rankings (explained or not), searches and explanations of the sample ecosystem: each one read
    back from its JSON equals the original and writes the same JSON again; documents are cited."""
    ids = sorted(sample_engine.ids_)[::7]
    unexplained = sample_engine.rank(ids[0], k=3, explain=False)
    assert [m.explanation for m in unexplained] == [None, None, None]
    matches = [m for pid in ids for m in sample_engine.rank(pid, k=10)] + unexplained
    matches += sample_engine.search("chip packaging partner in Vietnam", k=10)
    for m in matches:
        data = m.to_dict()
        back = Match.from_dict(_through_json(data))
        assert back == m and back.to_dict() == data
    explained = [m.explanation for m in matches if m.explanation is not None]
    assert {e.direction for x in explained for e in x.evidence} == {"your_need", "their_need", "search"}
    assert any(e.offer.document is not None for x in explained for e in x.evidence)
    for x in explained[:20]:
        assert Explanation.from_dict(_through_json(x.to_dict())) == x


def test_the_json_keeps_its_keys_in_order():
    """The shape of ``caunoi match --json`` and ``/api/v1``, pinned on a hand-built match."""
    doc = DocumentRef(2, title="Packaging study", year=2022)
    evidence = Evidence("your_need", 0.8125, Quote("vn-a", "needs", "Chip packaging."),
                        Quote("kr-b", "documents", "Packaging lines.", doc))
    why = Explanation("vn-a", "kr-b", "Korea B", 2.5, 71.3, {"dense_reciprocal": 2.5}, evidence=[evidence])
    data = Match("kr-b", 2.5, 71.3, {"dense_reciprocal": 2.5}, why).to_dict()
    assert list(data) == ["id", "score", "fit", "components", "explanation"]
    assert list(data["explanation"]) == [
        "profile_id", "candidate_id", "candidate_name", "score", "fit", "components", "evidence", "shared_sectors",
        "shared_technologies", "modes", "competitor", "countries", "shared_languages", "stage", "summary"]
    assert data["explanation"]["evidence"] == [{
        "direction": "your_need", "similarity": 0.8125,
        "need": {"profile": "vn-a", "field": "needs", "text": "Chip packaging."},
        "offer": {"profile": "kr-b", "field": "documents", "document": {"title": "Packaging study", "year": 2022,
                                                                        "index": 2}, "text": "Packaging lines."},
    }]
    assert data["explanation"]["summary"] == {"vi": why.render("vi"), "en": why.render("en")}
    assert "Packaging study" in why.render("en")
    assert Match("kr-b", 2.5, 71.3, {}).to_dict()["explanation"] == {}


def test_reading_json_fails_loudly_on_what_it_does_not_know():
    why = Explanation("vn-a", "kr-b", "Korea B", 1.0, 50.0, {}).to_dict()
    with pytest.raises(ValueError, match="unknown explanation keys \\['reason'\\]"):
        Explanation.from_dict({**why, "reason": "?"})
    with pytest.raises(ValueError, match="valid: your_need, their_need, search"):
        Evidence.from_dict({"direction": "sideways", "similarity": 0.5,
                            "need": {"profile": "a", "field": "needs", "text": "x"},
                            "offer": {"profile": "b", "field": "offers", "text": "y"}})
    with pytest.raises(TypeError):
        Explanation.from_dict({k: v for k, v in why.items() if k != "fit"})
