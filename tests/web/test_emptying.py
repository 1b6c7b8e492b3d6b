"""The tests' emptying of the database (``tests.conftest.truncate_all``) beside a live server's
transaction: it waits for it instead of closing a lock cycle with it (CI once failed four tests'
setups with "deadlock detected": a TRUNCATE takes its tables' locks one at a time, in the order
it lists them, while the server's embedding job had read the profiles and then queued a job)."""

from __future__ import annotations

import threading
import time

import psycopg
from psycopg import sql

from tests.conftest import truncate_all
from web.db.pool import Database


def test_emptying_waits_for_a_transaction_that_read_one_table_and_then_writes_another(db: Database) -> None:
    with db.connection() as conn:
        conn.execute("INSERT INTO jobs (kind, key) VALUES ('embed_profiles', 'before')")
        # the order a plain TRUNCATE of every table would lock them in (the catalogue's order)
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename NOT IN ('schema_migrations', 'embedding_cache')").fetchall()]
    first, last = sql.Identifier(tables[0]), sql.Identifier(tables[-1])
    read, finished = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def server_transaction() -> None:
        """Reads the table locked last, then (a moment later) writes the one locked first."""
        try:
            with psycopg.connect(db.resolve_url(), autocommit=True) as conn, conn.transaction():
                conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS SHARE MODE").format(last))
                read.set()
                conn.execute("SELECT pg_sleep(1.5)")  # the emptying starts meanwhile
                conn.execute(sql.SQL("LOCK TABLE {} IN ROW EXCLUSIVE MODE").format(first))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            finished.set()

    thread = threading.Thread(target=server_transaction)
    thread.start()
    assert read.wait(10)
    truncate_all(db)
    thread.join(10)
    assert finished.is_set() and not errors, errors  # not cancelled to break a deadlock
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM jobs").fetchone() == (0,)


def test_emptying_gets_its_turn_beside_a_worker_running_batch_after_batch(db: Database) -> None:
    """A worker whose batches follow each other without a pause always holds a lock on the jobs
    (a NOWAIT-only emptying never found them all free: CI failed three setups after 60 s)."""
    with db.connection() as conn:
        conn.execute("INSERT INTO jobs (kind, key) VALUES ('embed_profiles', 'before')")
    stop = threading.Event()
    batches: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with psycopg.connect(db.resolve_url(), autocommit=True) as conn:
                while not stop.is_set():
                    with conn.transaction():
                        conn.execute("LOCK TABLE jobs IN ROW SHARE MODE")  # a claim's lock
                        conn.execute("SELECT pg_sleep(0.3)")  # the batch is embedded
                    batches.append(1)
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        while not batches:  # the worker is running
            time.sleep(0.05)
        truncate_all(db, seconds=10)
    finally:
        stop.set()
        thread.join(10)
    assert not errors, errors
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM jobs").fetchone() == (0,)
