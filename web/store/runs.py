"""SQL for assignment runs of a match list, their pairs and the officer's hand edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb


@dataclass
class RunRow:
    id: int
    list_id: int
    number: int
    parent_id: int | None
    parameters: dict[str, Any]
    status: str
    solver_objective: float
    objective: float
    explanation: str
    relaxations: list[dict[str, Any]]
    alternates: dict[str, list[str]]
    info: dict[str, Any]
    created_by: int | None
    created_at: datetime
    n_pairs: int
    n_edits: int


@dataclass
class RunPairRow:
    a_id: str
    b_id: str
    score: float
    fit: float
    pinned: bool
    source: str
    a_name: str
    b_name: str
    a_country: str
    b_country: str


@dataclass
class RunEditRow:
    id: int
    action: str
    a_id: str
    b_id: str
    new_a_id: str | None
    new_b_id: str | None
    objective_before: float
    objective_after: float
    edited_by: int | None
    edited_at: datetime


_RUN_COLS = (
    "r.id, r.list_id, r.number, r.parent_id, r.parameters, r.status, r.solver_objective, r.objective,"
    " r.explanation, r.relaxations, r.alternates, r.info, r.created_by, r.created_at,"
    " (SELECT count(*) FROM run_pairs p WHERE p.run_id = r.id)::int AS n_pairs,"
    " (SELECT count(*) FROM run_edits e WHERE e.run_id = r.id)::int AS n_edits"
)


def insert_run(conn: psycopg.Connection, list_id: int, parent_id: int | None, parameters: dict[str, Any],
               status: str, objective: float, explanation: str, relaxations: list[dict[str, Any]],
               alternates: dict[str, list[str]], info: dict[str, Any], created_by: int | None) -> int:
    """A new run numbered after the list's last one (the caller holds the list's row lock)."""
    row = conn.execute(
        "INSERT INTO assignment_runs (list_id, number, parent_id, parameters, status, solver_objective, objective,"
        " explanation, relaxations, alternates, info, created_by)"
        " VALUES (%(l)s, (SELECT coalesce(max(number), 0) + 1 FROM assignment_runs WHERE list_id = %(l)s),"
        " %(parent)s, %(params)s, %(status)s, %(obj)s, %(obj)s, %(expl)s, %(relax)s, %(alt)s, %(info)s, %(by)s)"
        " RETURNING id",
        {"l": list_id, "parent": parent_id, "params": Jsonb(parameters), "status": status, "obj": objective,
         "expl": explanation, "relax": Jsonb(relaxations), "alt": Jsonb(alternates), "info": Jsonb(info),
         "by": created_by},
    ).fetchone()
    assert row is not None
    return int(row[0])


def get_run(conn: psycopg.Connection, run_id: int) -> RunRow | None:
    with conn.cursor(row_factory=class_row(RunRow)) as cur:
        return cur.execute(f"SELECT {_RUN_COLS} FROM assignment_runs r WHERE r.id = %(id)s",
                           {"id": run_id}).fetchone()


def list_runs(conn: psycopg.Connection, list_id: int) -> list[RunRow]:
    """The list's runs, newest first."""
    with conn.cursor(row_factory=class_row(RunRow)) as cur:
        return cur.execute(f"SELECT {_RUN_COLS} FROM assignment_runs r WHERE r.list_id = %(l)s ORDER BY r.number DESC",
                           {"l": list_id}).fetchall()


def update_run_objective(conn: psycopg.Connection, run_id: int) -> float:
    """Set the run's objective to the sum of its pairs' weights (fit / 100); return it."""
    row = conn.execute(
        "UPDATE assignment_runs SET objective ="
        " (SELECT coalesce(sum(fit), 0) / 100.0 FROM run_pairs WHERE run_id = %(id)s)"
        " WHERE id = %(id)s RETURNING objective",
        {"id": run_id},
    ).fetchone()
    assert row is not None
    return float(row[0])


def insert_run_pairs(conn: psycopg.Connection, run_id: int, rows: list[dict[str, Any]]) -> None:
    """Rows: dicts with a_id, b_id, score, fit, pinned, source."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO run_pairs (run_id, a_id, b_id, score, fit, pinned, source)"
            " VALUES (%(run)s, %(a_id)s, %(b_id)s, %(score)s, %(fit)s, %(pinned)s, %(source)s)",
            [{**r, "run": run_id} for r in rows],
        )


def list_run_pairs(conn: psycopg.Connection, run_id: int) -> list[RunPairRow]:
    with conn.cursor(row_factory=class_row(RunPairRow)) as cur:
        return cur.execute(
            "SELECT p.a_id, p.b_id, p.score, p.fit, p.pinned, p.source, a.name AS a_name, b.name AS b_name,"
            " a.country::text AS a_country, b.country::text AS b_country"
            " FROM run_pairs p JOIN profiles a ON a.id = p.a_id JOIN profiles b ON b.id = p.b_id"
            " WHERE p.run_id = %(r)s ORDER BY lower(a.name), p.a_id, p.fit DESC, p.b_id",
            {"r": run_id},
        ).fetchall()


def delete_run_pair(conn: psycopg.Connection, run_id: int, a_id: str, b_id: str) -> bool:
    cur = conn.execute("DELETE FROM run_pairs WHERE run_id = %(r)s AND a_id = %(a)s AND b_id = %(b)s",
                       {"r": run_id, "a": a_id, "b": b_id})
    return cur.rowcount > 0


def update_run_pair_pinned(conn: psycopg.Connection, run_id: int, a_id: str, b_id: str, pinned: bool) -> bool:
    cur = conn.execute("UPDATE run_pairs SET pinned = %(p)s WHERE run_id = %(r)s AND a_id = %(a)s AND b_id = %(b)s",
                       {"r": run_id, "a": a_id, "b": b_id, "p": pinned})
    return cur.rowcount > 0


def insert_run_edit(conn: psycopg.Connection, run_id: int, action: str, a_id: str, b_id: str,
                    new_a_id: str | None, new_b_id: str | None, before: float, after: float,
                    edited_by: int | None) -> int:
    row = conn.execute(
        "INSERT INTO run_edits (run_id, action, a_id, b_id, new_a_id, new_b_id, objective_before, objective_after,"
        " edited_by) VALUES (%(r)s, %(act)s, %(a)s, %(b)s, %(na)s, %(nb)s, %(before)s, %(after)s, %(by)s)"
        " RETURNING id",
        {"r": run_id, "act": action, "a": a_id, "b": b_id, "na": new_a_id, "nb": new_b_id, "before": before,
         "after": after, "by": edited_by},
    ).fetchone()
    assert row is not None
    return int(row[0])


def list_run_edits(conn: psycopg.Connection, run_id: int) -> list[RunEditRow]:
    """The run's edits, newest first."""
    with conn.cursor(row_factory=class_row(RunEditRow)) as cur:
        return cur.execute(
            "SELECT id, action, a_id, b_id, new_a_id, new_b_id, objective_before, objective_after, edited_by,"
            " edited_at FROM run_edits WHERE run_id = %(r)s ORDER BY id DESC",
            {"r": run_id},
        ).fetchall()
