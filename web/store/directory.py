"""SQL for the public directory: published profiles filtered by facets, and facet counts.

Only public columns are selected here (never ``record`` whole): the directory cannot leak a
private field such as ``contact_email`` by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row

FACETS = ("side", "kind", "country", "region", "sector", "mode", "stage", "availability")


@dataclass
class DirectoryFilter:
    """Selected facet values (empty: no restriction) and, for a search, the ranked ids."""

    side: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    sector: list[str] = field(default_factory=list)
    mode: list[str] = field(default_factory=list)
    stage: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)  # an expert's (record ``availability``)
    ids: list[str] | None = None
    #: profiles the viewer sees only under a generated label (``web.services.masking``): their region
    #: is neither counted nor filtered on, and they sort after the others, not by their name
    masked: list[str] = field(default_factory=list)

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: (getattr(self, name) or None) for name in FACETS}
        out["ids"] = self.ids
        out["masked"] = self.masked
        return out


@dataclass
class DirectoryRow:
    id: str
    kind: str
    partner_type: str | None
    name: str
    country: str
    region: str | None
    side: str
    stage: str | None
    sectors: list[str]
    cooperation_offered: list[str]
    cooperation_sought: list[str]
    description: str
    updated_at: datetime
    anonymous: bool = False


_WHERE = """
    WHERE published
      AND (%(ids)s::text[] IS NULL OR id = ANY(%(ids)s))
      AND (%(side)s::text[] IS NULL OR side = ANY(%(side)s))
      AND (%(kind)s::text[] IS NULL OR kind = ANY(%(kind)s))
      AND (%(country)s::text[] IS NULL OR country = ANY(%(country)s))
      AND (%(region)s::text[] IS NULL OR (region = ANY(%(region)s) AND NOT id = ANY(%(masked)s::text[])))
      AND (%(stage)s::text[] IS NULL OR stage = ANY(%(stage)s))
      AND (%(sector)s::text[] IS NULL OR sectors && %(sector)s)
      AND (%(mode)s::text[] IS NULL OR (cooperation_offered && %(mode)s) OR (cooperation_sought && %(mode)s))
      AND (%(availability)s::text[] IS NULL OR ARRAY(SELECT jsonb_array_elements_text(
           coalesce(record->'availability', '[]'::jsonb))) && %(availability)s)
"""

_PUBLIC_COLS = ("id, kind, partner_type, name, country, region, side, stage, sectors, cooperation_offered,"
                " cooperation_sought, record->>'description' AS description, updated_at,"
                " coalesce(record->>'visibility' = 'anonymous', false) AS anonymous")


def list_directory(conn: psycopg.Connection, filters: DirectoryFilter, limit: int, offset: int) -> list[DirectoryRow]:
    """One page of published profiles: in search-rank order when ``filters.ids`` is set, else by name."""
    params = filters.params() | {"limit": limit, "offset": offset}
    with conn.cursor(row_factory=class_row(DirectoryRow)) as cur:
        return cur.execute(
            f"SELECT {_PUBLIC_COLS} FROM profiles {_WHERE}"
            " ORDER BY array_position(%(ids)s::text[], id), id = ANY(%(masked)s::text[]),"
            " CASE WHEN id = ANY(%(masked)s::text[]) THEN md5(id) END, lower(name), id"
            " LIMIT %(limit)s OFFSET %(offset)s",
            params,
        ).fetchall()


def count_directory(conn: psycopg.Connection, filters: DirectoryFilter) -> int:
    row = conn.execute(f"SELECT count(*) FROM profiles {_WHERE}", filters.params()).fetchone()
    return int(row[0]) if row else 0


def count_facets(conn: psycopg.Connection, ids: list[str] | None, masked: list[str] | None = None
                 ) -> list[tuple[str, str, int]]:
    """``(facet, value, count)`` over published profiles (restricted to ``ids`` for a search); the
    region of the ``masked`` ones is not counted."""
    rows = conn.execute(
        """
        WITH f AS (SELECT * FROM profiles WHERE published AND (%(ids)s::text[] IS NULL OR id = ANY(%(ids)s)))
        SELECT 'side', side, count(*) FROM f GROUP BY 2
        UNION ALL SELECT 'kind', kind, count(*) FROM f GROUP BY 2
        UNION ALL SELECT 'country', country::text, count(*) FROM f GROUP BY 2
        UNION ALL SELECT 'region', region, count(*) FROM f WHERE region IS NOT NULL AND NOT id = ANY(%(masked)s::text[])
            GROUP BY 2
        UNION ALL SELECT 'stage', stage, count(*) FROM f WHERE stage IS NOT NULL GROUP BY 2
        UNION ALL SELECT 'sector', s, count(*) FROM f, unnest(sectors) s GROUP BY 2
        UNION ALL SELECT 'availability', a, count(*) FROM f,
            jsonb_array_elements_text(coalesce(f.record->'availability', '[]'::jsonb)) a GROUP BY 2
        UNION ALL SELECT 'mode', m, count(DISTINCT f.id) FROM f,
            unnest(cooperation_offered || cooperation_sought) m GROUP BY 2
        ORDER BY 1, 3 DESC, 2
        """,
        {"ids": ids, "masked": masked or []},
    ).fetchall()
    return [(str(r[0]), str(r[1]).strip(), int(r[2])) for r in rows]


def count_published(conn: psycopg.Connection) -> dict[str, int]:
    """Published profiles by side and kind, for the home page (keys ``side:vn``, ``kind:startup``)."""
    rows = conn.execute(
        "SELECT 'side:' || side, count(*) FROM profiles WHERE published GROUP BY 1"
        " UNION ALL SELECT 'kind:' || kind, count(*) FROM profiles WHERE published GROUP BY 1"
        " UNION ALL SELECT 'all', count(*) FROM profiles WHERE published"
        " UNION ALL SELECT 'countries', count(DISTINCT country) FROM profiles WHERE published"
    ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def list_profile_names(conn: psycopg.Connection, ids: list[str]) -> list[DirectoryRow]:
    """Public columns of the given published profiles (any order)."""
    with conn.cursor(row_factory=class_row(DirectoryRow)) as cur:
        return cur.execute(
            f"SELECT {_PUBLIC_COLS} FROM profiles WHERE published AND id = ANY(%(ids)s)", {"ids": ids}
        ).fetchall()
