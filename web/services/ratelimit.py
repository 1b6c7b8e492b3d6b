"""Rate limits kept in PostgreSQL, so that every worker process and every host shares one budget.

A ``Limit`` allows ``count`` hits per ``seconds`` in a bucket: an action and whom it is counted
against (a client address, an account, an e-mail address). The window starts with a bucket's
first hit. Keys are hashed, so the table holds no addresses. Going over raises ``RateLimited``
carrying the seconds until the window ends, which the answer sends as ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import psycopg

from web.db.pool import Database
from web.errors import RateLimited
from web.i18n import N_
from web.settings import Settings
from web.store import ratelimits as store

# ended windows are deleted by one hit in this many (cheap, and no process has to remember when)
PRUNE_ONE_IN = 200


@dataclass(frozen=True)
class Limit:
    action: str   # names the bucket family: "login-client", "search-account", ...
    count: int    # hits allowed per window
    seconds: int  # the window's length


def login_client(s: Settings) -> Limit:
    return Limit("login-client", s.ratelimit_login_client, 5 * 60)


def login_failures(s: Settings) -> Limit:
    """Failed sign-ins per e-mail address, known or not, so that a lockout tells nothing."""
    return Limit("login-failures", s.login_max_failures, s.login_lockout_minutes * 60)


def mail_client(s: Settings, action: str) -> Limit:
    return Limit(f"{action}-client", s.ratelimit_mail_client, 60 * 60)


def mail_address(s: Settings) -> Limit:
    """E-mails sent to one address on an anonymous request (password resets, sign-ups)."""
    return Limit("mail-address", s.ratelimit_mail_address, 60 * 60)


def search(s: Settings, member: bool) -> Limit:
    if member:
        return Limit("search-account", s.ratelimit_search_account, 60)
    return Limit("search-client", s.ratelimit_search_client, 60)


def bucket(limit: Limit, key: str) -> str:
    digest = hashlib.sha256(key.strip().lower().encode("utf-8")).hexdigest()[:32]
    return f"{limit.action}:{digest}"


def record(conn: psycopg.Connection, limit: Limit, key: str) -> store.Count:
    """Count one hit against ``key``."""
    count = store.hit_bucket(conn, bucket(limit, key), limit.seconds)
    if secrets.randbelow(PRUNE_ONE_IN) == 0:
        store.delete_ended_buckets(conn)
    return count


def spend(conn: psycopg.Connection, limit: Limit, key: str, message: str) -> None:
    """Count one hit against ``key``; raises ``RateLimited(message)`` once over the limit."""
    count = record(conn, limit, key)
    if count.hits > limit.count:
        raise RateLimited(message, retry_after=count.retry_after)


def check(conn: psycopg.Connection, limit: Limit, key: str, message: str,
          error: type[RateLimited] = RateLimited) -> None:
    """Raise ``error(message)`` if ``key``'s budget is spent, without counting a hit."""
    count = store.get_bucket(conn, bucket(limit, key))
    if count is not None and count.hits >= limit.count:
        raise error(message, retry_after=count.retry_after)


def forget(conn: psycopg.Connection, limit: Limit, key: str) -> None:
    store.delete_bucket(conn, bucket(limit, key))


def spend_search(db: Database, user_id: int | None, client: str) -> None:
    """One search: a member's (or API token's) account budget, else the client address's."""
    with db.connection() as conn:
        if user_id is not None:
            spend(conn, search(db.settings, True), str(user_id), N_("Too many searches. Wait a minute and try again."))
        else:
            spend(conn, search(db.settings, False), client,
                  N_("Too many searches from your network. Wait a minute or sign in, and try again."))


def spent(conn: psycopg.Connection, limit: Limit, keys: list[str]) -> dict[str, int]:
    """Those of ``keys`` whose budget is spent, with the seconds until it is back."""
    buckets = {bucket(limit, key): key for key in keys}
    live = store.list_live_buckets(conn, list(buckets))
    return {buckets[b]: count.retry_after for b, count in live.items() if count.hits >= limit.count}
