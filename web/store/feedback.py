"""SQL for per-user feedback on proposed matches (saved / hidden)."""

from __future__ import annotations

import psycopg

VERDICTS = ("saved", "hidden")


def upsert_feedback(conn: psycopg.Connection, user_id: int, profile_id: str, target_id: str, verdict: str) -> None:
    conn.execute(
        "INSERT INTO feedback (user_id, profile_id, target_id, verdict)"
        " VALUES (%(u)s, %(p)s, %(t)s, %(v)s)"
        " ON CONFLICT (user_id, profile_id, target_id) DO UPDATE SET verdict = EXCLUDED.verdict, created_at = now()",
        {"u": user_id, "p": profile_id, "t": target_id, "v": verdict},
    )


def delete_feedback(conn: psycopg.Connection, user_id: int, profile_id: str, target_id: str) -> None:
    conn.execute(
        "DELETE FROM feedback WHERE user_id = %(u)s AND profile_id = %(p)s AND target_id = %(t)s",
        {"u": user_id, "p": profile_id, "t": target_id},
    )


def list_feedback(conn: psycopg.Connection, user_id: int, profile_id: str) -> dict[str, str]:
    """``{target_id: verdict}`` for one user's profile."""
    rows = conn.execute(
        "SELECT target_id, verdict FROM feedback WHERE user_id = %(u)s AND profile_id = %(p)s",
        {"u": user_id, "p": profile_id},
    ).fetchall()
    return {r[0]: r[1] for r in rows}
