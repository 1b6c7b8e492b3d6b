"""The ranking service over HTTP with the real engine: matches, search, score, the live index, /readyz."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.web.webkit import member, sign_in, wait_until
from web.app import create_app
from web.db.pool import Database
from web.interchange.importer import load_files
from web.jobs.embed import embed_profiles_handler
from web.jobs.worker import Worker
from web.services.accounts import create_token, create_user
from web.services.profiles import import_records
from web.settings import Settings
from web.store.jobs import EMBED_JOB

DATA = Path(__file__).parent / "data"


@pytest.fixture
def worker(db: Database, settings: Settings) -> Worker:
    return Worker(db, {EMBED_JOB: embed_profiles_handler(settings)})


@pytest.fixture
def client(db: Database, settings: Settings, worker: Worker) -> Iterator[TestClient]:
    import_records(db, load_files([DATA / "small.json"]))
    worker.drain()
    app = create_app(settings, database=db)
    with TestClient(app) as c:
        assert wait_until(lambda: c.app.state.matching.ready)  # type: ignore[attr-defined]
        yield c


@pytest.fixture
def auth(db: Database) -> dict[str, str]:
    create_user(db, "api@x.example", "officer", "a-long-password")
    return {"Authorization": f"Bearer {create_token(db, 'api@x.example')[1]}"}


def test_matches_need_a_token_and_have_the_published_shape(client: TestClient, auth: dict[str, str]) -> None:
    assert client.get("/api/v1/profiles/vn-chipviet/matches").status_code == 401
    body = client.get("/api/v1/profiles/vn-chipviet/matches", headers=auth).json()
    assert body["id"] == "vn-chipviet"
    first = body["matches"][0]
    assert set(first) == {"id", "score", "fit", "components", "explanation"}
    assert 0 <= first["fit"] <= 100 and first["explanation"]


def test_the_complementary_partner_ranks_first_and_only_across_the_border(client: TestClient, auth: dict[str, str]) -> None:
    ids = [m["id"] for m in client.get("/api/v1/profiles/vn-chipviet/matches", headers=auth).json()["matches"]]
    assert ids[0] == "kr-hanpack"
    assert not {"vn-agrisense", "vn-hatch-hcm"} & set(ids)


def test_filters_apply_and_bad_values_are_422(client: TestClient, auth: dict[str, str]) -> None:
    r = client.get("/api/v1/profiles/vn-agrisense/matches", params={"kind": "partner", "mode": "investment"}, headers=auth)
    assert [m["id"] for m in r.json()["matches"]] == ["sg-lionfund"]
    r = client.get("/api/v1/profiles/vn-agrisense/matches", params={"sector": "alchemy"}, headers=auth)
    assert r.status_code == 422 and "alchemy" in r.json()["detail"]


def test_unknown_profile_is_404(client: TestClient, auth: dict[str, str]) -> None:
    assert client.get("/api/v1/profiles/nope-nope/matches", headers=auth).status_code == 404


def test_search_finds_a_vietnamese_need_from_english_words(client: TestClient) -> None:
    r = client.get("/api/v1/search", params={"q": "chip packaging and testing technology transfer", "top": 3})
    assert r.status_code == 200 and r.json()["results"][0]["id"] == "kr-hanpack"


def test_score_explains_one_pair(client: TestClient, auth: dict[str, str]) -> None:
    r = client.post("/api/v1/score", json={"a": "vn-chipviet", "b": "kr-hanpack"}, headers=auth)
    body = r.json()
    assert r.status_code == 200 and body["a"] == "vn-chipviet" and body["components"] and body["explanation"]
    assert client.post("/api/v1/score", json={"a": "vn-chipviet", "b": "zz-none"}, headers=auth).status_code == 404


def test_a_new_profile_is_matchable_seconds_after_its_embedding(client: TestClient, auth: dict[str, str],
                                                                worker: Worker) -> None:
    new = {"kind": "partner", "partner_type": "corporation", "name": "Osaka Package Labs", "country": "JP",
           "description": "Semiconductor packaging and test house.",
           "offers": "Technology transfer of wafer-level chip packaging; engineer training.",
           "sectors": ["semiconductors"], "cooperation_offered": ["technology_transfer"]}
    assert client.put("/api/v1/profiles/jp-osaka-pack", json=new, headers=auth).status_code == 201
    r = client.get("/api/v1/profiles/jp-osaka-pack/matches", headers=auth)
    assert r.status_code == 409  # stored, not embedded yet: a clear, retryable answer
    started = time.monotonic()
    worker.drain()

    def visible() -> bool:
        ids = [m["id"] for m in client.get("/api/v1/profiles/vn-chipviet/matches", headers=auth).json()["matches"]]
        return "jp-osaka-pack" in ids

    assert wait_until(visible, 10)
    assert time.monotonic() - started < 10
    assert client.delete("/api/v1/profiles/jp-osaka-pack", headers=auth).status_code == 204
    assert wait_until(lambda: not visible(), 10)


def test_readyz_reports_database_index_and_backlog(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"]["index"]["loaded"] is True
    assert r.json()["checks"]["index"]["profiles"] == 6
    assert r.json()["checks"]["process"] == os.getpid()  # which serving process answered
    assert client.get("/healthz").text == "ok"


def test_a_fresh_empty_installation_is_ready_and_fills_as_profiles_are_embedded(
        db: Database, settings: Settings, worker: Worker, auth: dict[str, str]) -> None:
    app = create_app(settings, database=db)
    with TestClient(app) as c:
        assert wait_until(lambda: c.get("/readyz").status_code == 200)
        assert c.get("/readyz").json()["checks"]["index"]["profiles"] == 0
        assert c.get("/api/v1/search", params={"q": "chip"}).json()["results"] == []
        import_records(db, load_files([DATA / "small.json"]))
        worker.drain()
        assert wait_until(lambda: c.get("/readyz").json()["checks"]["index"]["profiles"] == 6, 30)
        r = c.get("/api/v1/profiles/vn-chipviet/matches", headers=auth)
        assert r.status_code == 200 and r.json()["matches"][0]["id"] == "kr-hanpack"


def test_default_rankings_are_precomputed_and_served_as_the_engine_ranks(client: TestClient, auth: dict[str, str]) -> None:
    matching = client.app.state.matching  # type: ignore[attr-defined]

    def progress() -> dict:
        return client.get("/readyz").json()["checks"]["index"]["default_rankings"]

    assert wait_until(lambda: progress()["stored"] == progress()["profiles"] == 6)
    assert matching.warm_json("vn-chipviet", 3) is not None  # this answer comes from the stored ranking
    r = client.get("/api/v1/profiles/vn-chipviet/matches", params={"top": 3}, headers=auth)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    fresh = [m.to_dict() for m in matching._engine.rank("vn-chipviet", k=3)]
    assert r.json() == {"id": "vn-chipviet", "matches": fresh}
    # a filtered request is ranked on the spot, from the same engine
    r = client.get("/api/v1/profiles/vn-chipviet/matches", params={"kind": "partner"}, headers=auth)
    assert [m["id"] for m in r.json()["matches"]][0] == "kr-hanpack"
    # asked again: from the result cache, read back into matches, the same JSON
    assert client.get("/api/v1/profiles/vn-chipviet/matches", params={"kind": "partner"}, headers=auth).json() == r.json()


def test_the_matches_page_quotes_the_evidence_the_engine_gives(client: TestClient, db: Database) -> None:
    """With the real engine, from the stored ranking: the top card quotes the need and the offer of
    its match's first evidence."""
    matching = client.app.state.matching  # type: ignore[attr-defined]
    assert wait_until(lambda: matching.warm_json("vn-chipviet", 1) is not None)
    member(db, "a@x.example", owns=("vn-chipviet",))
    sign_in(client, "a@x.example")
    page = client.get("/matches").text
    top = matching._engine.rank("vn-chipviet", k=1)[0]
    evidence = top.explanation.evidence[0]
    card = re.search(rf'<article class="card" id="match-{top.id}"(.*?)</article>', page, re.S)
    assert card is not None and 'class="pair"' in card.group(1)
    assert str(escape(evidence.need.text[:60])) in card.group(1) and str(escape(evidence.offer.text[:60])) in card.group(1)
