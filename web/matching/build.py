"""The engine and the matching service as the settings describe them. The app factory and the CLI
both build through here; the engine's configuration itself is ``web.matching.engine_config``
(the service builds its engines there too)."""

from __future__ import annotations

from web.db.pool import Database
from web.matching.engine_config import build_engine
from web.matching.service import MatchingService
from web.settings import Settings

__all__ = ["build_engine", "build_matching"]


def build_matching(settings: Settings, db: Database) -> MatchingService:
    """The matching service the settings describe (not started: the caller ``start()``s it for a
    live index, or ``load()``s it once)."""
    return MatchingService(settings, db)
