"""The profile coach over HTTP: the owner sees measured suggestions in the editor (htmx and without
JavaScript, vi and en), fills one in with one click (nothing is stored until they save), strangers
see nothing, and the API answers the owner, officers and admins with RFC 9457 errors for the rest.

The matching service is the test double (``tests.web.fakes``), whose coach measures its own scores
like ``matcher.coach``; the effects measured with the real engine are tested in
tests/matcher/test_coach.py and tests/e2e/test_coach_e2e.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.webkit import load_small, member, post, sign_in, web_client
from web.db.pool import Database
from web.services.accounts import create_token
from web.services.profiles import import_records
from web.settings import Settings
from web.store import profiles as profile_store

NEED = "Chúng tôi cần chuyển giao công nghệ đóng gói chip bán dẫn."
MESSY = {"id": "vn-messy", "kind": "startup", "name": "Mạch Rối", "country": "VN", "languages": ["vi"],
         "description": f"Công ty thiết kế vi mạch bán dẫn cho thiết bị IoT và vi mạch cảm biến. {NEED}"}


def form_of(record: dict[str, Any], **extra: str) -> dict[str, Any]:
    """The editor's form fields for ``record`` (what the browser would send)."""
    fields = {k: record[k] for k in ("kind", "name", "country", "description") if k in record}
    return {**fields, "languages": ", ".join(record.get("languages", [])), "profile_id": record["id"],
            "visibility": "public", **extra}


@pytest.fixture
def owner(db: Database, settings: Settings) -> Iterator[TestClient]:
    load_small(db)
    import_records(db, [MESSY])
    member(db, "owner@messy.example", owns=("vn-messy",))
    with web_client(settings, db) as client:
        sign_in(client, "owner@messy.example")
        yield client


def stored(db: Database) -> dict[str, Any]:
    with db.connection() as conn:
        row = profile_store.get_profile(conn, "vn-messy")
    assert row is not None
    return row.record


@pytest.mark.parametrize(("locale", "title"), [("en", "Add the sectors your description names"),
                                                ("vi", "Thêm các lĩnh vực mà phần mô tả của bạn nhắc tới")])
def test_the_owner_sees_measured_suggestions_in_the_editors_panel(owner: TestClient, locale: str, title: str) -> None:
    post(owner, "/locale", {"lang": locale, "next": "/"})
    page = owner.get("/me/profiles/vn-messy").text
    assert 'id="coach"' in page and 'hx-post="/me/coach"' in page and "?coach=1" in page  # loaded by htmx
    panel = post(owner, "/me/coach", form_of(MESSY), headers={"HX-Request": "true"})
    assert panel.status_code == 200 and panel.text.lstrip().startswith("{#") is False
    assert title in panel.text and 'value="coach_sectors"' in panel.text
    assert re.search(r"→ \d", panel.text)  # before → after, measured


def test_without_javascript_the_editor_shows_the_panel_and_filling_in_stores_nothing_until_saved(
        owner: TestClient, db: Database) -> None:
    page = owner.get("/me/profiles/vn-messy?coach=1").text
    assert 'value="coach_sectors"' in page and 'form="editor"' in page
    filled = post(owner, "/me/profiles/vn-messy", form_of(MESSY, action="coach_sectors"))
    assert filled.status_code == 200
    assert re.search(r'name="sectors" value="semiconductors" checked', filled.text)
    assert "lưu hồ sơ để giữ thay đổi" in filled.text  # the page is in Vietnamese (the default)
    assert 'value="coach_sectors"' not in filled.text  # done: no longer suggested
    assert "sectors" not in stored(db)  # filled in, not saved
    saved = post(owner, "/me/profiles/vn-messy", form_of(MESSY, sectors="semiconductors", action="save"))
    assert saved.status_code == 303 and stored(db)["sectors"] == ["semiconductors"]


def test_a_need_is_filled_in_from_the_description_and_a_stale_suggestion_is_refused_by_name(
        owner: TestClient, db: Database) -> None:
    filled = post(owner, "/me/profiles/vn-messy", form_of(MESSY, action="coach_needs"))
    assert filled.status_code == 200
    assert re.search(r'<textarea id="f-needs" name="needs"[^>]*>' + re.escape(NEED), filled.text)
    assert "needs" not in stored(db)
    done = post(owner, "/me/profiles/vn-messy", form_of(MESSY, needs=NEED, action="coach_needs"))
    assert done.status_code == 422 and "Gợi ý này không còn áp dụng" in done.text
    unknown = post(owner, "/me/profiles/vn-messy", form_of(MESSY, action="coach_name"))
    assert unknown.status_code == 422


def test_strangers_get_no_coach_and_the_panel_needs_the_csrf_token(owner: TestClient, db: Database,
                                                                    settings: Settings) -> None:
    no_token = owner.post("/me/coach", data=form_of(MESSY), headers={"HX-Request": "true"}, follow_redirects=False)
    assert no_token.status_code == 403
    member(db, "other@x.example")
    with web_client(settings, db) as other:
        sign_in(other, "other@x.example")
        assert other.get("/me/profiles/vn-messy?coach=1").status_code == 404
        assert post(other, "/me/coach", form_of(MESSY), headers={"HX-Request": "true"}).status_code == 404
        assert post(other, "/me/profiles/vn-messy", form_of(MESSY, action="coach_needs")).status_code == 404
    assert "needs" not in stored(db)


def test_the_api_answers_the_owner_officers_and_admins_and_problem_json_to_the_rest(db: Database,
                                                                                    settings: Settings) -> None:
    load_small(db)
    import_records(db, [MESSY])
    member(db, "owner@messy.example", owns=("vn-messy",))
    member(db, "officer@x.example", role="officer")
    member(db, "other@x.example")

    def bearer(email: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_token(db, email)[1]}"}

    with web_client(settings, db) as client:
        for email in ("owner@messy.example", "officer@x.example"):
            r = client.get("/api/v1/profiles/vn-messy/coach", headers=bearer(email))
            assert r.status_code == 200, r.text
            body = r.json()
            assert {"id", "top", "partners", "in_top", "own_fit", "seconds", "suggestions"} <= set(body)
            sectors = next(s for s in body["suggestions"] if s["change"] == "sectors")
            assert sectors["field"] == "sectors" and sectors["values"] == ["semiconductors"]
            assert sectors["title"] == {"vi": "Thêm các lĩnh vực mà phần mô tả của bạn nhắc tới",
                                        "en": "Add the sectors your description names"}
            assert sectors["in_top_before"] == body["in_top"] and sectors["own_fit_after"] > sectors["own_fit_before"]
        forbidden = client.get("/api/v1/profiles/vn-messy/coach", headers=bearer("other@x.example"))
        assert forbidden.status_code == 403 and forbidden.headers["content-type"] == "application/problem+json"
        missing = client.get("/api/v1/profiles/vn-nobody/coach", headers=bearer("owner@messy.example"))
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
        assert client.get("/api/v1/profiles/vn-messy/coach").status_code == 401
