"""The API's matches (``GET /api/v1/profiles/{id}/matches``) as members' pages order them: the
engine's ranking (``api_views.matches``, the stored JSON bytes when nothing re-orders it), then
the ranking learned from feedback (``learning``), then the exposure-aware re-ranking an officer
switched on (``exposure_rerank``), the view logged for the learner (``learning_log``)."""

from __future__ import annotations

import json
from typing import Any

from matcher.results import Match
from web.db.pool import Database
from web.matching.contract import MatchingContract
from web.services import api_views, exposure_rerank, learning, learning_log
from web.store.users import UserRow


def api_matches(db: Database, matching: MatchingContract, user: UserRow, profile_id: str, top: int,
                filters: dict[str, str] | None) -> bytes | dict[str, Any]:
    # the profile, its viewer's masks and both switches: one checkout, one query when nothing changed
    resolved = api_views.resolve(db, user, [profile_id])
    model, setting = resolved.serving.model, resolved.serving.exposure
    want = exposure_rerank.depth(setting, learning.depth(model, top))
    result = api_views.matches(db, matching, user, profile_id, want, filters, resolved)
    if model is not None or setting is not None:
        data = json.loads(result) if isinstance(result, bytes) else result
        ranked = learning.apply(model, [Match.from_dict(m) for m in data["matches"]],
                                exposure_rerank.depth(setting, top))
        shown = exposure_rerank.apply(db, setting, model, ranked, top)
        result = {"id": data["id"], "matches": [m.to_dict() for m in shown]}
    learning_log.record(db, user.id, profile_id, result, "api")
    return result
