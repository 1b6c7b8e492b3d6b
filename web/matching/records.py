"""What the matching index is built from: which profiles are ready (published, every passage
embedded: loading embeds nothing), and the web/API filter names in the engine's words."""

from __future__ import annotations

import logging
from typing import Any

import psycopg

from matcher.embed import text_hash
from matcher.features import NEED_ROLE, OFFER_ROLE, embedding_texts
from web.db.pool import Database
from web.errors import Invalid
from web.store import jobs as job_store
from web.store import profiles as store

log = logging.getLogger(__name__)

# web filter names -> engine filter names
_FILTER_NAMES = {"kind": "kind", "country": "country", "sector": "sector", "mode": "cooperation_mode",
                 "stage": "stage", "side": "side", "partner_type": "partner_type",
                 # technology scouting: an IP asset of this type, offered this way, at this TRL or higher
                 "ip_asset_type": "ip_asset_type", "ip_transfer": "ip_transfer", "min_trl": "min_trl"}


def engine_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Translate the web/API filter names; empty values are dropped; unknown names are errors."""
    if not filters:
        return None
    out: dict[str, Any] = {}
    for name, value in filters.items():
        if value in (None, "", [], ()):
            continue
        if name not in _FILTER_NAMES:
            raise Invalid(f"unknown filter {name!r}; valid filters: {', '.join(_FILTER_NAMES)}", field=name)
        out[_FILTER_NAMES[name]] = value
    return out or None


def embedded_keys(conn: psycopg.Connection, model: str, hashes: list[str] | None = None) -> set[tuple[str, str]]:
    """(text_hash, role) of the cached vectors of ``model``: all of them, or among ``hashes``."""
    rows = conn.execute(
        "SELECT text_hash, role FROM embedding_cache WHERE model = %(m)s"
        " AND (%(h)s::text[] IS NULL OR text_hash = ANY(%(h)s))",
        {"m": model, "h": hashes},
    ).fetchall()
    return {(h, r) for h, r in rows}


def passage_hashes(record: dict[str, Any], words: int, chars: int) -> list[str]:
    """Text hashes of every passage of ``record`` (needs and what it provides)."""
    needs, provide = embedding_texts(record, words, chars)
    return [text_hash(t) for t in (*needs, *provide)]


def is_embedded(record: dict[str, Any], keys: set[tuple[str, str]], words: int, chars: int) -> bool:
    needs, provide = embedding_texts(record, words, chars)
    return all((text_hash(t), NEED_ROLE) in keys for t in needs) and all((text_hash(t), OFFER_ROLE) in keys for t in provide)


def ready_records(db: Database, model: str, words: int, chars: int) -> list[dict[str, Any]]:
    """Published records whose every passage (split by ``words``/``chars``) ``model`` has embedded.

    The others are queued for the embedding worker (a job already queued is not doubled): a
    profile whose vectors are missing for any reason (another model configured, the engine's
    embedding role changed, a cache restored from elsewhere) would otherwise wait, invisible,
    for its next edit."""
    with db.connection() as conn:
        records = store.list_published_records(conn)
        keys = embedded_keys(conn, model)
        ready = [is_embedded(r, keys, words, chars) for r in records]
        waiting = [str(r["id"]) for r, ok in zip(records, ready, strict=True) if not ok]
        if waiting:
            job_store.insert_jobs(conn, job_store.EMBED_JOB, waiting)
            log.info("matching index: %d published profiles lack vectors of %s; queued for embedding",
                     len(waiting), model)
    return [r for r, ok in zip(records, ready, strict=True) if ok]


def ready_changes(db: Database, model: str, ids: list[str], words: int, chars: int) -> dict[str, dict[str, Any] | None]:
    """What the index should now hold of each of ``ids``: its record when it is published and
    embedded, None when it is deleted or unpublished; ids still waiting for their embedding are
    left out."""
    with db.connection() as conn:
        rows = {pid: store.get_profile(conn, pid) for pid in ids}
        hashes = [h for row in rows.values() if row is not None for h in passage_hashes(row.record, words, chars)]
        keys = embedded_keys(conn, model, hashes)
    out: dict[str, dict[str, Any] | None] = {}
    for pid, row in rows.items():
        if row is None or not row.published:
            out[pid] = None
        elif is_embedded(row.record, keys, words, chars):
            out[pid] = row.record
    return out
