"""The officer console and the participants' meetings over HTTP: role checks on every officer
route, CSRF on every form and htmx post, pages that render without JavaScript, htmx fragments,
exports with the right content types."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.web.curation_support import PARTNERS, STARTUPS, FakeMatching, import_event
from tests.web.webkit import csrf, member, post, scalar, sign_in, web_client
from web.db.pool import Database
from web.settings import Settings

HTMX = {"HX-Request": "true"}


@pytest.fixture
def matching(db: Database) -> FakeMatching:
    return FakeMatching(import_event(db))


def english(client: TestClient) -> TestClient:
    """The English UI for this client's session (the default language is Vietnamese)."""
    post(client, "/locale", {"lang": "en", "next": "/"})
    return client


@pytest.fixture
def client(db: Database, settings: Settings, matching: FakeMatching) -> Iterator[TestClient]:
    with web_client(settings, db, matching) as c:
        yield english(c)


@pytest.fixture
def officer(db: Database, client: TestClient) -> TestClient:
    member(db, "officer@caunoi.example", role="officer")
    sign_in(client, "officer@caunoi.example")
    return client


def create_list(client: TestClient, **form: str) -> int:
    data = {"name": "Vietnam–Korea Tech Days", "kind": "event", "starts_on": "2026-05-12", "min_a": "1", "max_a": "2",
            "max_b": "3"} | form
    r = post(client, "/officer/lists", data)
    assert r.status_code == 303, r.text[:800]
    match = re.search(r"/officer/lists/(\d+)/participants", r.headers["location"])
    assert match
    return int(match.group(1))


def planned(client: TestClient) -> tuple[int, int]:
    list_id = create_list(client)
    r = post(client, f"/officer/lists/{list_id}/participants/import", {"text": "\n".join(STARTUPS + PARTNERS)})
    assert r.status_code == 303, r.text[:800]
    r = post(client, f"/officer/lists/{list_id}/runs")
    assert r.status_code == 303
    run_id = int(r.headers["location"].rsplit("/", 1)[1])
    return list_id, run_id


OFFICER_GETS = ["/officer/lists", "/officer/lists/new", "/officer/dashboard", "/officer/dashboard.csv",
                "/officer/dashboard/charts/time.svg"]


@pytest.mark.parametrize("path", OFFICER_GETS)
def test_a_member_gets_403_and_a_visitor_is_sent_to_sign_in(db: Database, client: TestClient, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    member(db, "m@x.example")
    sign_in(client, "m@x.example")
    assert client.get(path).status_code == 403


def officer_routes() -> Iterator[tuple[str, str]]:
    """(method, path) of every route of the officer console, sub-routers included."""
    from web.http.pages.officer import router

    for route in router.routes:
        inner = getattr(route, "original_router", None)
        for r, prefix in ([(x, "/officer") for x in inner.routes] if inner else [(route, "")]):
            for method in getattr(r, "methods", ()):
                yield method, prefix + getattr(r, "path", "")


def test_every_officer_route_refuses_a_member(db: Database, client: TestClient) -> None:
    routes = list(officer_routes())
    assert len(routes) > 25
    member(db, "m@x.example")
    sign_in(client, "m@x.example")
    token = csrf(client, "/")
    answers = {}
    for method, path in sorted(routes):
        url = re.sub(r"\{(\w+)\}", "1", path)
        r = client.request(method, url, data={"csrf_token": token} if method == "POST" else None,
                           follow_redirects=False)
        answers[method, url] = r.status_code
    assert set(answers.values()) == {403}, answers


def test_posts_without_the_csrf_token_are_refused(officer: TestClient) -> None:
    r = officer.post("/officer/lists", data={"name": "X", "kind": "event"}, follow_redirects=False)
    assert r.status_code == 403
    r = officer.post("/officer/lists", data={"name": "X", "kind": "event"}, headers=HTMX, follow_redirects=False)
    assert r.status_code == 403 and r.headers.get("HX-Retarget") == "#messages"
    token = csrf(officer, "/officer/lists")
    r = officer.post("/officer/lists", data={"name": "X", "kind": "event"},
                     headers={**HTMX, "X-CSRF-Token": token}, follow_redirects=False)
    assert r.status_code == 204 and r.headers["HX-Redirect"].startswith("/officer/lists/")


def test_the_list_form_shows_errors_in_place(officer: TestClient) -> None:
    r = post(officer, "/officer/lists", {"name": "", "kind": "event", "max_a": "x"})
    assert r.status_code == 422 and "Give the list a name." in r.text and 'class="field has-error"' in r.text


def test_an_officer_plans_an_event_through_the_pages(db: Database, officer: TestClient) -> None:
    list_id, run_id = planned(officer)
    page = officer.get(f"/officer/lists/{list_id}/participants").text
    assert "ChipViệt" in page and "Hanul AI Chips" in page
    preview = officer.get(f"/officer/lists/{list_id}/participants", params={"sector": "fintech"}).text
    assert "profiles match" in preview
    run = officer.get(f"/officer/lists/{list_id}/runs/{run_id}")
    assert run.status_code == 200 and 'class="assign-grid"' in run.text and "All rules hold" in run.text
    for view in ("a", "b"):
        assert "pair-actions" in officer.get(f"/officer/lists/{list_id}/runs/{run_id}", params={"view": view}).text
    for path in ("", "/participants", "/rules", f"/runs/{run_id}", f"/runs/{run_id}?view=a"):
        html = officer.get(f"/officer/lists/{list_id}{path}").text
        assert 'name="csrf_token" value="' in html and 'name="csrf_token" value=""' not in html, path
    pickers = officer.get(f"/officer/lists/{list_id}/participants", params={"q": "lion"}, headers=HTMX).text
    assert pickers.lstrip().startswith('<div id="pickers"') and 'name="csrf_token" value=""' not in pickers
    pair = scalar(db, "SELECT a_id || '|' || b_id FROM run_pairs WHERE run_id = %(r)s ORDER BY fit LIMIT 1",
                  {"r": run_id})
    # htmx: the workspace fragment comes back with the new objective and the last change
    r = post(officer, f"/officer/lists/{list_id}/runs/{run_id}/edit", {"action": "remove", "pair": pair, "view": "a"},
             headers=HTMX)
    assert r.status_code == 200 and r.text.lstrip().startswith('<div id="workspace"') and "Last change:" in r.text
    assert "<html" not in r.text
    # without JavaScript: a redirect back to the run
    r = post(officer, f"/officer/lists/{list_id}/runs/{run_id}/edit", {"action": "toggle", "pair": pair})
    assert r.status_code == 303 and r.headers["location"].endswith(f"/runs/{run_id}#objective")
    assert officer.get(f"/officer/lists/{list_id}/compare", params={"left": run_id, "right": run_id}).status_code == 200
    assert "Ctrl+P" in officer.get(f"/officer/lists/{list_id}/runs/{run_id}/print").text
    r = officer.get(f"/officer/lists/{list_id}/runs/{run_id}/schedule.xlsx")
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(r.content))["Schedule"].max_row > 1
    r = officer.get(f"/officer/lists/{list_id}/runs/{run_id}/schedule.csv")
    assert r.headers["content-type"].startswith("text/csv") and "attachment" in r.headers["content-disposition"]
    r = post(officer, f"/officer/lists/{list_id}/publish", {"run_id": str(run_id)})
    assert r.status_code == 303 and r.headers["location"].endswith("/meetings")
    assert "Waiting for answers" in officer.get(f"/officer/lists/{list_id}/meetings").text


def test_an_infeasible_run_shows_the_explanation_not_an_error(officer: TestClient) -> None:
    list_id = create_list(officer, max_b="1")
    post(officer, f"/officer/lists/{list_id}/participants/import", {"text": "\n".join(STARTUPS + PARTNERS)})
    r = post(officer, f"/officer/lists/{list_id}/runs")
    run = officer.get(r.headers["location"])
    assert run.status_code == 200 and "Not every rule can hold" in run.text and "raise its maximum" in run.text
    r = post(officer, f"/officer/lists/{list_id}/runs/{r.headers['location'].rsplit('/', 1)[1]}/relax", {"index": "0"})
    assert r.status_code == 303


def test_bad_csv_lines_are_listed_on_the_page(officer: TestClient) -> None:
    list_id = create_list(officer)
    r = post(officer, f"/officer/lists/{list_id}/participants/import",
             files={"file": ("ids.csv", b"id\nvn-chipviet\nvn-nobody\n", "text/csv")})
    assert r.status_code == 422 and "line 3: no published profile has the id vn-nobody" in r.text


def test_participants_answer_and_record_outcomes(db: Database, settings: Settings, matching: Any) -> None:
    with web_client(settings, db, matching) as officer_client:
        member(db, "officer@caunoi.example", role="officer")
        sign_in(english(officer_client), "officer@caunoi.example")
        list_id, run_id = planned(officer_client)
        post(officer_client, f"/officer/lists/{list_id}/rules",
             {"a_id": "vn-chipviet", "b_id": "kr-hanul-chips", "kind": "blocked", "reason": "competitor"})
        post(officer_client, f"/officer/lists/{list_id}/publish", {"run_id": str(run_id)})
    member(db, "chip@chipviet.example", owns=("vn-chipviet",))
    with web_client(settings, db, matching) as c:
        sign_in(english(c), "chip@chipviet.example")
        page = c.get("/meetings").text
        assert "Vietnam–Korea Tech Days" in page
        meeting_id = int(re.search(r"/meetings/(\d+)", page).group(1))  # type: ignore[union-attr]
        r = post(c, f"/meetings/{meeting_id}/answer", {"answer": "accepted"})
        assert r.status_code == 303
        r = post(c, f"/meetings/{meeting_id}/outcomes", {"type": "met", "occurred_on": "2026-05-12", "note": "Hi"})
        assert r.status_code == 303
        assert "recorded by ChipViệt" in c.get(f"/meetings/{meeting_id}").text
        assert c.get("/officer/dashboard").status_code == 403
    with web_client(settings, db, matching) as officer_client:
        sign_in(english(officer_client), "officer@caunoi.example")
        board = officer_client.get("/officer/dashboard").text
        assert "Vietnam–Korea Tech Days" in board
        svg = officer_client.get("/officer/dashboard/charts/sector.svg")
        assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
        assert "met" in officer_client.get("/officer/dashboard.csv").text


def test_an_accepted_introduction_links_to_its_outcomes(db: Database, client: TestClient) -> None:
    member(db, "chip@chipviet.example", owns=("vn-chipviet",))
    intro = scalar(db, "INSERT INTO introductions (from_profile, to_profile, state, expires_at)"
                       " VALUES ('vn-chipviet', 'kr-hanul-chips', 'accepted', now()) RETURNING id")
    sign_in(client, "chip@chipviet.example")
    assert f"/introductions/{intro}/outcomes" in client.get(f"/introductions/{intro}").text
    r = post(client, f"/introductions/{intro}/outcomes", {"type": "pilot", "occurred_on": "2026-06-01", "note": "PoC"})
    assert r.status_code == 303
    page = client.get(f"/introductions/{intro}/outcomes").text
    assert "Pilot project" in page and "recorded by ChipViệt" in page and "Hanul AI Chips" in page
    assert client.get("/introductions/999/outcomes").status_code == 404
