"""SQL for the matching service's scores of a match list's pairs, kept per profile revision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb


@dataclass
class ScoreRow:
    a_id: str
    b_id: str
    score: float
    fit: float
    components: dict[str, Any]
    explanation: Any


def list_fresh_scores(conn: psycopg.Connection, list_id: int) -> list[ScoreRow]:
    """Scores of the list's current (a, b) pairs computed from the profiles' current revisions."""
    with conn.cursor(row_factory=class_row(ScoreRow)) as cur:
        return cur.execute(
            "SELECT s.a_id, s.b_id, s.score, s.fit, s.components, s.explanation FROM match_list_scores s"
            " JOIN match_list_participants pa ON pa.list_id = s.list_id AND pa.profile_id = s.a_id AND pa.side = 'a'"
            " JOIN match_list_participants pb ON pb.list_id = s.list_id AND pb.profile_id = s.b_id AND pb.side = 'b'"
            " JOIN profiles a ON a.id = s.a_id AND a.revision = s.a_revision"
            " JOIN profiles b ON b.id = s.b_id AND b.revision = s.b_revision"
            " WHERE s.list_id = %(l)s",
            {"l": list_id},
        ).fetchall()


def upsert_scores(conn: psycopg.Connection, list_id: int, rows: list[dict[str, Any]]) -> None:
    """Store scores: dicts with a_id, b_id, a_revision, b_revision, score, fit, components, explanation."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO match_list_scores (list_id, a_id, b_id, a_revision, b_revision, score, fit, components,"
            " explanation) VALUES (%(l)s, %(a_id)s, %(b_id)s, %(a_revision)s, %(b_revision)s, %(score)s, %(fit)s,"
            " %(components)s, %(explanation)s)"
            " ON CONFLICT (list_id, a_id, b_id) DO UPDATE SET a_revision = EXCLUDED.a_revision,"
            " b_revision = EXCLUDED.b_revision, score = EXCLUDED.score, fit = EXCLUDED.fit,"
            " components = EXCLUDED.components, explanation = EXCLUDED.explanation, computed_at = now()",
            [{**r, "l": list_id, "components": Jsonb(r["components"]), "explanation": Jsonb(r["explanation"])}
             for r in rows],
        )


def delete_scores(conn: psycopg.Connection, list_id: int) -> int:
    cur = conn.execute("DELETE FROM match_list_scores WHERE list_id = %(l)s", {"l": list_id})
    return cur.rowcount
