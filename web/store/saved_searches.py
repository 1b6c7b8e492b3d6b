"""SQL for saved searches, their alerts and the queue of profiles waiting to be evaluated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row


@dataclass
class SavedSearchRow:
    id: int
    user_id: int
    kind: str                 # 'search' | 'profile'
    name: str
    programme: str | None
    query: str                # the /directory query string (kind 'search')
    profile_id: str | None    # kind 'profile'
    frequency: str            # 'immediate' | 'weekly' | 'off'
    threshold: float | None
    top_ids: list[str]        # the top results when the threshold was computed
    threshold_at: datetime | None
    digest_at: datetime | None
    created_at: datetime


@dataclass
class AlertRow:
    id: int
    saved_search_id: int
    profile_id: str
    rank: int
    score: float
    created_at: datetime
    mailed_at: datetime | None


_COLS = ("id, user_id, kind, name, programme, query, profile_id, frequency, threshold, top_ids, threshold_at,"
         " digest_at, created_at")
_ALERT_COLS = "id, saved_search_id, profile_id, rank, score, created_at, mailed_at"


def insert_saved_search(conn: psycopg.Connection, user_id: int, kind: str, name: str, programme: str | None,
                        query: str, profile_id: str | None, frequency: str) -> SavedSearchRow:
    with conn.cursor(row_factory=class_row(SavedSearchRow)) as cur:
        row = cur.execute(
            "INSERT INTO saved_searches (user_id, kind, name, programme, query, profile_id, frequency)"
            " VALUES (%(u)s, %(k)s, %(n)s, %(p)s, %(q)s, %(pid)s, %(f)s)"
            f" RETURNING {_COLS}",
            {"u": user_id, "k": kind, "n": name, "p": programme, "q": query, "pid": profile_id, "f": frequency},
        ).fetchone()
    assert row is not None
    return row


def get_saved_search(conn: psycopg.Connection, search_id: int) -> SavedSearchRow | None:
    with conn.cursor(row_factory=class_row(SavedSearchRow)) as cur:
        return cur.execute(f"SELECT {_COLS} FROM saved_searches WHERE id = %(id)s", {"id": search_id}).fetchone()


def find_profile_subscription(conn: psycopg.Connection, user_id: int, profile_id: str) -> SavedSearchRow | None:
    with conn.cursor(row_factory=class_row(SavedSearchRow)) as cur:
        return cur.execute(
            f"SELECT {_COLS} FROM saved_searches WHERE user_id = %(u)s AND kind = 'profile' AND profile_id = %(p)s",
            {"u": user_id, "p": profile_id}).fetchone()


def list_saved_searches(conn: psycopg.Connection, user_id: int | None = None) -> list[SavedSearchRow]:
    """One user's saved searches (newest first), or every one (``user_id`` None: by id)."""
    with conn.cursor(row_factory=class_row(SavedSearchRow)) as cur:
        if user_id is None:
            return cur.execute(f"SELECT {_COLS} FROM saved_searches ORDER BY id").fetchall()
        return cur.execute(f"SELECT {_COLS} FROM saved_searches WHERE user_id = %(u)s ORDER BY id DESC",
                           {"u": user_id}).fetchall()


def list_stale_thresholds(conn: psycopg.Connection, hours: float, limit: int) -> list[SavedSearchRow]:
    """Saved searches whose threshold is older than ``hours`` (never refreshed first)."""
    with conn.cursor(row_factory=class_row(SavedSearchRow)) as cur:
        return cur.execute(
            f"SELECT {_COLS} FROM saved_searches"
            " WHERE threshold_at IS NULL OR threshold_at < now() - make_interval(secs => %(s)s)"
            " ORDER BY threshold_at NULLS FIRST, id LIMIT %(l)s",
            {"s": hours * 3600.0, "l": limit}).fetchall()


def update_frequency(conn: psycopg.Connection, search_id: int, frequency: str) -> bool:
    cur = conn.execute("UPDATE saved_searches SET frequency = %(f)s WHERE id = %(id)s",
                       {"id": search_id, "f": frequency})
    return cur.rowcount > 0


def update_all_frequencies_off(conn: psycopg.Connection, user_id: int) -> int:
    """Stop every e-mail of ``user_id``'s saved searches; how many were mailing."""
    return conn.execute("UPDATE saved_searches SET frequency = 'off' WHERE user_id = %(u)s AND frequency <> 'off'",
                        {"u": user_id}).rowcount


def update_threshold(conn: psycopg.Connection, search_id: int, threshold: float | None,
                     top_ids: list[str]) -> None:
    conn.execute("UPDATE saved_searches SET threshold = %(t)s, top_ids = %(top)s, threshold_at = now()"
                 " WHERE id = %(id)s", {"id": search_id, "t": threshold, "top": top_ids})


def delete_saved_search(conn: psycopg.Connection, search_id: int) -> bool:
    return conn.execute("DELETE FROM saved_searches WHERE id = %(id)s", {"id": search_id}).rowcount > 0


def insert_alert(conn: psycopg.Connection, search_id: int, profile_id: str, rank: int, score: float) -> int | None:
    """The new alert's id, or None when this profile was already alerted to this search."""
    row = conn.execute(
        "INSERT INTO saved_search_alerts (saved_search_id, profile_id, rank, score)"
        " VALUES (%(s)s, %(p)s, %(r)s, %(sc)s) ON CONFLICT (saved_search_id, profile_id) DO NOTHING RETURNING id",
        {"s": search_id, "p": profile_id, "r": rank, "sc": score}).fetchone()
    return int(row[0]) if row else None


def list_alerted(conn: psycopg.Connection, profile_id: str, search_ids: list[int]) -> set[int]:
    """Those of ``search_ids`` already alerted of ``profile_id``."""
    rows = conn.execute("SELECT saved_search_id FROM saved_search_alerts"
                        " WHERE profile_id = %(p)s AND saved_search_id = ANY(%(s)s)",
                        {"p": profile_id, "s": search_ids}).fetchall()
    return {int(r[0]) for r in rows}


def list_recent_alerts(conn: psycopg.Connection, search_ids: list[int], per_search: int) -> list[AlertRow]:
    """The ``per_search`` newest alerts of each of ``search_ids`` (newest first)."""
    with conn.cursor(row_factory=class_row(AlertRow)) as cur:
        return cur.execute(
            f"SELECT {_ALERT_COLS} FROM (SELECT *, row_number() OVER (PARTITION BY saved_search_id"
            " ORDER BY created_at DESC, id DESC) AS n FROM saved_search_alerts WHERE saved_search_id = ANY(%(s)s)) a"
            " WHERE n <= %(k)s ORDER BY created_at DESC, id DESC",
            {"s": search_ids, "k": per_search}).fetchall()


def list_alerts_by_ids(conn: psycopg.Connection, alert_ids: list[int]) -> list[AlertRow]:
    with conn.cursor(row_factory=class_row(AlertRow)) as cur:
        return cur.execute(f"SELECT {_ALERT_COLS} FROM saved_search_alerts WHERE id = ANY(%(ids)s) ORDER BY id",
                           {"ids": alert_ids}).fetchall()


def lock_due_digests(conn: psycopg.Connection, days: int) -> list[SavedSearchRow]:
    """Weekly saved searches with unmailed alerts whose last digest (or creation) is ``days`` old,
    locked for this transaction (another worker skips them)."""
    with conn.cursor(row_factory=class_row(SavedSearchRow)) as cur:
        return cur.execute(
            f"SELECT {_COLS} FROM saved_searches s WHERE frequency = 'weekly'"
            " AND coalesce(digest_at, created_at) <= now() - make_interval(days => %(d)s)"
            " AND EXISTS (SELECT 1 FROM saved_search_alerts a WHERE a.saved_search_id = s.id AND a.mailed_at IS NULL)"
            " ORDER BY user_id, id FOR UPDATE SKIP LOCKED",
            {"d": days}).fetchall()


def list_unmailed_alerts(conn: psycopg.Connection, search_ids: list[int]) -> list[AlertRow]:
    with conn.cursor(row_factory=class_row(AlertRow)) as cur:
        return cur.execute(
            f"SELECT {_ALERT_COLS} FROM saved_search_alerts WHERE saved_search_id = ANY(%(s)s) AND mailed_at IS NULL"
            " ORDER BY saved_search_id, rank, id", {"s": search_ids}).fetchall()


def update_alerts_mailed(conn: psycopg.Connection, alert_ids: list[int]) -> None:
    conn.execute("UPDATE saved_search_alerts SET mailed_at = now() WHERE id = ANY(%(ids)s)", {"ids": alert_ids})


def update_digest_sent(conn: psycopg.Connection, search_ids: list[int]) -> None:
    conn.execute("UPDATE saved_searches SET digest_at = now() WHERE id = ANY(%(ids)s)", {"ids": search_ids})


def insert_queue(conn: psycopg.Connection, profile_ids: list[str]) -> None:
    """Queue profiles for evaluation against the saved searches (once, however often queued)."""
    conn.execute("INSERT INTO alert_queue (profile_id) SELECT unnest(%(ids)s::text[])"
                 " ON CONFLICT (profile_id) DO UPDATE SET queued_at = now()", {"ids": profile_ids})


def claim_queue(conn: psycopg.Connection, limit: int) -> list[tuple[str, float]]:
    """Queued ``(profile id, seconds queued)``, oldest first, locked for this transaction (another
    process skips them)."""
    rows = conn.execute("SELECT profile_id, extract(epoch FROM now() - queued_at) FROM alert_queue"
                        " ORDER BY queued_at, profile_id LIMIT %(l)s FOR UPDATE SKIP LOCKED", {"l": limit}).fetchall()
    return [(str(r[0]), float(r[1])) for r in rows]


def get_facet_values(conn: psycopg.Connection, profile_id: str) -> tuple[bool, dict[str, list[str]]] | None:
    """``(published, {facet: values})`` of one profile, the values the directory filters on."""
    row = conn.execute(
        "SELECT published, side, kind, country::text, region, stage, sectors,"
        " cooperation_offered || cooperation_sought,"
        " ARRAY(SELECT jsonb_array_elements_text(coalesce(record->'availability', '[]'::jsonb)))"
        " FROM profiles WHERE id = %(p)s", {"p": profile_id}).fetchone()
    if row is None:
        return None
    single = dict(zip(("side", "kind", "country", "region", "stage"), row[1:6], strict=True))
    values = {k: [str(v).strip()] for k, v in single.items() if v}
    values.update({"sector": list(row[6] or []), "mode": list(row[7] or []), "availability": list(row[8] or [])})
    return bool(row[0]), values


def delete_queue(conn: psycopg.Connection, profile_ids: list[str]) -> None:
    conn.execute("DELETE FROM alert_queue WHERE profile_id = ANY(%(ids)s)", {"ids": profile_ids})


def list_owners(conn: psycopg.Connection, profile_id: str) -> list[int]:
    rows = conn.execute("SELECT user_id FROM profile_owners WHERE profile_id = %(p)s", {"p": profile_id}).fetchall()
    return [int(r[0]) for r in rows]
