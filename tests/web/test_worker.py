"""The embedding worker: batches, retries with backoff, and kill -9 safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

import psycopg
import pytest

from matcher.embed import text_hash
from matcher.features import NEED_ROLE, OFFER_ROLE, profile_passages
from matcher.text import DEFAULT_PASSAGE_CHARS, DEFAULT_PASSAGE_WORDS
from tests.web.webkit import wait_until
from web.db.pool import Database
from web.interchange.importer import load_files
from web.jobs.worker import Worker, backoff_seconds
from web.matching.embedding import make_embedder
from web.services.profiles import import_records
from web.settings import Settings
from web.store import jobs as job_store
from web.store.jobs import EMBED_JOB

DATA = Path(__file__).parent / "data"


def counts(db: Database) -> dict[str, int]:
    with db.connection() as conn:
        return job_store.count_jobs(conn)


def test_import_queues_one_job_per_changed_profile_and_worker_embeds_them(db: Database, settings: Settings) -> None:
    from web.jobs.embed import embed_profiles_handler

    import_records(db, load_files([DATA / "small.json"]))
    assert counts(db)["queued"] == 6
    import_records(db, load_files([DATA / "small.json"]))  # unchanged: nothing new to do
    assert counts(db)["queued"] == 6
    worker = Worker(db, {EMBED_JOB: embed_profiles_handler(settings)})
    assert worker.drain() == 6
    assert counts(db)["done"] == 6
    records = load_files([DATA / "small.json"])
    expected = set()
    for r in records:
        needs, provide = profile_passages(r)
        expected |= {(text_hash(p.text), NEED_ROLE) for p in needs} | {(text_hash(p.text), OFFER_ROLE) for p in provide}
    with db.connection() as conn:
        rows = conn.execute("SELECT text_hash, role FROM embedding_cache").fetchall()
    assert expected <= set(rows)


def test_loading_the_index_queues_published_profiles_whose_vectors_are_missing(db: Database, settings: Settings) -> None:
    """Vectors of another model or role (the engine's roles changed on 2026-12-03) do not count:
    such profiles are queued again at load instead of waiting, invisible, for their next edit."""
    from web.jobs.embed import embed_profiles_handler
    from web.matching.records import ready_records

    import_records(db, load_files([DATA / "small.json"]))
    Worker(db, {EMBED_JOB: embed_profiles_handler(settings)}).drain()
    model = make_embedder(settings).name
    assert len(ready_records(db, model, DEFAULT_PASSAGE_WORDS, DEFAULT_PASSAGE_CHARS)) == 6
    assert counts(db)["queued"] == 0
    with db.connection() as conn:  # as a database embedded before the roles changed
        conn.execute("UPDATE embedding_cache SET role = 'passage' WHERE role = %(r)s", {"r": OFFER_ROLE})
    assert ready_records(db, model, DEFAULT_PASSAGE_WORDS, DEFAULT_PASSAGE_CHARS) == []
    assert counts(db)["queued"] == 6
    ready_records(db, model, DEFAULT_PASSAGE_WORDS, DEFAULT_PASSAGE_CHARS)  # a job already queued is not doubled
    assert counts(db)["queued"] == 6
    Worker(db, {EMBED_JOB: embed_profiles_handler(settings)}).drain()
    assert len(ready_records(db, model, DEFAULT_PASSAGE_WORDS, DEFAULT_PASSAGE_CHARS)) == 6


def test_a_failing_job_is_retried_with_backoff_then_marked_failed(db: Database) -> None:
    calls: list[str] = []

    def flaky(conn: psycopg.Connection, jobs: list) -> None:  # type: ignore[type-arg]
        calls.extend(j.key for j in jobs)
        if any(j.key == "bad" for j in jobs):
            raise RuntimeError("boom")

    with db.connection() as conn, conn.transaction():
        job_store.insert_jobs(conn, "test", ["good", "bad"])
        conn.execute("UPDATE jobs SET max_attempts = 2")
    worker = Worker(db, {"test": flaky})
    assert worker.drain() == 1  # the good one, after the batch failed and jobs ran one by one
    with db.connection() as conn:
        row = conn.execute("SELECT status, attempts, last_error, run_after > now() FROM jobs WHERE key = 'bad'").fetchone()
        assert row[0] == "queued" and row[1] == 1 and "boom" in row[2] and row[3]
        conn.execute("UPDATE jobs SET run_after = now() WHERE key = 'bad'")
    worker.drain()
    with db.connection() as conn:
        assert conn.execute("SELECT status, attempts FROM jobs WHERE key = 'bad'").fetchone() == ("failed", 2)
    assert backoff_seconds(1) == 2 and backoff_seconds(3) == 8 and backoff_seconds(30) == 600


def _stuck(db: Database, thread: threading.Thread, caplog: pytest.LogCaptureFixture) -> str:
    """What a worker thread that did not do its job was doing: the jobs, the shared pool's state
    (a checkout waiting for a connection?), the database's other sessions and the thread's stack.
    This test failed twice in CI runs with the first job left queued and nothing logged."""
    with db.connection() as conn:
        sessions = conn.execute("SELECT pid, state, wait_event_type, wait_event, left(query, 120) FROM pg_stat_activity"
                                " WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall()
    frame = sys._current_frames().get(thread.ident or -1)
    stack = "".join(traceback.format_stack(frame)) if frame is not None else "(thread gone)"
    pool = db.pool.get_stats() if db.pool is not None else {}
    return f"jobs {counts(db)}; pool {pool}; sessions {sessions}\nworker stack:\n{stack}\nlog:\n{caplog.text}"


def test_enqueuing_wakes_a_waiting_worker_without_waiting_for_its_poll(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """insert_jobs notifies: a worker that polls once a minute runs a new job within seconds."""
    handled: list[str] = []
    worker = Worker(db, {"test": lambda conn, jobs: handled.extend(j.key for j in jobs)}, poll_seconds=60)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    with db.connection() as conn:
        job_store.insert_jobs(conn, "test", ["first"])
    thread.start()
    try:
        # generous limits (a loaded 2-core CI machine), still well below the 60 s poll
        # listening, drained, now waiting on its poll (an error in drain() would show in the log)
        assert wait_until(lambda: counts(db)["done"] == 1, 30), _stuck(db, thread, caplog)
        time.sleep(0.5)
        with db.connection() as conn, conn.transaction():
            job_store.insert_jobs(conn, "test", ["second"])
        assert wait_until(lambda: handled == ["first", "second"], 30), _stuck(db, thread, caplog)
    finally:
        stop.set()
        with db.connection() as conn:
            job_store.notify_jobs(conn)  # wake it to see the stop
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_a_job_a_reader_has_locked_when_the_worker_looks_is_not_left_for_the_poll(
        db: Database, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The flake of the test above, forced: count_jobs (the test's progress check, ``caunoi jobs``)
    locks every queued job for a moment (FOR UPDATE SKIP LOCKED, to tell the running ones), and a
    claim at that moment skips the job. Its NOTIFY came before the worker listened, so the worker
    must not take that empty claim for an empty queue and sleep until its poll."""
    handled: list[str] = []
    worker = Worker(db, {"test": lambda conn, jobs: handled.extend(j.key for j in jobs)}, poll_seconds=60)
    with db.connection() as conn:
        job_store.insert_jobs(conn, "test", ["first"])
    claimed = threading.Event()
    original = job_store.claim_jobs

    def claim_jobs(conn: psycopg.Connection, kind: str, limit: int) -> list:  # type: ignore[type-arg]
        jobs = original(conn, kind, limit)
        claimed.set()
        return jobs

    monkeypatch.setattr(job_store, "claim_jobs", claim_jobs)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    with psycopg.connect(pg_url) as reader:  # count_jobs' locking read, held across the first claim
        reader.execute("SELECT count(*) FROM (SELECT id FROM jobs WHERE status = 'queued' FOR UPDATE SKIP LOCKED) s")
        thread.start()
        try:
            assert claimed.wait(30), "the worker made no claim"
            reader.commit()
            assert wait_until(lambda: handled == ["first"], 10), f"left for the 60 s poll: {counts(db)}"
        finally:
            stop.set()
            with db.connection() as conn:
                job_store.notify_jobs(conn)
            thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.mark.slow
def test_kill_9_during_a_1000_profile_job_loses_nothing_and_duplicates_nothing(db: Database, pg_url: str,
                                                                             tmp_path: Path) -> None:
    records = [{"id": f"vn-kill-{i:04d}", "kind": "startup", "name": f"K{i}", "country": "VN",
                "description": f"Startup số {i} làm cảm biến nông nghiệp cho trang trại {i % 37}."}
               for i in range(1000)]
    path = tmp_path / "k.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    import_records(db, load_files([path]))
    env = {**os.environ, "CAUNOI_DATABASE_URL": pg_url, "CAUNOI_DATA_DIR": str(tmp_path / "d")}
    cmd = [sys.executable, "-m", "web", "worker", "--batch-size", "32"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while counts(db)["done"] < 100 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    mid = counts(db)
    assert 100 <= mid["done"] < 1000, mid
    # a batch was in flight: its transaction died with the worker, its jobs are claimable again
    time.sleep(0.5)
    subprocess.run([*cmd[:-2], "--once"], env=env, check=True, timeout=300, capture_output=True)
    final = counts(db)
    assert final == {"queued": 0, "running": 0, "done": 1000, "failed": 0}
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM jobs WHERE attempts <> 1").fetchone()[0] == 0
        hashes = [text_hash(r["description"]) for r in records]
        n_vectors = conn.execute("SELECT count(*) FROM embedding_cache WHERE role = %(r)s"
                                 " AND text_hash = ANY(%(h)s)", {"r": OFFER_ROLE, "h": hashes}).fetchone()[0]
    assert n_vectors == 1000  # one description passage per profile, each embedded and stored once


def test_an_edit_saved_while_its_profile_is_being_embedded_is_embedded_too(
        db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member saves, notices a typo and saves again while the worker embeds the first version:
    the second save finds the profile's job claimed (still queued, locked), so it queues none of
    its own; the worker must embed the version that is stored when it commits, not only the one
    it read."""
    import web.jobs.embed as embed_job
    from web.matching.records import ready_changes

    first = {"id": "vn-typo-test", "kind": "startup", "name": "Typo Test", "country": "VN",
             "description": "Cold chain sensors for fish farms.", "offers": "Sensors.", "needs": "A distributor."}
    second = {**first, "description": "Cold-chain sensors for shrimp farms in the Mekong Delta."}
    import_records(db, [first])
    original = embed_job.embed_records
    edits = []

    def edit_then_embed(conn: psycopg.Connection, embedder: object, records: list[dict]) -> int:
        if not edits:  # the member's second save lands while the first version is embedded
            edits.append(import_records(db, [second]))
        return original(conn, embedder, records)  # type: ignore[arg-type]

    monkeypatch.setattr(embed_job, "embed_records", edit_then_embed)
    Worker(db, {EMBED_JOB: embed_job.embed_profiles_handler(settings)}).drain()
    assert edits
    ready = ready_changes(db, make_embedder(settings).name, ["vn-typo-test"], DEFAULT_PASSAGE_WORDS,
                          DEFAULT_PASSAGE_CHARS)
    assert ready.get("vn-typo-test", {}).get("description") == second["description"], \
        f"the second version is neither embedded nor queued: {counts(db)}"
