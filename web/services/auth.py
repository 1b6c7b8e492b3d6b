"""Signing in: password check with per-account lockout, password reset by e-mailed token.

Shared by the web app and the API. Messages are marked ``N_`` so the web layer can translate them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from web.db import Database
from web.errors import Conflict, Invalid, RateLimited, Unauthorized
from web.i18n import N_
from web.security import MIN_PASSWORD_LENGTH, hash_password, hash_token, verify_password
from web.services.accounts import create_user, is_email
from web.services.mail import Mailer
from web.store import outbox as outbox_store
from web.store import profiles as profile_store
from web.store import users as store
from web.store.users import UserRow

RESET_TOKEN_HOURS = 2
# verified against when the e-mail is unknown, so that both cases take the same time
_DUMMY_HASH = hash_password("not-a-real-password-0")


class LockedOut(RateLimited):
    """Too many failed sign-ins: the account is locked for a while."""


def password_fingerprint(user: UserRow) -> str:
    """A short digest of the password hash: kept in the session, so a password change ends other sessions."""
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:16]


def authenticate(db: Database, email: str, password: str) -> UserRow:
    """The user with these credentials; raises ``Unauthorized`` or ``LockedOut``."""
    settings = db.settings
    with db.connection() as conn:
        user = store.get_user_by_email(conn, email.strip())
        if user is None or user.disabled:
            verify_password(_DUMMY_HASH, password)
            raise Unauthorized(N_("Wrong e-mail address or password."))
        if user.locked_until is not None and user.locked_until > datetime.now(UTC):
            raise LockedOut(N_("Too many failed attempts. This account is locked for a while; try again later."))
        if not verify_password(user.password_hash, password):
            with conn.transaction():
                store.record_login_failure(conn, user.id, settings.login_max_failures,
                                           settings.login_lockout_minutes)
                profile_store.insert_audit(conn, "login-failed", "user", str(user.id), actor="web",
                                           actor_id=user.id)
            raise Unauthorized(N_("Wrong e-mail address or password."))
        if user.failed_logins:
            store.reset_login_failures(conn, user.id)
    return user


def request_password_reset(db: Database, mailer: Mailer, email: str, locale: str) -> None:
    """E-mail a reset link if the address belongs to an active user; silent otherwise."""
    queued: list[int] = []
    with db.connection() as conn, conn.transaction():
        user = store.get_user_by_email(conn, email.strip())
        if user is None or user.disabled:
            return
        token = secrets.token_urlsafe(32)
        outbox_store.insert_reset_token(conn, user.id, hash_token(token), RESET_TOKEN_HOURS)
        queued.append(mailer.queue(conn, user.email, "password_reset", user.locale or locale,
                                   {"token": token, "hours": RESET_TOKEN_HOURS}))
        profile_store.insert_audit(conn, "password-reset-requested", "user", str(user.id), actor="web")
    mailer.deliver(db, queued)


def check_reset_token(db: Database, token: str) -> bool:
    with db.connection() as conn:
        return outbox_store.find_reset_token(conn, hash_token(token)) is not None


def reset_password(db: Database, token: str, password: str) -> UserRow:
    """Set a new password with a valid token (used once); returns the user."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(N_("The password must have at least 10 characters."), field="password")
    with db.connection() as conn, conn.transaction():
        user_id = outbox_store.use_reset_token(conn, hash_token(token))
        if user_id is None:
            raise Invalid(N_("This reset link is invalid or has expired. Ask for a new one."))
        store.update_user_password(conn, user_id, hash_password(password))
        profile_store.insert_audit(conn, "password-reset", "user", str(user_id), actor="web", actor_id=user_id)
        user = store.get_user(conn, user_id)
    assert user is not None
    return user


def set_locale(db: Database, user_id: int, locale: str) -> None:
    with db.connection() as conn:
        store.update_user_locale(conn, user_id, locale)


def register(db: Database, email: str, password: str, display_name: str, locale: str) -> UserRow:
    """Sign up a member; messages suitable for the sign-up form."""
    email = email.strip()
    if not is_email(email):
        raise Invalid(N_("Enter a valid e-mail address."), field="email")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(N_("The password must have at least 10 characters."), field="password")
    with db.connection() as conn:
        if store.get_user_by_email(conn, email) is not None:
            raise Conflict(N_("An account with this e-mail address already exists. Sign in instead."),
                           field="email")
    return create_user(db, email, "member", password, display_name.strip()[:100] or None, locale,
                       actor="web").user
