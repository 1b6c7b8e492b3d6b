"""FastAPI dependencies, as ``Annotated`` aliases: the one place routes get what they need."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Path, Query, Request

from web.db.pool import Database
from web.errors import Forbidden, Malformed, NotFound, Unauthorized
from web.http.handlers import is_api
from web.http.session import SAFE_METHODS, csrf_ok, load_user, locale_of
from web.i18n import N_
from web.matching.contract import MatchingContract
from web.params import BIGINT_MAX, page_number
from web.services import ratelimit
from web.services.introductions import Party
from web.services.mail import Mailer
from web.settings import Settings
from web.store.users import UserRow

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def refuse_unstorable(request: Request) -> None:
    """A request whose path, query string or form holds U+0000 goes no further: PostgreSQL text
    cannot hold it. In the path it names nothing that exists (404); in a parameter or a field it
    is a bad request (400) naming the parameter. Runs before every route, ahead of the CSRF check."""
    if "\x00" in request.scope["path"]:
        raise NotFound(N_("We could not find this page. It may have moved or never existed."))
    items: list[tuple[str, Any]] = list(request.query_params.multi_items())
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        items += (await request.form()).multi_items()
    for name, value in items:
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            raise Malformed(N_("The request holds an invisible control character (U+0000) that cannot be stored. "
                               "Remove it and try again."), field=name.replace("\x00", "\\x00"))


async def _one_click_unsubscribe(request: Request) -> bool:
    """A mail client's RFC 8058 one-click unsubscribe: a POST of exactly
    ``List-Unsubscribe=One-Click`` to a signed unsubscribe link. It carries no session and needs
    none (the link's HMAC is the authority, and the route reads nothing of the session), so it
    cannot be a forged request riding on someone's cookies."""
    if not request.url.path.startswith("/alerts/unsubscribe/"):
        return False
    if not request.headers.get("content-type", "").startswith(_FORM_TYPES):
        return False
    form = await request.form()
    return list(form.multi_items()) == [("List-Unsubscribe", "One-Click")]


async def verify_csrf(request: Request) -> None:
    """Every unsafe request of the web app carries the session's token (form field ``csrf_token``
    or header ``X-CSRF-Token``). ``/api/`` routes authenticate with bearer tokens and are exempt,
    as is a mail client's one-click unsubscribe (``_one_click_unsubscribe``)."""
    if request.method in SAFE_METHODS or is_api(request) or await _one_click_unsubscribe(request):
        return
    sent = request.headers.get("X-CSRF-Token")
    if not sent and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        value = (await request.form()).get("csrf_token")
        sent = value if isinstance(value, str) else None
    # a token is ASCII; anything else cannot be one (and hmac.compare_digest refuses to compare it)
    if not csrf_ok(request, sent if sent and sent.isascii() else None):
        raise Forbidden(N_("Your session has expired or the form is stale. Reload the page and try again."))


def get_db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_mailer(request: Request) -> Mailer:
    return request.app.state.mailer  # type: ignore[no-any-return]


def get_matching(request: Request) -> MatchingContract:
    return request.app.state.matching  # type: ignore[no-any-return]


def current_user(request: Request) -> UserRow | None:
    return load_user(request)


def require_user(request: Request) -> UserRow:
    user = load_user(request)
    if user is None:
        raise Unauthorized(N_("Please sign in to continue."))
    return user


def require_admin(user: Annotated[UserRow, Depends(require_user)]) -> UserRow:
    if user.role != "admin":
        raise Forbidden(N_("This page is for administrators."))
    return user


def require_officer(user: Annotated[UserRow, Depends(require_user)]) -> UserRow:
    if user.role not in ("officer", "admin"):
        raise Forbidden(N_("This page is for programme officers."))
    return user


def get_party(request: Request, user: Annotated[UserRow, Depends(require_user)]) -> Party:
    return Party.of(request.app.state.db, user)


async def form_items(request: Request) -> list[tuple[str, str]]:
    """The posted form as ``(name, value)`` pairs (files ignored), in order."""
    form = await request.form()
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def query_params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return params


def get_locale(request: Request) -> str:
    return locale_of(request)


def client_address(request: Request) -> str:
    """The client's address (behind a proxy, the one its ``X-Forwarded-For`` names: ``caunoi serve``
    trusts proxy headers), the key of per-client rate limits."""
    return request.client.host if request.client else "unknown"


def spend_search(request: Request) -> None:
    """A directory search (``q`` set) spends the member's budget, or the client address's (``web.services.ratelimit``)."""
    if request.query_params.get("q", "").strip():
        user = load_user(request)
        ratelimit.spend_search(request.app.state.db, user.id if user else None, client_address(request))


def get_page(page: str = "") -> int:
    """``?page=``: a page number, the first page for anything that is not one (``web.params``)."""
    return page_number(page)


DB = Annotated[Database, Depends(get_db)]
AppSettings = Annotated[Settings, Depends(get_settings)]
MailerDep = Annotated[Mailer, Depends(get_mailer)]
Matching = Annotated[MatchingContract, Depends(get_matching)]
MaybeUser = Annotated[UserRow | None, Depends(current_user)]
User = Annotated[UserRow, Depends(require_user)]
Admin = Annotated[UserRow, Depends(require_admin)]
Officer = Annotated[UserRow, Depends(require_officer)]
PartyDep = Annotated[Party, Depends(get_party)]
FormItems = Annotated[list[tuple[str, str]], Depends(form_items)]
QueryParams = Annotated[dict[str, list[str]], Depends(query_params)]
Locale = Annotated[str, Depends(get_locale)]
ClientAddress = Annotated[str, Depends(client_address)]
SearchAllowance = Depends(spend_search)  # for a route's ``dependencies=[...]``
Page = Annotated[int, Depends(get_page)]
#: a row id (``/introductions/{intro_id}``, ``?left=``, a form's ``run_id``): 1 to the largest bigint,
#: anything else is invalid input (422)
RowId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]
RowIdQuery = Annotated[int, Query(ge=1, le=BIGINT_MAX)]
RowIdForm = Annotated[int, Form(ge=1, le=BIGINT_MAX)]
