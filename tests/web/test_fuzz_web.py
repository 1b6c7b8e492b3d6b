"""Fuzzing the web pages: every route of the app, for every role (visitor, member, officer, admin,
each with its session's CSRF token so that the request reaches the handler), with nasty values
(``tests.web.nasty``) in each path parameter, query parameter and form field in turn, the others
valid. No answer may be a server error, show a traceback or redirect anywhere but to a plain path
of this site; nothing may log an error. Deterministic: the same requests in the same order.

The API has its own fuzz test (``test_api_schemathesis``).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import params as fastapi_params
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.web.curation_support import PARTNERS, STARTUPS, import_event
from tests.web.fakes import FakeMatching
from tests.web.nasty import Value, app_routes, encoded, form_body, raw, values_for
from tests.web.webkit import PASSWORD, csrf, member, scalar
from web.app import create_app
from web.db.pool import Database
from web.services import editor, suggestions
from web.services.curation.forms import parse_list_form
from web.settings import Settings
from web.store.directory import FACETS
from web.store.outcomes import TYPES

# values per field beyond the CORE ones, for the role that reaches the handler, and cases per route
# for each other role: about 5,000 requests, under a minute on two cores
EXTRA_VALUES = 2
OTHER_ROLE_CASES = 4
ROLES = ("anonymous", "member", "officer", "admin")
# routes that sign in, out or up: each request from a fresh visitor, so no role's session changes
SESSION_ROUTES = {("POST", "/login"), ("POST", "/register"), ("POST", "/logout"), ("POST", "/password/reset/{token}")}
# routes that end the signed-in user's sessions as they should: the role signs in again after them
SIGNS_OUT = {("POST", "/me/account/sign-out-everywhere")}
_FORM = "application/x-www-form-urlencoded"

# fields read through ``FormItems`` / ``QueryParams`` (the route declares no parameter for them)
EDITOR_FIELDS = (*editor.SCALARS, *editor.INTS, *editor.LIST_CHECKBOXES, *editor.LIST_COMMAS,
                 *(f"doc_{f}_0" for f in (*editor.DOC_FIELDS, "remove")), "action", "profile_id", editor.REVISION,
                 *(editor.ACCEPT + f for f in suggestions.FIELDS))
LIST_FIELDS = tuple(parse_list_form({}).values)
DIRECTORY_FIELDS = ("q", "page", *FACETS)
READ_BY_HAND = {
    "/directory": DIRECTORY_FIELDS,
    "/me/profiles/new": EDITOR_FIELDS, "/me/profiles/{profile_id}": EDITOR_FIELDS,
    "/me/profiles/preview": EDITOR_FIELDS, "/me/profiles/suggestions": EDITOR_FIELDS, "/me/coach": EDITOR_FIELDS,
    "/officer/lists": LIST_FIELDS, "/officer/lists/{list_id}/edit": LIST_FIELDS,
    "/officer/lists/{list_id}/participants": DIRECTORY_FIELDS,
    "/officer/lists/{list_id}/participants/filter": DIRECTORY_FIELDS,
    "/officer/dashboard": ("since", "until", "list"), "/officer/dashboard.csv": ("since", "until", "list"),
    "/officer/dashboard/charts/{name}.svg": ("since", "until", "list"),
    "/me/alerts": ("name", "query", "frequency", "programme"), "/me/alerts/profile": ("profile_id", "frequency"),
    "/me/alerts/{search_id}/frequency": ("frequency",), "/notifications/read": ("id",),
    "/officer/exposure/reranking": ("enabled", "strength"),
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str                    # with {placeholders}
    path_params: tuple[str, ...]
    query: tuple[str, ...]
    form: tuple[str, ...]
    files: tuple[str, ...]

    @property
    def role(self) -> str:
        """The role whose requests reach the handler."""
        if self.path.startswith("/admin"):
            return "admin"
        if self.path.startswith("/officer"):
            return "officer"
        return "anonymous" if (self.method, self.path) in SESSION_ROUTES else "member"


@dataclass(frozen=True)
class Case:
    where: str          # "path", "query", "form", "file" or "name" (a nasty parameter name)
    field: str
    value: Value


def _params(route: APIRoute) -> tuple[set[str], set[str], set[str], set[str], set[str]]:
    path: set[str] = set()
    query: set[str] = set()
    form: set[str] = set()
    files: set[str] = set()
    by_hand: set[str] = set()
    stack = [route.dependant]
    while stack:
        dep = stack.pop()
        path.update(p.alias for p in dep.path_params)
        query.update(p.alias for p in dep.query_params)
        for p in dep.body_params:
            (files if isinstance(p.field_info, fastapi_params.File) else form).add(p.alias)
        for sub in dep.dependencies:
            name = getattr(sub.call, "__name__", "")
            if name in ("form_items", "query_params"):
                by_hand.add(name)
            stack.append(sub)
    return path, query, form, files, by_hand


def web_endpoints(app: Any) -> list[Endpoint]:
    """Every (method, route) of the web pages, sub-routers included, with the names it reads."""
    out = []
    for path, route in app_routes(app):
        if path.startswith("/api/"):
            continue
        p, q, f, files, by_hand = _params(route)
        if by_hand:
            assert path in READ_BY_HAND, f"{path} reads {by_hand}: list its fields in READ_BY_HAND"
            (q if "query_params" in by_hand else f).update(READ_BY_HAND[path])
        for method in sorted((route.methods or set()) - {"HEAD"}):
            out.append(Endpoint(method, path, tuple(sorted(p)), tuple(sorted(q)), tuple(sorted(f)),
                                tuple(sorted(files))))
    return out


def cases(ep: Endpoint, index: int) -> list[Case]:
    """Each path parameter, query parameter and form field in turn with each of its values, a
    nasty parameter name, and a file of nasty content for each upload."""
    out = [Case("name", "", v) for v in values_for(index, 2)]
    fields = [("path", n) for n in ep.path_params] + [("query", n) for n in ep.query] + [("form", n) for n in ep.form]
    if ep.method != "GET":
        fields.append(("form", "csrf_token"))
    for i, (where, name) in enumerate(fields):
        out.extend(Case(where, name, v) for v in values_for(index * 7 + i, EXTRA_VALUES))
    for name in ep.files:
        out.extend(Case("file", name, v) for v in values_for(index, 4))
    return out


@dataclass
class Site:
    clients: dict[str, TestClient]
    tokens: dict[str, str]
    defaults: dict[str, str]
    new_visitor: Callable[[], tuple[TestClient, str]]   # a visitor with no session yet, and its token


def _sign_in(client: TestClient, email: str) -> str:
    token = csrf(client, "/login")
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return csrf(client, "/")


@pytest.fixture(scope="module")
def site(database: Database, settings: Settings) -> Iterator[Site]:
    from tests.conftest import truncate_all

    truncate_all(database)
    import_event(database)
    member(database, "member@fuzz.example", owns=("vn-chipviet",))
    member(database, "officer@fuzz.example", role="officer")
    member(database, "admin@fuzz.example", role="admin")
    member(database, "partner@fuzz.example", owns=("kr-daesung-osat",))
    spare = member(database, "spare@fuzz.example")  # the user the admin pages change and disable
    # rate limits are tested on their own; here every request should reach its handler
    roomy = settings.model_copy(update={k: 10**6 for k in Settings.model_fields
                                        if k.startswith("ratelimit_") or k == "login_max_failures"})
    with ExitStack() as stack:
        db = Database(roomy).open(migrate=False)  # the services read the limits from the database's settings
        stack.callback(db.close)
        app = create_app(roomy, database=db, matching=FakeMatching(db))
        clients = {role: stack.enter_context(TestClient(app, raise_server_exceptions=False, client=(f"10.0.0.{i}", 50000)))
                   for i, role in enumerate(ROLES)}
        tokens = {"anonymous": csrf(clients["anonymous"], "/login")}
        for role in ("member", "officer", "admin"):
            tokens[role] = _sign_in(clients[role], f"{role}@fuzz.example")
        defaults = _build_state(database, clients, tokens, spare.id)

        visitor = stack.enter_context(TestClient(app, raise_server_exceptions=False, client=("10.0.1.1", 50000)))

        def new_visitor() -> tuple[TestClient, str]:
            visitor.cookies.clear()
            return visitor, csrf(visitor, "/login")

        yield Site(clients, tokens, defaults, new_visitor)


def _build_state(db: Database, clients: dict[str, TestClient], tokens: dict[str, str], spare_id: int) -> dict[str, str]:
    """An introduction, a match list with its participants, a run and its published meetings: the
    ids the routes' parameters name, and a valid value for every field the fuzzer does not spoil."""
    def post(role: str, path: str, data: dict[str, str]) -> Any:
        r = clients[role].post(path, data={**data, "csrf_token": tokens[role]}, follow_redirects=False)
        assert r.status_code in (200, 303), (path, r.status_code, r.text[:300])
        return r

    post("member", "/introductions", {"from_profile": "vn-chipviet", "to_profile": "kr-daesung-osat", "message": "Hi"})
    r = post("officer", "/officer/lists", {"name": "Fuzz days", "kind": "event", "min_a": "1", "max_a": "2",
                                           "max_b": "3"})
    found = re.search(r"/officer/lists/(\d+)/", r.headers["location"])
    assert found
    list_id = found.group(1)
    post("officer", f"/officer/lists/{list_id}/participants/import", {"text": "\n".join(STARTUPS + PARTNERS)})
    r = post("officer", f"/officer/lists/{list_id}/runs", {})
    run_id = r.headers["location"].rsplit("/", 1)[1]
    post("officer", f"/officer/lists/{list_id}/publish", {"run_id": run_id, "force": "on"})
    meeting_id = scalar(db, "SELECT min(id) FROM meetings WHERE a_id = 'vn-chipviet'")
    intro_id = scalar(db, "SELECT min(id) FROM introductions")
    return {
        # path parameters
        "profile_id": "vn-chipviet", "list_id": list_id, "run_id": run_id, "intro_id": str(intro_id),
        "meeting_id": str(meeting_id), "user_id": str(spare_id), "token": "no-such-token", "name": "time",
        # fields
        "disabled": "false", "q": "chip", "page": "2", "kind": "startup", "country": "VN", "sector": "semiconductors", "lang": "en",
        "next": "/directory", "email": "nobody@fuzz.example", "password": "not-the-password", "display_name": "Fuzz",
        "profile": "vn-chipviet", "target": "kr-daesung-osat", "verdict": "saved", "show": "saved",
        "from_profile": "vn-chipviet", "to_profile": "kr-hanul-chips", "message": "Hello", "reason": "timing",
        "share_reason": "on", "body": "Hello again", "answer": "accept", "type": TYPES[0], "occurred_on": "2026-01-05",
        "note": "A note", "role": "member", "entity": "profile", "side": "a", "min_pairs": "1", "max_pairs": "2",
        "group_label": "north", "text": "vn-chipviet", "a_id": "vn-chipviet", "b_id": "kr-daesung-osat",
        "action": "toggle", "pair": "vn-chipviet|kr-daesung-osat", "view": "grid", "index": "0", "parent": run_id,
        "left": run_id, "right": run_id, "back": "/officer/dashboard", "since": "2026-01-01", "list": list_id,
        "force": "", "other": "", "starts_on": "2026-05-01", "ends_on": "2026-05-02", "min_a": "1", "max_a": "2",
        "min_b": "0", "max_b": "3", "fairness": "none", "min_fit": "0", "description": "We design chips for sensors.",
        "founded": "2019", "employees": "12", "languages": "vi, en", "cooperation_sought": "technology_transfer",
        "doc_title_0": "Sheet", "doc_text_0": "Our sensor chip.", "doc_year_0": "2024",
    }


def _request(site: Site, client: TestClient, token: str, ep: Endpoint, case: Case, htmx: bool) -> Any:
    d = site.defaults

    def value(where: str, name: str) -> Value:
        if case.where == where and case.field == name:
            return case.value
        return d.get(name, token if name == "csrf_token" else "Fuzz Co" if name == "name" else "x")

    path = ep.path
    for name in ep.path_params:
        path = path.replace("{" + name + "}", encoded(_url_sized(value("path", name))))
    query: list[tuple[Value, Value]] = [(n, _url_sized(value("query", n))) for n in ep.query]
    form: list[tuple[Value, Value]] = [(n, value("form", n)) for n in ep.form]
    if ep.method != "GET" and "csrf_token" not in ep.form:
        form.append(("csrf_token", value("form", "csrf_token")))
    if case.where == "name":
        (query if ep.method == "GET" else form).append((_url_sized(case.value), "x"))
    url = path + ("?" + form_body(query).decode() if query else "")
    headers = {"HX-Request": "true"} if htmx else {}
    if ep.method == "GET":
        return client.get(url, headers=headers, follow_redirects=False)
    if ep.files:
        files = {n: ("ids.csv", raw(case.value) if case.where == "file" and case.field == n else b"", "text/csv")
                 for n in ep.files}
        data = {k: v for k, v in form if isinstance(k, str) and isinstance(v, str) and _plain(k + v)}
        return client.request(ep.method, url, data=data, files=files, headers=headers, follow_redirects=False)
    return client.request(ep.method, url, content=form_body(form), headers=headers | {"Content-Type": _FORM},
                          follow_redirects=False)


def _url_sized(value: Value) -> Value:
    """``value``, cut to fit in a URL (servers and clients refuse URLs much over 64 KiB)."""
    return value[:2000] if len(raw(value)) > 2000 else value


def _plain(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _signed_in(client: TestClient) -> bool:
    return client.get("/me/profiles", follow_redirects=False).status_code == 200


def _problem(r: Any) -> str | None:
    """What is wrong with an answer, if anything."""
    if r.status_code >= 500:
        return f"status {r.status_code}"
    if "Traceback (most recent call last)" in r.text:
        return "a traceback in the body"
    for name in ("location", "hx-redirect"):
        target = r.headers.get(name)
        if target is not None:  # Starlette's own redirects (a trailing slash) name this site in full
            target = target.removeprefix("http://testserver")
        if target is not None and (not target.isascii() or "\\" in target or not target.startswith("/")
                                   or target.startswith("//") or any(c < " " for c in target)):
            return f"{name} {target[:80]!r} is not a plain path of this site"
    return None


@pytest.mark.slow
def test_no_web_route_answers_bad_input_with_a_server_error(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    """Every route, role and field: at least 2,000 bad inputs, none answered with a 5xx."""
    caplog.set_level(logging.ERROR)
    endpoints = web_endpoints(next(iter(site.clients.values())).app)
    assert len(endpoints) >= 70
    failures: list[str] = []
    sent = 0
    started = time.monotonic()
    for index, ep in enumerate(endpoints):
        all_cases = cases(ep, index)
        roles = [ep.role] if (ep.method, ep.path) in SESSION_ROUTES else ROLES
        for role in roles:
            chosen = all_cases if role == ep.role else all_cases[index % 5::max(1, len(all_cases) // OTHER_ROLE_CASES)]
            for n, case in enumerate(chosen):
                if (ep.method, ep.path) in SESSION_ROUTES:
                    client, token = site.new_visitor()
                else:
                    client, token = site.clients[role], site.tokens[role]
                r = _request(site, client, token, ep, case, htmx=n % 3 == 2)
                sent += 1
                problem = _problem(r)
                if problem:
                    failures.append(f"{role} {ep.method} {ep.path} {case.where} {case.field!r}={case.value[:40]!r}: "
                                    f"{problem}: {r.text[:200]!r}")
            if role != "anonymous" and not _signed_in(site.clients[role]):
                if (ep.method, ep.path) not in SIGNS_OUT:
                    failures.append(f"{role} was signed out by {ep.method} {ep.path} (if that is what it is for, "
                                    "list it in SIGNS_OUT)")
                site.tokens[role] = _sign_in(site.clients[role], f"{role}@fuzz.example")
    elapsed = time.monotonic() - started
    errors = [f"{rec.name}: {rec.getMessage()[:200]}" for rec in caplog.records if rec.levelno >= logging.ERROR]
    print(f"\nweb fuzz: {sent} bad inputs to {len(endpoints)} routes x {len(ROLES)} roles in {elapsed:.1f} s; "
          f"{len(failures)} failures, {len(errors)} errors logged")
    assert sent >= 2000
    assert not failures, f"{len(failures)} answers went wrong:\n" + "\n".join(failures[:40])
    assert not errors, "errors were logged:\n" + "\n".join(errors[:20])
