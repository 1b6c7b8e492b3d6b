"""SQL for reading the audit log (rows are written by ``profiles.insert_audit``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row


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
