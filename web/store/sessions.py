"""SQL for server-side sessions (``sessions``), looked up by the sha256 of the cookie's id.

Idle and absolute expiry are applied when a session is read (``idle`` in hours, ``life`` in days),
so an expired row is as good as gone until ``delete_expired_sessions`` removes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

_LIVE = ("last_seen_at > now() - make_interval(hours => %(idle)s)"
         " AND created_at > now() - make_interval(days => %(life)s)")


@dataclass
class SessionRow:
    user_id: int | None
    csrf_token: str
    locale: str | None
    flash: list[list[str]]
    touch_due: bool  # last seen more than a minute ago


def get_session(conn: psycopg.Connection, id_hash: str, idle: int, life: int) -> SessionRow | None:
    """The live session with this id hash, or None (unknown, ended or expired)."""
    with conn.cursor(row_factory=class_row(SessionRow)) as cur:
        return cur.execute(
            "SELECT user_id, csrf_token, locale, flash, now() - last_seen_at > interval '1 minute' AS touch_due"
            f" FROM sessions WHERE id_hash = %(h)s AND {_LIVE}",
            {"h": id_hash, "idle": idle, "life": life},
        ).fetchone()


def _values(id_hash: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"h": id_hash, "u": data.get("uid"), "c": data["csrf"], "l": data.get("locale"),
            "f": Jsonb(data.get("flash", []))}


def insert_session(conn: psycopg.Connection, id_hash: str, data: dict[str, Any]) -> None:
    """A new session row (``data``: ``uid``, ``csrf``, ``locale``, ``flash``). An expired row left
    under the same id is replaced, never extended."""
    conn.execute(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, locale, flash)"
        " VALUES (%(h)s, %(u)s, %(c)s, %(l)s, %(f)s)"
        " ON CONFLICT (id_hash) DO UPDATE SET user_id = excluded.user_id, csrf_token = excluded.csrf_token,"
        "   locale = excluded.locale, flash = excluded.flash, created_at = now(), last_seen_at = now()",
        _values(id_hash, data),
    )


def update_session(conn: psycopg.Connection, id_hash: str, data: dict[str, Any]) -> None:
    """Write a live session's data back. Never recreates it: a session ended meanwhile (signed out
    everywhere, password changed) stays ended."""
    conn.execute(
        "UPDATE sessions SET user_id = %(u)s, csrf_token = %(c)s, locale = %(l)s, flash = %(f)s,"
        " last_seen_at = now() WHERE id_hash = %(h)s",
        _values(id_hash, data),
    )


def touch_session(conn: psycopg.Connection, id_hash: str) -> None:
    conn.execute("UPDATE sessions SET last_seen_at = now() WHERE id_hash = %(h)s", {"h": id_hash})


def delete_session(conn: psycopg.Connection, id_hash: str) -> None:
    conn.execute("DELETE FROM sessions WHERE id_hash = %(h)s", {"h": id_hash})


def delete_user_sessions(conn: psycopg.Connection, user_id: int) -> int:
    """End every session of a user; returns how many there were."""
    return conn.execute("DELETE FROM sessions WHERE user_id = %(u)s", {"u": user_id}).rowcount


def count_user_sessions(conn: psycopg.Connection, user_id: int, idle: int, life: int) -> int:
    row = conn.execute(f"SELECT count(*) FROM sessions WHERE user_id = %(u)s AND {_LIVE}",
                       {"u": user_id, "idle": idle, "life": life}).fetchone()
    return int(row[0]) if row else 0


def delete_expired_sessions(conn: psycopg.Connection, idle: int, life: int) -> int:
    return conn.execute(
        "DELETE FROM sessions WHERE last_seen_at <= now() - make_interval(hours => %(idle)s)"
        " OR created_at <= now() - make_interval(days => %(life)s)",
        {"idle": idle, "life": life},
    ).rowcount
