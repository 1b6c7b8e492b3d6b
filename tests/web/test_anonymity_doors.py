"""Brokered anonymity at every door: a crawler that follows every link of every page, fragment,
API response and export as each role finds no identifying field of an anonymous profile outside
the views of those who may know it (officers, admins, and once an introduction is accepted); the
alias resolves, the real id is as unknown as any other, and a search by name finds nothing."""

from __future__ import annotations

import html
import json
import re
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.web.curation_support import FakeMatching, import_event, make_people
from tests.web.test_agenda_http import MEMBER, Event, signed_in
from tests.web.test_eventday import published_event
from tests.web.test_visibility import introduce
from tests.web.webkit import load_small, member, sign_in, web_client
from web.db.pool import Database
from web.i18n import Renderer
from web.services import anonymity
from web.services.accounts import create_token
from web.services.eventday import timetable
from web.services.mail import Mailer
from web.services.profiles import import_records
from web.settings import Settings

HIDDEN_ID = "kr-hanbit-pack"
HIDDEN: dict[str, Any] = {
    "id": HIDDEN_ID, "kind": "partner", "partner_type": "corporation", "visibility": "anonymous",
    "name": "Hanbit Semiconductor Packaging Co., Ltd.", "country": "KR", "region": "Chungcheongbuk-do",
    "website": "https://www.hanbit-semi.example/en", "contact_email": "bd@hanbit-semi.example",
    "sectors": ["semiconductors"], "cooperation_offered": ["technology_transfer", "training_talent"],
    "cooperation_sought": ["market_access"], "languages": ["en", "ko"],
    "description": "Hanbit is a chip packaging company in Chungcheongbuk-do. HANBIT packages power ICs for "
                   "Vietnamese partners; hanbit-semi.example lists its plants.",
    "offers": "Hanbit Semiconductor Packaging transfers wire-bond and chip packaging know-how to IoT startups.",
    "needs": "A Vietnamese assembly partner for Hanbit modules.",
    "documents": [{"title": "Hanbit wire-bond line audit 2025", "text": "The wire-bond line passed its audit.",
                   "url": "https://www.hanbit-semi.example/audit.pdf", "year": 2025}],
    "ip_assets": [{"title": "Fine-pitch wire bonding recipe", "reference": "KR 10-2345678", "asset_type": "know_how", "trl": 8,
                   "transfer": ["licence"], "description": "Recipe used on Hanbit lines since 2019."}],
}
ROLES = {"signed out": None, "member": "member", "officer": "officer", "admin": "admin"}
LIMIT = 250  # URLs per role
_LINK = re.compile(r'(?:href|hx-get|action)="([^"#]*)')
_SKIP = re.compile(r"^/(logout|static/|locale)|^/introductions/\d+/(accept|decline|withdraw|messages)")


def fold(text: str) -> str:
    return anonymity._fold(html.unescape(text)).casefold()


TERMS = [fold(t) for t in (*anonymity.identifying_terms(HIDDEN), HIDDEN_ID)]


def leaks(body: str) -> list[str]:
    folded = fold(body)
    return [t for t in TERMS if t in folded]


def links(url: str, response: Any) -> list[str]:
    """Same-origin paths a page links to (href, hx-get, a GET form's action); for JSON, each
    profile's own URL and its matches."""
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        found: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                pid = value.get("id")
                if isinstance(pid, str):
                    found.extend([f"/api/v1/profiles/{pid}", f"/api/v1/profiles/{pid}/matches", f"/profiles/{pid}"])
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)
        walk(response.json())
        return found
    if "html" not in kind:
        return []
    out = []
    for raw in _LINK.findall(response.text):
        target = urljoin(url, html.unescape(raw))
        parts = urlsplit(target)
        if parts.scheme in ("http", "https") and parts.netloc != "testserver":
            continue
        if parts.scheme not in ("", "http", "https"):
            continue  # mailto:, javascript:
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def crawl(client: TestClient, starts: list[str]) -> dict[str, str]:
    """``{url: body}`` of every GET reachable from ``starts`` (at most ``LIMIT``)."""
    seen: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(seen) < LIMIT:
        url = queue.popleft()
        if url in seen or _SKIP.search(url) or url.startswith("/api/v1/openapi") or url.startswith("/docs"):
            continue
        r = client.get(url, follow_redirects=True)
        body = r.content.decode("utf-8", "replace")
        seen[url] = body
        queue.extend(u for u in links(url, r) if u not in seen)
    return seen


STARTS = ["/", "/directory", "/directory?q=packaging", "/matches", "/me/profiles", "/introductions", "/meetings",
          "/api/v1/profiles?limit=100", "/api/v1/profiles?q=packag", "/api/v1/search?q=chip+packaging",
          "/api/v1/profiles/vn-chipviet/matches?top=20", "/api/v1/profiles/vn-chipviet/matches?top=20&country=KR"]


@pytest.fixture
def hidden(db: Database) -> Database:
    load_small(db)
    import_records(db, [HIDDEN])
    return db


@contextmanager
def client_as(settings: Settings, db: Database, role: str | None) -> Iterator[TestClient]:
    """A web client signed in as a new user of ``role`` (a member owns vn-chipviet), with an API token."""
    with web_client(settings, db) as client:
        if role is not None:
            user = member(db, "viewer@x.example", owns=("vn-chipviet",) if role == "member" else (), role=role)
            sign_in(client, user.email)
            client.headers["Authorization"] = f"Bearer {create_token(db, user.email)[1]}"
        yield client


@pytest.mark.parametrize("role", ROLES)
def test_a_crawler_finds_the_anonymous_identity_only_in_officer_views(hidden: Database, settings: Settings,
                                                                     role: str) -> None:
    with client_as(settings, hidden, ROLES[role]) as client:
        pages = crawl(client, STARTS)
    assert len(pages) > 20
    alias = anonymity.alias(HIDDEN_ID, settings.resolved_secret_key())
    if role in ("officer", "admin"):
        assert any("Hanbit Semiconductor Packaging" in html.unescape(b) for b in pages.values())  # the test can fail
        return
    leaked = {url: found for url, body in pages.items() if (found := leaks(body))}
    assert not leaked, leaked
    assert any(alias in body for body in pages.values())  # it is there, under its label
    assert f"/profiles/{alias}" in pages


@pytest.mark.parametrize("role", ["signed out", "member"])
def test_the_alias_resolves_and_the_real_id_is_unknown(hidden: Database, settings: Settings, role: str) -> None:
    alias = anonymity.alias(HIDDEN_ID, settings.resolved_secret_key())
    with client_as(settings, hidden, ROLES[role]) as client:
        page = client.get(f"/profiles/{alias}")
        assert page.status_code == 200
        assert "A semiconductors company in South Korea" in page.text or "Một doanh nghiệp" in page.text
        assert not leaks(page.text)
        unknown = client.get("/profiles/kr-nobody-here")
        real = client.get(f"/profiles/{HIDDEN_ID}")
        assert real.status_code == unknown.status_code == 404
        assert real.text.replace(HIDDEN_ID, "X") == unknown.text.replace("kr-nobody-here", "X")
        one = client.get(f"/api/v1/profiles/{alias}").json()
        assert one["id"] == alias and one["name"].startswith(("A ", "Một "))
        assert not {"region", "website", "contact_email"} & one.keys()
        assert all("title" not in d and "url" not in d for d in one["documents"])
        assert all("reference" not in a for a in one["ip_assets"])
        assert not leaks(json.dumps(one, ensure_ascii=False))
        assert client.get(f"/api/v1/profiles/{HIDDEN_ID}").status_code == 404
        assert client.get(f"/api/v1/profiles/{HIDDEN_ID}/matches").status_code in (401, 404)


def test_a_search_by_name_does_not_find_it(hidden: Database, settings: Settings) -> None:
    alias = anonymity.alias(HIDDEN_ID, settings.resolved_secret_key())
    with web_client(settings, hidden) as client:
        assert alias in client.get("/directory?q=chip+packaging").text  # found by what it does
        for q in ("Hanbit", "hanbit semiconductor", "Chungcheongbuk-do", "hanbit-semi.example"):
            assert alias not in client.get("/directory", params={"q": q}).text, q
            assert alias not in client.get("/api/v1/search", params={"q": q}).text, q
        for q in ("Hanb", "Chungcheong", "hanbit-semi", "HANBIT"):  # the listing's substring filter
            assert alias not in client.get("/api/v1/profiles", params={"q": q}).text, q
        assert alias in client.get("/api/v1/profiles", params={"q": "chip packaging"}).text
        assert alias not in client.get("/directory", params={"region": "Chungcheongbuk-do"}).text  # nor by its region
        assert "Chungcheong" not in client.get("/directory").text  # the region facet does not count it


def test_an_accepted_introduction_shows_the_member_its_name(hidden: Database, settings: Settings) -> None:
    with client_as(settings, hidden, "member") as client:
        assert client.get(f"/profiles/{HIDDEN_ID}").status_code == 404
        introduce(hidden, "vn-chipviet", HIDDEN_ID, "accepted")
        page = client.get(f"/profiles/{HIDDEN_ID}")
        assert page.status_code == 200 and "Hanbit Semiconductor Packaging" in html.unescape(page.text)
        assert "Hanbit Semiconductor Packaging" in html.unescape(client.get("/matches").text)
        assert "Hanbit Semiconductor Packaging" in html.unescape(client.get("/directory").text)
        api = client.get(f"/api/v1/profiles/{HIDDEN_ID}").json()
        assert api["name"] == HIDDEN["name"] and api["contact_email"] == HIDDEN["contact_email"]


def test_officers_see_the_name_with_an_anonymous_badge_in_both_languages(hidden: Database,
                                                                           settings: Settings) -> None:
    with client_as(settings, hidden, "officer") as client:
        for lang, badge in (("en", "Anonymous"), ("vi", "Ẩn danh")):
            client.post("/locale", data={"lang": lang, "next": "/", "csrf_token": _csrf(client)})
            page = html.unescape(client.get(f"/profiles/{HIDDEN_ID}").text)
            assert HIDDEN["name"] in page and badge in page, lang
            assert badge in html.unescape(client.get("/directory").text)


def test_matches_quote_it_redacted_and_name_it_by_label(hidden: Database, settings: Settings) -> None:
    alias = anonymity.alias(HIDDEN_ID, settings.resolved_secret_key())
    with client_as(settings, hidden, "member") as client:
        body = client.get("/api/v1/profiles/vn-chipviet/matches", params={"top": 20}).json()
        mine = next(m for m in body["matches"] if m["id"] == alias)
        ex = mine["explanation"]
        assert ex["candidate_id"] == alias and ex["candidate_name"].startswith("Một ")
        assert anonymity.MASK in ex["evidence"][0]["offer"]["text"]
        assert not leaks(json.dumps(body, ensure_ascii=False))
        page = client.get("/matches").text
        assert f'href="/profiles/{alias}"' in page and not leaks(page)
        saved = client.post("/matches/feedback", data={"profile": "vn-chipviet", "target": alias, "verdict": "saved",
                                                       "csrf_token": _csrf(client)}, follow_redirects=False)
        assert saved.status_code == 303
        assert client.post("/matches/feedback", data={"profile": "vn-chipviet", "target": HIDDEN_ID,
                                                      "verdict": "saved", "csrf_token": _csrf(client)},
                           follow_redirects=False).status_code == 404
        score = client.post("/api/v1/score", json={"a": "vn-chipviet", "b": alias}).json()
        assert score["b"] == alias and not leaks(json.dumps(score, ensure_ascii=False))


def _csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/directory").text)
    assert match
    return match.group(1)


@pytest.fixture
def anonymous_partner_event(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Event:
    """The agenda tests' event (vn-chipviet meets kr-daesung-osat), kr-daesung-osat anonymous."""
    monkeypatch.setattr(timetable, "SOLVE_SECONDS", 3.0)
    records = [{**r, "visibility": "anonymous"} if r["id"] == "kr-daesung-osat" else r for r in import_event(db)]
    import_records(db, records)
    people = make_people(db)
    mailer = Mailer(settings, Renderer())
    return Event(people, mailer, published_event(db, people, FakeMatching(records), mailer))


def test_an_agenda_names_an_anonymous_partner_of_a_proposed_meeting_by_its_label(
        db: Database, settings: Settings, anonymous_partner_event: Event) -> None:
    """The officers proposed the meeting; until both confirm it, the page, its print view and the
    calendar file show the partner's label, linked by its alias."""
    event = anonymous_partner_event
    with db.connection() as conn:
        row = conn.execute("SELECT record FROM profiles WHERE id = 'kr-daesung-osat'").fetchone()
    assert row is not None and row[0]["visibility"] == "anonymous"
    record = row[0]
    event.publish(db)
    with web_client(settings, db) as browser:
        c = signed_in(browser, MEMBER)
        alias = anonymity.alias("kr-daesung-osat", db.settings.resolved_secret_key())
        terms = [fold(t) for t in (*anonymity.identifying_terms(record), "kr-daesung-osat")]
        for path in (f"/agenda/{event.list_id}", f"/agenda/{event.list_id}/print", f"/agenda/{event.list_id}.ics"):
            body = c.get(path).content.decode()
            assert not [t for t in terms if t in fold(body)], path
        assert f"/profiles/{alias}" in c.get(f"/agenda/{event.list_id}").text
    with web_client(settings, db) as officer:
        signed_in(officer, event.people.officer.email)
        page = officer.get(f"/officer/lists/{event.list_id}/agenda/vn-chipviet").text
    assert record["name"] in html.unescape(page)
