"""SQL for introductions (double opt-in requests between two profiles) and their messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

OPEN_STATES = ("requested", "accepted")


@dataclass
class IntroductionRow:
    id: int
    from_profile: str
    to_profile: str
    from_name: str
    to_name: str
    requested_by: int | None
    message: str
    state: str
    decline_reason: str | None
    share_reason: bool
    decided_by: int | None
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None


@dataclass
class MessageRow:
    id: int
    introduction_id: int
    author_id: int | None
    author_profile: str
    body: str
    created_at: datetime


_SELECT = (
    "SELECT i.id, i.from_profile, i.to_profile, fp.name AS from_name, tp.name AS to_name, i.requested_by,"
    " i.message, i.state, i.decline_reason, i.share_reason, i.decided_by, i.created_at, i.expires_at,"
    " i.decided_at FROM introductions i"
    " JOIN profiles fp ON fp.id = i.from_profile JOIN profiles tp ON tp.id = i.to_profile"
)


def insert_introduction(conn: psycopg.Connection, from_profile: str, to_profile: str, requested_by: int,
                        message: str, expiry_days: int) -> int:
    row = conn.execute(
        "INSERT INTO introductions (from_profile, to_profile, requested_by, message, expires_at)"
        " VALUES (%(f)s, %(t)s, %(u)s, %(m)s, now() + make_interval(days => %(d)s)) RETURNING id",
        {"f": from_profile, "t": to_profile, "u": requested_by, "m": message, "d": expiry_days},
    ).fetchone()
    assert row is not None
    return int(row[0])


def count_recent_introductions(conn: psycopg.Connection, from_profile: str) -> int:
    """Requests sent by ``from_profile`` in the last 24 hours (whatever became of them)."""
    row = conn.execute(
        "SELECT count(*) FROM introductions WHERE from_profile = %(f)s AND created_at > now() - interval '1 day'",
        {"f": from_profile},
    ).fetchone()
    return int(row[0]) if row else 0


def find_open_introduction(conn: psycopg.Connection, a: str, b: str) -> int | None:
    """An open introduction between ``a`` and ``b`` in either direction, if any."""
    row = conn.execute(
        "SELECT id FROM introductions WHERE state IN ('requested', 'accepted')"
        " AND ((from_profile = %(a)s AND to_profile = %(b)s) OR (from_profile = %(b)s AND to_profile = %(a)s))"
        " ORDER BY id LIMIT 1",
        {"a": a, "b": b},
    ).fetchone()
    return int(row[0]) if row else None


def get_introduction(conn: psycopg.Connection, intro_id: int) -> IntroductionRow | None:
    with conn.cursor(row_factory=class_row(IntroductionRow)) as cur:
        return cur.execute(_SELECT + " WHERE i.id = %(id)s", {"id": intro_id}).fetchone()


def list_introductions(conn: psycopg.Connection, profile_ids: list[str]) -> list[IntroductionRow]:
    """Introductions sent or received by any of ``profile_ids``, newest first."""
    with conn.cursor(row_factory=class_row(IntroductionRow)) as cur:
        return cur.execute(
            _SELECT + " WHERE i.from_profile = ANY(%(ids)s) OR i.to_profile = ANY(%(ids)s) ORDER BY i.id DESC",
            {"ids": profile_ids},
        ).fetchall()


def update_introduction_state(conn: psycopg.Connection, intro_id: int, from_state: str, to_state: str,
                              decided_by: int | None, reason: str | None = None,
                              share_reason: bool = False) -> bool:
    """Move one introduction from ``from_state`` to ``to_state``; False when it was not in ``from_state``."""
    cur = conn.execute(
        "UPDATE introductions SET state = %(to)s, decided_by = %(by)s, decided_at = now(),"
        " decline_reason = %(reason)s, share_reason = %(share)s"
        " WHERE id = %(id)s AND state = %(from)s",
        {"id": intro_id, "from": from_state, "to": to_state, "by": decided_by, "reason": reason,
         "share": share_reason},
    )
    return cur.rowcount > 0


def expire_introductions(conn: psycopg.Connection) -> list[int]:
    """Expire every request past its ``expires_at``; return the ids expired."""
    rows = conn.execute(
        "UPDATE introductions SET state = 'expired', decided_at = now()"
        " WHERE state = 'requested' AND expires_at <= now() RETURNING id"
    ).fetchall()
    return sorted(int(r[0]) for r in rows)


def list_introduction_states(conn: psycopg.Connection, profile_id: str) -> dict[str, str]:
    """``{other profile id: state}`` of the latest introduction between ``profile_id`` and each other."""
    rows = conn.execute(
        "SELECT DISTINCT ON (other) other, state FROM ("
        "  SELECT CASE WHEN from_profile = %(p)s THEN to_profile ELSE from_profile END AS other, state, id"
        "  FROM introductions WHERE from_profile = %(p)s OR to_profile = %(p)s) s"
        " ORDER BY other, id DESC",
        {"p": profile_id},
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def insert_message(conn: psycopg.Connection, intro_id: int, author_id: int, author_profile: str, body: str) -> int:
    row = conn.execute(
        "INSERT INTO introduction_messages (introduction_id, author_id, author_profile, body)"
        " VALUES (%(i)s, %(a)s, %(p)s, %(b)s) RETURNING id",
        {"i": intro_id, "a": author_id, "p": author_profile, "b": body},
    ).fetchone()
    assert row is not None
    return int(row[0])


def list_messages(conn: psycopg.Connection, intro_id: int) -> list[MessageRow]:
    with conn.cursor(row_factory=class_row(MessageRow)) as cur:
        return cur.execute(
            "SELECT id, introduction_id, author_id, author_profile, body, created_at FROM introduction_messages"
            " WHERE introduction_id = %(i)s ORDER BY id",
            {"i": intro_id},
        ).fetchall()
