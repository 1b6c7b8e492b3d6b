"""/api/v1/profiles/{id}/coach: the profile coach's measured suggestions (``web.services.coach``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from web.http.api.auth import RequiredUser
from web.http.api.profiles import IdPath
from web.http.deps import get_matching
from web.i18n import LOCALES
from web.services import coach

router = APIRouter(tags=["matching"])


class CoachSuggestionOut(BaseModel):
    change: str
    field: str | None
    values: list[str]
    title: dict[str, str]
    in_top_before: int
    in_top_after: int | None
    gained: int
    own_fit_before: float
    own_fit_after: float | None
    english_share: float | None
    fitting_partners: int | None


class CoachOut(BaseModel):
    id: str
    top: int
    partners: int
    in_top: int
    own_fit: float
    seconds: float
    suggestions: list[CoachSuggestionOut]


@router.get("/profiles/{profile_id}/coach", response_model=CoachOut,
            summary="The changes that would most improve a profile's matches, each measured (owner, officer or admin)",
            responses={503: {"description": "the matching service is loading or busy (try again)"}})
async def get_coach(request: Request, profile_id: IdPath, user: RequiredUser) -> dict[str, Any]:
    # in the thread pool: ownership is read from the database and the re-scoring takes a second
    view = await run_in_threadpool(coach.for_profile, request.app.state.db, get_matching(request), user, profile_id)
    templates = request.app.state.templates
    assert view.before is not None  # a ready view
    return {"id": profile_id, "top": view.top, "partners": view.before.partners, "in_top": view.before.in_top,
            "own_fit": view.before.own_fit, "seconds": round(view.seconds, 3),
            "suggestions": [a.to_dict() | {"title": {loc: templates.gettext(loc, a.title) for loc in LOCALES}}
                            for a in view.advice]}
