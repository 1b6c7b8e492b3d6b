"""SQL for target lists: the companies and IP assets a Vietnamese buyer wants to acquire, each
with its status, and the history of every status change (migration ``050_target_lists.sql``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import class_row

from web.store.outcomes import OutcomeFact

STATUSES = ("identified", "contacted", "nda", "negotiating", "acquired", "dropped")


@dataclass
class TargetRow:
    id: int
    list_id: int
    buyer_id: str
    buyer_name: str
    profile_id: str
    name: str
    country: str
    asset_index: int | None
    asset_title: str
    status: str
    status_on: date
    fit: float | None
    added_via: str
    created_at: datetime
    updated_at: datetime
    note: str                       # the note of the latest change


@dataclass
class ChangeRow:
    id: int
    target_id: int
    status: str
    occurred_on: date
    note: str
    changed_by: int | None
    changed_by_name: str | None
    changed_at: datetime


@dataclass
class StatusCountRow:
    list_id: int
    name: str
    status: str
    n: int


_TARGET_COLS = (
    "t.id, t.list_id, t.buyer_id, a.name AS buyer_name, t.profile_id, f.name, f.country::text AS country,"
    " t.asset_index, t.asset_title, t.status, t.status_on, t.fit, t.added_via, t.created_at, t.updated_at,"
    " coalesce((SELECT c.note FROM list_target_changes c WHERE c.target_id = t.id ORDER BY c.id DESC LIMIT 1), '')"
    " AS note")
_TARGET_FROM = " FROM list_targets t JOIN profiles f ON f.id = t.profile_id JOIN profiles a ON a.id = t.buyer_id"


def insert_target(conn: psycopg.Connection, values: dict[str, Any]) -> int | None:
    """A new target (``list_id, buyer_id, profile_id, asset_index, asset_title, status_on, fit,
    added_via, created_by``); None when the buyer already has it on the list."""
    row = conn.execute(
        "INSERT INTO list_targets (list_id, buyer_id, profile_id, asset_index, asset_title, status_on, fit,"
        " added_via, created_by) VALUES (%(list_id)s, %(buyer_id)s, %(profile_id)s, %(asset_index)s,"
        " %(asset_title)s, %(status_on)s, %(fit)s, %(added_via)s, %(created_by)s)"
        " ON CONFLICT (list_id, buyer_id, profile_id, (coalesce(asset_index, -1))) DO NOTHING RETURNING id",
        values,
    ).fetchone()
    return None if row is None else int(row[0])


def get_target(conn: psycopg.Connection, list_id: int, target_id: int, *, for_update: bool = False) -> TargetRow | None:
    lock = " FOR UPDATE OF t" if for_update else ""
    with conn.cursor(row_factory=class_row(TargetRow)) as cur:
        return cur.execute(f"SELECT {_TARGET_COLS}{_TARGET_FROM} WHERE t.list_id = %(l)s AND t.id = %(t)s{lock}",
                           {"l": list_id, "t": target_id}).fetchone()


def list_targets(conn: psycopg.Connection, list_id: int) -> list[TargetRow]:
    """The list's targets: open ones first (by status, then name), dropped ones last."""
    with conn.cursor(row_factory=class_row(TargetRow)) as cur:
        return cur.execute(
            f"SELECT {_TARGET_COLS}{_TARGET_FROM} WHERE t.list_id = %(l)s"
            " ORDER BY t.status = 'dropped', array_position(%(order)s::text[], t.status) DESC,"
            " lower(f.name), t.asset_index NULLS FIRST, t.id",
            {"l": list_id, "order": list(STATUSES)},
        ).fetchall()


def update_target_status(conn: psycopg.Connection, target_id: int, status: str, status_on: date) -> bool:
    cur = conn.execute("UPDATE list_targets SET status = %(s)s, status_on = %(d)s, updated_at = now()"
                       " WHERE id = %(t)s", {"t": target_id, "s": status, "d": status_on})
    return cur.rowcount > 0


def insert_change(conn: psycopg.Connection, target_id: int, status: str, occurred_on: date, note: str,
                  changed_by: int | None) -> int:
    row = conn.execute(
        "INSERT INTO list_target_changes (target_id, status, occurred_on, note, changed_by)"
        " VALUES (%(t)s, %(s)s, %(d)s, %(n)s, %(u)s) RETURNING id",
        {"t": target_id, "s": status, "d": occurred_on, "n": note, "u": changed_by},
    ).fetchone()
    assert row is not None
    return int(row[0])


def list_changes(conn: psycopg.Connection, list_id: int) -> list[ChangeRow]:
    """Every status change of the list's targets, oldest first."""
    with conn.cursor(row_factory=class_row(ChangeRow)) as cur:
        return cur.execute(
            "SELECT c.id, c.target_id, c.status, c.occurred_on, c.note, c.changed_by,"
            " u.display_name AS changed_by_name, c.changed_at"
            " FROM list_target_changes c JOIN list_targets t ON t.id = c.target_id"
            " LEFT JOIN users u ON u.id = c.changed_by"
            " WHERE t.list_id = %(l)s ORDER BY c.target_id, c.id",
            {"l": list_id},
        ).fetchall()


def delete_target(conn: psycopg.Connection, list_id: int, target_id: int) -> bool:
    cur = conn.execute("DELETE FROM list_targets WHERE list_id = %(l)s AND id = %(t)s",
                       {"l": list_id, "t": target_id})
    return cur.rowcount > 0


def count_targets_by_status(conn: psycopg.Connection, list_id: int | None) -> list[StatusCountRow]:
    """``(list, status, n)`` of every target list's targets (one list's with ``list_id``)."""
    with conn.cursor(row_factory=class_row(StatusCountRow)) as cur:
        return cur.execute(
            "SELECT l.id AS list_id, l.name, t.status, count(*)::int AS n"
            " FROM list_targets t JOIN match_lists l ON l.id = t.list_id"
            " WHERE (%(l)s::bigint IS NULL OR l.id = %(l)s)"
            " GROUP BY l.id, l.name, t.status ORDER BY l.name, l.id",
            {"l": list_id},
        ).fetchall()


def list_target_records(conn: psycopg.Connection, profile_ids: list[str]) -> dict[str, dict[str, Any]]:
    """``{id: record}`` of the published profiles among ``profile_ids`` (their ``ip_assets``)."""
    rows = conn.execute("SELECT id, record FROM profiles WHERE published AND id = ANY(%(ids)s)",
                        {"ids": profile_ids}).fetchall()
    return {str(r[0]): dict(r[1]) for r in rows}


def list_acquired_facts(conn: psycopg.Connection, since: date | None, until: date | None,
                        list_id: int | None) -> list[OutcomeFact]:
    """Targets acquired or licensed, as dashboard outcomes of type ``acquired`` (buyer on side a,
    the target company on side b), dated by the day the status was reached."""
    with conn.cursor(row_factory=class_row(OutcomeFact)) as cur:
        return cur.execute(
            """
            SELECT 'target' AS ref_kind, t.id AS ref_id, 'acquired' AS type, t.status_on AS occurred_on,
                   t.list_id, l.name AS list_name,
                   t.buyer_id AS a_id, a.name AS a_name, a.country::text AS a_country, a.side AS a_side,
                   a.sectors AS a_sectors,
                   t.profile_id AS b_id, f.name AS b_name, f.country::text AS b_country, f.side AS b_side,
                   f.sectors AS b_sectors, 1 AS records,
                   concat_ws(' | ', nullif(t.asset_title, ''), nullif((SELECT c.note FROM list_target_changes c
                       WHERE c.target_id = t.id ORDER BY c.id DESC LIMIT 1), '')) AS notes
            FROM list_targets t JOIN match_lists l ON l.id = t.list_id
            JOIN profiles a ON a.id = t.buyer_id JOIN profiles f ON f.id = t.profile_id
            WHERE t.status = 'acquired' AND (%(list)s::bigint IS NULL OR t.list_id = %(list)s)
              AND (%(since)s::date IS NULL OR t.status_on >= %(since)s)
              AND (%(until)s::date IS NULL OR t.status_on <= %(until)s)
            ORDER BY t.status_on, t.id
            """,
            {"since": since, "until": until, "list": list_id},
        ).fetchall()
