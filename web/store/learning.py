"""SQL for the learned re-ranking models: one row per fit (a version), at most one active."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb


@dataclass
class ModelRow:
    id: int
    created_at: datetime
    created_by: int | None
    status: str               # 'used' | 'not_better' | 'too_few_events'
    summary: dict[str, Any]   # matcher.learning.LearnedSummary.to_dict()
    model: dict[str, Any] | None
    active: bool


_COLS = "id, created_at, created_by, status, summary, model, active"


def insert_model(conn: psycopg.Connection, created_by: int | None, status: str, summary: dict[str, Any],
                 model: dict[str, Any] | None) -> int:
    row = conn.execute(
        "INSERT INTO learned_models (created_by, status, summary, model) VALUES (%(b)s, %(s)s, %(j)s, %(m)s)"
        " RETURNING id",
        {"b": created_by, "s": status, "j": Jsonb(summary), "m": Jsonb(model) if model is not None else None},
    ).fetchone()
    assert row is not None
    return int(row[0])


def list_models(conn: psycopg.Connection, limit: int = 50) -> list[ModelRow]:
    """The latest ``limit`` versions, newest first."""
    with conn.cursor(row_factory=class_row(ModelRow)) as cur:
        return cur.execute(f"SELECT {_COLS} FROM learned_models ORDER BY id DESC LIMIT %(n)s", {"n": limit}).fetchall()


def get_model(conn: psycopg.Connection, model_id: int) -> ModelRow | None:
    with conn.cursor(row_factory=class_row(ModelRow)) as cur:
        return cur.execute(f"SELECT {_COLS} FROM learned_models WHERE id = %(id)s", {"id": model_id}).fetchone()


def get_active(conn: psycopg.Connection) -> tuple[int, dict[str, Any]] | None:
    """(version, model coefficients) of the active model, or None: what serving reads."""
    row = conn.execute("SELECT id, model FROM learned_models WHERE active").fetchone()
    return (int(row[0]), row[1]) if row else None


def deactivate_all(conn: psycopg.Connection) -> int:
    return conn.execute("UPDATE learned_models SET active = false WHERE active").rowcount


def activate(conn: psycopg.Connection, model_id: int) -> bool:
    """Make ``model_id`` the only active version; False if it is not a usable one (call in a
    transaction with ``deactivate_all`` first)."""
    return conn.execute(
        "UPDATE learned_models SET active = true WHERE id = %(id)s AND status = 'used' AND model IS NOT NULL",
        {"id": model_id},
    ).rowcount == 1
