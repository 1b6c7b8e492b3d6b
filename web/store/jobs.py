"""SQL for the job queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from web.store.events import JOBS_CHANNEL, notify

#: the job that embeds a profile's passages (key: the profile id)
EMBED_JOB = "embed_profile"


@dataclass
class JobRow:
    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    created_at: datetime


def insert_jobs(conn: psycopg.Connection, kind: str, keys: list[str], payload: dict[str, Any] | None = None) -> int:
    """Enqueue one job per key and wake the workers; a key that already has a pending job is
    skipped. Returns how many were added."""
    if not keys:
        return 0
    cur = conn.execute(
        "INSERT INTO jobs (kind, key, payload) SELECT %(kind)s, k, %(payload)s FROM unnest(%(keys)s::text[]) AS k"
        " ON CONFLICT (kind, key) WHERE status = 'queued' DO NOTHING",
        {"kind": kind, "keys": keys, "payload": Jsonb(payload or {})},
    )
    if cur.rowcount:
        notify_jobs(conn)
    return cur.rowcount


def notify_jobs(conn: psycopg.Connection) -> None:
    """Wake the workers (delivered when the caller's transaction commits; once per transaction)."""
    notify(conn, JOBS_CHANNEL)


def claim_jobs(conn: psycopg.Connection, kind: str, limit: int) -> list[JobRow]:
    """Lock up to ``limit`` due jobs (call inside a transaction; the locks last until it ends)."""
    with conn.cursor(row_factory=class_row(JobRow)) as cur:
        return cur.execute(
            "SELECT id, kind, key, payload, attempts, max_attempts, created_at FROM jobs"
            " WHERE status = 'queued' AND kind = %(kind)s AND run_after <= now()"
            " ORDER BY run_after, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED",
            {"kind": kind, "limit": limit},
        ).fetchall()


def due_jobs_exist(conn: psycopg.Connection, kinds: list[str]) -> bool:
    """Whether queued jobs of ``kinds`` are due, locked or not (a plain read: ``claim_jobs``
    skips the rows another session holds, this does not)."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'queued' AND kind = ANY(%(kinds)s)"
        " AND run_after <= now())",
        {"kinds": kinds},
    ).fetchone()
    return bool(row and row[0])


def update_jobs_done(conn: psycopg.Connection, ids: list[int]) -> None:
    conn.execute(
        "UPDATE jobs SET status = 'done', attempts = attempts + 1, finished_at = now(), last_error = NULL"
        " WHERE id = ANY(%(ids)s)",
        {"ids": ids},
    )


def update_job_failed(conn: psycopg.Connection, job_id: int, error: str, backoff_seconds: float) -> None:
    """Count a failed attempt: retry after ``backoff_seconds``, or mark failed at max_attempts."""
    conn.execute(
        "UPDATE jobs SET attempts = attempts + 1, last_error = %(err)s,"
        " status = CASE WHEN attempts + 1 >= max_attempts THEN 'failed' ELSE 'queued' END,"
        " finished_at = CASE WHEN attempts + 1 >= max_attempts THEN now() END,"
        " run_after = now() + make_interval(secs => %(backoff)s)"
        " WHERE id = %(id)s",
        {"id": job_id, "err": error[:2000], "backoff": backoff_seconds},
    )


def count_jobs(conn: psycopg.Connection) -> dict[str, int]:
    """Counts by state; 'running' are queued jobs locked by a worker right now."""
    rows = conn.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall()
    counts = {"queued": 0, "running": 0, "done": 0, "failed": 0}
    counts.update({status: int(n) for status, n in rows})
    with conn.transaction():
        unlocked = conn.execute(
            "SELECT count(*) FROM (SELECT id FROM jobs WHERE status = 'queued' FOR UPDATE SKIP LOCKED) s"
        ).fetchone()
    counts["running"] = counts["queued"] - int(unlocked[0] if unlocked else 0)
    counts["queued"] -= counts["running"]
    return counts


def oldest_pending_age_seconds(conn: psycopg.Connection) -> float | None:
    row = conn.execute(
        "SELECT EXTRACT(EPOCH FROM now() - min(created_at)) FROM jobs WHERE status = 'queued'"
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else None


def list_recent_jobs(conn: psycopg.Connection, limit: int = 50) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, kind, key, status, attempts, last_error, created_at, finished_at FROM jobs"
        " ORDER BY id DESC LIMIT %(limit)s",
        {"limit": limit},
    ).fetchall()
    keys = ("id", "kind", "key", "status", "attempts", "last_error", "created_at", "finished_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def delete_finished_jobs(conn: psycopg.Connection, older_than_days: int = 7) -> int:
    cur = conn.execute(
        "DELETE FROM jobs WHERE status = 'done' AND finished_at < now() - make_interval(days => %(d)s)",
        {"d": older_than_days},
    )
    return cur.rowcount
