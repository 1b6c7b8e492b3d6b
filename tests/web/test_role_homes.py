"""Each role lands on its own pages after signing in (members on their matches, officers on their
match lists, admins on the users), and `/` offers a signed-in user their role's pages; real HTTP,
real PostgreSQL."""

from __future__ import annotations

import re

import pytest

from tests.web.webkit import load_small, member, post, sign_in, web_client
from web.db.pool import Database
from web.settings import Settings

HOMES = {"member": "/matches", "officer": "/officer/lists", "admin": "/admin/users"}
OFFERED = {"member": ["/matches", "/introductions", "/meetings"],
           "officer": ["/officer/lists", "/officer/dashboard"],
           "admin": ["/admin/users", "/officer/lists", "/officer/dashboard"]}
CREATE_A_PROFILE_FIRST = "Create a profile for your organisation first"


def my_pages(html: str) -> list[str]:
    """The links of the home page's "your workspace" panel, in order."""
    panel = re.search(r'<nav class="card my-pages".*?</nav>', html, re.S)
    return re.findall(r'href="([^"]+)"', panel.group()) if panel else []


@pytest.mark.parametrize("role", ["member", "officer", "admin"])
def test_signing_in_lands_each_role_on_its_own_home(db: Database, settings: Settings, role: str) -> None:
    load_small(db)
    member(db, f"{role}@x.example", owns=("vn-chipviet",) if role == "member" else (), role=role)
    english = settings.model_copy(update={"default_locale": "en"})
    with web_client(english, db) as client:
        landing = sign_in(client, f"{role}@x.example").headers["location"]
        assert landing == HOMES[role]
        page = client.get(landing)
        assert page.status_code == 200 and CREATE_A_PROFILE_FIRST not in page.text
        # signed in already: the sign-in page sends them home too, and an explicit next still wins
        assert client.get("/login", follow_redirects=False).headers["location"] == HOMES[role]
        assert client.get("/login?next=/directory", follow_redirects=False).headers["location"] == "/directory"


def test_the_next_page_asked_for_wins_over_the_home(db: Database, settings: Settings) -> None:
    member(db, "o@x.example", role="officer")
    with web_client(settings, db) as client:
        r = post(client, "/login", {"email": "o@x.example", "password": "correct-horse-battery",
                                    "next": "/officer/dashboard"})
        assert r.headers["location"] == "/officer/dashboard"


@pytest.mark.parametrize("role", ["member", "officer", "admin"])
def test_home_page_offers_a_signed_in_user_their_roles_pages(db: Database, settings: Settings, role: str) -> None:
    member(db, f"{role}@x.example", role=role)
    with web_client(settings, db) as client:
        assert my_pages(client.get("/").text) == []  # a visitor gets the public page only
        sign_in(client, f"{role}@x.example")
        home = client.get("/").text
        assert my_pages(home) == OFFERED[role]
        assert 'class="logo" href="/"' in home  # the header's home link leads here
        for path in OFFERED[role]:
            assert client.get(path).status_code == 200, path


def test_a_password_reset_signs_an_officer_in_on_their_home(db: Database, settings: Settings) -> None:
    member(db, "o@x.example", role="officer")
    with web_client(settings, db) as client:
        post(client, "/password/forgot", {"email": "o@x.example"})
        with db.connection() as conn:
            body = conn.execute("SELECT body FROM outbox WHERE kind = 'password_reset'").fetchone()
        token = re.search(r"/password/reset/(\S+)", body[0]).group(1)  # type: ignore[index, union-attr]
        r = post(client, f"/password/reset/{token}", {"password": "a-brand-new-password"})
        assert r.headers["location"] == "/officer/lists"
