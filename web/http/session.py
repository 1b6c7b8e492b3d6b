"""The visitor's server-side session, and the per-request user.

A session is a row of ``sessions`` (``web.store.sessions``) found by the sha256 of an opaque
random id, the only thing the cookie holds; ``web.http.middleware.SessionMiddleware`` reads it before
the request and writes what changed after. During the request it is ``request.session``, a dict
with the keys ``uid`` (signed-in user), ``csrf`` (the CSRF token), ``locale`` (a visitor's
language) and ``flash``.

A visitor with nothing stored has no row (crawlers fill no table): the cookie's id alone gives
their CSRF token, an HMAC of the id under the secret key. A row is written when something is
stored; signing in starts a new session under a new id (no fixation), signing out deletes it.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
from typing import Any

from starlette.requests import Request

from web.i18n import check_locale
from web.store import users as user_store
from web.store.users import UserRow

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SESSION_COOKIE = "caunoi_session"


def hash_id(sid: str) -> str:
    """What the table stores of a session id (the id itself is only in the browser)."""
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


class Session(dict[str, Any]):
    """One request's view of a session: its data as a dict, and what must be written back.

    ``sid`` is the id the browser holds or is about to get (None: none yet); ``stored`` whether
    a live row exists for it. ``ended`` holds the hashes of rows to delete (a renewed session's)."""

    def __init__(self, secret: str, sid: str | None = None, data: dict[str, Any] | None = None,
                 touch_due: bool = False) -> None:
        super().__init__(data or {})
        self.secret = secret
        self.cookie_sid = sid
        self.sid = sid
        self.stored = data is not None
        self.snapshot = copy.deepcopy(dict(self))
        self.touch_due = touch_due
        self.ended: list[str] = []
        self.handed_out = False  # the id's CSRF token went into a page: the browser must keep the id

    def id(self) -> str:
        if self.sid is None:
            self.sid = secrets.token_urlsafe(32)
        return self.sid

    def derived_csrf(self) -> str:
        """The CSRF token of a session without a row: bound to its id, so a replayed id of an ended
        session gets a token other than the one its row held."""
        self.handed_out = True
        mac = hmac.new(self.secret.encode("utf-8"), b"csrf:" + self.id().encode("utf-8"), hashlib.sha256)
        return mac.hexdigest()

    def renew(self) -> None:
        """Continue under a new id; the old row, if any, is deleted and its data dropped."""
        if self.stored and self.sid is not None:
            self.ended.append(hash_id(self.sid))
        self.clear()
        self.sid = secrets.token_urlsafe(32)
        self.stored = False
        self.snapshot = {}
        self.handed_out = False

    @property
    def changed(self) -> bool:
        return dict(self) != self.snapshot

    @property
    def dirty(self) -> bool:
        """Something to write: a row to delete, data changed, or a last-seen time due."""
        return bool(self.ended) or self.changed or (self.stored and self.touch_due)


def _session(request: Request) -> dict[str, Any]:
    return request.session if "session" in request.scope else {}


def csrf_token(request: Request) -> str:
    """The session's CSRF token."""
    session = _session(request)
    token = session.get("csrf")
    if token:
        return str(token)
    return session.derived_csrf() if isinstance(session, Session) else ""


def csrf_ok(request: Request, sent: str | None) -> bool:
    session = _session(request)
    if not isinstance(session, Session) or session.cookie_sid is None or not sent:
        return False
    expected = session.get("csrf") or session.derived_csrf()
    return hmac.compare_digest(str(expected).encode("utf-8"), sent.encode("utf-8"))


def load_user(request: Request) -> UserRow | None:
    """The signed-in user (cached on the request); a disabled or deleted user signs out."""
    if hasattr(request.state, "user"):
        return request.state.user  # type: ignore[no-any-return]
    user = None
    uid = _session(request).get("uid")
    if isinstance(uid, int):
        with request.app.state.db.connection() as conn:
            user = user_store.get_user(conn, uid)
        if user is None or user.disabled:
            user = None
            logout(request)
    request.state.user = user
    return user


def _restart(request: Request, data: dict[str, Any]) -> None:
    session = _session(request)
    locale = session.get("locale")
    if isinstance(session, Session):
        session.renew()
    else:
        session.clear()
    session.update(data)
    if locale and "locale" not in session:
        session["locale"] = locale


def login(request: Request, user: UserRow) -> None:
    """Start a new session for ``user`` under a new id and CSRF token (no fixation), keeping the language."""
    data: dict[str, Any] = {"uid": user.id, "csrf": secrets.token_urlsafe(32)}
    if user.locale:
        data["locale"] = user.locale
    _restart(request, data)
    request.state.user = user


def logout(request: Request) -> None:
    """End the session (its row is deleted); the visitor keeps the language under a new id."""
    _restart(request, {})
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
