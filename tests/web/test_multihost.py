"""Two hosts on one PostgreSQL (issue 17, item 3), small: two `caunoi serve` and two `caunoi worker`
subprocesses with CAUNOI_DATABASE_URL pointing at a database of their own on the session's
PostgreSQL (a server process of its own, started by no host). A profile written through A is
matchable through B within seconds; after kill -9 of A's server and worker under load, B keeps
answering, no acknowledged write is lost, and the batch A's worker held is done by B's.
bench/bench_multihost.py runs the same scenario large and times it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bench.bench_multihost import (
    Cluster,
    Load,
    claimed_by,
    database_state,
    eventually_matchable,
    job_counts,
    job_status,
    pause_until_claimed,
    propagation,
    resume,
    sample_records,
    seed,
    stored_names,
    wait_for,
    why_not_matchable,
)
from tests.web.server import free_port
from tests.web.webkit import DATA, load_small
from web.db.pool import Database
from web.interchange.importer import load_files
from web.jobs.embed import embed_profiles_handler
from web.jobs.worker import Worker
from web.matching import MatchingService
from web.matching import service as service_module
from web.services.profiles import import_records
from web.settings import Settings
from web.store.jobs import EMBED_JOB

N_PROFILES = 24


def test_a_profile_embedded_while_the_index_refits_is_in_the_refitted_index(
        db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its notification arrives while the new engine fits from records read before it was
    embedded: it is applied again to the new engine, not only to the one being replaced."""
    load_small(db)
    worker = Worker(db, {EMBED_JOB: embed_profiles_handler(settings)})
    worker.drain()
    matching = MatchingService(settings, db)
    matching.load()
    late = {**load_files([DATA / "small.json"])[0], "id": "vn-late", "name": "Late",
            "description": "Hồ sơ đến muộn: kiểm định cảm biến độ mặn cho ao tôm, văn bản chưa từng được nhúng."}
    import_records(db, [late])
    read = service_module.ready_records

    def read_then_embed_meanwhile(*args: object) -> object:
        records = read(*args)  # type: ignore[arg-type]
        worker.drain()
        matching.refresh(["vn-late"])  # what the listener does on the worker's NOTIFY
        return records

    monkeypatch.setattr(service_module, "ready_records", read_then_embed_meanwhile)
    try:
        matching.load()  # a refit
        assert matching.contains("vn-late") and matching.size == 7
    finally:
        matching.stop()


@pytest.fixture
def cluster_url(pg_url: str) -> Iterator[str]:
    """A fresh database on the session's server, dropped afterwards (the hosts are gone by then)."""
    name = f"caunoi_multihost_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield make_conninfo(pg_url, dbname=name)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def cluster(cluster_url: str, tmp_path: Path) -> Iterator[Cluster]:
    """The hosts' processes, every one of them ended when the test ends, however it ends."""
    # the warm rankings are per-process work that only saves time: off, to leave the 2 cores to the test
    hosts = Cluster(cluster_url, tmp_path, CAUNOI_WARM_RANKINGS="0", CAUNOI_LOG_LEVEL="INFO")
    try:
        yield hosts
    finally:
        hosts.close()


@pytest.mark.slow
def test_a_write_on_one_host_is_matchable_on_the_other_and_killing_a_host_loses_nothing(cluster: Cluster) -> None:
    url = cluster.url
    assert str(conninfo_to_dict(url)["dbname"]).startswith("caunoi_multihost_")
    token = seed(url, sample_records(N_PROFILES, "mh", 7))
    a, b = cluster.start("a", free_port()), cluster.start("b", free_port())
    # setup, not the property under test: the workers embed 24 profiles with the real model (one
    # more text per long description since the whole-description vectors) while the other test
    # process runs its own heavy tests; 64 s alone, over 90 s once under that load
    both_ready = wait_for(lambda: job_counts(url).get("queued", 0) == 0 and cluster.ready(a, N_PROFILES)
                          and cluster.ready(b, N_PROFILES), 180, every=0.5)
    assert both_ready, f"{cluster.readyz()}\n{database_state(url)}\n{cluster.dump_threads()}"
    fresh = sample_records(40, "mw", 8)
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as client:
        # written through A, embedded by either worker, in B's index through NOTIFY
        delay = propagation(client, a, b, fresh[0], timeout=30)
        assert delay is not None and delay < 30, cluster.tail()

        load = Load(client, [a, b], [f"mh-{i:05d}" for i in range(N_PROFILES)],
                    lambda i: fresh[1 + i], rate=4, write_every=0.3).start()
        try:
            assert wait_for(lambda: len(load.acked) >= 3, 30), load.outcomes[-5:]
            claimed = pause_until_claimed(url, b, a, timeout=30)
            load.alive.discard(a.name)
            kill_at = time.monotonic()
            cluster.kill(a)
            resume(b)
            assert claimed, "A's worker never held a claimed batch to be killed with"
            assert wait_for(lambda: claimed_by(url, "caunoi-worker-a") == [], 10)  # its transaction died with it
            # the surviving worker finishes what the dead one held (each job once: attempts 1)
            assert wait_for(lambda: set(job_status(url, claimed).values()) == {("done", 1)}, 30), \
                (job_status(url, claimed), cluster.tail())
            writes_before = len(load.acked)
            assert wait_for(lambda: len(load.acked) >= writes_before + 3, 30), load.outcomes[-5:]
            # at least 10 answers of the survivor after the kill (the load's pace varies with the machine's)
            assert wait_for(lambda: sum(o.host == b.name and o.at > kill_at for o in load.outcomes) >= 10, 30), \
                load.outcomes[-5:]
        finally:
            load.finish()
        after = [o for o in load.outcomes if o.host == b.name and o.at > kill_at]
        failed = [o for o in after if o.status is None or o.status >= 500]
        assert len(after) >= 10 and not failed, (failed, cluster.tail())
        stored = stored_names(url, list(load.acked))
        assert {pid: name for pid, (_h, name, _t) in load.acked.items()} == stored
        for pid in load.acked:
            assert eventually_matchable(client, b, pid, 30), \
                f"{pid}: {why_not_matchable(client, url, b, pid)}\n{database_state(url)}\n{cluster.dump_threads()}"
