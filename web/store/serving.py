"""SQL of the serving token (migration 064): the token of the last committed change of what every
match list reads besides the engine (the learned model and exposure re-ranking switched on, the
anonymous set), read together with a profile's existence in one round trip."""

from __future__ import annotations

import psycopg


def read_token(conn: psycopg.Connection, profile_id: str | None = None) -> tuple[int | None, bool]:
    """(the serving token, None when its row is gone; whether ``profile_id`` is stored, False for None)."""
    row = conn.execute(
        "SELECT (SELECT token FROM serving_generation),"
        " %(id)s::text IS NOT NULL AND EXISTS (SELECT 1 FROM profiles WHERE id = %(id)s::text)",
        {"id": profile_id},
    ).fetchone()
    assert row is not None
    return (int(row[0]) if row[0] is not None else None), bool(row[1])
