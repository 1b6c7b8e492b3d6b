"""RFC 9457 problem details for every error under /api/v1.

``install_problem_handlers(app)`` wraps the app's existing exception handlers: a request under
``/api/`` gets ``application/problem+json``; any other request goes to the handler that was
there before (the web app's pages and fragments).
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from web.errors import DomainError

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
PROBLEM_JSON = "application/problem+json"

_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
           409: "Conflict", 415: "Unsupported media type", 422: "Invalid input", 429: "Too many requests",
           500: "Internal server error", 503: "Service unavailable"}


def problem(status: int, detail: str, *, title: str | None = None, instance: str | None = None,
            errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title or _TITLES.get(status, "Error"),
                            "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        out.append({"field": ".".join(loc[1:]) or ".".join(loc), "in": loc[0] if loc else "", "reason": err.get("msg", "")})
    return out


def api_problem(request: Request, exc: Exception) -> Response:
    path = request.url.path
    if isinstance(exc, DomainError):
        errors = getattr(exc, "errors", None) or ([{"field": exc.field, "reason": exc.message}] if exc.field else None)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem(exc.status, exc.message, title=exc.title, instance=path, errors=errors, headers=headers)
    if isinstance(exc, RequestValidationError):
        return problem(422, "the request is not valid", instance=path, errors=_validation_errors(exc))
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
        return problem(exc.status_code, detail, instance=path, headers=getattr(exc, "headers", None))
    if isinstance(exc, psycopg.DataError):
        return problem(422, "the request holds a value the database cannot store (e.g. a NUL character)",
                       instance=path)
    log.exception("unexpected error on %s %s", request.method, path, exc_info=exc)
    return problem(500, "an unexpected error occurred; it has been logged", instance=path)


def install_problem_handlers(app: FastAPI) -> None:
    """Route API errors to problem+json, keeping whatever handled the rest before."""
    # psycopg.DataError (e.g. a NUL character in a query parameter) gets its own handler: a
    # handler for Exception alone would answer, but Starlette then re-raises it as a server error
    for exc_class in (DomainError, RequestValidationError, StarletteHTTPException, psycopg.DataError, Exception):
        previous = app.exception_handlers.get(exc_class) or app.exception_handlers.get(Exception)

        async def handler(request: Request, exc: Exception, _previous: Any = previous) -> Response:
            if request.url.path.startswith(API_PREFIX) or _previous is None:
                return api_problem(request, exc)
            result = _previous(request, exc)
            if hasattr(result, "__await__"):
                result = await result
            return result  # type: ignore[no-any-return]

        app.add_exception_handler(exc_class, handler)
