"""/api/v1 matches, search and score: the ranking service."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from web.http.api.auth import OptionalUser, RequiredUser, SearchAllowance
from web.http.api.models import MatchesOut, ScoreIn, ScoreOut, SearchOut
from web.http.api.profiles import IdPath
from web.http.deps import get_matching
from web.services import api_ranking, api_views

router = APIRouter(tags=["matching"])


def _filters(**values: str | None) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


@router.get("/profiles/{profile_id}/matches", response_model=MatchesOut,
            summary="Ranked, explained partner proposals for a profile (the shape of `caunoi match --json`)")
async def get_matches(
    request: Request,
    profile_id: IdPath,
    user: RequiredUser,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    sector: Annotated[str | None, Query(max_length=40)] = None,
    mode: Annotated[str | None, Query(max_length=40)] = None,
    stage: Annotated[str | None, Query(max_length=20)] = None,
) -> Any:
    # in the thread pool: who is masked is read from the database (web.services.masking), and a
    # ranking may wait for the index to load
    filters = _filters(kind=kind, country=country.upper() if country else None, sector=sector, mode=mode, stage=stage)
    result = await run_in_threadpool(api_ranking.api_matches, request.app.state.db, get_matching(request), user,
                                     profile_id, top, filters or None)
    if not isinstance(result, bytes):
        # Match.to_dict() is the stored rankings' shape too (their bytes are sent as they are): written
        # here the same way instead of validated again field by field (MatchesOut documents it;
        # tests/web/test_api_schemathesis.py checks every answer against it)
        result = json.dumps(result, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    return Response(result, media_type="application/json")


@router.get("/search", response_model=SearchOut, summary="Semantic + lexical search over published profiles",
            dependencies=[SearchAllowance],
            responses={429: {"description": "too many searches from this client or account (see Retry-After)"}})
def search(
    request: Request,
    user: OptionalUser,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    sector: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    filters = _filters(kind=kind, country=country.upper() if country else None, sector=sector)
    return {"q": q, "results": api_views.search(request.app.state.db, get_matching(request), user, q, top,
                                                filters or None)}


@router.post("/score", response_model=ScoreOut, summary="Score and explain one pair")
def score(request: Request, body: ScoreIn, user: RequiredUser) -> dict[str, Any]:
    result = api_views.score(request.app.state.db, get_matching(request), user, body.a, body.b)
    return {"a": body.a, "b": body.b, **{k: result[k] for k in ("score", "fit", "components", "explanation")}}
