"""/api/v1/profiles: public reads, authenticated writes."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from matcher.schema import load_schema
from web.api.auth import OptionalUser, RequiredUser
from web.api.models import ProfilePage, ProfileSaved
from web.errors import Invalid, NotFound
from web.services import profiles as profile_service
from web.services.visibility import record_for, records_for
from web.store import profiles as store

router = APIRouter(tags=["profiles"])

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
    with request.app.state.db.connection() as conn:
        records = store.list_profile_page(conn, after=after, limit=limit + 1, kind=kind,
                                          country=country.upper() if country else None, sector=sector, mode=mode,
                                          stage=stage, q=q or None)
        page = records[:limit]
        items = records_for(conn, user, page)
    next_cursor = _encode_cursor(page[-1]["id"]) if len(records) > limit else None
    return {"items": items, "next_cursor": next_cursor}


@router.get("/profiles/{profile_id}", summary="One profile (contact details only where allowed)")
def get_profile(request: Request, profile_id: IdPath, user: OptionalUser) -> dict[str, Any]:
    with request.app.state.db.connection() as conn:
        row = store.get_profile(conn, profile_id)
        if row is None or (not row.published and user is None):
            raise NotFound(f"no profile with id {profile_id!r}")
        return record_for(conn, user, row.record)


@router.put(
    "/profiles/{profile_id}",
    response_model=ProfileSaved,
    summary="Create or update a profile (the import schema)",
    responses={201: {"model": ProfileSaved, "description": "created"}},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _SCHEMA}}}},
)
async def put_profile(request: Request, profile_id: IdPath, user: RequiredUser) -> Response:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Invalid("the body must be a JSON object (a profile in the import schema)") from None
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object (a profile in the import schema)")
    if "id" in body and body["id"] != profile_id:
        raise Invalid(f"the body's id {body['id']!r} differs from the path's {profile_id!r}", field="id")
    body = {**body, "id": profile_id}
    record, created = profile_service.save_profile(request.app.state.db, body, user)
    with request.app.state.db.connection() as conn:
        shown = record_for(conn, user, record)
    return JSONResponse({"profile": shown, "created": created}, status_code=201 if created else 200)


@router.delete("/profiles/{profile_id}", status_code=204, summary="Delete a profile (owner, officer or admin)")
def delete_profile(request: Request, profile_id: IdPath, user: RequiredUser) -> Response:
    profile_service.delete_profile(request.app.state.db, profile_id, user)
    return Response(status_code=204)
