"""SQL for the exposure-aware re-ranking: the last audit's per-profile counts (replaced as a whole
when an audit completes) and the one-row setting an officer changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row


@dataclass
class RerankingRow:
    enabled: bool
    strength: float
    changed_by: int | None
    changed_at: datetime


@dataclass
class CountsSummary:
    """The stored audit: when it was computed (None: never), over how many profiles, their mean count."""

    computed_at: datetime | None
    profiles: int
    mean: float


def replace_counts(conn: psycopg.Connection, counts: Sequence[tuple[str, int]], computed_at: datetime) -> int:
    """Replace every stored count by ``counts`` ((profile id, shown in), call in a transaction);
    profiles deleted since the audit read them are left out. Returns the rows written."""
    conn.execute("DELETE FROM profile_exposure")
    return conn.execute(
        "INSERT INTO profile_exposure (profile_id, shown_in, computed_at)"
        " SELECT c.id, c.n, %(at)s FROM unnest(%(ids)s::text[], %(ns)s::int[]) AS c (id, n)"
        " JOIN profiles p ON p.id = c.id",
        {"ids": [pid for pid, _ in counts], "ns": [int(n) for _, n in counts], "at": computed_at},
    ).rowcount


def get_counts_summary(conn: psycopg.Connection) -> CountsSummary:
    row = conn.execute("SELECT max(computed_at), count(*), coalesce(avg(shown_in), 0) FROM profile_exposure").fetchone()
    assert row is not None
    return CountsSummary(row[0], int(row[1]), float(row[2]))


def list_counts(conn: psycopg.Connection, ids: Sequence[str]) -> dict[str, int]:
    """The stored counts of ``ids`` (ids the last audit did not count are missing)."""
    rows = conn.execute("SELECT profile_id, shown_in FROM profile_exposure WHERE profile_id = ANY(%(ids)s)",
                        {"ids": list(ids)}).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def get_reranking(conn: psycopg.Connection) -> RerankingRow | None:
    """The setting; None when no officer has set it yet (the re-ranking is off)."""
    with conn.cursor(row_factory=class_row(RerankingRow)) as cur:
        return cur.execute("SELECT enabled, round(strength::numeric, 2)::float8 AS strength, changed_by, changed_at FROM exposure_reranking").fetchone()


def get_active_reranking(conn: psycopg.Connection) -> tuple[float, float] | None:
    """(strength, mean count) when the re-ranking is on and an audit's counts are stored, else None:
    what serving a match list reads, in one query."""
    row = conn.execute(
        "SELECT round(r.strength::numeric, 2)::float8, avg(e.shown_in) FROM exposure_reranking r CROSS JOIN profile_exposure e"
        " WHERE r.enabled GROUP BY r.strength").fetchone()
    return (float(row[0]), float(row[1])) if row else None


def upsert_reranking(conn: psycopg.Connection, enabled: bool, strength: float, changed_by: int | None) -> None:
    conn.execute(
        "INSERT INTO exposure_reranking (enabled, strength, changed_by) VALUES (%(e)s, %(s)s, %(b)s)"
        " ON CONFLICT (singleton) DO UPDATE SET enabled = EXCLUDED.enabled, strength = EXCLUDED.strength,"
        " changed_by = EXCLUDED.changed_by, changed_at = now()",
        {"e": enabled, "s": strength, "b": changed_by},
    )
