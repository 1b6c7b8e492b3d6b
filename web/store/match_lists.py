"""SQL for programme officers' match lists, their participants and their blocked/forced pairs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import class_row

LIST_FIELDS = ("name", "kind", "starts_on", "ends_on", "location", "description", "min_a", "max_a", "min_b",
               "max_b", "max_per_group", "min_fit", "fairness")


@dataclass
class MatchListRow:
    id: int
    name: str
    kind: str
    starts_on: date | None
    ends_on: date | None
    location: str
    description: str
    state: str
    min_a: int
    max_a: int | None
    min_b: int
    max_b: int | None
    max_per_group: int | None
    min_fit: int
    fairness: str
    published_run: int | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    closed_at: datetime | None


@dataclass
class ListSummaryRow(MatchListRow):
    n_a: int
    n_b: int
    n_runs: int
    n_meetings: int
    n_confirmed: int


@dataclass
class ParticipantRow:
    profile_id: str
    side: str
    min_pairs: int | None
    max_pairs: int | None
    group_label: str | None
    added_via: str
    name: str
    kind: str
    country: str
    profile_side: str
    sectors: list[str]
    revision: int


@dataclass
class PairRow:
    a_id: str
    b_id: str
    kind: str
    reason: str
    note: str
    a_name: str
    b_name: str
    created_at: datetime


_LIST_COLS = ("l.id, l.name, l.kind, l.starts_on, l.ends_on, l.location, l.description, l.state, l.min_a, l.max_a,"
              " l.min_b, l.max_b, l.max_per_group, l.min_fit, l.fairness, l.published_run, l.created_by,"
              " l.created_at, l.updated_at, l.published_at, l.closed_at")


def insert_match_list(conn: psycopg.Connection, values: dict[str, Any], created_by: int | None) -> int:
    """A new draft list from ``values`` (every name of ``LIST_FIELDS``); returns its id."""
    cols = ", ".join(LIST_FIELDS)
    params = ", ".join(f"%({f})s" for f in LIST_FIELDS)
    row = conn.execute(
        f"INSERT INTO match_lists ({cols}, created_by) VALUES ({params}, %(created_by)s) RETURNING id",
        {**values, "created_by": created_by},
    ).fetchone()
    assert row is not None
    return int(row[0])


def update_match_list(conn: psycopg.Connection, list_id: int, values: dict[str, Any]) -> bool:
    sets = ", ".join(f"{f} = %({f})s" for f in LIST_FIELDS)
    cur = conn.execute(f"UPDATE match_lists SET {sets}, updated_at = now() WHERE id = %(id)s",
                       {**values, "id": list_id})
    return cur.rowcount > 0


def get_match_list(conn: psycopg.Connection, list_id: int, *, for_update: bool = False) -> MatchListRow | None:
    lock = " FOR UPDATE" if for_update else ""
    with conn.cursor(row_factory=class_row(MatchListRow)) as cur:
        return cur.execute(f"SELECT {_LIST_COLS} FROM match_lists l WHERE l.id = %(id)s{lock}",
                           {"id": list_id}).fetchone()


def list_match_lists(conn: psycopg.Connection, states: list[str] | None = None) -> list[ListSummaryRow]:
    """Lists with their participant, run and meeting counts, upcoming and recent first."""
    with conn.cursor(row_factory=class_row(ListSummaryRow)) as cur:
        return cur.execute(
            f"SELECT {_LIST_COLS},"
            " (SELECT count(*) FROM match_list_participants p WHERE p.list_id = l.id AND p.side = 'a')::int AS n_a,"
            " (SELECT count(*) FROM match_list_participants p WHERE p.list_id = l.id AND p.side = 'b')::int AS n_b,"
            " (SELECT count(*) FROM assignment_runs r WHERE r.list_id = l.id)::int AS n_runs,"
            " (SELECT count(*) FROM meetings m WHERE m.list_id = l.id)::int AS n_meetings,"
            " (SELECT count(*) FROM meetings m WHERE m.list_id = l.id AND m.state = 'confirmed')::int AS n_confirmed"
            " FROM match_lists l WHERE (%(states)s::text[] IS NULL OR l.state = ANY(%(states)s))"
            " ORDER BY l.state = 'closed', l.starts_on DESC NULLS FIRST, l.id DESC",
            {"states": states},
        ).fetchall()


def update_match_list_state(conn: psycopg.Connection, list_id: int, from_state: str, to_state: str,
                            run_id: int | None = None) -> bool:
    """Move a list from ``from_state`` to ``to_state`` (stamping the time); False if it was not there."""
    cur = conn.execute(
        "UPDATE match_lists SET state = %(to)s, updated_at = now(),"
        " published_run = CASE WHEN %(to)s = 'published' THEN %(run)s ELSE published_run END,"
        " published_at = CASE WHEN %(to)s = 'published' THEN now() ELSE published_at END,"
        " closed_at = CASE WHEN %(to)s = 'closed' THEN now() ELSE closed_at END"
        " WHERE id = %(id)s AND state = %(from)s",
        {"id": list_id, "from": from_state, "to": to_state, "run": run_id},
    )
    return cur.rowcount > 0


def list_participants(conn: psycopg.Connection, list_id: int) -> list[ParticipantRow]:
    """Participants with their profiles' public columns, side a first, by name."""
    with conn.cursor(row_factory=class_row(ParticipantRow)) as cur:
        return cur.execute(
            "SELECT p.profile_id, p.side, p.min_pairs, p.max_pairs, p.group_label, p.added_via, f.name, f.kind,"
            " f.country::text AS country, f.side AS profile_side, f.sectors, f.revision"
            " FROM match_list_participants p JOIN profiles f ON f.id = p.profile_id"
            " WHERE p.list_id = %(id)s ORDER BY p.side, lower(f.name), p.profile_id",
            {"id": list_id},
        ).fetchall()


def insert_participants(conn: psycopg.Connection, list_id: int, rows: list[tuple[Any, ...]]) -> int:
    """Add ``(profile_id, side, min, max, group, added_via)`` rows; ids already listed are kept as
    they are. Returns how many were added."""
    added = 0
    with conn.cursor() as cur:
        for row in rows:
            cur.execute(
                "INSERT INTO match_list_participants (list_id, profile_id, side, min_pairs, max_pairs, group_label,"
                " added_via) VALUES (%(l)s, %(p)s, %(s)s, %(mn)s, %(mx)s, %(g)s, %(v)s) ON CONFLICT DO NOTHING",
                {"l": list_id, "p": row[0], "s": row[1], "mn": row[2], "mx": row[3], "g": row[4], "v": row[5]},
            )
            added += cur.rowcount
    return added


def upsert_participants(conn: psycopg.Connection, list_id: int, rows: list[tuple[Any, ...]]) -> None:
    """Add or replace ``(profile_id, side, min, max, group, added_via)`` rows."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO match_list_participants (list_id, profile_id, side, min_pairs, max_pairs, group_label,"
            " added_via) VALUES (%(l)s, %(p)s, %(s)s, %(mn)s, %(mx)s, %(g)s, %(v)s)"
            " ON CONFLICT (list_id, profile_id) DO UPDATE SET side = EXCLUDED.side, min_pairs = EXCLUDED.min_pairs,"
            " max_pairs = EXCLUDED.max_pairs, group_label = EXCLUDED.group_label",
            [{"l": list_id, "p": r[0], "s": r[1], "mn": r[2], "mx": r[3], "g": r[4], "v": r[5]} for r in rows],
        )


def update_participant(conn: psycopg.Connection, list_id: int, profile_id: str, side: str,
                       min_pairs: int | None, max_pairs: int | None, group_label: str | None) -> bool:
    cur = conn.execute(
        "UPDATE match_list_participants SET side = %(s)s, min_pairs = %(mn)s, max_pairs = %(mx)s,"
        " group_label = %(g)s WHERE list_id = %(l)s AND profile_id = %(p)s",
        {"l": list_id, "p": profile_id, "s": side, "mn": min_pairs, "mx": max_pairs, "g": group_label},
    )
    return cur.rowcount > 0


def update_participant_capacity(conn: psycopg.Connection, list_id: int, profile_id: str,
                                min_pairs: int | None, max_pairs: int | None) -> bool:
    cur = conn.execute(
        "UPDATE match_list_participants SET min_pairs = %(mn)s, max_pairs = %(mx)s"
        " WHERE list_id = %(l)s AND profile_id = %(p)s",
        {"l": list_id, "p": profile_id, "mn": min_pairs, "mx": max_pairs},
    )
    return cur.rowcount > 0


def update_list_group_limit(conn: psycopg.Connection, list_id: int, max_per_group: int | None) -> None:
    conn.execute("UPDATE match_lists SET max_per_group = %(g)s, updated_at = now() WHERE id = %(id)s",
                 {"g": max_per_group, "id": list_id})


def delete_participants(conn: psycopg.Connection, list_id: int, profile_ids: list[str]) -> int:
    cur = conn.execute("DELETE FROM match_list_participants WHERE list_id = %(l)s AND profile_id = ANY(%(ids)s)",
                       {"l": list_id, "ids": profile_ids})
    return cur.rowcount


def list_profile_sides(conn: psycopg.Connection, profile_ids: list[str]) -> dict[str, str]:
    """``{id: side}`` of the published profiles among ``profile_ids``."""
    rows = conn.execute("SELECT id, side FROM profiles WHERE published AND id = ANY(%(ids)s)",
                        {"ids": profile_ids}).fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def list_profile_kinds(conn: psycopg.Connection, profile_ids: list[str]) -> dict[str, str]:
    """``{id: kind}`` of the published profiles among ``profile_ids``."""
    rows = conn.execute("SELECT id, kind FROM profiles WHERE published AND id = ANY(%(ids)s)",
                        {"ids": profile_ids}).fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def list_pairs(conn: psycopg.Connection, list_id: int) -> list[PairRow]:
    with conn.cursor(row_factory=class_row(PairRow)) as cur:
        return cur.execute(
            "SELECT x.a_id, x.b_id, x.kind, x.reason, x.note, a.name AS a_name, b.name AS b_name, x.created_at"
            " FROM match_list_pairs x JOIN profiles a ON a.id = x.a_id JOIN profiles b ON b.id = x.b_id"
            " WHERE x.list_id = %(l)s ORDER BY x.kind, lower(a.name), lower(b.name)",
            {"l": list_id},
        ).fetchall()


def upsert_pair(conn: psycopg.Connection, list_id: int, a_id: str, b_id: str, kind: str, reason: str,
                note: str, created_by: int | None) -> None:
    conn.execute(
        "INSERT INTO match_list_pairs (list_id, a_id, b_id, kind, reason, note, created_by)"
        " VALUES (%(l)s, %(a)s, %(b)s, %(k)s, %(r)s, %(n)s, %(u)s)"
        " ON CONFLICT (list_id, a_id, b_id) DO UPDATE SET kind = EXCLUDED.kind, reason = EXCLUDED.reason,"
        " note = EXCLUDED.note, created_by = EXCLUDED.created_by, created_at = now()",
        {"l": list_id, "a": a_id, "b": b_id, "k": kind, "r": reason, "n": note, "u": created_by},
    )


def delete_pair(conn: psycopg.Connection, list_id: int, a_id: str, b_id: str) -> bool:
    cur = conn.execute("DELETE FROM match_list_pairs WHERE list_id = %(l)s AND a_id = %(a)s AND b_id = %(b)s",
                       {"l": list_id, "a": a_id, "b": b_id})
    return cur.rowcount > 0


def list_met_pairs(conn: psycopg.Connection, list_id: int) -> list[tuple[str, str]]:
    """(a, b) pairs of this list's participants that already met: an accepted introduction, a
    confirmed meeting of another list, or a recorded outcome, in either direction."""
    rows = conn.execute(
        """
        WITH a AS (SELECT profile_id FROM match_list_participants WHERE list_id = %(l)s AND side = 'a'),
             b AS (SELECT profile_id FROM match_list_participants WHERE list_id = %(l)s AND side = 'b'),
             met AS (
                SELECT from_profile AS x, to_profile AS y FROM introductions WHERE state = 'accepted'
                UNION SELECT a_id, b_id FROM meetings WHERE state = 'confirmed' AND list_id <> %(l)s
                UNION SELECT a_id, b_id FROM outcomes)
        SELECT DISTINCT a.profile_id, b.profile_id FROM a, b, met
        WHERE (met.x = a.profile_id AND met.y = b.profile_id) OR (met.y = a.profile_id AND met.x = b.profile_id)
        ORDER BY 1, 2
        """,
        {"l": list_id},
    ).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def find_profiles(conn: psycopg.Connection, text: str, exclude_list: int, limit: int,
                  kind: str | None = None) -> list[tuple[str, str, str, str]]:
    """``(id, name, kind, country)`` of published profiles (of ``kind``, if given) whose name or id
    contains ``text`` (case-insensitive), not yet in list ``exclude_list``; by name."""
    rows = conn.execute(
        "SELECT id, name, kind, country::text FROM profiles WHERE published"
        " AND (%(kind)s::text IS NULL OR kind = %(kind)s) AND (name ILIKE %(pat)s OR id ILIKE %(pat)s)"
        " AND id NOT IN (SELECT profile_id FROM match_list_participants WHERE list_id = %(l)s)"
        " ORDER BY lower(name), id LIMIT %(n)s",
        {"pat": "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
         "l": exclude_list, "n": limit, "kind": kind},
    ).fetchall()
    return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]
