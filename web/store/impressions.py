"""SQL for the impression log (what members were shown) and the feedback joined to it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import class_row

# how far back a fit reads, and at most how many impressions (the most recent)
LOG_LIMIT = 200_000


@dataclass
class ShownRow:
    """One match as shown: its profile, rank (1-based), engine score and components."""

    target_id: str
    rank: int
    score: float
    components: dict[str, float]
    demo_action: str | None = None


@dataclass
class ImpressionRow:
    view_id: int
    account: str          # 'u<user id>', or 'demo:<profile id>' for the demo log
    profile_id: str
    target_id: str
    rank: int
    score: float
    components: dict[str, float]


@dataclass
class EventRow:
    view_id: int
    account: str
    profile_id: str
    target_id: str
    action: str           # matcher.learning_log.ACTIONS


_INSERT_VIEW = (
    "WITH v AS (SELECT nextval('impression_views') AS view_id)"
    " INSERT INTO impressions (view_id, user_id, profile_id, target_id, rank, score, components, source,"
    " demo_action)"
    " SELECT v.view_id, %(u)s, %(p)s, x.target, x.rank, x.score, x.components, %(s)s, x.action"
    " FROM v, unnest(%(targets)s::text[], %(ranks)s::int[], %(scores)s::float8[], %(components)s::jsonb[],"
    " %(actions)s::text[]) AS x (target, rank, score, components, action)"
    # an API answer names an anonymous profile by its alias, which is no profile id: not logged
    " JOIN profiles t ON t.id = x.target"
    " WHERE EXISTS (SELECT 1 FROM profiles q WHERE q.id = %(p)s)"
)


def _view_params(user_id: int | None, profile_id: str, shown: Sequence[ShownRow], source: str) -> dict[str, Any]:
    return {"u": user_id, "p": profile_id, "s": source, "targets": [r.target_id for r in shown],
            "ranks": [r.rank for r in shown], "scores": [r.score for r in shown],
            "components": [json.dumps(r.components) for r in shown], "actions": [r.demo_action for r in shown]}


def insert_view(conn: psycopg.Connection, user_id: int | None, profile_id: str, shown: Sequence[ShownRow],
                source: str) -> int:
    """Log one page view of ``profile_id``'s matches in one statement (ids that are no profile's,
    such as an anonymous profile's alias, are left out); its view id (0 if nothing was logged)."""
    if not shown:
        return 0
    row = conn.execute(_INSERT_VIEW + " RETURNING view_id", _view_params(user_id, profile_id, shown, source)).fetchone()
    return int(row[0]) if row else 0


def insert_views(conn: psycopg.Connection, views: Sequence[tuple[int | None, str, Sequence[ShownRow], str]]) -> None:
    """``insert_view`` for each (user id, profile id, shown, source), sent in one round trip
    (``executemany`` pipelines its statements); call in a transaction."""
    params = [_view_params(*view) for view in views if view[2]]
    if params:
        with conn.cursor() as cur:
            cur.executemany(_INSERT_VIEW, params)


def list_impressions(conn: psycopg.Connection, limit: int = LOG_LIMIT) -> list[ImpressionRow]:
    """The most recent ``limit`` impressions, oldest first."""
    with conn.cursor(row_factory=class_row(ImpressionRow)) as cur:
        rows = cur.execute(
            "SELECT * FROM (SELECT i.view_id, COALESCE('u' || i.user_id, 'demo:' || i.profile_id) AS account,"
            " i.profile_id, i.target_id, i.rank, i.score, i.components FROM impressions i"
            " ORDER BY i.id DESC LIMIT %(n)s) t ORDER BY view_id, rank",
            {"n": limit},
        ).fetchall()
    return rows


# Members' feedback as actions, each joined to the latest view that showed the pair before it:
# saved / hidden matches, introductions the member requested (and what became of them; a
# withdrawn or expired one says nothing), and the demo log's simulated actions.
_EVENTS = """
WITH events AS (
    SELECT f.user_id, f.profile_id, f.target_id,
           CASE f.verdict WHEN 'saved' THEN 'save' ELSE 'hide' END AS action, f.created_at AS at
    FROM feedback f
    UNION ALL
    SELECT n.requested_by, n.from_profile, n.to_profile,
           CASE n.state WHEN 'accepted' THEN 'accept' WHEN 'declined' THEN 'decline' ELSE 'request' END,
           n.created_at
    FROM introductions n
    WHERE n.requested_by IS NOT NULL AND n.state IN ('requested', 'accepted', 'declined')
)
SELECT v.view_id, 'u' || e.user_id AS account, e.profile_id, e.target_id, e.action
FROM events e
JOIN LATERAL (
    SELECT i.view_id FROM impressions i
    WHERE i.user_id = e.user_id AND i.profile_id = e.profile_id AND i.target_id = e.target_id
      AND i.shown_at <= e.at
    ORDER BY i.shown_at DESC, i.id DESC LIMIT 1
) v ON true
UNION ALL
SELECT i.view_id, 'demo:' || i.profile_id, i.profile_id, i.target_id, i.demo_action
FROM impressions i WHERE i.demo_action IS NOT NULL
"""


def list_events(conn: psycopg.Connection) -> list[EventRow]:
    """Every feedback event that follows an impression of its pair (see ``_EVENTS``)."""
    with conn.cursor(row_factory=class_row(EventRow)) as cur:
        return cur.execute(_EVENTS).fetchall()


def count_log(conn: psycopg.Connection) -> dict[str, Any]:
    """``{"impressions", "views", "events", "demo"}`` counts for the pages."""
    row = conn.execute(
        "SELECT count(*), count(DISTINCT view_id), count(*) FILTER (WHERE source = 'demo') FROM impressions"
    ).fetchone()
    events = conn.execute(f"SELECT count(*) FROM ({_EVENTS}) e").fetchone()
    assert row is not None and events is not None
    return {"impressions": int(row[0]), "views": int(row[1]), "demo": int(row[2]), "events": int(events[0])}


def delete_demo_log(conn: psycopg.Connection) -> int:
    """Remove the demo log; how many impressions went."""
    return conn.execute("DELETE FROM impressions WHERE source = 'demo'").rowcount
