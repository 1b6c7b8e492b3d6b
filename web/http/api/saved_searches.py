"""/api/v1/saved-searches: the token user's saved searches and subscriptions (list, create, delete)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from web.errors import Invalid
from web.http.api.auth import RequiredUser
from web.params import BIGINT_MAX
from web.services import alerts
from web.services.alerts import SavedSearchView
from web.services.directory import DirectoryQuery
from web.store.directory import DirectoryFilter

router = APIRouter(tags=["saved searches"])
_ID = r"^[a-z0-9][a-z0-9-]{1,63}$"  # the profile schema's id pattern
Values = Annotated[list[Annotated[str, Field(min_length=1, max_length=80)]], Field(max_length=50)]


class Filters(BaseModel):
    """The directory's facets (each: any of these values; empty or absent: no restriction)."""

    model_config = ConfigDict(extra="forbid")
    side: Values = []
    kind: Values = []
    country: Values = []
    region: Values = []
    sector: Values = []
    mode: Values = []
    stage: Values = []
    availability: Values = []


class SavedSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["search", "profile"] = Field("search", description="a directory search, or new partners for "
                                                                      "one of your profiles")
    name: str = Field("", max_length=120, description="kind search: required")
    q: str = Field("", max_length=300, description="kind search: the search text (required)")
    filters: Filters = Field(default_factory=Filters)
    profile_id: str | None = Field(None, pattern=_ID, description="kind profile: a profile you own")
    frequency: Literal["immediate", "weekly", "off"] = Field("immediate", description="e-mail at once, a weekly "
                                                                                      "digest, or none")
    programme: str = Field("", max_length=120, description="officers: the programme or list it scouts for")


class AlertOut(BaseModel):
    profile_id: str = Field(description="the profile's public id (an alias for an anonymous one)")
    name: str = Field(description="its name, or the generated label of an anonymous one")
    rank: int = Field(description="its place in the top results when it entered")
    created_at: datetime


class SavedSearchOut(BaseModel):
    id: int
    kind: str
    name: str
    programme: str | None
    q: str
    filters: dict[str, list[str]]
    query: str = Field(description="the /directory query string")
    profile_id: str | None
    frequency: str
    created_at: datetime
    alerts: list[AlertOut]


class SavedSearchList(BaseModel):
    items: list[SavedSearchOut]


def _out(v: SavedSearchView) -> dict[str, Any]:
    q = v.query or DirectoryQuery()
    return {"id": v.row.id, "kind": v.row.kind, "name": v.row.name, "programme": v.row.programme, "q": q.q,
            "filters": {name: values for name, values in q.filters.params().items()
                        if name not in ("ids", "masked") and values},
            "query": v.row.query, "profile_id": v.row.profile_id, "frequency": v.row.frequency,
            "created_at": v.row.created_at,
            "alerts": [{"profile_id": a.profile_id, "name": a.name, "rank": a.rank, "created_at": a.created_at}
                       for a in v.alerts]}


def _one(request: Request, user: RequiredUser, search_id: int) -> dict[str, Any]:
    views = alerts.my_searches(request.app.state.db, user, user.locale or "en")
    return next(_out(v) for v in views if v.row.id == search_id)


@router.get("/saved-searches", response_model=SavedSearchList, summary="Your saved searches, with recent alerts")
def list_saved(request: Request, user: RequiredUser) -> dict[str, Any]:
    return {"items": [_out(v) for v in alerts.my_searches(request.app.state.db, user, user.locale or "en")]}


@router.post("/saved-searches", response_model=SavedSearchOut, status_code=201,
             summary="Save a directory search, or follow new partners for one of your profiles")
def create_saved(request: Request, body: SavedSearchIn, user: RequiredUser) -> dict[str, Any]:
    db, matching = request.app.state.db, request.app.state.matching
    if body.kind == "profile":
        if not body.profile_id:
            raise Invalid("kind profile needs the profile_id of a profile you own", field="profile_id")
        saved = alerts.subscribe_profile(db, matching, user, body.profile_id, body.frequency)
    else:
        query = DirectoryQuery(body.q, 1, DirectoryFilter(**body.filters.model_dump())).query_string()
        saved = alerts.create_search(db, matching, user, body.name, query, body.frequency, body.programme)
    return _one(request, user, saved.id)


@router.delete("/saved-searches/{search_id}", status_code=204, summary="Delete one of your saved searches")
def delete_saved(request: Request, user: RequiredUser,
                 search_id: Annotated[int, Path(ge=1, le=BIGINT_MAX)]) -> Response:
    alerts.delete_search(request.app.state.db, user, search_id)
    return Response(status_code=204)
