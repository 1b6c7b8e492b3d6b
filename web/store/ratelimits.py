"""SQL for the rate-limit counters (``rate_limits``): one row per bucket and current window."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import class_row


@dataclass
class Count:
    hits: int          # hits in the current window, this one included
    retry_after: int   # whole seconds until the window ends (at least 1)


def hit_bucket(conn: psycopg.Connection, bucket: str, window_seconds: int) -> Count:
    """Count one hit in ``bucket``'s window, starting a new window when the last one has ended.

    One statement, so concurrent hits from any worker or host are counted exactly."""
    with conn.cursor(row_factory=class_row(Count)) as cur:
        row = cur.execute(
            "INSERT INTO rate_limits AS r (bucket, hits, resets_at)"
            " VALUES (%(b)s, 1, now() + make_interval(secs => %(w)s))"
            " ON CONFLICT (bucket) DO UPDATE SET"
            "   hits = CASE WHEN r.resets_at <= now() THEN 1 ELSE r.hits + 1 END,"
            "   resets_at = CASE WHEN r.resets_at <= now() THEN excluded.resets_at ELSE r.resets_at END"
            " RETURNING hits, greatest(1, ceil(extract(epoch FROM resets_at - now())))::int AS retry_after",
            {"b": bucket, "w": window_seconds},
        ).fetchone()
    assert row is not None
    return row


def get_bucket(conn: psycopg.Connection, bucket: str) -> Count | None:
    """The current window's count, without counting (None: no hit in a live window)."""
    with conn.cursor(row_factory=class_row(Count)) as cur:
        return cur.execute(
            "SELECT hits, greatest(1, ceil(extract(epoch FROM resets_at - now())))::int AS retry_after"
            " FROM rate_limits WHERE bucket = %(b)s AND resets_at > now()",
            {"b": bucket},
        ).fetchone()


def delete_bucket(conn: psycopg.Connection, bucket: str) -> None:
    conn.execute("DELETE FROM rate_limits WHERE bucket = %(b)s", {"b": bucket})


def delete_ended_buckets(conn: psycopg.Connection) -> int:
    """Forget windows that have ended; returns how many."""
    return conn.execute("DELETE FROM rate_limits WHERE resets_at <= now()").rowcount


def list_live_buckets(conn: psycopg.Connection, buckets: list[str]) -> dict[str, Count]:
    """The live counts of those of ``buckets`` that have one."""
    rows = conn.execute(
        "SELECT bucket, hits, greatest(1, ceil(extract(epoch FROM resets_at - now())))::int"
        " FROM rate_limits WHERE bucket = ANY(%(b)s) AND resets_at > now()",
        {"b": buckets},
    ).fetchall()
    return {r[0]: Count(r[1], r[2]) for r in rows}
