"""SQL for meetings: the pairs of a published match list, each accepted or declined by both sides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg.rows import class_row

ANSWERS = ("accepted", "declined")


@dataclass
class MeetingRow:
    id: int
    list_id: int
    list_name: str
    list_state: str
    starts_on: date | None
    ends_on: date | None
    location: str
    run_id: int | None
    a_id: str
    b_id: str
    a_name: str
    b_name: str
    a_country: str
    b_country: str
    fit: float
    a_answer: str
    b_answer: str
    a_answered_at: datetime | None
    b_answered_at: datetime | None
    state: str
    created_at: datetime
    n_outcomes: int
    slot: int | None = None
    table_name: str | None = None
    remote: bool = False
    walk_in: bool = False
    attendance: str | None = None
    unplaced_reason: str | None = None
    unplaced_detail: str | None = None
    placed_at: datetime | None = None


_SELECT = (
    "SELECT m.id, m.list_id, l.name AS list_name, l.state AS list_state, l.starts_on, l.ends_on, l.location,"
    " m.run_id, m.a_id, m.b_id, a.name AS a_name, b.name AS b_name, a.country::text AS a_country,"
    " b.country::text AS b_country, m.fit, m.a_answer, m.b_answer, m.a_answered_at, m.b_answered_at, m.state,"
    " m.created_at, (SELECT count(*) FROM outcomes o WHERE o.meeting_id = m.id)::int AS n_outcomes,"
    " m.slot, m.table_name, m.remote, m.walk_in, m.attendance, m.unplaced_reason, m.unplaced_detail, m.placed_at"
    " FROM meetings m JOIN match_lists l ON l.id = m.list_id"
    " JOIN profiles a ON a.id = m.a_id JOIN profiles b ON b.id = m.b_id"
)


def insert_meetings(conn: psycopg.Connection, list_id: int, run_id: int) -> int:
    """One proposed meeting per pair of the run; returns how many."""
    cur = conn.execute(
        "INSERT INTO meetings (list_id, run_id, a_id, b_id, fit)"
        " SELECT %(l)s, run_id, a_id, b_id, fit FROM run_pairs WHERE run_id = %(r)s",
        {"l": list_id, "r": run_id},
    )
    return cur.rowcount


def get_meeting(conn: psycopg.Connection, meeting_id: int) -> MeetingRow | None:
    with conn.cursor(row_factory=class_row(MeetingRow)) as cur:
        return cur.execute(_SELECT + " WHERE m.id = %(id)s", {"id": meeting_id}).fetchone()


def list_meetings_of_list(conn: psycopg.Connection, list_id: int) -> list[MeetingRow]:
    with conn.cursor(row_factory=class_row(MeetingRow)) as cur:
        return cur.execute(_SELECT + " WHERE m.list_id = %(l)s ORDER BY lower(a.name), m.fit DESC",
                           {"l": list_id}).fetchall()


def list_meetings_of_profiles(conn: psycopg.Connection, profile_ids: list[str]) -> list[MeetingRow]:
    """Meetings of published or closed lists where one side is among ``profile_ids``, newest list first."""
    with conn.cursor(row_factory=class_row(MeetingRow)) as cur:
        return cur.execute(
            _SELECT + " WHERE (m.a_id = ANY(%(ids)s) OR m.b_id = ANY(%(ids)s)) AND l.state <> 'draft'"
            " ORDER BY l.starts_on DESC NULLS LAST, m.list_id DESC, m.fit DESC, m.id",
            {"ids": profile_ids},
        ).fetchall()


def update_meeting_answer(conn: psycopg.Connection, meeting_id: int, side: str, answer: str,
                          user_id: int | None) -> bool:
    """Record one side's answer to a proposed meeting of a published list and derive the state;
    False when that side already answered or the meeting is no longer open."""
    other = "b" if side == "a" else "a"
    cur = conn.execute(
        f"UPDATE meetings m SET {side}_answer = %(ans)s, {side}_answered_by = %(u)s, {side}_answered_at = now(),"
        f" state = CASE WHEN %(ans)s = 'declined' OR m.{other}_answer = 'declined' THEN 'declined'"
        f"              WHEN m.{other}_answer = 'accepted' THEN 'confirmed' ELSE 'proposed' END"
        f" FROM match_lists l WHERE m.id = %(id)s AND l.id = m.list_id AND l.state = 'published'"
        f" AND m.state = 'proposed' AND m.{side}_answer = 'pending'",
        {"id": meeting_id, "ans": answer, "u": user_id},
    )
    return cur.rowcount > 0


def expire_meetings(conn: psycopg.Connection, list_id: int) -> int:
    """Mark the list's still-proposed meetings expired (the list is closing)."""
    cur = conn.execute("UPDATE meetings SET state = 'expired' WHERE list_id = %(l)s AND state = 'proposed'",
                       {"l": list_id})
    return cur.rowcount


def count_meetings_by_list(conn: psycopg.Connection) -> list[tuple[int, str, str, int]]:
    """``(list_id, list_name, state, count)`` of meetings, for the funnel on the dashboard."""
    rows = conn.execute(
        "SELECT l.id, l.name, m.state, count(*) FROM meetings m JOIN match_lists l ON l.id = m.list_id"
        " GROUP BY 1, 2, 3 ORDER BY 1, 3"
    ).fetchall()
    return [(int(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]
