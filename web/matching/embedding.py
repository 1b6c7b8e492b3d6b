"""The configured embedder and the embedding of profiles' passages through the PostgreSQL cache.

``embed_records`` uses the engine's own split of a profile into passages, so the keys match what the
engine asks for later. The background job around it is ``web.jobs.embed``.
"""

from __future__ import annotations

from functools import cache

import psycopg

from matcher.cache import CachedEncoder
from matcher.embed import Embedder, get_embedder
from matcher.features import NEED_ROLE, OFFER_ROLE, embedding_texts
from web.settings import Settings
from web.store.vectors import PgVectorCache


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
