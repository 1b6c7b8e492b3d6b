"""SQL for users, sign-ups awaiting confirmation, profile ownership and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

ROLES = ("member", "officer", "admin")


@dataclass
class UserRow:
    id: int
    email: str
    password_hash: str
    role: str
    display_name: str | None
    locale: str | None
    disabled: bool
    created_at: datetime


_USER_COLS = "id, email, password_hash, role, display_name, locale, disabled, created_at"


def insert_user(conn: psycopg.Connection, email: str, password_hash: str, role: str,
                display_name: str | None = None, locale: str | None = None) -> UserRow:
    with conn.cursor(row_factory=class_row(UserRow)) as cur:
        row = cur.execute(
            f"INSERT INTO users (email, password_hash, role, display_name, locale)"
            f" VALUES (%(email)s, %(hash)s, %(role)s, %(name)s, %(locale)s) RETURNING {_USER_COLS}",
            {"email": email, "hash": password_hash, "role": role, "name": display_name, "locale": locale},
        ).fetchone()
    assert row is not None
    return row


def get_user_by_email(conn: psycopg.Connection, email: str) -> UserRow | None:
    with conn.cursor(row_factory=class_row(UserRow)) as cur:
        return cur.execute(f"SELECT {_USER_COLS} FROM users WHERE lower(email) = lower(%(e)s)", {"e": email}).fetchone()


def get_user(conn: psycopg.Connection, user_id: int) -> UserRow | None:
    with conn.cursor(row_factory=class_row(UserRow)) as cur:
        return cur.execute(f"SELECT {_USER_COLS} FROM users WHERE id = %(id)s", {"id": user_id}).fetchone()


def list_users(conn: psycopg.Connection) -> list[UserRow]:
    with conn.cursor(row_factory=class_row(UserRow)) as cur:
        return cur.execute(f"SELECT {_USER_COLS} FROM users ORDER BY id").fetchall()


def update_user_role(conn: psycopg.Connection, user_id: int, role: str) -> None:
    conn.execute("UPDATE users SET role = %(r)s WHERE id = %(id)s", {"r": role, "id": user_id})


def update_user_disabled(conn: psycopg.Connection, user_id: int, disabled: bool) -> None:
    conn.execute("UPDATE users SET disabled = %(d)s WHERE id = %(id)s", {"d": disabled, "id": user_id})


def update_user_password(conn: psycopg.Connection, user_id: int, password_hash: str) -> None:
    conn.execute("UPDATE users SET password_hash = %(h)s WHERE id = %(id)s", {"h": password_hash, "id": user_id})


def void_reset_tokens(conn: psycopg.Connection, user_id: int) -> None:
    """Mark every outstanding password-reset token of a user used (its password has just changed)."""
    conn.execute("UPDATE password_reset_tokens SET used_at = now() WHERE user_id = %(u)s AND used_at IS NULL",
                 {"u": user_id})


def update_user_locale(conn: psycopg.Connection, user_id: int, locale: str) -> None:
    conn.execute("UPDATE users SET locale = %(l)s WHERE id = %(id)s", {"l": locale, "id": user_id})


@dataclass
class RegistrationRow:
    email: str
    password_hash: str
    display_name: str | None
    locale: str | None
    profile_kind: str | None = None  # "expert": they sign up to describe themselves


def insert_registration(conn: psycopg.Connection, token_hash: str, email: str, password_hash: str,
                        display_name: str | None, locale: str | None, hours: int,
                        profile_kind: str | None = None) -> None:
    """A sign-up waiting for its e-mailed confirmation (expired ones are deleted on the way)."""
    conn.execute("DELETE FROM pending_registrations WHERE expires_at <= now()")
    conn.execute(
        "INSERT INTO pending_registrations (token_hash, email, password_hash, display_name, locale, expires_at,"
        " profile_kind)"
        " VALUES (%(t)s, %(e)s, %(h)s, %(n)s, %(l)s, now() + make_interval(hours => %(hours)s), %(k)s)",
        {"t": token_hash, "e": email, "h": password_hash, "n": display_name, "l": locale, "hours": hours,
         "k": profile_kind},
    )


def find_registration(conn: psycopg.Connection, token_hash: str) -> RegistrationRow | None:
    with conn.cursor(row_factory=class_row(RegistrationRow)) as cur:
        return cur.execute(
            "SELECT email, password_hash, display_name, locale, profile_kind FROM pending_registrations"
            " WHERE token_hash = %(t)s AND expires_at > now()", {"t": token_hash},
        ).fetchone()


def take_registration(conn: psycopg.Connection, token_hash: str) -> RegistrationRow | None:
    """Use a valid sign-up token (once: deleted, with every other pending sign-up for its address)."""
    with conn.cursor(row_factory=class_row(RegistrationRow)) as cur:
        row = cur.execute(
            "DELETE FROM pending_registrations WHERE token_hash = %(t)s AND expires_at > now()"
            " RETURNING email, password_hash, display_name, locale, profile_kind", {"t": token_hash},
        ).fetchone()
    if row is not None:
        conn.execute("DELETE FROM pending_registrations WHERE lower(email) = lower(%(e)s)", {"e": row.email})
    return row


def insert_owner(conn: psycopg.Connection, user_id: int, profile_id: str) -> None:
    conn.execute(
        "INSERT INTO profile_owners (user_id, profile_id) VALUES (%(u)s, %(p)s) ON CONFLICT DO NOTHING",
        {"u": user_id, "p": profile_id},
    )


def list_owned_profile_ids(conn: psycopg.Connection, user_id: int) -> list[str]:
    rows = conn.execute(
        "SELECT profile_id FROM profile_owners WHERE user_id = %(u)s ORDER BY profile_id", {"u": user_id}
    ).fetchall()
    return [r[0] for r in rows]


def is_owner(conn: psycopg.Connection, user_id: int, profile_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM profile_owners WHERE user_id = %(u)s AND profile_id = %(p)s", {"u": user_id, "p": profile_id}
    ).fetchone()
    return row is not None


@dataclass
class TokenRow:
    id: int
    user_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None


@dataclass
class TokenUser(UserRow):
    """A token's user, and the seconds the token has left (None: it does not expire)."""

    token_expires_in: float | None = None


def insert_token(conn: psycopg.Connection, user_id: int, name: str, token_hash: str,
                 expires_days: int | None = None) -> int:
    row = conn.execute(
        "INSERT INTO api_tokens (user_id, name, token_hash, expires_at) VALUES (%(u)s, %(n)s, %(h)s,"
        " now() + make_interval(days => %(d)s::int)) RETURNING id",
        {"u": user_id, "n": name, "h": token_hash, "d": expires_days},
    ).fetchone()
    assert row is not None
    return int(row[0])


def get_user_by_token_hash(conn: psycopg.Connection, token_hash: str) -> TokenUser | None:
    """The user of a live token (not revoked, not expired, user not disabled), marking it used."""
    with conn.cursor(row_factory=class_row(TokenUser)) as cur:
        return cur.execute(
            f"UPDATE api_tokens t SET last_used_at = now() FROM users u"
            f" WHERE t.token_hash = %(h)s AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())"
            f" AND u.id = t.user_id AND NOT u.disabled"
            f" RETURNING {', '.join('u.' + c.strip() for c in _USER_COLS.split(','))},"
            f" extract(epoch FROM t.expires_at - now())::float8 AS token_expires_in",
            {"h": token_hash},
        ).fetchone()


def list_tokens(conn: psycopg.Connection, user_id: int | None = None) -> list[TokenRow]:
    with conn.cursor(row_factory=class_row(TokenRow)) as cur:
        return cur.execute(
            "SELECT id, user_id, name, created_at, last_used_at, revoked_at, expires_at FROM api_tokens"
            " WHERE (%(u)s::bigint IS NULL OR user_id = %(u)s) ORDER BY id",
            {"u": user_id},
        ).fetchall()


def revoke_token(conn: psycopg.Connection, token_id: int) -> bool:
    cur = conn.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = %(id)s AND revoked_at IS NULL", {"id": token_id}
    )
    return cur.rowcount > 0


def list_owner_emails(conn: psycopg.Connection, profile_id: str) -> list[str]:
    """E-mails of the active users who own ``profile_id``."""
    rows = conn.execute(
        "SELECT u.email FROM profile_owners o JOIN users u ON u.id = o.user_id"
        " WHERE o.profile_id = %(p)s AND NOT u.disabled ORDER BY u.id",
        {"p": profile_id},
    ).fetchall()
    return [r[0] for r in rows]
