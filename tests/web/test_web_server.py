"""Smoke test over real HTTP: a uvicorn server on 127.0.0.1 serves pages, static files and a
CSRF-protected form post."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.fakes import FakeMatching
from tests.web.server import live_server
from tests.web.webkit import PASSWORD, load_small, member
from web.db.pool import Database
from web.settings import Settings


@pytest.mark.slow
def test_a_real_server_serves_pages_and_signs_in(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "a@x.example", owns=("vn-chipviet",))
    with live_server(settings, db, FakeMatching(db)) as (base, _app), httpx.Client(base_url=base) as http:
        home = http.get("/")
        assert home.status_code == 200 and "Cầu Nối" in home.text
        assert http.get("/static/htmx-2.0.11.min.js").status_code == 200
        assert http.get("/static/app.css").headers["content-type"].startswith("text/css")
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text).group(1)  # type: ignore[union-attr]
        assert http.post("/login", data={"email": "a@x.example", "password": PASSWORD}).status_code == 403
        r = http.post("/login", data={"email": "a@x.example", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 303 and r.headers["location"] == "/matches"
        assert 'id="match-kr-hanpack"' in http.get("/matches").text
        assert http.get("/directory", params={"q": "shrimp"}).status_code == 200
