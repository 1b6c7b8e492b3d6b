"""Bearer-token authentication for /api/v1."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from web.errors import Forbidden, Unauthorized
from web.http.deps import client_address
from web.services import ratelimit
from web.services.security import hash_token
from web.store import users as user_store
from web.store.users import UserRow

_bearer = HTTPBearer(auto_error=False, description="A token from `caunoi tokens create EMAIL`.")


# token -> user, kept briefly so that a busy client does not cost a database write per request
# (last_used_at is refreshed once per TOKEN_CACHE_SECONDS); a revoked token or a disabled user
# stops working within that time (an expiring token is never kept past its expiry)
TOKEN_CACHE_SECONDS = 10.0
_TOKEN_CACHE_MAX = 10_000


def _cached_user(request: Request, token_hash: str) -> UserRow | None:
    hit = request.app.state.token_cache.get(token_hash)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def _token_user(request: Request, token_hash: str) -> UserRow | None:
    cache: dict[str, tuple[float, UserRow]] = request.app.state.token_cache
    now = time.monotonic()
    with request.app.state.db.connection() as conn:
        user = user_store.get_user_by_token_hash(conn, token_hash)
    if user is None:
        cache.pop(token_hash, None)
        return None
    if len(cache) >= _TOKEN_CACHE_MAX:
        cache.clear()
    keep = TOKEN_CACHE_SECONDS if user.token_expires_in is None else min(TOKEN_CACHE_SECONDS, user.token_expires_in)
    cache[token_hash] = (now + keep, user)
    return user


async def optional_user(request: Request,
                        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> UserRow | None:
    """The token's user, or None for anonymous requests; a bad token is an error, not anonymity.

    Async so that a cached token costs no hop to the thread pool (each hop is a wake-up of the
    event loop); a cache miss reads the database in the pool."""
    if creds is None:
        return None
    if creds.scheme.lower() != "bearer" or not creds.credentials:
        raise Unauthorized("use an Authorization: Bearer <token> header")
    token_hash = hash_token(creds.credentials)
    user = _cached_user(request, token_hash)
    if user is None:
        user = await run_in_threadpool(_token_user, request, token_hash)
    if user is None:
        raise Unauthorized("the token is not valid (unknown, revoked, expired, or its user is disabled)")
    return user


async def required_user(user: Annotated[UserRow | None, Depends(optional_user)]) -> UserRow:
    if user is None:
        raise Unauthorized("this endpoint needs a bearer token (caunoi tokens create EMAIL)")
    return user


def spend_search(request: Request, user: Annotated[UserRow | None, Depends(optional_user)]) -> None:
    """A search spends the token user's budget, or anonymously the client address's (``web.services.ratelimit``)."""
    ratelimit.spend_search(request.app.state.db, user.id if user else None, client_address(request))


def require_staff(user: UserRow) -> None:
    if user.role not in ("officer", "admin"):
        raise Forbidden("only officers and admins may do this")


OptionalUser = Annotated[UserRow | None, Depends(optional_user)]
RequiredUser = Annotated[UserRow, Depends(required_user)]
SearchAllowance = Depends(spend_search)  # for a route's ``dependencies=[...]``
