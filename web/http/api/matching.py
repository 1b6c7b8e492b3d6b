"""/api/v1 matches, search and score: the ranking service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from web.errors import NotFound
from web.http.api.auth import RequiredUser, SearchAllowance
from web.http.api.models import MatchesOut, ScoreIn, ScoreOut, SearchOut
from web.http.api.profiles import IdPath
from web.http.deps import get_matching
from web.matching import WouldBlock
from web.store import profiles as store

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
    # async, ranked on the event loop's thread: a ranking is a few ms of CPU under the GIL, so a
    # hop to the thread pool buys no parallelism and costs ~0.6 ms per request (measured). What
    # could wait (the index still loading, an unknown id read from the database) runs in the
    # pool instead, so the loop never blocks on it; rankings read the published index and take
    # no lock (web.matching.live).
    matching = get_matching(request)
    filters = _filters(kind=kind, country=country.upper() if country else None, sector=sector, mode=mode, stage=stage)
    if not filters:  # the stored default ranking (web.matching.warm), already JSON: the same bytes, no ranking
        body = matching.warm_json(profile_id, top)
        if body is not None:
            return Response(body, media_type="application/json")
    try:
        matches = matching.rank(profile_id, k=top, filters=filters or None, blocking=False)
    except WouldBlock:
        matches = await run_in_threadpool(matching.rank, profile_id, k=top, filters=filters or None)
    return {"id": profile_id, "matches": [m.to_dict() for m in matches]}


@router.get("/search", response_model=SearchOut, summary="Semantic + lexical search over published profiles",
            dependencies=[SearchAllowance],
            responses={429: {"description": "too many searches from this client or account (see Retry-After)"}})
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    sector: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    filters = _filters(kind=kind, country=country.upper() if country else None, sector=sector)
    hits = get_matching(request).search(q, k=top, filters=filters or None)
    with request.app.state.db.connection() as conn:
        results = []
        for hit in hits:
            row = store.get_profile(conn, hit.id)
            if row is not None:
                results.append({"id": hit.id, "score": hit.score, "name": row.name, "kind": row.kind,
                                "country": row.country})
    return {"q": q, "results": results}


@router.post("/score", response_model=ScoreOut, summary="Score and explain one pair")
def score(request: Request, body: ScoreIn, user: RequiredUser) -> dict[str, Any]:
    with request.app.state.db.connection() as conn:
        for pid in (body.a, body.b):
            if store.get_profile(conn, pid) is None:
                raise NotFound(f"no profile with id {pid!r}")
    result = get_matching(request).score(body.a, body.b).to_dict()
    return {"a": body.a, "b": body.b, **{k: result[k] for k in ("score", "fit", "components", "explanation")}}
