"""The one exception-to-response converter.

Domain errors, HTTP errors, invalid requests and unexpected exceptions all end here: problem+json
for ``/api/``, a redirect to the sign-in page for a web visitor who must sign in, an htmx
fragment (retargeted to the page's message area) for htmx requests, otherwise a friendly page in
the visitor's language. Never a stack trace.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from web.errors import DomainError, Unauthorized
from web.i18n import N_
from web.middleware import SECURITY_HEADERS
from web.render import is_htmx, redirect, render

log = logging.getLogger(__name__)

TITLES = {
    400: N_("Bad request"),
    401: N_("Please sign in"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("Not allowed"),
    409: N_("Conflict"),
    422: N_("Invalid input"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
    503: N_("Temporarily unavailable"),
}
MESSAGES = {
    403: N_("You do not have access to this page."),
    404: N_("We could not find this page. It may have moved or never existed."),
    405: N_("This action is not allowed here."),
    422: N_("Some of the input is not valid."),
    500: N_("An unexpected error happened on our side. It has been logged; please try again."),
}


def to_response(request: Request, status: int, message: str | None, *, field: str | None = None) -> Response:
    title = TITLES.get(status, TITLES[400] if status < 500 else TITLES[500])
    message = message or MESSAGES.get(status) or title
    if request.url.path.startswith("/api/"):
        return JSONResponse({"title": title, "status": status, "detail": message, "field": field},
                            status_code=status, media_type="application/problem+json")
    if status == 401:
        return redirect(request, "/login?next=" + quote(request.url.path, safe="/"))
    context = {"status": status, "title": title, "message": message}
    htmx = {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"} if is_htmx(request) else {}
    try:
        return render(request, "errors/error.html", context, block="error", status_code=status,
                      headers={**SECURITY_HEADERS, **htmx})
    except Exception:  # the error page itself failed (e.g. the database is down): plain fallback
        log.exception("rendering the error page failed")
        return HTMLResponse(f"<!doctype html><title>{status}</title><h1>{status}</h1>", status_code=status,
                            headers=SECURITY_HEADERS)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if not isinstance(exc, Unauthorized) or request.url.path.startswith("/api/"):
        log.info("%s %s: %s %s", request.method, request.url.path, exc.status, exc.message)
    return to_response(request, exc.status, exc.message, field=exc.field)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    # framework messages ("Not Found") are replaced by ours; a route's own detail is kept
    detail = exc.detail if exc.status_code not in MESSAGES and isinstance(exc.detail, str) else None
    return to_response(request, exc.status_code, detail)


async def validation_error(request: Request, exc: Exception) -> Response:
    return to_response(request, 422, None)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    if not hasattr(request.state, "user"):
        request.state.user = None  # do not touch the database again while handling a failure
    return to_response(request, 500, None)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected_error)
