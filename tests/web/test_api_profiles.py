"""/api/v1/profiles over HTTP: public reads without contact details, token-guarded writes, problem+json errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from web.app import create_app
from web.db.pool import Database
from web.interchange.importer import load_files
from web.services.accounts import create_token, create_user
from web.services.profiles import import_records
from web.settings import Settings

DATA = Path(__file__).parent / "data"


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    import_records(db, load_files([DATA / "small.json"]))
    app = create_app(settings, database=db)
    with TestClient(app) as c:
        yield c


def token_for(db: Database, email: str, role: str = "member") -> dict[str, str]:
    create_user(db, email, role, "a-long-password")
    return {"Authorization": f"Bearer {create_token(db, email)[1]}"}


def test_anonymous_reads_public_fields_without_contact_details(client: TestClient) -> None:
    r = client.get("/api/v1/profiles/vn-chipviet")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "ChipViệt" and "contact_email" not in body
    page = client.get("/api/v1/profiles", params={"limit": 100}).json()
    assert len(page["items"]) == 6 and all("contact_email" not in p for p in page["items"])


def test_officer_sees_contact_details(client: TestClient, db: Database) -> None:
    headers = token_for(db, "officer@x.example", "officer")
    assert client.get("/api/v1/profiles/vn-chipviet", headers=headers).json()["contact_email"] == "hello@chipviet.example"


def test_member_does_not_see_another_profiles_contact(client: TestClient, db: Database) -> None:
    headers = token_for(db, "m@x.example")
    assert "contact_email" not in client.get("/api/v1/profiles/vn-chipviet", headers=headers).json()


def test_cursor_pagination_walks_every_profile_once(client: TestClient) -> None:
    seen, cursor = [], None
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/profiles", params=params).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 6


def test_filters_narrow_the_list(client: TestClient) -> None:
    ids = lambda **p: [x["id"] for x in client.get("/api/v1/profiles", params=p).json()["items"]]  # noqa: E731
    assert ids(kind="partner") == ["kr-hanpack", "sg-lionfund"]
    assert ids(sector="semiconductors", country="kr") == ["kr-hanpack"]
    assert ids(mode="investment") == ["sg-lionfund", "vn-agrisense"]
    assert ids(q="shrimp") == ["vn-agrisense"]


def test_writes_need_a_token(client: TestClient) -> None:
    r = client.put("/api/v1/profiles/vn-new", json={"kind": "startup", "name": "N", "country": "VN", "description": "d"})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 401
    bad = client.get("/api/v1/profiles/vn-chipviet", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_member_creates_then_owns_and_updates_a_profile(client: TestClient, db: Database) -> None:
    headers = token_for(db, "founder@x.example")
    record = {"kind": "startup", "name": "Mới", "country": "VN", "description": "Khởi nghiệp AI",
              "contact_email": "me@moi.example"}
    r = client.put("/api/v1/profiles/vn-moi", json=record, headers=headers)
    assert r.status_code == 201 and r.json()["created"] is True
    assert r.json()["profile"]["contact_email"] == "me@moi.example"  # the owner sees it
    r = client.put("/api/v1/profiles/vn-moi", json={**record, "name": "Mới 2"}, headers=headers)
    assert r.status_code == 200 and r.json()["created"] is False
    assert client.get("/api/v1/profiles/vn-moi").json()["name"] == "Mới 2"
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM jobs WHERE kind = 'embed_profile' AND key = 'vn-moi'").fetchone()[0] >= 1


def test_member_cannot_edit_or_delete_someone_elses_profile(client: TestClient, db: Database) -> None:
    headers = token_for(db, "intruder@x.example")
    r = client.put("/api/v1/profiles/vn-chipviet", headers=headers,
                   json={"kind": "startup", "name": "Hacked", "country": "VN", "description": "x"})
    assert r.status_code == 403
    assert client.delete("/api/v1/profiles/vn-chipviet", headers=headers).status_code == 403
    assert client.get("/api/v1/profiles/vn-chipviet").json()["name"] == "ChipViệt"


def test_invalid_profile_gets_problem_with_every_field(client: TestClient, db: Database) -> None:
    headers = token_for(db, "o@x.example", "officer")
    r = client.put("/api/v1/profiles/vn-bad", headers=headers,
                   json={"kind": "robot", "name": "B", "country": "ZZ", "description": "x", "sectors": ["nope"]})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"kind", "country", "sectors[0]"} <= fields


def test_body_id_must_match_path_and_body_must_be_json(client: TestClient, db: Database) -> None:
    headers = token_for(db, "o2@x.example", "officer")
    r = client.put("/api/v1/profiles/vn-a", headers=headers,
                   json={"id": "vn-b", "kind": "startup", "name": "B", "country": "VN", "description": "x"})
    assert r.status_code == 422 and "differs" in r.json()["detail"]
    r = client.put("/api/v1/profiles/vn-a", headers={**headers, "content-type": "application/json"}, content=b"{nope")
    assert r.status_code == 422


def test_officer_deletes_and_missing_profile_is_404_problem(client: TestClient, db: Database) -> None:
    headers = token_for(db, "o3@x.example", "officer")
    assert client.delete("/api/v1/profiles/kr-hanpack", headers=headers).status_code == 204
    r = client.get("/api/v1/profiles/kr-hanpack")
    assert r.status_code == 404 and r.json()["title"] == "Not found"


def test_openapi_document_is_published(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/profiles", "/api/v1/profiles/{profile_id}", "/api/v1/profiles/{profile_id}/matches",
            "/api/v1/search", "/api/v1/score"} <= set(doc["paths"])
    assert json.dumps(doc)  # serialisable
