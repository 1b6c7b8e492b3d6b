"""The channels processes wake each other on (PostgreSQL LISTEN/NOTIFY), and the one way to use them.

A notification is delivered when the sender's transaction commits, so a listener never hears of a
write that was rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql

#: a job was queued (no payload): the workers claim whatever is due
JOBS_CHANNEL = "caunoi_jobs"
#: profiles whose vectors changed or that were deleted: their ids, comma-separated
INDEX_CHANNEL = "caunoi_index"
# PostgreSQL refuses a payload of 8000 bytes or more
_MAX_PAYLOAD = 7999


def notify(conn: psycopg.Connection, channel: str, payload: str = "") -> None:
    """Send ``payload`` on ``channel`` (delivered when the caller's transaction commits)."""
    conn.execute("SELECT pg_notify(%(ch)s, %(p)s)", {"ch": channel, "p": payload})


def listen(conn: psycopg.Connection, channel: str) -> None:
    """Start receiving ``channel`` on ``conn`` (an autocommit connection kept for listening)."""
    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))


def notify_index(conn: psycopg.Connection, profile_ids: Iterable[str]) -> None:
    """Tell every process's live index that these profiles changed, in as few payloads as fit."""
    payload = ""
    for pid in profile_ids:
        if payload and len(payload) + 1 + len(pid) > _MAX_PAYLOAD:  # ids are ASCII: characters are bytes
            notify(conn, INDEX_CHANNEL, payload)
            payload = ""
        payload = f"{payload},{pid}" if payload else pid
    if payload:
        notify(conn, INDEX_CHANNEL, payload)
