"""ASGI middleware: security headers on every response, the Secure flag on cookies over HTTPS, and
server-side sessions."""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

import psycopg
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.db.pool import Database
from web.http.session import SESSION_COOKIE, Session, hash_id
from web.settings import Settings
from web.store import sessions as store

log = logging.getLogger(__name__)
_SID = re.compile(r"[A-Za-z0-9_-]{20,100}")
# expired sessions are deleted by one new session in this many
PRUNE_ONE_IN = 100

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self';"
       " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def is_https(scope: Scope) -> bool:
    """Served over HTTPS, directly or behind a proxy that says so (X-Forwarded-Proto)."""
    if scope.get("scheme") == "https":
        return True
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-proto":
            return value.split(b",")[0].strip().lower() == b"https"
    return False


class SecurityHeadersMiddleware:
    """Adds ``SECURITY_HEADERS``; marks every cookie ``Secure`` when the request came over HTTPS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = is_https(scope)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if https:
                    cookies = headers.getlist("set-cookie")
                    if cookies:
                        del headers["set-cookie"]
                        for cookie in cookies:
                            secure = "secure" in cookie.lower().replace(" ", "").split(";")
                            headers.append("set-cookie", cookie if secure else cookie + "; secure")
            await send(message)

        await self.app(scope, receive, send_wrapper)


class SessionMiddleware:
    """Server-side sessions (``web.http.session``): reads the visitor's row before the request and writes
    back what changed when the response starts, with the cookie when the id is new.

    The last-seen time is refreshed at most once a minute, not on every request. ``/api/`` (bearer
    tokens) and ``/static/`` get no session."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.secret = settings.resolved_secret_key()
        self.secure = settings.base_url.startswith("https:")
        self.max_age = settings.session_lifetime_days * 24 * 3600

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(("/api/", "/static/")):
            await self.app(scope, receive, send)
            return
        db = scope["app"].state.db
        sid = _cookie(scope)
        session = await run_in_threadpool(self._load, db, sid) if sid else Session(self.secret)
        scope["session"] = session

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                if session.dirty:
                    cookie = await run_in_threadpool(self._save, db, session)
                else:
                    cookie = self._set_cookie(session)
                if cookie:
                    MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _load(self, db: Database, sid: str) -> Session:
        s = self.settings
        with db.connection() as conn:
            row = store.get_session(conn, hash_id(sid), s.session_idle_hours, s.session_lifetime_days)
        if row is None:  # none, ended or expired: a visitor with nothing stored, under that id
            return Session(self.secret, sid)
        data: dict[str, Any] = {"csrf": row.csrf_token}
        if row.user_id is not None:
            data["uid"] = row.user_id
        if row.locale:
            data["locale"] = row.locale
        if row.flash:
            data["flash"] = row.flash
        return Session(self.secret, sid, data, touch_due=row.touch_due)

    def _save(self, db: Database, session: Session) -> str | None:
        """Write the session back; returns the Set-Cookie value when the browser must change it."""
        try:
            with db.connection() as conn, conn.transaction():
                self._write(conn, session)
        except psycopg.Error:  # the answer goes out all the same; the session just was not kept
            log.exception("saving the session failed")
            return None
        return self._set_cookie(session)

    def _write(self, conn: psycopg.Connection, session: Session) -> None:
        s = self.settings
        for id_hash in session.ended:
            store.delete_session(conn, id_hash)
        data = dict(session)
        if session.stored and session.sid is not None:
            if session.changed:
                store.update_session(conn, hash_id(session.sid), data)
            elif session.touch_due:
                store.touch_session(conn, hash_id(session.sid))
        elif session.changed and data:
            data.setdefault("csrf", session.derived_csrf())
            store.insert_session(conn, hash_id(session.id()), data)
            if secrets.randbelow(PRUNE_ONE_IN) == 0:
                store.delete_expired_sessions(conn, s.session_idle_hours, s.session_lifetime_days)

    def _set_cookie(self, session: Session) -> str | None:
        """The Set-Cookie value when the browser must learn a new id (or forget its old one)."""
        if session.sid == session.cookie_sid:
            return None
        if session.handed_out:  # its CSRF token went into the page, or a row was written under it
            return self._cookie(session.id(), self.max_age)
        return self._cookie("", 0) if session.cookie_sid else None  # renewed, and nothing left to keep

    def _cookie(self, value: str, max_age: int) -> str:
        secure = "; Secure" if self.secure else ""
        return f"{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"


def _cookie(scope: Scope) -> str | None:
    """The session id the browser sent (read as ``Request.cookies`` reads it), if it has the form of one."""
    header = next((value for name, value in scope.get("headers", []) if name == b"cookie"), b"")
    sid = cookie_parser(header.decode("latin-1")).get(SESSION_COOKIE, "")
    return sid if _SID.fullmatch(sid) else None
