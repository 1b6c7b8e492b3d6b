"""The profile editor: create and edit with the taxonomy pickers, errors next to the fields, documents
added and removed, the live preview fragment, the completeness meter, and the refresh after saving."""

from __future__ import annotations

import re
from typing import Any

from tests.web.fakes import FakeMatching
from tests.web.webkit import load_small, member, post, scalar, sign_in, web_client
from web.db.pool import Database
from web.services.editor import completeness, new_profile_id, record_from_form
from web.settings import Settings
from web.store import profiles as profile_store

FORM: dict[str, Any] = {
    "kind": "startup", "name": "Nông Nghiệp Số", "country": "VN", "region": "Cần Thơ", "stage": "seed",
    "description": "Nền tảng IoT giám sát ao nuôi tôm cho nông dân Đồng bằng sông Cửu Long.",
    "needs": "Đầu tư hạt giống và khách hàng thí điểm ở nước ngoài.", "offers": "Dữ liệu ao nuôi.",
    "sectors": ["agritech", "iot"], "cooperation_sought": ["investment", "pilot_customer"],
    "languages": "vi, en", "technologies": "LoRa, cảm biến", "founded": "2022", "employees": "12",
    "contact_email": "hi@nns.example", "doc_title_0": "Báo cáo thí điểm", "doc_text_0": "Kết quả 30 ao nuôi.",
    "doc_year_0": "2024",
}


def test_new_ids_are_slugs_of_the_name_with_a_short_suffix() -> None:
    assert re.fullmatch(r"nong-nghiep-so-[0-9a-f]{6}", new_profile_id("Nông Nghiệp Số"))
    assert re.fullmatch(r"duc-anh-co-ltd-[0-9a-f]{6}", new_profile_id("  Đức Anh Co., Ltd. "))
    assert re.fullmatch(r"org-[0-9a-f]{6}", new_profile_id("日本"))


def test_the_form_becomes_a_record_with_lists_numbers_and_documents() -> None:
    items = [(k, v) for k, vs in FORM.items() for v in (vs if isinstance(vs, list) else [vs])]
    items += [("doc_title_1", ""), ("doc_text_1", ""), ("doc_title_2", "Old"), ("doc_text_2", "x"),
              ("doc_remove_2", "1"), ("partner_type", "investor")]
    rec = record_from_form(items)
    assert rec["sectors"] == ["agritech", "iot"] and rec["languages"] == ["vi", "en"]
    assert rec["technologies"] == ["LoRa", "cảm biến"] and rec["founded"] == 2022
    assert rec["documents"] == [{"title": "Báo cáo thí điểm", "text": "Kết quả 30 ao nuôi.", "year": 2024}]
    assert "partner_type" not in rec  # only partners have one


def test_completeness_names_what_is_missing() -> None:
    percent, hints = completeness({"description": "short"})
    assert percent == 0 and "Add what you need from a partner." in hints
    full, none = completeness({k: "x" * 100 for k in ("description", "needs", "offers", "sectors",
                                                        "cooperation_sought", "cooperation_offered", "technologies",
                                                        "languages", "region", "documents", "contact_email")})
    assert full == 100 and none == []


def test_creating_a_profile_stores_it_owns_it_audits_and_refreshes_matches(db: Database, settings: Settings) -> None:
    load_small(db)
    user = member(db, "m@x.example")
    matching = FakeMatching(db)
    with web_client(settings, db, matching) as c:
        sign_in(c, "m@x.example")
        page = c.get("/me/profiles/new?kind=startup").text
        assert 'value="semiconductors"' in page and 'value="technology_transfer"' in page
        assert "Thêm những gì bạn cần từ đối tác." in page  # a completeness hint
        r = post(c, "/me/profiles/new", FORM)
        assert r.status_code == 303
        pid = r.headers["location"].rsplit("/", 1)[1]
        assert re.fullmatch(r"nong-nghiep-so-[0-9a-f]{6}", pid)
        edit = c.get(r.headers["location"]).text
        assert "Đã lưu hồ sơ" in edit and "hi@nns.example" in edit  # the owner sees their own contact
        assert pid in c.get("/me/profiles").text
    assert matching.refreshed == [pid]
    with db.connection() as conn:
        row = profile_store.get_profile(conn, pid)
        owners = conn.execute("SELECT user_id FROM profile_owners WHERE profile_id = %(p)s", {"p": pid}).fetchall()
        audit = conn.execute("SELECT action FROM audit_log WHERE entity = 'profile' AND entity_id = %(p)s",
                             {"p": pid}).fetchall()
        jobs = scalar(db, "SELECT count(*) FROM jobs")
    assert row is not None and row.record["sectors"] == ["agritech", "iot"] and row.record["employees"] == 12
    assert owners == [(user.id,)] and audit == [("create",)] and jobs >= 1


def test_invalid_input_is_shown_next_to_the_fields_and_nothing_is_saved(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        bad = {**FORM, "name": "", "founded": "long ago", "contact_email": "nope", "doc_text_0": "",
               "doc_title_0": "Only a title"}
        r = post(c, "/me/profiles/new", bad)
        assert r.status_code == 422
        assert 'id="name-error"' in r.text and "Hãy nhập tên tổ chức." in r.text
        assert 'id="founded-error"' in r.text and 'id="contact_email-error"' in r.text
        assert "required field &#39;text&#39; is missing" in r.text  # the document row's own error
        assert 'value="Cần Thơ"' in r.text  # what was typed is kept
    assert scalar(db, "SELECT count(*) FROM profiles") == 0


def test_documents_are_added_and_removed(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        r = post(c, "/me/profiles/new", {**FORM, "action": "add_document"})
        assert r.status_code == 200 and 'name="doc_text_1"' in r.text and "Báo cáo thí điểm" in r.text
        r = post(c, "/me/profiles/new", {**FORM, "doc_title_1": "Patent", "doc_text_1": "A sensor patent."})
        url = r.headers["location"]
        pid = url.rsplit("/", 1)[1]
        r = post(c, url, {**FORM, "doc_title_1": "Patent", "doc_text_1": "A sensor patent.", "doc_remove_0": "1"})
        assert r.status_code == 303
    with db.connection() as conn:
        row = profile_store.get_profile(conn, pid)
    assert row is not None and [d["title"] for d in row.record["documents"]] == ["Patent"] and row.revision == 2


def test_the_live_preview_ranks_the_unsaved_record(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "m@x.example")
    matching = FakeMatching(db)
    with web_client(settings, db, matching) as c:
        sign_in(c, "m@x.example")
        page = c.get("/me/profiles/new?kind=startup").text
        assert 'hx-post="/me/profiles/preview"' in page and "input changed delay:800ms" in page
        r = post(c, "/me/profiles/preview", {**FORM, "profile_id": ""}, headers={"HX-Request": "true"})
        assert r.status_code == 200 and r.text.lstrip().startswith('<section id="preview"')
        assert "/profiles/sg-lionfund" in r.text and "<html" not in r.text
        empty = post(c, "/me/profiles/preview", {"kind": "startup"}, headers={"HX-Request": "true"})
        assert "Thêm phần mô tả" in empty.text
    assert ("rank_record", "draft-preview") in matching.calls
    assert scalar(db, "SELECT count(*) FROM profiles") == 6  # nothing saved


def test_an_owner_edits_their_profile(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "m@x.example", owns=("vn-agrisense",))
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        page = c.get("/me/profiles/vn-agrisense").text
        assert "IoT sensors for shrimp farms" in page and 'action="/me/profiles/vn-agrisense"' in page
        r = post(c, "/me/profiles/vn-agrisense", {"kind": "startup", "name": "AgriSense Việt Nam", "country": "VN",
                                                  "description": "IoT sensors for shrimp farms.",
                                                  "sectors": ["agritech"]})
        assert r.headers["location"] == "/me/profiles/vn-agrisense"
    with db.connection() as conn:
        row = profile_store.get_profile(conn, "vn-agrisense")
    assert row is not None and row.record["name"] == "AgriSense Việt Nam" and row.revision == 2


def test_saving_in_the_editor_keeps_the_fields_the_form_does_not_show(db: Database, settings: Settings) -> None:
    """IP assets, visibility and other fields set by an import or the API survive an edit in the
    web form (which has no inputs for them); only what the form shows is replaced."""
    from web.services.profiles import import_records

    load_small(db)
    member(db, "m@x.example", owns=("vn-agrisense",))
    with db.connection() as conn:
        stored = profile_store.get_profile(conn, "vn-agrisense")
    assert stored is not None
    extra = {"visibility": "anonymous",
             "ip_assets": [{"title": "Shrimp-pond oxygen sensor", "asset_type": "patent", "trl": 6}]}
    import_records(db, [{**stored.record, **extra}], actor="test")
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        r = post(c, "/me/profiles/vn-agrisense", {"kind": "startup", "name": "AgriSense Việt Nam", "country": "VN",
                                                  "description": "IoT sensors for shrimp farms.",
                                                  "sectors": ["agritech"]})
        assert r.headers["location"] == "/me/profiles/vn-agrisense"
    with db.connection() as conn:
        row = profile_store.get_profile(conn, "vn-agrisense")
    assert row is not None and row.record["name"] == "AgriSense Việt Nam"
    assert row.record["visibility"] == "anonymous"
    assert row.record["ip_assets"][0]["title"] == "Shrimp-pond oxygen sensor"
