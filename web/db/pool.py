"""The connection pool: ``Database(settings)`` finds the server (external URL or the embedded one),
applies pending migrations and opens a psycopg pool of autocommit connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from pgvector.psycopg import register_vector
from psycopg_pool import ConnectionPool

from web.db.migrate import apply_migrations
from web.db.server import DatabaseError, detach_embedded, start_embedded
from web.settings import Settings


def _configure(conn: psycopg.Connection) -> None:
    register_vector(conn)


class Database:
    """Owns the connection pool. ``open()`` starts/attaches the server and migrates; ``close()``
    closes the pool and detaches from the embedded server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url: str | None = None
        self.pool: ConnectionPool | None = None
        self._embedded = False  # attached to the embedded server of settings.data_dir

    def resolve_url(self) -> str:
        if self.url is None:
            if self.settings.database_url:
                self.url = self.settings.database_url
            else:
                self.url = start_embedded(self.settings.data_dir)
                self._embedded = True
        return self.url

    def open(self, migrate: bool = True) -> Database:
        url = self.resolve_url()
        if migrate:
            apply_migrations(url)
        self.pool = ConnectionPool(
            url,
            min_size=self.settings.pool_min_size,
            max_size=self.settings.pool_max_size,
            kwargs={"autocommit": True},
            configure=_configure,
            open=False,
            name="caunoi",
        )
        try:
            self.pool.open(wait=True, timeout=30)
        except Exception as exc:
            raise DatabaseError(f"could not connect to PostgreSQL: {exc}") from exc
        return self

    def close(self, *, keep_server: bool = False) -> None:
        """Close the pool; then, unless ``keep_server`` (``serve`` keeps the server up for its
        workers), detach from the embedded server, which stops when no process remains attached."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self._embedded and not keep_server:
            self._embedded = False
            self.url = None
            detach_embedded(self.settings.data_dir)

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        if self.pool is None:
            raise DatabaseError("the database is not open")
        with self.pool.connection() as conn:
            yield conn

    def __enter__(self) -> Database:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
