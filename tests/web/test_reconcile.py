"""The live index's safety net under NOTIFY (``MatchingService._reconcile``): a profile embedded
or unpublished without the index hearing of it is applied on the next comparison of ids."""

from __future__ import annotations

import logging

import psycopg
import pytest

from tests.web.demo_support import load_sample
from web.cli.cache import seed_cache
from web.db.pool import Database
from web.interchange.samples import REPO_PROFILES
from web.jobs.worker import Handler, Worker
from web.matching import MatchingService
from web.matching.embedding import embed_records, make_embedder
from web.services.profiles import import_records
from web.settings import Settings
from web.store import profiles as store
from web.store.jobs import EMBED_JOB, JobRow

NEWCOMER = {"id": "kr-unheard-test", "kind": "partner", "name": "Unheard Test Co.", "country": "KR",
            "description": "Analog IC design services and tape-out reviews for power-management chips.",
            "offers": "Design reviews.", "needs": "A Vietnamese design team.", "sectors": ["semiconductors"]}


def _embed_silently(settings: Settings) -> Handler:
    """The embedding job without its NOTIFY: what a listener that missed the notification sees."""
    embedder = make_embedder(settings)

    def handle(conn: psycopg.Connection, jobs: list[JobRow]) -> None:
        records = [row.record for job in jobs if (row := store.get_profile(conn, job.key)) is not None]
        embed_records(conn, embedder, records)

    return handle


def _must_not_be_called(conn: psycopg.Connection) -> list[str]:
    raise AssertionError("the ids were fetched although the digests agree")


@pytest.mark.slow
def test_a_profile_embedded_or_unpublished_unheard_is_applied_by_the_reconcile(
        db: Database, settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    load_sample(db)
    seed_cache(db, REPO_PROFILES / "ecosystem.vectors.npz", make_embedder(settings).name)
    Worker(db, {EMBED_JOB: _embed_silently(settings)}).drain()
    service = MatchingService(settings, db)
    service.load()
    try:
        size = service.size
        assert service.contains("kr-hanbit-semicon")
        with db.connection() as conn:
            assert service.live.held.value == store.settled_published_digest(conn) == (size, service.live.held.value[1])
        with pytest.MonkeyPatch.context() as patch:  # equal digests: no id is fetched
            patch.setattr(store, "list_settled_published_ids", _must_not_be_called)
            service._reconcile()  # nothing missed: nothing done
        assert service.size == size
        service.refresh(["kr-hanbit-semicon"])  # replaced in place: already held, the digest unchanged
        with db.connection() as conn:
            assert service.live.held.value == store.settled_published_digest(conn)

        import_records(db, [NEWCOMER])
        with db.connection() as conn:
            conn.execute("UPDATE profiles SET published = false WHERE id = 'kr-hanbit-semicon'")
        service._reconcile()  # missed once: its notification may be on its way
        assert service.contains("kr-hanbit-semicon")
        service._reconcile()  # missed twice: applied; the newcomer's embedding job is still queued
        assert not service.contains(NEWCOMER["id"]) and not service.contains("kr-hanbit-semicon")

        Worker(db, {EMBED_JOB: _embed_silently(settings)}).drain()
        with caplog.at_level(logging.WARNING, logger="web.matching.service"):
            service._reconcile()
            assert not service.contains(NEWCOMER["id"])
            service._reconcile()
        assert service.contains(NEWCOMER["id"]), caplog.text
        assert "1 profiles were not heard by NOTIFY (kr-unheard-test)" in caplog.text
        assert len(service.rank(NEWCOMER["id"], k=3)) == 3  # ranked like any other
        with db.connection() as conn:  # the digest followed the changes the reconcile applied
            assert service.live.held.value == store.settled_published_digest(conn)
    finally:
        service.stop()


def test_the_held_digest_follows_adds_and_removes_as_the_database_computes_it(db: Database) -> None:
    """``HeldDigest`` against ``settled_published_digest`` on the same ids, through adds and a
    remove (an XOR that counted a change twice would cancel it). Which ids enter or leave the
    master is ``_refresh``'s to say: the test above goes through it."""
    from web.matching.live import HeldDigest

    ids = ["a1", "kr-hanbit-semicon", "vn-0", "z" * 64]
    with db.connection() as conn:
        empty = store.settled_published_digest(conn)
    assert empty == HeldDigest().value == (0, 0)
    import_records(db, [{**NEWCOMER, "id": pid} for pid in ids])
    with db.connection() as conn:
        conn.execute("DELETE FROM jobs")  # settled: no embedding job queued
        held = HeldDigest(ids[:2])
        for pid in ids[2:]:
            held.add(pid)
        assert held.value == store.settled_published_digest(conn) == HeldDigest(ids).value
        conn.execute("UPDATE profiles SET published = false WHERE id = 'vn-0'")
        held.remove("vn-0")
        assert held.value == store.settled_published_digest(conn)
        assert held.value[0] == 3
        assert held.value != HeldDigest(["a1", "vn-0", "z" * 64]).value  # a different set of 3


@pytest.mark.slow
def test_a_load_ranks_once_before_it_publishes_so_the_first_request_finds_the_kernels_loaded(
        db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """``service._warm_up``: the first call of each compiled kernel costs about 1 s per process.
    Without stored rankings, a first load also takes the collector's full pass (``_settle``)
    before it publishes: 0.55 s at 100k profiles, which the first requests waited out."""
    import gc

    from matcher import kernels
    from matcher.engine import Engine

    load_sample(db)
    seed_cache(db, REPO_PROFILES / "ecosystem.vectors.npz", make_embedder(settings).name)
    Worker(db, {EMBED_JOB: _embed_silently(settings)}).drain()
    service = MatchingService(settings.model_copy(update={"warm_rankings": 0}), db)
    settles: list[bool] = []
    real_settle = service._settle
    monkeypatch.setattr(service, "_settle", lambda: (settles.append(service.ready), real_settle()))
    ranked: list[bool] = []
    real_rank = Engine.rank

    def rank(engine: Engine, *args: object, **kwargs: object) -> object:
        ranked.append(service.ready)
        return real_rank(engine, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "rank", rank)
    service.load()
    try:
        assert ranked == [False]  # once, before the engine was published
        assert kernels._dense.signatures and kernels._lexical.signatures
        assert settles == [False] and not service._unsettled and gc.get_freeze_count() > 0
        service.load(restore=False)  # a refit: its collection after it publishes, as before
        assert ranked == [False, True] and settles == [False, True]
    finally:
        service.stop()


@pytest.mark.slow
def test_a_load_asked_for_during_a_refit_publishes_after_it_so_the_newer_records_serve(
        db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loads run one at a time (``MatchingService._one_load``). A background refit that read the
    profiles before a change, and a load asked for after it, used to run side by side: whichever
    finished last published, so the refit's stale engine could replace the fresh one (a CI
    failure of 2026-12-07: the event test's profiles were missing from the index)."""
    import threading

    from web.matching import service as service_module

    load_sample(db)
    seed_cache(db, REPO_PROFILES / "ecosystem.vectors.npz", make_embedder(settings).name)
    Worker(db, {EMBED_JOB: _embed_silently(settings)}).drain()
    service = MatchingService(settings.model_copy(update={"warm_rankings": 0}), db)
    service.load()
    assert service.contains("kr-hanbit-semicon")
    real_records = service_module.ready_records
    refit_read, go_on = threading.Event(), threading.Event()

    def ready_records(*args: object, **kwargs: object) -> object:
        records = real_records(*args, **kwargs)  # type: ignore[arg-type]
        if threading.current_thread().name == "matching-refit":
            refit_read.set()
            go_on.wait(timeout=30)  # the refit holds the records it read, as a slow fit would
        return records

    monkeypatch.setattr(service_module, "ready_records", ready_records)
    try:
        with service.live.writing:
            service._refitting = True
        service._spawn("matching-refit", service._refit)
        refit = service._threads[-1]
        assert refit_read.wait(timeout=30)
        with db.connection() as conn:  # after the refit read the profiles
            conn.execute("UPDATE profiles SET published = false WHERE id = 'kr-hanbit-semicon'")
        later = threading.Thread(target=service.load, name="a-later-load")
        later.start()
        later.join(timeout=2)
        # the later load waits for the refit (side by side, it had long published by now)
        assert later.is_alive() and service.contains("kr-hanbit-semicon")
        go_on.set()
        for thread in (refit, later):
            thread.join(timeout=60)
            assert not thread.is_alive()
        assert not service.contains("kr-hanbit-semicon")  # the later load published last
        with db.connection() as conn:
            assert service.live.held.value == store.settled_published_digest(conn)
    finally:
        go_on.set()
        service.stop()
