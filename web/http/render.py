"""Rendering pages and htmx fragments in the request's language, with the common context."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from web.http.session import csrf_token, load_user, locale_of, pop_flashes


def is_htmx(request: Request) -> bool:
    """An htmx request that wants a fragment (not a history restore, which needs the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def base_context(request: Request) -> dict[str, Any]:
    user = load_user(request) if "session" in request.scope else None
    return {
        "request": request,
        "user": user,
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "path": request.url.path,
        "current_url": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "flashes": pop_flashes(request) if "session" in request.scope and not is_htmx(request) else [],
        "htmx": is_htmx(request),
    }


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           block: str | list[str] | None = None, status_code: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render ``template`` (or only its ``block`` or blocks when this is an htmx request)."""
    renderer = request.app.state.templates
    locale = locale_of(request) if "session" in request.scope else request.app.state.settings.default_locale
    ctx = base_context(request) | (context or {})
    html = renderer.render(locale, template, ctx, block=block if block and is_htmx(request) else None)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers["Vary"] = "HX-Request, Cookie"
    return response


def site_path(url: str, default: str = "/") -> str:
    """``url`` as a target on this site, percent-encoded; ``default`` when it is not a path here.

    Only a path from the root is one (not ``https://…``, nor ``//host`` or ``/\\host``, which
    browsers read as another site); encoding it keeps a backslash, a control character or a
    non-Latin-1 letter from reaching a header (``Location``, ``HX-Redirect``) as it was typed.
    """
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return default
    return quote(url, safe="/?#&=;:@!$'()*+,~%-._")


def redirect(request: Request, url: str) -> Response:
    """303 to ``url``, a path on this site (``site_path``); for htmx, a client-side redirect
    (HX-Redirect) so the whole page changes."""
    target = site_path(url)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def translate(request: Request, message: str) -> str:
    locale = locale_of(request) if "session" in request.scope else request.app.state.settings.default_locale
    return str(request.app.state.templates.gettext(locale, message))
