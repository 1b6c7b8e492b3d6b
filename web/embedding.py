"""Embedding in the web layer: the configured embedder and the background embedding job.

The job embeds a profile's passages (the engine's own split, so the keys match what the engine
asks for later) through the PostgreSQL cache, inside the worker's transaction, then tells every
process's live index that the profile is ready.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import psycopg

from matcher.cache import CachedEncoder
from matcher.embed import Embedder, get_embedder
from matcher.features import NEED_ROLE, OFFER_ROLE, embedding_texts
from web.settings import Settings
from web.store import profiles as store
from web.store.events import notify_index
from web.store.jobs import JobRow
from web.store.vectors import PgVectorCache
from web.worker import Handler, Worker

log = logging.getLogger(__name__)


@cache
def _embedder(backend: str, model: str | None, query_prefix: str, passage_prefix: str) -> Embedder:
    if backend == "e5-onnx":
        import matcher.embed_onnx  # noqa: F401  (registers the backend)
    options: dict[str, object] = {}
    if backend == "sentence-transformers":
        options = {"query_prefix": query_prefix, "passage_prefix": passage_prefix}
    return get_embedder(backend, model, **options)


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name (one shared instance per process and configuration)."""
    return _embedder(settings.embedding_backend, settings.embedding_model, settings.embedding_query_prefix,
                     settings.embedding_passage_prefix)


def embed_records(conn: psycopg.Connection, embedder: Embedder, records: list[dict]) -> int:
    """Embed every passage of ``records`` not in the cache yet; return how many texts were embedded."""
    encoder = CachedEncoder(embedder, PgVectorCache(conn=conn))
    needs: list[str] = []
    provide: list[str] = []
    for record in records:
        n, p = embedding_texts(record)
        needs.extend(n)
        provide.extend(p)
    encoder.encode(needs, role=NEED_ROLE)
    encoder.encode(provide, role=OFFER_ROLE)
    return encoder.n_embedded


def embed_profiles_handler(settings: Settings) -> Handler:
    embedder = make_embedder(settings)

    def handle(conn: psycopg.Connection, jobs: list[JobRow]) -> None:
        records = []
        for job in jobs:
            row = store.get_profile(conn, job.key)
            if row is not None:  # deleted since: nothing to embed
                records.append(row.record)
        n = embed_records(conn, embedder, records)
        log.info("embedded %d texts for %d profiles", n, len(records))
        notify_index(conn, [r["id"] for r in records])

    return handle


def build_worker(settings: Settings, db: Any, batch_size: int = 16) -> Worker:
    """The production worker: embedding jobs, plus expiring unanswered introductions every minute."""
    from web.services.introductions import expire_due
    from web.services.profiles import EMBED_JOB

    return Worker(db, {EMBED_JOB: embed_profiles_handler(settings)}, batch_size=batch_size, periodic=[expire_due])
