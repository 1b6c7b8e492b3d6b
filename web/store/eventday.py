"""SQL for event days: an event list's plan (days, slots, tables), who is present when, and where
each meeting is placed (migration 040)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

PLAN_FIELDS = ("timezone", "meeting_minutes", "changeover_minutes", "breaks", "min_gap", "video_rooms",
               "include_proposed")


@dataclass
class PlanRow:
    list_id: int
    timezone: str
    meeting_minutes: int
    changeover_minutes: int
    breaks: str
    min_gap: int
    video_rooms: int | None
    include_proposed: bool
    schedule_state: str
    scheduled_at: datetime | None
    published_at: datetime | None
    last_solve: dict[str, Any]
    updated_at: datetime


@dataclass
class DayRow:
    day_no: int
    on_date: date
    first_start: time
    last_end: time


@dataclass
class SlotRow:
    number: int
    day_no: int
    position: int
    starts_at: datetime
    minutes: int


@dataclass
class TableRow:
    position: int
    name: str
    capacity: int | None


@dataclass
class PresenceRow:
    profile_id: str
    mode: str
    slots: list[int]
    absent_from: int | None
    updated_by: str


def get_plan(conn: psycopg.Connection, list_id: int, *, for_update: bool = False) -> PlanRow | None:
    with conn.cursor(row_factory=class_row(PlanRow)) as cur:
        return cur.execute("SELECT * FROM event_plans WHERE list_id = %(l)s" + (" FOR UPDATE" if for_update else ""),
                           {"l": list_id}).fetchone()


def upsert_plan(conn: psycopg.Connection, list_id: int, fields: dict[str, Any]) -> None:
    """Create or update the plan's settings (``PLAN_FIELDS``)."""
    values = {k: fields[k] for k in PLAN_FIELDS}
    columns = ", ".join(values)
    placeholders = ", ".join(f"%({k})s" for k in values)
    updates = ", ".join(f"{k} = EXCLUDED.{k}" for k in values)
    conn.execute(
        f"INSERT INTO event_plans (list_id, {columns}) VALUES (%(list_id)s, {placeholders})"
        f" ON CONFLICT (list_id) DO UPDATE SET {updates}, updated_at = now()",
        {"list_id": list_id, **values},
    )


def set_schedule_state(conn: psycopg.Connection, list_id: int, state: str, last_solve: dict[str, Any] | None = None) -> None:
    """Move the plan to ``state``; stamps ``scheduled_at`` (preliminary) or ``published_at`` (final)."""
    conn.execute(
        "UPDATE event_plans SET schedule_state = %(s)s, updated_at = now(),"
        " scheduled_at = CASE WHEN %(s)s = 'preliminary' THEN now() ELSE scheduled_at END,"
        " published_at = CASE WHEN %(s)s = 'final' THEN now() WHEN %(s)s = 'none' THEN NULL ELSE published_at END,"
        " last_solve = COALESCE(%(solve)s, last_solve) WHERE list_id = %(l)s",
        {"l": list_id, "s": state, "solve": Jsonb(last_solve) if last_solve is not None else None},
    )


def replace_days(conn: psycopg.Connection, list_id: int, days: Iterable[DayRow]) -> None:
    conn.execute("DELETE FROM event_days WHERE list_id = %(l)s", {"l": list_id})
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO event_days (list_id, day_no, on_date, first_start, last_end)"
                        " VALUES (%s, %s, %s, %s, %s)",
                        [(list_id, d.day_no, d.on_date, d.first_start, d.last_end) for d in days])


def list_days(conn: psycopg.Connection, list_id: int) -> list[DayRow]:
    with conn.cursor(row_factory=class_row(DayRow)) as cur:
        return cur.execute("SELECT day_no, on_date, first_start, last_end FROM event_days WHERE list_id = %(l)s"
                           " ORDER BY day_no", {"l": list_id}).fetchall()


def replace_slots(conn: psycopg.Connection, list_id: int, slots: Iterable[SlotRow]) -> None:
    conn.execute("DELETE FROM event_slots WHERE list_id = %(l)s", {"l": list_id})
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO event_slots (list_id, number, day_no, position, starts_at, minutes)"
                        " VALUES (%s, %s, %s, %s, %s, %s)",
                        [(list_id, s.number, s.day_no, s.position, s.starts_at, s.minutes) for s in slots])


def list_slots(conn: psycopg.Connection, list_id: int) -> list[SlotRow]:
    with conn.cursor(row_factory=class_row(SlotRow)) as cur:
        return cur.execute("SELECT number, day_no, position, starts_at, minutes FROM event_slots"
                           " WHERE list_id = %(l)s ORDER BY number", {"l": list_id}).fetchall()


def replace_tables(conn: psycopg.Connection, list_id: int, tables: Iterable[TableRow]) -> None:
    conn.execute("DELETE FROM event_tables WHERE list_id = %(l)s", {"l": list_id})
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO event_tables (list_id, position, name, capacity) VALUES (%s, %s, %s, %s)",
                        [(list_id, t.position, t.name, t.capacity) for t in tables])


def list_tables(conn: psycopg.Connection, list_id: int) -> list[TableRow]:
    with conn.cursor(row_factory=class_row(TableRow)) as cur:
        return cur.execute("SELECT position, name, capacity FROM event_tables WHERE list_id = %(l)s"
                           " ORDER BY position", {"l": list_id}).fetchall()


def list_presence(conn: psycopg.Connection, list_id: int) -> list[PresenceRow]:
    with conn.cursor(row_factory=class_row(PresenceRow)) as cur:
        return cur.execute("SELECT profile_id, mode, slots, absent_from, updated_by FROM event_presence"
                           " WHERE list_id = %(l)s ORDER BY profile_id", {"l": list_id}).fetchall()


def upsert_presence(conn: psycopg.Connection, list_id: int, profile_id: str, mode: str, slots: list[int],
                    by: str) -> None:
    conn.execute(
        "INSERT INTO event_presence (list_id, profile_id, mode, slots, updated_by)"
        " VALUES (%(l)s, %(p)s, %(m)s, %(s)s, %(by)s)"
        " ON CONFLICT (list_id, profile_id) DO UPDATE SET mode = EXCLUDED.mode, slots = EXCLUDED.slots,"
        " updated_by = EXCLUDED.updated_by, updated_at = now()",
        {"l": list_id, "p": profile_id, "m": mode, "s": sorted(set(slots)), "by": by},
    )


def set_absent_from(conn: psycopg.Connection, list_id: int, profile_id: str, slot: int | None) -> None:
    """Mark a no-show from ``slot`` on (None: present again)."""
    conn.execute(
        "INSERT INTO event_presence (list_id, profile_id, absent_from) VALUES (%(l)s, %(p)s, %(s)s)"
        " ON CONFLICT (list_id, profile_id) DO UPDATE SET absent_from = EXCLUDED.absent_from, updated_at = now()",
        {"l": list_id, "p": profile_id, "s": slot},
    )


def clear_placements(conn: psycopg.Connection, list_id: int) -> None:
    conn.execute("UPDATE meetings SET slot = NULL, table_name = NULL, unplaced_reason = NULL, unplaced_detail = NULL,"
                 " placed_at = NULL WHERE list_id = %(l)s", {"l": list_id})


def store_placements(conn: psycopg.Connection, list_id: int,
                     placed: Iterable[tuple[int, int, str | None, bool]],
                     unplaced: Iterable[tuple[int, str, str]]) -> None:
    """Write a timetable: ``placed`` ``(meeting id, slot, table or None, remote)``, ``unplaced``
    ``(meeting id, reason code, detail)``. Meetings in neither keep nothing (call after
    ``clear_placements`` in one transaction: a table is unique per slot)."""
    with conn.cursor() as cur:
        cur.executemany("UPDATE meetings SET slot = %s, table_name = %s, remote = %s, unplaced_reason = NULL,"
                        " unplaced_detail = NULL, placed_at = now() WHERE id = %s AND list_id = %s",
                        [(s, t, r, mid, list_id) for mid, s, t, r in placed])
        cur.executemany("UPDATE meetings SET slot = NULL, table_name = NULL, unplaced_reason = %s,"
                        " unplaced_detail = %s WHERE id = %s AND list_id = %s",
                        [(reason, detail, mid, list_id) for mid, reason, detail in unplaced])


def set_attendance(conn: psycopg.Connection, list_id: int, meeting_ids: list[int], value: str | None) -> int:
    """Mark meetings held, no-show or cancelled (None: clear); a cancelled or no-show meeting
    gives its slot back."""
    cur = conn.execute(
        "UPDATE meetings SET attendance = %(v)s,"
        " slot = CASE WHEN %(v)s IN ('cancelled', 'no_show') THEN NULL ELSE slot END,"
        " table_name = CASE WHEN %(v)s IN ('cancelled', 'no_show') THEN NULL ELSE table_name END"
        " WHERE list_id = %(l)s AND id = ANY(%(ids)s)",
        {"v": value, "l": list_id, "ids": meeting_ids},
    )
    return cur.rowcount


def insert_walk_in(conn: psycopg.Connection, list_id: int, a_id: str, b_id: str, fit: float) -> int:
    """A meeting asked for on the day by two present participants: confirmed at once."""
    row = conn.execute(
        "INSERT INTO meetings (list_id, a_id, b_id, fit, a_answer, b_answer, state, walk_in)"
        " VALUES (%(l)s, %(a)s, %(b)s, %(f)s, 'accepted', 'accepted', 'confirmed', true) RETURNING id",
        {"l": list_id, "a": a_id, "b": b_id, "f": fit},
    ).fetchone()
    assert row is not None
    return int(row[0])


def count_attendance_by_list(conn: psycopg.Connection) -> dict[int, dict[str, int]]:
    """``{list_id: {"scheduled", "held", "no_show", "cancelled", "walk_in"}}`` for lists with a plan.
    ``scheduled`` counts the meetings in the timetable and those a cancellation or a no-show took
    out of it on the day: they lose their slot, yet they were scheduled."""
    rows = conn.execute(
        "SELECT m.list_id, count(*) FILTER (WHERE m.slot IS NOT NULL"
        " OR (m.attendance IN ('cancelled', 'no_show') AND m.placed_at IS NOT NULL)),"
        " count(*) FILTER (WHERE m.attendance = 'held'), count(*) FILTER (WHERE m.attendance = 'no_show'),"
        " count(*) FILTER (WHERE m.attendance = 'cancelled'), count(*) FILTER (WHERE m.walk_in)"
        " FROM meetings m JOIN event_plans p ON p.list_id = m.list_id GROUP BY m.list_id"
    ).fetchall()
    keys = ("scheduled", "held", "no_show", "cancelled", "walk_in")
    return {int(r[0]): dict(zip(keys, (int(x) for x in r[1:]), strict=True)) for r in rows}


def profile_briefs(conn: psycopg.Connection, profile_ids: list[str]) -> dict[str, str]:
    """``{id: description}`` of profiles (the record's description, at most 400 characters)."""
    rows = conn.execute("SELECT id, left(coalesce(record->>'description', ''), 400) FROM profiles"
                        " WHERE id = ANY(%(ids)s)", {"ids": profile_ids}).fetchall()
    return {str(r[0]): str(r[1]) for r in rows}
