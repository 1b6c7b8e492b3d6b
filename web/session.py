"""What the signed session cookie holds, and the per-request user.

Keys: ``uid`` (signed-in user), ``pwf`` (password fingerprint: a password change ends other
sessions), ``csrf`` (the per-session CSRF token), ``locale`` (a visitor's language), ``flash``.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.requests import Request

from web.i18n import check_locale
from web.services.auth import password_fingerprint
from web.store import users as user_store
from web.store.users import UserRow

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _session(request: Request) -> dict[str, Any]:
    return request.session if "session" in request.scope else {}


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    session = _session(request)
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def csrf_ok(request: Request, sent: str | None) -> bool:
    expected = _session(request).get("csrf")
    return bool(expected and sent and hmac.compare_digest(str(expected), sent))


def load_user(request: Request) -> UserRow | None:
    """The signed-in user (cached on the request); a disabled user or a stale session signs out."""
    if hasattr(request.state, "user"):
        return request.state.user  # type: ignore[no-any-return]
    user = None
    uid = _session(request).get("uid")
    if isinstance(uid, int):
        with request.app.state.db.connection() as conn:
            user = user_store.get_user(conn, uid)
        if user is None or user.disabled or _session(request).get("pwf") != password_fingerprint(user):
            user = None
            logout(request)
    request.state.user = user
    return user


def login(request: Request, user: UserRow) -> None:
    """Start a fresh session for ``user`` (new CSRF token: no fixation), keeping the language."""
    session = _session(request)
    locale = session.get("locale")
    session.clear()
    session.update({"uid": user.id, "pwf": password_fingerprint(user), "csrf": secrets.token_urlsafe(32)})
    if user.locale:
        session["locale"] = user.locale
    elif locale:
        session["locale"] = locale
    request.state.user = user


def logout(request: Request) -> None:
    session = _session(request)
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    request.state.user = None


def locale_of(request: Request) -> str:
    """The UI language: the user's choice, else the session's, else the default."""
    default = request.app.state.settings.default_locale
    user = load_user(request) if "session" in request.scope else None
    if user is not None and user.locale:
        return check_locale(user.locale, default)
    return check_locale(_session(request).get("locale"), default)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A message (an English msgid, translated when shown) for the next page."""
    session = _session(request)
    session["flash"] = [*session.get("flash", []), [kind, message]][-5:]


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    session = _session(request)
    items = session.pop("flash", []) if "flash" in session else []
    return [(str(k), str(m)) for k, m in items]
