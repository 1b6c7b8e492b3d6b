"""Signing in, sessions, passwords (change, reset by e-mailed token) and sign-up confirmed by e-mail.

Shared by the web app and the API. Messages are marked ``N_`` so the web layer can translate them.
Anonymous requests answer alike whether or not an address has an account: failed sign-ins are
counted per address, known or not (``web.services.ratelimit.login_failures``); a reset request or a sign-up
is answered at once and its mail, to a new or an existing owner, prepared after the answer has
gone (``later``), so neither the words nor the time tell whether the address is known.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import psycopg

from web.db.pool import Database
from web.errors import Conflict, Invalid, RateLimited, Unauthorized
from web.i18n import N_
from web.services import ratelimit
from web.services.accounts import check_password, is_email
from web.services.mail import Mailer
from web.services.security import hash_password, hash_token, verify_password
from web.settings import Settings
from web.store import audit as audit_store
from web.store import outbox as outbox_store
from web.store import sessions as session_store
from web.store import users as store
from web.store.users import UserRow

RESET_TOKEN_HOURS = 2
SIGNUP_TOKEN_HOURS = 24
# the sign-up form's choice -> the kind of profile the new account starts with (None: chosen later)
SIGNUP_KINDS: dict[str, str | None] = {"": None, "organisation": None, "expert": "expert"}
# verified against when the e-mail is unknown, so that both cases take the same time
_DUMMY_HASH = hash_password("not-a-real-password-0")
_WRONG = N_("Wrong e-mail address or password.")
_BAD_RESET = N_("This reset link is invalid or has expired. Ask for a new one.")
_BUSY_CLIENT = N_("Too many requests from your network. Wait a while and try again.")
_BUSY_ADDRESS = N_("Too many e-mails were asked for this address. Wait an hour and try again.")

# schedules work to run after the answer has been sent: ``BackgroundTasks.add_task``
Later = Callable[..., Any]


class LockedOut(RateLimited):
    """Too many failed sign-ins: the address is locked for a while."""


def authenticate(db: Database, email: str, password: str, client: str) -> UserRow:
    """The user with these credentials; raises ``Unauthorized``, ``LockedOut`` or ``RateLimited``
    (too many attempts from ``client``, a client address)."""
    settings, email = db.settings, email.strip()
    failures = ratelimit.login_failures(settings)
    with db.connection() as conn:
        ratelimit.spend(conn, ratelimit.login_client(settings), client,
                        N_("Too many sign-in attempts from your network. Wait a few minutes."))
        ratelimit.check(conn, failures, email,
                        N_("Too many failed attempts. This account is locked for a while; try again later."),
                        error=LockedOut)
        user = store.get_user_by_email(conn, email)
        known = user is not None and not user.disabled
        if not (verify_password(user.password_hash if user and known else _DUMMY_HASH, password) and known):
            with conn.transaction():
                ratelimit.record(conn, failures, email)
                if user is not None:
                    audit_store.insert_audit(conn, "login-failed", "user", str(user.id), actor="web",
                                               actor_id=user.id)
            raise Unauthorized(_WRONG)
        ratelimit.forget(conn, failures, email)
    assert user is not None
    return user


def _set_password(conn: psycopg.Connection, settings: Settings, user: UserRow, password: str) -> None:
    """The new password; every reset link still out is voided and every session of the user ends."""
    store.update_user_password(conn, user.id, hash_password(password))
    store.void_reset_tokens(conn, user.id)
    session_store.delete_user_sessions(conn, user.id)
    ratelimit.forget(conn, ratelimit.login_failures(settings), user.email)


def change_password(db: Database, user: UserRow, current: str, new: str, client: str) -> UserRow:
    """Change a signed-in user's password (knowing the current one); ends all their sessions."""
    try:
        authenticate(db, user.email, current, client)
    except Unauthorized:
        raise Invalid(N_("The current password is not right."), field="current_password") from None
    check_password(new, (user.email, user.display_name))
    with db.connection() as conn, conn.transaction():
        _set_password(conn, db.settings, user, new)
        audit_store.insert_audit(conn, "password-changed", "user", str(user.id), actor="web", actor_id=user.id)
        changed = store.get_user(conn, user.id)
    assert changed is not None
    return changed


def end_sessions(db: Database, user: UserRow) -> int:
    """Sign ``user`` out everywhere; returns how many sessions ended."""
    with db.connection() as conn, conn.transaction():
        ended = session_store.delete_user_sessions(conn, user.id)
        audit_store.insert_audit(conn, "sign-out-everywhere", "user", str(user.id), {"sessions": ended},
                                   actor="web", actor_id=user.id)
    return ended


def count_sessions(db: Database, user: UserRow) -> int:
    s = db.settings
    with db.connection() as conn:
        return session_store.count_user_sessions(conn, user.id, s.session_idle_hours, s.session_lifetime_days)


def _spend_mail(db: Database, action: str, email: str, client: str) -> None:
    with db.connection() as conn:
        ratelimit.spend(conn, ratelimit.mail_client(db.settings, action), client, _BUSY_CLIENT)
        ratelimit.spend(conn, ratelimit.mail_address(db.settings), email, _BUSY_ADDRESS)


def request_password_reset(db: Database, mailer: Mailer, email: str, locale: str, client: str,
                           later: Later) -> None:
    """Ask for a reset link: rate-limited per ``client`` and per address, then sent ``later`` if
    the address belongs to an active user (silently nothing otherwise)."""
    email = email.strip()
    _spend_mail(db, "reset", email, client)
    later(send_password_reset, db, mailer, email, locale)


def send_password_reset(db: Database, mailer: Mailer, email: str, locale: str) -> None:
    queued: list[int] = []
    with db.connection() as conn, conn.transaction():
        user = store.get_user_by_email(conn, email)
        if user is None or user.disabled:
            return
        token = secrets.token_urlsafe(32)
        outbox_store.insert_reset_token(conn, user.id, hash_token(token), RESET_TOKEN_HOURS)
        queued.append(mailer.queue(conn, user.email, "password_reset", user.locale or locale,
                                   {"token": token, "hours": RESET_TOKEN_HOURS}))
        audit_store.insert_audit(conn, "password-reset-requested", "user", str(user.id), actor="web")
    mailer.deliver(db, queued)


def check_reset_token(db: Database, token: str) -> bool:
    with db.connection() as conn:
        return outbox_store.find_reset_token(conn, hash_token(token)) is not None


def reset_password(db: Database, token: str, password: str) -> UserRow:
    """Set a new password with a valid token; every other token of the user is voided with it and
    every session ends. Returns the user."""
    with db.connection() as conn, conn.transaction():
        user_id = outbox_store.find_reset_token(conn, hash_token(token))
        user = store.get_user(conn, user_id) if user_id is not None else None
        if user is None:
            raise Invalid(_BAD_RESET)
        check_password(password, (user.email, user.display_name))
        if outbox_store.use_reset_token(conn, hash_token(token)) is None:  # used meanwhile
            raise Invalid(_BAD_RESET)
        _set_password(conn, db.settings, user, password)
        audit_store.insert_audit(conn, "password-reset", "user", str(user.id), actor="web", actor_id=user.id)
    return user


def set_locale(db: Database, user_id: int, locale: str) -> None:
    with db.connection() as conn:
        store.update_user_locale(conn, user_id, locale)


def signup_kind(value: str) -> str | None:
    """The kind of profile a sign-up means to create: ``"expert"`` (a person describing
    themselves) or None (an organisation: the kind is chosen later); anything else is invalid."""
    value = value.strip()
    if value not in SIGNUP_KINDS:
        raise Invalid(N_("Choose whether you sign up for an organisation or as an expert."), field="profile_kind")
    return SIGNUP_KINDS[value]


def register(db: Database, mailer: Mailer, email: str, password: str, display_name: str, locale: str,
             client: str, later: Later, profile_kind: str | None = None) -> None:
    """Sign up: the form is checked now, the mail sent ``later`` — a confirmation link for a new
    address, a note to the owner of an existing one. The answer is the same in both cases.
    ``profile_kind``: see ``signup_kind``."""
    email = email.strip()
    if not is_email(email):
        raise Invalid(N_("Enter a valid e-mail address."), field="email")
    name = display_name.strip()[:100] or None
    check_password(password, (email, name))
    _spend_mail(db, "signup", email, client)
    later(send_signup, db, mailer, email, password, name, locale, profile_kind)


def send_signup(db: Database, mailer: Mailer, email: str, password: str, name: str | None, locale: str,
                profile_kind: str | None = None) -> None:
    password_hash = hash_password(password)
    queued: list[int] = []
    with db.connection() as conn, conn.transaction():
        user = store.get_user_by_email(conn, email)
        if user is not None:
            if not user.disabled:
                queued.append(mailer.queue(conn, user.email, "signup_existing", user.locale or locale, {}))
                audit_store.insert_audit(conn, "signup-existing", "user", str(user.id), actor="web")
        else:
            token = secrets.token_urlsafe(32)
            store.insert_registration(conn, hash_token(token), email, password_hash, name, locale, SIGNUP_TOKEN_HOURS,
                                      profile_kind)
            queued.append(mailer.queue(conn, email, "signup_confirm", locale,
                                       {"token": token, "hours": SIGNUP_TOKEN_HOURS}))
    mailer.deliver(db, queued)


def check_signup_token(db: Database, token: str) -> bool:
    with db.connection() as conn:
        return store.find_registration(conn, hash_token(token)) is not None


def confirm_signup(db: Database, token: str) -> tuple[UserRow, str | None]:
    """Create the member a sign-up link was sent for (the link works once); returns the user and
    the kind of profile they signed up to create (``signup_kind``)."""
    with db.connection() as conn, conn.transaction():
        pending = store.take_registration(conn, hash_token(token))
        if pending is None:
            raise Invalid(N_("This confirmation link is invalid or has expired. Sign up again."))
        if store.get_user_by_email(conn, pending.email) is not None:
            raise Conflict(N_("An account with this e-mail address already exists. Sign in instead."))
        user = store.insert_user(conn, pending.email, pending.password_hash, "member", pending.display_name,
                                 pending.locale)
        audit_store.insert_audit(conn, "create", "user", str(user.id), {"email": user.email, "role": "member"},
                                   actor="web", actor_id=user.id)
    return user, pending.profile_kind
