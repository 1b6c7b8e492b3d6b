"""``build_engine``: the one place where ``Settings`` become a ``matcher.Engine`` configuration,
used by ``MatchingService`` for its engines and by ``caunoi match``."""

from __future__ import annotations

from matcher.engine import Engine
from web.db.pool import Database
from web.matching.embedding import make_embedder
from web.settings import Settings
from web.store.vectors import PgVectorCache


def build_engine(settings: Settings, db: Database, n_threads: int | None = None) -> Engine:
    """An unfitted engine: the settings' embedder, cross-border rule and shortlist, with the
    PostgreSQL vector cache of ``db`` (``n_threads`` None: the engine's default)."""
    return Engine(embedder=make_embedder(settings), cache=PgVectorCache(db), cross_border=settings.cross_border,
                  shortlist=settings.shortlist, n_threads=n_threads)
