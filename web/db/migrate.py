"""Numbered SQL migrations (``web/db/migrations/NNN_name.sql``): each applied in its own
transaction, recorded in ``schema_migrations``, never edited once applied."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from web.db.server import DatabaseError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
# one advisory lock key for "applying migrations", so that several processes starting at once
# (serve --workers N) do not race
_MIGRATE_LOCK = 7_262_001


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
