"""Accounts: create users, roles, disable, API tokens. Shared by the CLI, the API and the web app."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from zxcvbn import zxcvbn

from web.db.pool import Database
from web.errors import Conflict, Invalid, NotFound
from web.i18n import N_
from web.services.security import MIN_PASSWORD_LENGTH, generate_password, hash_password, new_api_token
from web.store import audit as audit_store
from web.store import profiles as profile_store
from web.store import sessions as session_store
from web.store import users as store
from web.store.users import ROLES, UserRow

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# zxcvbn's scores run 0-4; 2 and up is "somewhat guessable: protection from unthrottled online
# attacks" (over 10^8 guesses), below it a common password or a short variation of one
MIN_PASSWORD_SCORE = 2
_ZXCVBN_CHECKED = 72  # characters zxcvbn accepts (its max_length); longer passwords are judged by these
# zxcvbn keeps each call's user inputs in a module-level dictionary: one call at a time
_ZXCVBN_LOCK = threading.Lock()


@dataclass(frozen=True)
class NewUser:
    user: UserRow
    password: str | None  # set only when generated here (to be shown once)


def is_email(value: str) -> bool:
    """Whether ``value`` has the form of a deliverable address (``name@example.org``, at most 254 characters)."""
    return len(value) <= 254 and _EMAIL_RE.match(value) is not None


def check_email(email: str) -> str:
    email = email.strip()
    if not is_email(email):
        raise Invalid(f"{email!r} is not a valid e-mail address", field="email")
    return email


def check_role(role: str) -> str:
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; valid roles: {', '.join(ROLES)}", field="role")
    return role


def check_password(password: str, user_inputs: Iterable[str | None] = ()) -> str:
    """``password`` if it is long enough and not easily guessed (zxcvbn, also against the user's
    own ``user_inputs``: e-mail address, name); the one password rule for the web, API and CLI."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(N_("The password must have at least 10 characters."), field="password")
    inputs = [part for value in user_inputs if value for part in [value, *re.split(r"[@.\s]+", value)]
              if len(part) >= 3]
    with _ZXCVBN_LOCK:
        score = zxcvbn(password[:_ZXCVBN_CHECKED], user_inputs=inputs)["score"]
    if score < MIN_PASSWORD_SCORE:
        raise Invalid(N_("This password is too common or too easy to guess. Choose a longer one, "
                         "for example a few unrelated words."), field="password")
    return password


def create_user(db: Database, email: str, role: str = "member", password: str | None = None,
                display_name: str | None = None, locale: str | None = None, actor: str = "cli") -> NewUser:
    email = check_email(email)
    check_role(role)
    generated = None
    if password is None:
        password = generated = generate_password()
    check_password(password, (email, display_name))
    with db.connection() as conn, conn.transaction():
        if store.get_user_by_email(conn, email) is not None:
            raise Conflict(f"a user with e-mail {email} already exists", field="email")
        user = store.insert_user(conn, email, hash_password(password), role, display_name, locale)
        audit_store.insert_audit(conn, "create", "user", str(user.id), {"email": email, "role": role}, actor=actor)
    return NewUser(user, generated)


def require_user(db: Database, email: str) -> UserRow:
    with db.connection() as conn:
        user = store.get_user_by_email(conn, email)
    if user is None:
        raise NotFound(f"no user with e-mail {email}")
    return user


def set_role(db: Database, email: str, role: str, actor: str = "cli", actor_id: int | None = None) -> UserRow:
    check_role(role)
    user = require_user(db, email)
    with db.connection() as conn, conn.transaction():
        store.update_user_role(conn, user.id, role)
        audit_store.insert_audit(conn, "set-role", "user", str(user.id), {"from": user.role, "to": role},
                                   actor=actor, actor_id=actor_id)
    return require_user(db, email)


def set_disabled(db: Database, email: str, disabled: bool, actor: str = "cli", actor_id: int | None = None) -> UserRow:
    user = require_user(db, email)
    disable_user(db, user.id, disabled, actor, actor_id)
    return require_user(db, email)


def disable_user(db: Database, user_id: int, disabled: bool, actor: str, actor_id: int | None = None) -> None:
    """Disable (or enable) a user. Disabling ends their web sessions at once; their API tokens stop
    working within ``web.http.api.auth.TOKEN_CACHE_SECONDS``."""
    with db.connection() as conn, conn.transaction():
        if store.get_user(conn, user_id) is None:
            raise NotFound(N_("This user does not exist."))
        store.update_user_disabled(conn, user_id, disabled)
        if disabled:
            session_store.delete_user_sessions(conn, user_id)
        audit_store.insert_audit(conn, "disable" if disabled else "enable", "user", str(user_id),
                                   actor=actor, actor_id=actor_id)


def create_token(db: Database, email: str, name: str = "", actor: str = "cli",
                 expires_days: int | None = None) -> tuple[int, str]:
    """Create an API token for a user, valid for ``expires_days`` (None: until revoked); returns
    ``(token id, token)`` — the token is shown once."""
    user = require_user(db, email)
    if user.disabled:
        raise Invalid(f"user {email} is disabled")
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise Invalid("a token's lifetime is 1 to 3650 days", field="expires_days")
    token, token_hash = new_api_token()
    with db.connection() as conn, conn.transaction():
        token_id = store.insert_token(conn, user.id, name, token_hash, expires_days)
        audit_store.insert_audit(conn, "create", "token", str(token_id),
                                   {"user": email, "name": name, "expires_days": expires_days}, actor=actor)
    return token_id, token


def revoke_token(db: Database, token_id: int, actor: str = "cli") -> None:
    with db.connection() as conn, conn.transaction():
        if not store.revoke_token(conn, token_id):
            raise NotFound(f"no active token with id {token_id}")
        audit_store.insert_audit(conn, "revoke", "token", str(token_id), actor=actor)


def add_owner(db: Database, user_id: int, profile_id: str, actor: str = "cli") -> None:
    with db.connection() as conn, conn.transaction():
        if profile_store.get_profile(conn, profile_id) is None:
            raise NotFound(f"no profile with id {profile_id!r}")
        store.insert_owner(conn, user_id, profile_id)
        audit_store.insert_audit(conn, "add-owner", "profile", profile_id, {"user_id": user_id}, actor=actor)
