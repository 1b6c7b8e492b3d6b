"""/api/v1/profiles: public reads, authenticated writes."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Container
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from matcher.schema import load_schema
from web.errors import Invalid, Stale, UnsupportedMediaType
from web.http.api.auth import OptionalUser, RequiredUser
from web.http.api.models import ProfilePage, ProfileSaved
from web.http.handlers import problem_responses
from web.params import load_json
from web.services import api_views
from web.services import profiles as profile_service
from web.services.visibility import record_for

router = APIRouter(tags=["profiles"])
JSON = "application/json"

_SCHEMA = {k: v for k, v in load_schema().items() if k != "$schema"}
PROFILE_ID_PATTERN = _SCHEMA["properties"]["id"]["pattern"]
IdPath = Annotated[str, Path(pattern=PROFILE_ID_PATTERN, description="profile id")]


def _encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Invalid("the cursor is not valid; use next_cursor from the previous page", field="cursor") from None


@router.get("/profiles", response_model=ProfilePage, summary="Browse published profiles (public fields)")
def list_profiles(
    request: Request,
    user: OptionalUser,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    sector: Annotated[str | None, Query(max_length=40)] = None,
    mode: Annotated[str | None, Query(max_length=40, description="cooperation mode, offered or sought")] = None,
    stage: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(max_length=200, description="substring of name, description, offers, needs")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    after = _decode_cursor(cursor) if cursor else None
    items, last = api_views.profile_list(request.app.state.db, user, after=after, limit=limit, q=q or None,
                                         kind=kind, country=country.upper() if country else None, sector=sector,
                                         mode=mode, stage=stage)
    return {"items": items, "next_cursor": _encode_cursor(last) if last else None}


_ETAG = re.compile(r'\s*"(\d{1,9})"\s*')
_ETAG_HEADER = {"ETag": {"description": "the profile's revision as an entity tag, for `If-Match`",
                         "schema": {"type": "string"}}}
IfMatch = Annotated[str | None, Header(description="an ETag from GET: the write fails with 412 if the profile changed "
                                                   "since (without it, the last write wins)")]


def etag(revision: int) -> str:
    """The (strong) entity tag of a profile at ``revision``."""
    return f'"{revision}"'


def expected_revisions(if_match: str) -> Container[int]:
    """The revisions an ``If-Match`` header accepts: ``*`` any, else those of its strong tags (a
    weak ``W/"3"`` or a tag this API never sent matches nothing: RFC 9110 compares strongly)."""
    if if_match.strip() == "*":
        return profile_service.ANY_REVISION
    return {int(m.group(1)) for tag in if_match.split(",") if (m := _ETAG.fullmatch(tag))}


@router.get("/profiles/{profile_id}", summary="One profile (contact details only where allowed)",
            responses={200: {"headers": _ETAG_HEADER}})
def get_profile(request: Request, response: Response, profile_id: IdPath, user: OptionalUser) -> dict[str, Any]:
    record, revision = api_views.one_profile(request.app.state.db, user, profile_id)
    response.headers["ETag"] = etag(revision)
    return record


@router.put(
    "/profiles/{profile_id}",
    response_model=ProfileSaved,
    summary="Create or update a profile (the import schema)",
    responses={200: {"headers": _ETAG_HEADER}, 201: {"model": ProfileSaved, "description": "created",
                                                     "headers": _ETAG_HEADER},
               **problem_responses({412: "`If-Match` names another revision (the current one is in `ETag`)",
                                    415: "the body is not `application/json`"})},
    openapi_extra={"requestBody": {"required": True, "content": {JSON: {"schema": _SCHEMA}}}},
)
async def put_profile(request: Request, profile_id: IdPath, user: RequiredUser, if_match: IfMatch = None) -> Response:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != JSON:
        raise UnsupportedMediaType(f"send the profile as JSON, with Content-Type: {JSON}")
    try:
        # web.params: also refuses deep nesting, integers too long to read and lone surrogates, by field
        body = load_json((await request.body()).decode("utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Invalid("the body must be a JSON object (a profile in the import schema)") from None
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object (a profile in the import schema)")
    if "id" in body and body["id"] != profile_id:
        raise Invalid(f"the body's id {body['id']!r} differs from the path's {profile_id!r}", field="id")
    body = {**body, "id": profile_id}
    expected = expected_revisions(if_match) if if_match is not None else None
    try:
        # in a worker thread: the save may wait for the write lock (an import, a concurrent save),
        # which must not stall every other request on this event loop. Officers and admins create
        # profiles on behalf of organisations: only a member who creates one becomes its owner.
        saved = await run_in_threadpool(partial(profile_service.save_profile, request.app.state.db, body, user,
                                                actor="api", claim=user.role == "member", expected=expected))
    except Stale as exc:
        if exc.current is not None:
            exc.headers["ETag"] = etag(exc.current)
        raise
    with request.app.state.db.connection() as conn:
        shown = record_for(conn, user, saved.record)
    return JSONResponse({"profile": shown, "created": saved.created}, status_code=201 if saved.created else 200,
                        headers={"ETag": etag(saved.revision)})


@router.delete("/profiles/{profile_id}", status_code=204, summary="Delete a profile (owner, officer or admin)")
def delete_profile(request: Request, profile_id: IdPath, user: RequiredUser) -> Response:
    profile_service.delete_profile(request.app.state.db, profile_id, user)
    return Response(status_code=204)
