"""``MatchingContract``: what the web layer asks of the matching service.

``web.matching.service.MatchingService`` is the real one; tests stand in with ``tests.web.fakes``.
mypy checks both against this Protocol (each where it is defined), so that what the routes and
services call cannot drift between them. Rankings come back as ``matcher.results.Match``: the web
reads their fields, the API sends ``Match.to_dict()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from matcher.coach import Coaching
from matcher.results import Match
from web.matching.warm import WarmRankings

Pair = tuple[str, str]  # (a id, b id): a pair of a match list, scored from a's side


class MatchingContract(Protocol):
    """The matching service as routes, services and the API use it (``web.http.deps.Matching``)."""

    @property
    def ready(self) -> bool:
        """Loaded (possibly empty)."""

    @property
    def size(self) -> int:
        """Profiles in the index."""

    @property
    def warm(self) -> WarmRankings:
        """The stored default rankings (the health check reports their progress)."""

    def rank(self, profile_id: str, *, k: int = 10, filters: dict[str, Any] | None = None,
             exclude: Iterable[str] | None = None, blocking: bool = True) -> list[Match]:
        """The ``k`` best partners of a published profile, explained; ``Pending`` while it is being
        embedded, ``Unavailable`` while the index loads; with ``blocking=False``, ``WouldBlock``
        rather than wait."""

    def warm_json(self, profile_id: str, top: int, filters: dict[str, Any] | None = None) -> bytes | None:
        """The API's ``{"id", "matches"}`` of a stored default ranking (filtered by ``filters``
        when they keep enough of it) as JSON bytes, or None: rank it."""

    def rank_record(self, record: dict[str, Any], *, k: int = 10,
                    filters: dict[str, Any] | None = None) -> list[Match]:
        """Matches of an unsaved record (the editor's preview)."""

    def coach(self, record: dict[str, Any]) -> Coaching:
        """The profile coach's measured suggestions for a record (``matcher.coach``; the editor's)."""

    def search(self, text: str, *, k: int = 20, filters: dict[str, Any] | None = None) -> list[Match]:
        """Free-text search over what profiles offer."""

    def score(self, a: str, b: str) -> Match:
        """The pair (a, b), scored and explained from a's side."""

    def pair_scores(self, a_ids: list[str], b_ids: list[str]) -> dict[Pair, Match]:
        """Every (a, b) pair (a != b), scored and explained from a's side, for officers' match lists."""

    def refresh(self, profile_ids: Iterable[str]) -> None:
        """Bring these profiles up to date in the index (after a save)."""
