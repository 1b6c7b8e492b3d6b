"""The JSON API under /api/v1, with its own OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from web.http.api import coach, health, matching, profiles, saved_searches
from web.http.handlers import problem_responses

API_PREFIX = "/api/v1"


def _problem_responses() -> dict[int | str, dict[str, Any]]:
    return problem_responses({400: "the request cannot be read (e.g. a NUL character in a parameter)",
                              401: "missing or invalid bearer token", 403: "not allowed", 404: "not found",
                              422: "invalid input"})


def install_api(app: FastAPI) -> None:
    """Add the /api/v1 routes and the OpenAPI document (errors: ``web.http.handlers``, problem+json)."""
    app.state.token_cache = {}  # web.http.api.auth: token hash -> (valid until, user)
    api = APIRouter(prefix=API_PREFIX, responses=_problem_responses())
    api.include_router(profiles.router)
    api.include_router(matching.router)
    api.include_router(saved_searches.router)
    api.include_router(coach.router)
    app.include_router(api)
    app.include_router(health.router)
    schema_cache: dict[str, Any] = {}

    @app.get(f"{API_PREFIX}/openapi.json", include_in_schema=False)
    def openapi() -> JSONResponse:
        if "doc" not in schema_cache:
            # a document-only app holding just the API routes: the web pages stay out of the spec
            doc_app = FastAPI(
                title="Cầu Nối API", version="1.0.0", openapi_url=None, servers=[{"url": "/"}],
                description="Profiles, explained partner matches, search and pair scores. Errors are RFC 9457 "
                            "problem details. Reads of public fields are anonymous; the rest needs a bearer token "
                            "from `caunoi tokens create EMAIL`.",
            )
            doc_app.include_router(api)
            schema_cache["doc"] = doc_app.openapi()
        return JSONResponse(schema_cache["doc"])
