"""The one exception-to-response converter.

Domain errors (``web.errors``), HTTP errors, invalid requests, values the database refuses and
unexpected exceptions all end here, first described as a ``Failure``, then rendered: RFC 9457
problem+json under ``/api/``; for the web, a redirect to the sign-in page for a visitor who must
sign in, an htmx fragment (retargeted to the page's message area) for htmx requests, otherwise a
friendly page in the visitor's language. Never a stack trace. The API's OpenAPI document
describes its errors with ``problem_responses``, beside the code that writes them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from web.errors import DomainError, Unauthorized
from web.http.middleware import SECURITY_HEADERS
from web.http.render import is_htmx, redirect, render
from web.i18n import N_

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Title:
    problem: str                # the problem+json title: English, for programs
    page: str                   # the error page's heading, translated where it is shown
    message: str | None = None  # what the page says when the error brings no words of its own


TITLES = {
    400: Title("Bad request", N_("Bad request")),
    401: Title("Unauthorized", N_("Please sign in")),
    403: Title("Forbidden", N_("Access denied"), N_("You do not have access to this page.")),
    404: Title("Not found", N_("Page not found"),
               N_("We could not find this page. It may have moved or never existed.")),
    405: Title("Method not allowed", N_("Not allowed"), N_("This action is not allowed here.")),
    409: Title("Conflict", N_("Conflict")),
    412: Title("Precondition failed", N_("Conflict")),
    415: Title("Unsupported media type", N_("Bad request")),
    422: Title("Invalid input", N_("Invalid input"), N_("Some of the input is not valid.")),
    429: Title("Too many requests", N_("Too many requests")),
    500: Title("Internal server error", N_("Something went wrong"),
               N_("An unexpected error happened on our side. It has been logged; please try again.")),
    503: Title("Service unavailable", N_("Temporarily unavailable")),
}


def title_of(status: int) -> Title:
    return TITLES.get(status) or Title("Error", TITLES[400 if status < 500 else 500].page)


@dataclass(frozen=True)
class Failure:
    """What went wrong, before it is rendered for a program or for a person."""

    status: int
    detail: str | None           # the problem's detail (None: its title)
    message: str | None = None   # the page's words, marked ``N_`` (None: the status's own)
    errors: list[dict[str, Any]] | None = None  # one per faulty field: {"field", "reason", ...}
    headers: dict[str, str] = field(default_factory=dict)


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def failure_of(request: Request, exc: Exception) -> Failure:
    if isinstance(exc, DomainError):
        if not isinstance(exc, Unauthorized) or is_api(request):  # a web visitor is just sent to sign in
            log.info("%s %s: %s %s", request.method, request.url.path, exc.status, exc.message)
        return Failure(exc.status, exc.message, exc.message, errors=exc.errors or None, headers=dict(exc.headers))
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else None
        # the framework's words ("Not Found") give way to the page's own; a route's detail is kept
        message = None if title_of(exc.status_code).message else detail
        return Failure(exc.status_code, detail, message, headers=dict(exc.headers or {}))
    if isinstance(exc, RequestValidationError):
        return Failure(422, "the request is not valid", errors=_validation_errors(exc))
    if isinstance(exc, psycopg.DataError):
        log.info("%s %s: a value the database cannot store: %s", request.method, request.url.path, exc)
        return Failure(422, "the request holds a value the database cannot store (e.g. a NUL character)")
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    if not hasattr(request.state, "user"):
        request.state.user = None  # do not touch the database again while handling a failure
    return Failure(500, "an unexpected error occurred; it has been logged")


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        out.append({"field": ".".join(loc[1:]) or ".".join(loc), "in": loc[0] if loc else "",
                    "reason": err.get("msg", "")})
    return out


#: the body ``problem`` writes, as the API's OpenAPI document describes it
PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"}, "instance": {"type": "string"},
                   "errors": {"type": "array", "items": {"type": "object"}}},
    "required": ["title", "status", "detail"],
}


def problem_responses(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these statuses, each a problem+json with its description."""
    content = {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}
    return {code: {"description": desc, "content": content} for code, desc in described.items()}


def problem(request: Request, failure: Failure) -> JSONResponse:
    """RFC 9457 problem details, with the faulty fields as ``errors``."""
    title = title_of(failure.status).problem
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": failure.status,
                            "detail": failure.detail or title, "instance": request.url.path}
    if failure.errors:
        body["errors"] = failure.errors
    # the API authenticates with bearer tokens (RFC 6750)
    headers = {"WWW-Authenticate": "Bearer"} if failure.status == 401 else {}
    return JSONResponse(body, status_code=failure.status, media_type=PROBLEM_JSON,
                        headers=headers | failure.headers)


def page(request: Request, failure: Failure) -> Response:
    """The error page in the visitor's language, or its fragment for htmx."""
    status = failure.status
    if status == 401:
        return redirect(request, "/login?next=" + quote(request.url.path, safe="/"))
    title = title_of(status)
    context = {"status": status, "title": title.page, "message": failure.message or title.message or title.page}
    htmx = {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"} if is_htmx(request) else {}
    headers = failure.headers | SECURITY_HEADERS | htmx
    try:
        return render(request, "errors/error.html", context, block="error", status_code=status, headers=headers)
    except Exception:  # the error page itself failed (e.g. the database is down): plain fallback
        log.exception("rendering the error page failed")
        return HTMLResponse(f"<!doctype html><title>{status}</title><h1>{status}</h1>", status_code=status,
                            headers=SECURITY_HEADERS)


async def convert(request: Request, exc: Exception) -> Response:
    failure = failure_of(request, exc)
    return problem(request, failure) if is_api(request) else page(request, failure)


def install(app: FastAPI) -> None:
    # psycopg.DataError (e.g. a NUL character in a query parameter) has its own entry: what only
    # the Exception entry catches is answered, then re-raised by Starlette as a server error
    for exc_class in (DomainError, StarletteHTTPException, RequestValidationError, psycopg.DataError, Exception):
        app.add_exception_handler(exc_class, convert)
