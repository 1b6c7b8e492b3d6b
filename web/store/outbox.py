"""SQL for the mail outbox and password-reset tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb


@dataclass
class OutboxRow:
    id: int
    created_at: datetime
    recipient: str
    subject: str
    body: str
    kind: str
    sent_at: datetime | None
    error: str | None
    headers: dict[str, str]


_OUTBOX_COLS = "id, created_at, recipient, subject, body, kind, sent_at, error, headers"


def insert_outbox(conn: psycopg.Connection, recipient: str, subject: str, body: str, kind: str,
                  headers: dict[str, str] | None = None) -> int:
    row = conn.execute(
        "INSERT INTO outbox (recipient, subject, body, kind, headers) VALUES (%(r)s, %(s)s, %(b)s, %(k)s, %(h)s)"
        " RETURNING id",
        {"r": recipient, "s": subject, "b": body, "k": kind, "h": Jsonb(headers or {})},
    ).fetchone()
    assert row is not None
    return int(row[0])


def update_outbox_sent(conn: psycopg.Connection, outbox_id: int, error: str | None) -> None:
    conn.execute(
        "UPDATE outbox SET sent_at = CASE WHEN %(e)s::text IS NULL THEN now() ELSE sent_at END, error = %(e)s"
        " WHERE id = %(id)s",
        {"id": outbox_id, "e": error},
    )


def list_outbox(conn: psycopg.Connection, limit: int = 100, offset: int = 0) -> list[OutboxRow]:
    with conn.cursor(row_factory=class_row(OutboxRow)) as cur:
        return cur.execute(
            f"SELECT {_OUTBOX_COLS} FROM outbox ORDER BY id DESC LIMIT %(l)s OFFSET %(o)s",
            {"l": limit, "o": offset},
        ).fetchall()


def insert_reset_token(conn: psycopg.Connection, user_id: int, token_hash: str, hours: int) -> None:
    conn.execute(
        "INSERT INTO password_reset_tokens (user_id, token_hash, expires_at)"
        " VALUES (%(u)s, %(h)s, now() + make_interval(hours => %(hours)s))",
        {"u": user_id, "h": token_hash, "hours": hours},
    )


def use_reset_token(conn: psycopg.Connection, token_hash: str) -> int | None:
    """Mark a valid (unused, unexpired) token used; return its user id, or None."""
    row = conn.execute(
        "UPDATE password_reset_tokens SET used_at = now()"
        " WHERE token_hash = %(h)s AND used_at IS NULL AND expires_at > now() RETURNING user_id",
        {"h": token_hash},
    ).fetchone()
    return int(row[0]) if row else None


def find_reset_token(conn: psycopg.Connection, token_hash: str) -> int | None:
    """The user id of a valid token without using it (to show the reset form), or None."""
    row = conn.execute(
        "SELECT user_id FROM password_reset_tokens"
        " WHERE token_hash = %(h)s AND used_at IS NULL AND expires_at > now()",
        {"h": token_hash},
    ).fetchone()
    return int(row[0]) if row else None


def list_outbox_by_ids(conn: psycopg.Connection, ids: list[int]) -> list[OutboxRow]:
    with conn.cursor(row_factory=class_row(OutboxRow)) as cur:
        return cur.execute(f"SELECT {_OUTBOX_COLS} FROM outbox WHERE id = ANY(%(ids)s) ORDER BY id",
                           {"ids": ids}).fetchall()
