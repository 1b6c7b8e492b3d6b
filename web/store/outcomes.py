"""SQL for outcomes: what followed an introduction or a meeting (met, MoU, pilot, licence, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg.rows import class_row

TYPES = ("met", "nda_mou", "pilot", "licence", "investment", "joint_rnd", "technology_transfer")


@dataclass
class OutcomeRow:
    id: int
    introduction_id: int | None
    meeting_id: int | None
    list_id: int | None
    a_id: str
    b_id: str
    type: str
    occurred_on: date
    note: str
    entered_by: int | None
    entered_role: str
    entered_for: str | None
    entered_for_name: str | None
    created_at: datetime


@dataclass
class OutcomeFact:
    """One outcome type on one introduction or meeting, however many times it was recorded."""

    ref_kind: str
    ref_id: int
    type: str
    occurred_on: date
    list_id: int | None
    list_name: str | None
    a_id: str
    a_name: str
    a_country: str
    a_side: str
    a_sectors: list[str]
    b_id: str
    b_name: str
    b_country: str
    b_side: str
    b_sectors: list[str]
    records: int
    notes: str


def insert_outcome(conn: psycopg.Connection, *, introduction_id: int | None, meeting_id: int | None,
                   list_id: int | None, a_id: str, b_id: str, type: str, occurred_on: date, note: str,
                   entered_by: int | None, entered_role: str, entered_for: str | None) -> int:
    row = conn.execute(
        "INSERT INTO outcomes (introduction_id, meeting_id, list_id, a_id, b_id, type, occurred_on, note,"
        " entered_by, entered_role, entered_for) VALUES (%(i)s, %(m)s, %(l)s, %(a)s, %(b)s, %(t)s, %(d)s, %(n)s,"
        " %(u)s, %(role)s, %(for)s) RETURNING id",
        {"i": introduction_id, "m": meeting_id, "l": list_id, "a": a_id, "b": b_id, "t": type, "d": occurred_on,
         "n": note, "u": entered_by, "role": entered_role, "for": entered_for},
    ).fetchone()
    assert row is not None
    return int(row[0])


def list_outcomes(conn: psycopg.Connection, *, meeting_id: int | None = None,
                  introduction_id: int | None = None) -> list[OutcomeRow]:
    """Outcomes of one meeting or one introduction, newest first."""
    with conn.cursor(row_factory=class_row(OutcomeRow)) as cur:
        return cur.execute(
            "SELECT o.id, o.introduction_id, o.meeting_id, o.list_id, o.a_id, o.b_id, o.type, o.occurred_on, o.note,"
            " o.entered_by, o.entered_role, o.entered_for, p.name AS entered_for_name, o.created_at"
            " FROM outcomes o LEFT JOIN profiles p ON p.id = o.entered_for"
            " WHERE (o.meeting_id = %(m)s OR o.introduction_id = %(i)s) ORDER BY o.occurred_on DESC, o.id DESC",
            {"m": meeting_id, "i": introduction_id},
        ).fetchall()


def list_outcome_facts(conn: psycopg.Connection, since: date | None, until: date | None,
                       list_id: int | None) -> list[OutcomeFact]:
    """Outcomes deduplicated by (introduction or meeting, type), dated by their first record, with
    both profiles' country, side and sectors; filtered by date range and list."""
    with conn.cursor(row_factory=class_row(OutcomeFact)) as cur:
        return cur.execute(
            """
            SELECT CASE WHEN o.meeting_id IS NULL THEN 'introduction' ELSE 'meeting' END AS ref_kind,
                   coalesce(o.meeting_id, o.introduction_id) AS ref_id, o.type, min(o.occurred_on) AS occurred_on,
                   o.list_id, l.name AS list_name,
                   o.a_id, a.name AS a_name, a.country::text AS a_country, a.side AS a_side, a.sectors AS a_sectors,
                   o.b_id, b.name AS b_name, b.country::text AS b_country, b.side AS b_side, b.sectors AS b_sectors,
                   count(*)::int AS records, coalesce(string_agg(nullif(o.note, ''), ' | ' ORDER BY o.id), '') AS notes
            FROM outcomes o JOIN profiles a ON a.id = o.a_id JOIN profiles b ON b.id = o.b_id
            LEFT JOIN match_lists l ON l.id = o.list_id
            WHERE (%(list)s::bigint IS NULL OR o.list_id = %(list)s)
            GROUP BY 1, 2, 3, o.list_id, l.name, o.a_id, a.name, a.country, a.side, a.sectors,
                     o.b_id, b.name, b.country, b.side, b.sectors
            HAVING (%(since)s::date IS NULL OR min(o.occurred_on) >= %(since)s)
               AND (%(until)s::date IS NULL OR min(o.occurred_on) <= %(until)s)
            ORDER BY 4, 1, 2, 3
            """,
            {"since": since, "until": until, "list": list_id},
        ).fetchall()
