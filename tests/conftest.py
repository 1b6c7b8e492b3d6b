"""Shared fixtures: one real PostgreSQL (the embedded one) per test session, reset between tests.

Set CAUNOI_TEST_DATABASE_URL to run against an external PostgreSQL with pgvector instead.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from web.db.migrate import apply_migrations
from web.db.pool import Database
from web.db.server import start_embedded
from web.settings import Settings

REPO = Path(__file__).resolve().parent.parent


def _worker_database(url: str, worker: str) -> str:
    """``url`` with a database of its own for one pytest-xdist worker (created when missing), so
    that parallel workers against one external server never empty each other's tables."""
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'postgres'}_{worker}"
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One PostgreSQL per test process: the embedded one (each pytest-xdist worker starts its own),
    or CAUNOI_TEST_DATABASE_URL's server (a database per worker)."""
    url = os.environ.get("CAUNOI_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        url = _worker_database(url, worker)
    if not url:
        # outside pytest's 0700 tmp tree: the server runs as its own system user when we are root
        folder = Path(tempfile.mkdtemp(prefix="caunoi-test-pg-"))
        folder.chmod(0o755)
        url = start_embedded(folder, cleanup="delete")
    apply_migrations(url)
    return url


@pytest.fixture(scope="session")
def settings(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=pg_url, secret_key="test-secret-key",
                    in_process_worker=False)


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings).open(migrate=False)
    yield db
    db.close()


def truncate_all(db: Database, seconds: float = 60.0) -> None:
    """Empty every table but the migrations and the embedding cache.

    A live server of this module or of the previous test (its worker, its index listener, its
    stored rankings) may be in a transaction that read one table and is about to write another.
    A TRUNCATE waits for its tables' locks one at a time while holding the others, so it could
    close a cycle with such a transaction (a deadlock, seen in CI). And its worker runs batch after
    batch, so locks that are only ever tried (NOWAIT) may never all be free at once (also seen in
    CI). So the locks are tried with NOWAIT, and the one that was busy is waited for at the start
    of the next attempt, before any other is held: a wait that can be part of no cycle, and that
    queues ahead of the worker's next batch. After ``seconds``, the error names the other sessions."""
    deadline = time.monotonic() + seconds
    busy: str | None = None
    while True:
        try:
            with db.connection() as conn, conn.transaction():
                tables = [r[0] for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    # the embedding cache is content-addressed: keeping it between tests only saves model time
                    " AND tablename NOT IN ('schema_migrations', 'embedding_cache') ORDER BY tablename"
                ).fetchall()]
                if busy in tables:
                    remaining_ms = max(1, int(1000 * (deadline - time.monotonic())))
                    conn.execute(f"SET LOCAL lock_timeout = {remaining_ms}")
                    conn.execute(f"LOCK TABLE {busy} IN ACCESS EXCLUSIVE MODE")  # holding no other
                for table in tables:
                    busy = table
                    conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE NOWAIT")
                if tables:
                    conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            return
        except psycopg.errors.LockNotAvailable as exc:
            if time.monotonic() > deadline:
                with db.connection() as conn:
                    others = conn.execute(
                        "SELECT pid, state, xact_start, left(query, 200) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall()
                raise AssertionError(f"could not empty the tables in {seconds:.0f} s ({exc}); other sessions:\n"
                                     + "\n".join(map(str, others))) from exc


@pytest.fixture
def db(database: Database) -> Database:
    """The session database, emptied before the test."""
    truncate_all(database)
    return database
