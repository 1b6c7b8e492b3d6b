"""SQL for in-app notifications (an alert of a saved search, for now)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row


@dataclass
class NotificationRow:
    id: int
    user_id: int
    kind: str
    alert_id: int | None
    created_at: datetime
    read_at: datetime | None


_COLS = "id, user_id, kind, alert_id, created_at, read_at"


def insert_notification(conn: psycopg.Connection, user_id: int, alert_id: int, kind: str = "alert") -> int:
    row = conn.execute("INSERT INTO notifications (user_id, kind, alert_id) VALUES (%(u)s, %(k)s, %(a)s) RETURNING id",
                       {"u": user_id, "k": kind, "a": alert_id}).fetchone()
    assert row is not None
    return int(row[0])


def count_unread(conn: psycopg.Connection, user_id: int) -> int:
    row = conn.execute("SELECT count(*) FROM notifications WHERE user_id = %(u)s AND read_at IS NULL",
                       {"u": user_id}).fetchone()
    return int(row[0]) if row else 0


def list_notifications(conn: psycopg.Connection, user_id: int, limit: int, offset: int = 0) -> list[NotificationRow]:
    with conn.cursor(row_factory=class_row(NotificationRow)) as cur:
        return cur.execute(f"SELECT {_COLS} FROM notifications WHERE user_id = %(u)s ORDER BY id DESC"
                           " LIMIT %(l)s OFFSET %(o)s", {"u": user_id, "l": limit, "o": offset}).fetchall()


def count_notifications(conn: psycopg.Connection, user_id: int) -> int:
    row = conn.execute("SELECT count(*) FROM notifications WHERE user_id = %(u)s", {"u": user_id}).fetchone()
    return int(row[0]) if row else 0


def update_read(conn: psycopg.Connection, user_id: int, notification_id: int | None) -> int:
    """Mark one of the user's notifications read (``notification_id`` None: all); how many changed."""
    return conn.execute(
        "UPDATE notifications SET read_at = now() WHERE user_id = %(u)s AND read_at IS NULL"
        " AND (%(id)s::bigint IS NULL OR id = %(id)s)", {"u": user_id, "id": notification_id}).rowcount
