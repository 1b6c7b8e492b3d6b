"""SQL for profiles and their texts. One function per statement, named verb_noun.

Records stored here are canonical (``matcher.profile.normalise_record``) and valid.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row, dict_row
from psycopg.types.json import Jsonb

from matcher.embed import text_hash
from matcher.profile import normalise_record, side_of
from web.store.jobs import EMBED_JOB

# an advisory lock serialising imports, so that two overlapping imports end consistent
IMPORT_LOCK = 7_262_002


def canonical_json(record: dict[str, Any]) -> str:
    """The one serialisation used for hashing and export (schema key order kept)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def content_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(record).encode("utf-8")).hexdigest()


@dataclass
class ProfileRow:
    id: str
    kind: str
    name: str
    country: str
    side: str
    record: dict[str, Any]
    revision: int
    published: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class UpsertCounts:
    imported: int
    updated: int
    unchanged: int


_COLUMNS = ("id", "kind", "partner_type", "name", "country", "region", "side", "stage", "sectors",
            "cooperation_offered", "cooperation_sought", "languages", "record", "content_hash")


def _row_values(record: dict[str, Any]) -> tuple[Any, ...]:
    return (
        record["id"], record["kind"], record.get("partner_type"), record["name"], record["country"],
        record.get("region"), side_of(record), record.get("stage"), record.get("sectors", []),
        record.get("cooperation_offered", []), record.get("cooperation_sought", []),
        record.get("languages", []), Jsonb(record), content_hash(record),
    )


def text_rows(record: dict[str, Any], revision: int) -> list[tuple[Any, ...]]:
    """``profile_texts`` rows of one record: description, offers, needs and each document."""
    rows: list[tuple[Any, ...]] = []
    for field in ("description", "offers", "needs"):
        body = record.get(field)
        if body:
            rows.append((record["id"], revision, field, 0, None, body, text_hash(body)))
    for i, doc in enumerate(record.get("documents") or []):
        rows.append((record["id"], revision, "document", i, doc.get("title"), doc["text"], text_hash(doc["text"])))
    return rows


def lock_writes(conn: psycopg.Connection) -> None:
    """Wait for, then hold until the transaction ends, the lock every profile write takes first
    (an import, a save): writers queue instead of deadlocking over each other's rows."""
    conn.execute("SELECT pg_advisory_xact_lock(%(k)s)", {"k": IMPORT_LOCK})


def lock_revision(conn: psycopg.Connection, profile_id: str) -> int | None:
    """The stored revision of a profile, its row locked until the transaction ends (None: no such
    profile). Take ``lock_writes`` first, in the order ``upsert_profiles`` takes both."""
    row = conn.execute("SELECT revision FROM profiles WHERE id = %(id)s FOR UPDATE", {"id": profile_id}).fetchone()
    return int(row[0]) if row is not None else None


def share_lock_revisions(conn: psycopg.Connection, profile_ids: list[str]) -> dict[str, int]:
    """The stored revision of each of ``profile_ids`` that exists, the rows share-locked until the
    transaction ends: a save of one of them waits for it (``upsert_profiles`` locks the row)."""
    rows = conn.execute("SELECT id, revision FROM profiles WHERE id = ANY(%(ids)s) ORDER BY id FOR SHARE",
                        {"ids": profile_ids}).fetchall()
    return {str(pid): int(revision) for pid, revision in rows}


def upsert_profiles(conn: psycopg.Connection, records: list[dict[str, Any]]) -> tuple[UpsertCounts, list[str]]:
    """Insert or update ``records`` by id (call inside a transaction); return counts and changed ids.

    An unchanged record (same content hash) is not touched: its revision stays.
    """
    lock_writes(conn)
    conn.execute(
        "CREATE TEMP TABLE incoming (LIKE profiles INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    with conn.cursor() as cur, cur.copy(f"COPY incoming ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
        for record in sorted(records, key=lambda r: r["id"]):
            copy.write_row(_row_values(record))
    changed = conn.execute(
        f"""
        INSERT INTO profiles AS p ({', '.join(_COLUMNS)})
        SELECT {', '.join(_COLUMNS)} FROM incoming ORDER BY id
        ON CONFLICT (id) DO UPDATE SET
            {', '.join(f'{c} = EXCLUDED.{c}' for c in _COLUMNS if c != 'id')},
            revision = p.revision + 1,
            updated_at = now()
        WHERE p.content_hash IS DISTINCT FROM EXCLUDED.content_hash
        RETURNING p.id, p.revision, (xmax = 0) AS inserted
        """
    ).fetchall()
    conn.execute("DROP TABLE incoming")
    by_id = {r["id"]: r for r in records}
    if changed:
        ids = [row[0] for row in changed]
        conn.execute("DELETE FROM profile_texts WHERE profile_id = ANY(%(ids)s)", {"ids": ids})
        with conn.cursor() as cur, cur.copy(
            "COPY profile_texts (profile_id, revision, field, ord, title, body, text_hash) FROM STDIN"
        ) as copy:
            for pid, revision, _ in changed:
                for row in text_rows(by_id[pid], revision):
                    copy.write_row(row)
    inserted = sum(1 for row in changed if row[2])
    counts = UpsertCounts(inserted, len(changed) - inserted, len(records) - len(changed))
    return counts, sorted(row[0] for row in changed)


def get_profile(conn: psycopg.Connection, profile_id: str) -> ProfileRow | None:
    with conn.cursor(row_factory=class_row(ProfileRow)) as cur:
        row = cur.execute(
            "SELECT id, kind, name, country, side, record, revision, published, created_at, updated_at"
            " FROM profiles WHERE id = %(id)s",
            {"id": profile_id},
        ).fetchone()
    if row is not None:
        row.record = normalise_record(row.record)
    return row


def profile_exists(conn: psycopg.Connection, profile_id: str) -> bool:
    """Whether a profile with this id is stored (without reading its record)."""
    return conn.execute("SELECT 1 FROM profiles WHERE id = %(id)s", {"id": profile_id}).fetchone() is not None


def list_profiles(conn: psycopg.Connection, kinds: list[str] | None = None) -> list[ProfileRow]:
    with conn.cursor(row_factory=class_row(ProfileRow)) as cur:
        return cur.execute(
            "SELECT id, kind, name, country, side, record, revision, published, created_at, updated_at"
            " FROM profiles WHERE (%(kinds)s::text[] IS NULL OR kind = ANY(%(kinds)s)) ORDER BY id",
            {"kinds": kinds},
        ).fetchall()


def list_records(conn: psycopg.Connection, kinds: list[str] | None = None) -> list[dict[str, Any]]:
    """Canonical records ordered by id (what export writes and the engine fits on)."""
    rows = conn.execute(
        "SELECT record FROM profiles WHERE (%(kinds)s::text[] IS NULL OR kind = ANY(%(kinds)s)) ORDER BY id",
        {"kinds": kinds},
    ).fetchall()
    # jsonb does not keep key order: restore the canonical (schema) order
    return [normalise_record(r[0]) for r in rows]


def delete_profile(conn: psycopg.Connection, profile_id: str) -> bool:
    cur = conn.execute("DELETE FROM profiles WHERE id = %(id)s", {"id": profile_id})
    return cur.rowcount > 0


def count_profiles(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM profiles").fetchone()
    return int(row[0]) if row else 0


def profile_stats(conn: psycopg.Connection) -> dict[str, dict[str, int]]:
    """Counts by kind, country, sector and working language."""
    with conn.cursor(row_factory=dict_row) as cur:
        out: dict[str, dict[str, int]] = {}
        for name, expr in (
            ("kind", "kind"),
            ("side", "side"),
            ("country", "country"),
            ("sector", "unnest(sectors)"),
            ("language", "unnest(languages)"),
        ):
            rows = cur.execute(
                f"SELECT {expr} AS key, count(*) AS n FROM profiles GROUP BY 1 ORDER BY 2 DESC, 1"
            ).fetchall()
            out[name] = {str(r["key"]).strip(): int(r["n"]) for r in rows}
        return out


def list_contact_allowed(conn: psycopg.Connection, user_id: int, profile_ids: list[str]) -> set[str]:
    """Those of ``profile_ids`` the user owns, or that one of the user's profiles connected with:
    an accepted introduction or a confirmed meeting, in either direction."""
    rows = conn.execute(
        "SELECT p.id FROM unnest(%(ids)s::text[]) AS p(id)"
        " WHERE EXISTS (SELECT 1 FROM profile_owners WHERE user_id = %(u)s AND profile_id = p.id)"
        " OR EXISTS (SELECT 1 FROM introductions i JOIN profile_owners o ON o.user_id = %(u)s"
        "   AND o.profile_id IN (i.from_profile, i.to_profile) AND o.profile_id <> p.id"
        "   WHERE i.state = 'accepted' AND p.id IN (i.from_profile, i.to_profile))"
        " OR EXISTS (SELECT 1 FROM meetings m JOIN profile_owners o ON o.user_id = %(u)s"
        "   AND o.profile_id IN (m.a_id, m.b_id) AND o.profile_id <> p.id"
        "   WHERE m.state = 'confirmed' AND p.id IN (m.a_id, m.b_id))",
        {"u": user_id, "ids": profile_ids},
    ).fetchall()
    return {r[0] for r in rows}


def list_anonymous_ids(conn: psycopg.Connection, profile_ids: list[str] | None = None) -> set[str]:
    """Those of ``profile_ids`` (every profile when None) whose record asks for ``visibility:
    anonymous``."""
    rows = conn.execute(
        "SELECT id FROM profiles WHERE record->>'visibility' = 'anonymous'"
        " AND (%(ids)s::text[] IS NULL OR id = ANY(%(ids)s))",
        {"ids": profile_ids},
    ).fetchall()
    return {r[0] for r in rows}


def list_anonymous_records(conn: psycopg.Connection, profile_ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """``{id: record}`` of those of ``profile_ids`` (every profile when None) that ask for
    ``visibility: anonymous`` (few: the doors that mask them look them all up)."""
    rows = conn.execute(
        "SELECT id, record FROM profiles WHERE record->>'visibility' = 'anonymous'"
        " AND (%(ids)s::text[] IS NULL OR id = ANY(%(ids)s))",
        {"ids": profile_ids},
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def list_profile_page(conn: psycopg.Connection, *, after: str | None, limit: int, kind: str | None = None,
                      country: str | None = None, sector: str | None = None, mode: str | None = None,
                      stage: str | None = None, q: str | None = None) -> list[dict[str, Any]]:
    """Published records ordered by id, after the cursor id, filtered; ``q`` matches name and texts."""
    rows = conn.execute(
        "SELECT record FROM profiles WHERE published"
        " AND (%(after)s::text IS NULL OR id > %(after)s)"
        " AND (%(kind)s::text IS NULL OR kind = %(kind)s)"
        " AND (%(country)s::text IS NULL OR country = %(country)s)"
        " AND (%(sector)s::text IS NULL OR %(sector)s = ANY(sectors))"
        " AND (%(mode)s::text IS NULL OR %(mode)s = ANY(cooperation_offered) OR %(mode)s = ANY(cooperation_sought))"
        " AND (%(stage)s::text IS NULL OR stage = %(stage)s)"
        " AND (%(q)s::text IS NULL OR concat_ws(' ', name, record->>'description', record->>'offers',"
        "      record->>'needs', region) ILIKE '%%' || %(q)s || '%%')"
        " ORDER BY id LIMIT %(limit)s",
        {"after": after, "kind": kind, "country": country, "sector": sector, "mode": mode, "stage": stage,
         "q": q, "limit": limit},
    ).fetchall()
    return [normalise_record(r[0]) for r in rows]


def list_published_records(conn: psycopg.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT record FROM profiles WHERE published ORDER BY id").fetchall()
    return [normalise_record(r[0]) for r in rows]


_SETTLED_PUBLISHED = (
    " FROM profiles p WHERE p.published AND NOT EXISTS (SELECT 1 FROM jobs j"
    " WHERE j.kind = %(kind)s AND j.key = p.id AND j.status = 'queued')"
)


def list_settled_published_ids(conn: psycopg.Connection) -> list[str]:
    """Ids of the published profiles that no embedding job is queued for."""
    rows = conn.execute("SELECT p.id" + _SETTLED_PUBLISHED, {"kind": EMBED_JOB}).fetchall()
    return [r[0] for r in rows]


def id_hash(profile_id: str) -> int:
    """The first 8 bytes of the id's MD5 as a signed 64-bit integer: the ``profiles.id_hash`` that
    ``settled_published_digest`` XORs (migration 065; not a security use: a checksum)."""
    return int.from_bytes(hashlib.md5(profile_id.encode(), usedforsecurity=False).digest()[:8], "big", signed=True)


def settled_published_digest(conn: psycopg.Connection) -> tuple[int, int]:
    """``(count, XOR of id_hash)`` of ``list_settled_published_ids``, computed in the database: one
    row instead of every id (the ids of 100k profiles held a serving process's GIL for tens of ms).
    An index-only scan on one process: a parallel plan took both cores of a 2-core host at once,
    and the requests of that moment waited."""
    with conn.transaction():
        conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        row = conn.execute("SELECT count(*), coalesce(bit_xor(p.id_hash), 0)" + _SETTLED_PUBLISHED,
                           {"kind": EMBED_JOB}).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def list_ids_updated_since(conn: psycopg.Connection, epoch_seconds: float) -> list[str]:
    rows = conn.execute(
        "SELECT id FROM profiles WHERE updated_at >= to_timestamp(%(t)s) ORDER BY id", {"t": epoch_seconds}
    ).fetchall()
    return [r[0] for r in rows]
