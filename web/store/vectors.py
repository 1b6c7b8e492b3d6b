"""The embedding cache on PostgreSQL: ``matcher.cache.VectorCache`` over table ``embedding_cache``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import psycopg
from pgvector import Vector

from web.db.pool import Database

CacheKey = tuple[str, str, str]  # (text_hash, role, model)


def select_vectors(conn: psycopg.Connection, keys: Sequence[CacheKey]) -> dict[CacheKey, np.ndarray]:
    if not keys:
        return {}
    hashes, roles, models = (list(col) for col in zip(*keys, strict=True))
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            "SELECT c.text_hash, c.role, c.model, c.embedding FROM embedding_cache c"
            " JOIN unnest(%(h)s::text[], %(r)s::text[], %(m)s::text[]) AS k(h, r, m)"
            "   ON c.text_hash = k.h AND c.role = k.r AND c.model = k.m",
            {"h": hashes, "r": roles, "m": models},
        ).fetchall()
    return {(h, r, m): _as_array(v) for h, r, m, v in rows}


def _as_array(value: object) -> np.ndarray:
    # the binary protocol gives pgvector's Vector, the text protocol a numpy array; raw bytes
    # arrive when the connection's type registration is stale (the extension was re-created,
    # e.g. by `caunoi db restore`), so decode those too rather than fail
    if isinstance(value, bytes | bytearray | memoryview):
        value = Vector.from_binary(bytes(value))
    to_numpy = getattr(value, "to_numpy", None)
    return np.asarray(to_numpy() if to_numpy else value, dtype=np.float32)


def upsert_vectors(conn: psycopg.Connection, items: Iterable[tuple[CacheKey, np.ndarray]]) -> None:
    params = [{"h": h, "r": r, "m": m, "v": np.asarray(v, dtype=np.float32)} for (h, r, m), v in items]
    if not params:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO embedding_cache (text_hash, role, model, embedding) VALUES (%(h)s, %(r)s, %(m)s, %(v)s)"
            " ON CONFLICT (text_hash, role, model) DO UPDATE SET embedding = EXCLUDED.embedding",
            params,
        )


class PgVectorCache:
    """A ``VectorCache`` on the database. With ``conn`` it works inside the caller's transaction."""

    def __init__(self, db: Database | None = None, conn: psycopg.Connection | None = None) -> None:
        if (db is None) == (conn is None):
            raise ValueError("give exactly one of db and conn")
        self.db = db
        self.conn = conn

    def get_many(self, keys: Sequence[CacheKey]) -> dict[CacheKey, np.ndarray]:
        if self.conn is not None:
            return select_vectors(self.conn, keys)
        assert self.db is not None
        with self.db.connection() as conn:
            return select_vectors(conn, keys)

    def put_many(self, items: Iterable[tuple[CacheKey, np.ndarray]]) -> None:
        if self.conn is not None:
            upsert_vectors(self.conn, items)
            return
        assert self.db is not None
        with self.db.connection() as conn, conn.transaction():
            upsert_vectors(conn, items)


def select_model_vectors(conn: psycopg.Connection, model: str) -> list[tuple[str, str, np.ndarray]]:
    """Every cached (text_hash, role, vector) of one model, ordered."""
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            "SELECT text_hash, role, embedding FROM embedding_cache WHERE model = %(m)s ORDER BY text_hash, role",
            {"m": model},
        ).fetchall()
    return [(h, r, _as_array(v)) for h, r, v in rows]
