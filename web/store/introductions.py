"""SQL for introductions (double opt-in requests between two profiles, brokered by the programme
office when one side is anonymous) and their messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

OPEN_STATES = ("brokering", "requested", "accepted")
#: an introduction the recipient may know of: not brokered, or forwarded to it by an officer
_REACHED = "(NOT i.brokered OR i.forwarded_at IS NOT NULL)"


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
    brokered: bool = False              # went through the programme office
    broker_note: str | None = None      # the officer's note to the recipient
    forwarded_by: int | None = None
    forwarded_at: datetime | None = None

    @property
    def reached_recipient(self) -> bool:
        """Whether the recipient was ever asked (an introduction held by the office was not)."""
        return not self.brokered or self.forwarded_at is not None


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
    " i.decided_at, i.brokered, i.broker_note, i.forwarded_by, i.forwarded_at FROM introductions i"
    " JOIN profiles fp ON fp.id = i.from_profile JOIN profiles tp ON tp.id = i.to_profile"
)


def insert_introduction(conn: psycopg.Connection, from_profile: str, to_profile: str, requested_by: int,
                        message: str, expiry_days: int, brokered: bool = False) -> int:
    """A new request: ``brokering`` (waiting with the office) when ``brokered``, else ``requested``."""
    row = conn.execute(
        "INSERT INTO introductions (from_profile, to_profile, requested_by, message, expires_at, state, brokered)"
        " VALUES (%(f)s, %(t)s, %(u)s, %(m)s, now() + make_interval(days => %(d)s), %(s)s, %(b)s) RETURNING id",
        {"f": from_profile, "t": to_profile, "u": requested_by, "m": message, "d": expiry_days,
         "s": "brokering" if brokered else "requested", "b": brokered},
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
        "SELECT id FROM introductions WHERE state = ANY(%(open)s)"
        " AND ((from_profile = %(a)s AND to_profile = %(b)s) OR (from_profile = %(b)s AND to_profile = %(a)s))"
        " ORDER BY id LIMIT 1",
        {"a": a, "b": b, "open": list(OPEN_STATES)},
    ).fetchone()
    return int(row[0]) if row else None


def get_introduction(conn: psycopg.Connection, intro_id: int) -> IntroductionRow | None:
    with conn.cursor(row_factory=class_row(IntroductionRow)) as cur:
        return cur.execute(_SELECT + " WHERE i.id = %(id)s", {"id": intro_id}).fetchone()


def list_introductions(conn: psycopg.Connection, profile_ids: list[str]) -> list[IntroductionRow]:
    """Introductions sent by any of ``profile_ids``, or received and not held by the office, newest first."""
    with conn.cursor(row_factory=class_row(IntroductionRow)) as cur:
        return cur.execute(
            _SELECT + " WHERE i.from_profile = ANY(%(ids)s) OR (i.to_profile = ANY(%(ids)s) AND " + _REACHED + ")"
            " ORDER BY i.id DESC",
            {"ids": profile_ids},
        ).fetchall()


def list_brokering(conn: psycopg.Connection) -> list[IntroductionRow]:
    """Introductions waiting with the programme office, oldest first."""
    with conn.cursor(row_factory=class_row(IntroductionRow)) as cur:
        return cur.execute(_SELECT + " WHERE i.state = 'brokering' ORDER BY i.id").fetchall()


def update_introduction_state(conn: psycopg.Connection, intro_id: int, from_states: tuple[str, ...],
                              to_state: str, decided_by: int | None, reason: str | None = None,
                              share_reason: bool = False) -> bool:
    """Move one introduction from one of ``from_states`` to ``to_state``; False when it was in none."""
    cur = conn.execute(
        "UPDATE introductions SET state = %(to)s, decided_by = %(by)s, decided_at = now(),"
        " decline_reason = %(reason)s, share_reason = %(share)s"
        " WHERE id = %(id)s AND state = ANY(%(from)s)",
        {"id": intro_id, "from": list(from_states), "to": to_state, "by": decided_by, "reason": reason,
         "share": share_reason},
    )
    return cur.rowcount > 0


def forward_introduction(conn: psycopg.Connection, intro_id: int, officer_id: int, note: str | None,
                         expiry_days: int) -> bool:
    """An officer passes a ``brokering`` introduction on to its recipient: it becomes ``requested``,
    with the note and a fresh deadline (the recipient gets its full time). False when not brokering."""
    cur = conn.execute(
        "UPDATE introductions SET state = 'requested', broker_note = %(note)s, forwarded_by = %(by)s,"
        " forwarded_at = now(), expires_at = now() + make_interval(days => %(d)s)"
        " WHERE id = %(id)s AND state = 'brokering'",
        {"id": intro_id, "note": note, "by": officer_id, "d": expiry_days},
    )
    return cur.rowcount > 0


def expire_introductions(conn: psycopg.Connection) -> list[int]:
    """Expire every request (with the office or the recipient) past its ``expires_at``; return the ids."""
    rows = conn.execute(
        "UPDATE introductions SET state = 'expired', decided_at = now()"
        " WHERE state IN ('brokering', 'requested') AND expires_at <= now() RETURNING id"
    ).fetchall()
    return sorted(int(r[0]) for r in rows)


def list_introduction_states(conn: psycopg.Connection, profile_id: str) -> dict[str, str]:
    """``{other profile id: state}`` of the latest introduction between ``profile_id`` and each other
    (as the recipient, only those that reached it)."""
    rows = conn.execute(
        "SELECT DISTINCT ON (other) other, state FROM ("
        "  SELECT CASE WHEN from_profile = %(p)s THEN to_profile ELSE from_profile END AS other, state, id"
        "  FROM introductions i WHERE from_profile = %(p)s OR (to_profile = %(p)s AND " + _REACHED + ")) s"
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
