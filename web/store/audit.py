"""SQL for the audit log: ``insert_audit`` writes one entry (inside the caller's transaction),
the rest reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb


def insert_audit(conn: psycopg.Connection, action: str, entity: str, entity_id: str | None,
                 details: dict[str, Any] | None = None, actor: str = "cli", actor_id: int | None = None) -> None:
    conn.execute(
        "INSERT INTO audit_log (actor_id, actor, action, entity, entity_id, details)"
        " VALUES (%(actor_id)s, %(actor)s, %(action)s, %(entity)s, %(entity_id)s, %(details)s)",
        {"actor_id": actor_id, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
         "details": Jsonb(details or {})},
    )


@dataclass
class AuditRow:
    id: int
    at: datetime
    actor_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: str | None
    details: dict[str, Any]


def list_audit(conn: psycopg.Connection, entity: str | None = None, limit: int = 100,
               offset: int = 0) -> list[AuditRow]:
    with conn.cursor(row_factory=class_row(AuditRow)) as cur:
        return cur.execute(
            "SELECT id, at, actor_id, actor, action, entity, entity_id, details FROM audit_log"
            " WHERE (%(e)s::text IS NULL OR entity = %(e)s) ORDER BY id DESC LIMIT %(l)s OFFSET %(o)s",
            {"e": entity, "l": limit, "o": offset},
        ).fetchall()
