"""/api/v1/saved-searches over HTTP: a token user lists, creates and deletes their own saved
searches and subscriptions; bad input is a problem+json naming the field; others' are not theirs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.web.fakes import FakeMatching
from tests.web.webkit import load_small, member
from web.app import create_app
from web.db.pool import Database
from web.services.accounts import create_token
from web.settings import Settings

API = "/api/v1/saved-searches"


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    load_small(db)
    with TestClient(create_app(settings, database=db, matching=FakeMatching(db))) as c:
        yield c


def token_for(db: Database, email: str, role: str = "member", owns: tuple[str, ...] = ()) -> dict[str, str]:
    member(db, email, owns=owns, role=role)
    return {"Authorization": f"Bearer {create_token(db, email)[1]}"}


def test_create_list_and_delete_a_saved_search(db: Database, client: TestClient) -> None:
    me = token_for(db, "scout@x.example")
    body = {"name": "Chip packaging", "q": "semiconductor packaging", "filters": {"side": ["foreign"]},
            "frequency": "weekly"}
    r = client.post(API, json=body, headers=me)
    assert r.status_code == 201, r.text
    saved = r.json()
    assert saved["name"] == "Chip packaging" and saved["filters"] == {"side": ["foreign"]}
    assert saved["query"] == "q=semiconductor+packaging&side=foreign" and saved["frequency"] == "weekly"
    assert saved["alerts"] == []
    listed = client.get(API, headers=me).json()["items"]
    assert [s["id"] for s in listed] == [saved["id"]]
    other = token_for(db, "other@x.example")
    assert client.get(API, headers=other).json()["items"] == []
    r = client.delete(f"{API}/{saved['id']}", headers=other)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert client.delete(f"{API}/{saved['id']}", headers=me).status_code == 204
    assert client.get(API, headers=me).json()["items"] == []
    assert client.delete(f"{API}/{saved['id']}", headers=me).status_code == 404


def test_follow_new_partners_for_an_owned_profile(db: Database, client: TestClient) -> None:
    me = token_for(db, "founder@x.example", owns=("vn-agrisense",))
    r = client.post(API, json={"kind": "profile", "profile_id": "vn-agrisense"}, headers=me)
    assert r.status_code == 201 and r.json()["kind"] == "profile" and r.json()["profile_id"] == "vn-agrisense"
    again = client.post(API, json={"kind": "profile", "profile_id": "vn-agrisense"}, headers=me)
    assert again.status_code == 409
    r = client.post(API, json={"kind": "profile", "profile_id": "kr-hanpack"}, headers=me)
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "profile_id"
    r = client.post(API, json={"kind": "profile"}, headers=me)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "profile_id"


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "x", "q": ""}, "q"),
    ({"name": "  ", "q": "chips"}, "name"),
    ({"name": "x", "q": "chips", "frequency": "hourly"}, "frequency"),
    ({"name": "x", "q": "chips", "filters": {"colour": ["red"]}}, "filters.colour"),
    ({"name": "x" * 121, "q": "chips"}, "name"),
    ({"name": "x", "q": "chips", "programme": "Delegation to Seoul"}, "programme"),
    ({"name": "x", "q": "chips", "surprise": 1}, "surprise"),
])
def test_bad_input_names_the_field(db: Database, client: TestClient, body: dict[str, object], field: str) -> None:
    me = token_for(db, "scout@x.example")
    r = client.post(API, json=body, headers=me)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"].endswith(field) for e in r.json()["errors"]), r.json()


def test_an_officer_labels_a_scouting_query_with_a_programme(db: Database, client: TestClient) -> None:
    officer = token_for(db, "officer@x.example", role="officer")
    r = client.post(API, json={"name": "AI chips", "q": "AI chip design", "programme": "Delegation to Seoul"},
                    headers=officer)
    assert r.status_code == 201 and r.json()["programme"] == "Delegation to Seoul"


def test_a_token_is_needed(client: TestClient) -> None:
    r = client.get(API)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert client.post(API, json={"name": "x", "q": "y"}).status_code == 401
    assert client.delete(f"{API}/1").status_code == 401
    assert client.delete(f"{API}/0", headers={"Authorization": "Bearer nope"}).status_code == 401
