"""Experts in the web app: signing up as an expert, their editor (affiliation, availability,
overseas-Vietnamese flag, publications as documents), IP assets on any profile, the visibility
choice, and bad input named by field with everything typed kept."""

from __future__ import annotations

import re
from typing import Any

from tests.web.webkit import PASSWORD, member, post, scalar, sign_in, web_client
from web.db.pool import Database
from web.services.editor import record_from_form
from web.settings import Settings
from web.store import profiles as profile_store

EXPERT: dict[str, Any] = {
    "kind": "expert", "name": "Trần Minh Châu", "country": "DE", "affiliation": "TU München",
    "overseas_vietnamese": "1", "availability": ["advisory", "co_founding"], "languages": "vi, en, de",
    "description": "Chuyên gia đóng gói bán dẫn công suất, 15 năm nghiên cứu tại Đức về mô-đun SiC.",
    "offers": "Tư vấn quy trình đóng gói, đào tạo kỹ sư.", "sectors": ["semiconductors"],
    "doc_title_0": "Sintered silver die attach for SiC modules", "doc_year_0": "2023",
    "doc_text_0": "We report a low-pressure silver sintering process for SiC power modules.",
    "doc_title_1": "Patent DE102021: double-sided cooling", "doc_text_1": "A cooling structure for power modules.",
    "ip_title_0": "Double-sided cooling package", "ip_type_0": "patent", "ip_reference_0": "DE102021000123",
    "ip_trl_0": "7", "ip_transfer_0": ["licence", "joint_development"],
    "ip_description_0": "Proven in automotive inverters.",
    "visibility": "anonymous",
}


def _items(form: dict[str, Any]) -> list[tuple[str, str]]:
    return [(k, v) for k, vs in form.items() for v in (vs if isinstance(vs, list) else [vs])]


def _stored(db: Database, pid: str) -> dict[str, Any]:
    with db.connection() as conn:
        row = profile_store.get_profile(conn, pid)
    assert row is not None
    return row.record


def test_the_expert_form_becomes_a_record_with_assets_and_the_kind_s_own_fields() -> None:
    rec = record_from_form(_items({**EXPERT, "visibility": "public", "ip_title_1": "", "ip_trl_1": "",
                                   "ip_title_2": "Old", "ip_remove_2": "1"}))
    assert rec["affiliation"] == "TU München" and rec["overseas_vietnamese"] is True
    assert rec["availability"] == ["advisory", "co_founding"] and rec["visibility"] == "public"
    assert rec["ip_assets"] == [{"title": "Double-sided cooling package", "asset_type": "patent",
                                 "reference": "DE102021000123", "trl": 7, "transfer": ["licence", "joint_development"],
                                 "description": "Proven in automotive inverters."}]
    startup = record_from_form(_items({**EXPERT, "kind": "startup"}))  # the kind was changed in the form
    assert not {"affiliation", "overseas_vietnamese", "availability"} & set(startup)
    assert startup["ip_assets"][0]["trl"] == 7  # IP assets belong to any kind


def test_signing_up_as_an_expert_lands_on_the_expert_editor(db: Database, settings: Settings) -> None:
    with web_client(settings, db) as c:
        assert 'value="expert" checked' in c.get("/register?as=expert").text
        r = post(c, "/register", {"email": "chau@tum.example", "password": PASSWORD, "profile_kind": "expert"})
        assert r.status_code == 200 and "Hãy kiểm tra hộp thư" in r.text
        body = scalar(db, "SELECT body FROM outbox WHERE kind = 'signup_confirm'")
        token = re.search(r"/register/confirm/(\S+)", body).group(1)  # type: ignore[union-attr]
        r = post(c, f"/register/confirm/{token}")
        assert r.status_code == 303 and r.headers["location"] == "/me/profiles/new?kind=expert"
        page = c.get(r.headers["location"]).text
        assert "Mô tả chuyên môn của bạn" in page  # the welcome for experts
        assert 'name="affiliation"' in page and 'name="overseas_vietnamese"' in page
        assert 'value="co_founding"' in page and "Đồng sáng lập" in page  # availability, labelled in Vietnamese
        assert "Công bố, sáng chế và báo cáo dự án" in page and 'name="ip_trl_0"' in page
        assert 'name="visibility" value="anonymous"' in page and "cán bộ chương trình" in page
        assert 'name="partner_type"' not in page and 'name="employees"' not in page  # an organisation's
        post(c, "/locale", {"lang": "en"})
        page = c.get("/me/profiles/new?kind=expert").text
        assert "Co-founding" in page and "Publications, patents and project reports" in page
        assert "only under a generated label" in page and "programme officers, who broker every introduction" in page


def test_a_sign_up_for_an_organisation_still_lands_on_my_profiles(db: Database, settings: Settings) -> None:
    with web_client(settings, db) as c:
        post(c, "/register", {"email": "org@x.example", "password": PASSWORD, "profile_kind": "organisation"})
        body = scalar(db, "SELECT body FROM outbox WHERE kind = 'signup_confirm'")
        token = re.search(r"/register/confirm/(\S+)", body).group(1)  # type: ignore[union-attr]
        assert post(c, f"/register/confirm/{token}").headers["location"] == "/me/profiles"
        assert 'href="/me/profiles/new?kind=expert"' in c.get("/me/profiles").text


def test_an_unknown_sign_up_kind_is_named_and_the_form_kept(db: Database, settings: Settings) -> None:
    with web_client(settings, db) as c:
        r = post(c, "/register", {"email": "x@x.example", "password": PASSWORD, "display_name": "Xuân",
                                  "profile_kind": "robot"})
        assert r.status_code == 422 and 'id="profile_kind-error"' in r.text
        assert 'value="x@x.example"' in r.text and 'value="Xuân"' in r.text
    assert scalar(db, "SELECT count(*) FROM outbox") == 0


def test_an_expert_saves_affiliation_availability_documents_assets_and_visibility(db: Database,
                                                                                settings: Settings) -> None:
    member(db, "chau@tum.example")
    with web_client(settings, db) as c:
        sign_in(c, "chau@tum.example")
        r = post(c, "/me/profiles/new", EXPERT)
        assert r.status_code == 303, r.text[:2000]
        pid = r.headers["location"].rsplit("/", 1)[1]
        rec = _stored(db, pid)
        assert rec["kind"] == "expert" and rec["affiliation"] == "TU München" and rec["overseas_vietnamese"] is True
        assert rec["availability"] == ["advisory", "co_founding"] and rec["languages"] == ["vi", "en", "de"]
        assert [d["title"] for d in rec["documents"]] == ["Sintered silver die attach for SiC modules",
                                                          "Patent DE102021: double-sided cooling"]
        assert rec["documents"][0]["year"] == 2023
        assert rec["ip_assets"][0]["trl"] == 7 and rec["ip_assets"][0]["transfer"] == ["licence", "joint_development"]
        assert rec["visibility"] == "anonymous"
        page = c.get(f"/me/profiles/{pid}").text  # the editor shows it all back
        assert 'value="TU München"' in page and 'name="overseas_vietnamese" value="1" checked' in page
        assert 'value="co_founding" checked' in page and 'value="DE102021000123"' in page
        assert 'value="anonymous" checked' in page and 'value="licence" checked' in page
        # unticking the flag and a mode, going public, removing a document: none of it comes back from storage
        edit = {k: v for k, v in EXPERT.items() if k != "overseas_vietnamese"}
        edit |= {"visibility": "public", "ip_transfer_0": ["licence"], "doc_remove_1": "1",
                 "revision": str(scalar(db, "SELECT revision FROM profiles"))}
        assert post(c, f"/me/profiles/{pid}", edit).status_code == 303
    rec = _stored(db, pid)
    assert "overseas_vietnamese" not in rec and "visibility" not in rec and len(rec["documents"]) == 1
    assert rec["ip_assets"][0]["transfer"] == ["licence"]


def test_a_bad_trl_and_an_unknown_availability_are_named_and_nothing_typed_is_lost(db: Database,
                                                                                 settings: Settings) -> None:
    member(db, "chau@tum.example")
    with web_client(settings, db) as c:
        sign_in(c, "chau@tum.example")
        bad = {**EXPERT, "ip_trl_0": "12", "availability": ["advisory", "time_travel"], "ip_title_1": "",
               "ip_reference_1": "KR-10-2020", "ip_transfer_0": ["licence", "barter"]}
        r = post(c, "/me/profiles/new", bad)
        assert r.status_code == 422
        page = r.text
        assert 'id="ip_trl_0-error"' in page and "TRL (mức độ sẵn sàng công nghệ)" in page
        assert 'id="availability-error"' in page and "Khả năng cộng tác" in page
        assert 'id="ip_title_1-error"' in page  # a row with a reference but no title
        assert "Hình thức chuyển giao" in page  # the unknown transfer mode
        for kept in ('value="TU München"', 'value="12"', 'value="KR-10-2020"', 'value="DE102021000123"',
                     "Sintered silver die attach", 'value="advisory" checked', 'value="anonymous" checked'):
            assert kept in page, kept
        r = post(c, "/me/profiles/new", {**EXPERT, "ip_trl_0": "seven", "visibility": "secret"})
        assert r.status_code == 422 and 'id="ip_trl_0-error"' in r.text and 'id="visibility-error"' in r.text
        assert 'value="secret" checked' in r.text
        post(c, "/locale", {"lang": "en"})
        r = post(c, "/me/profiles/new", {**EXPERT, "ip_trl_0": "0"})
        assert "TRL (technology readiness level): a whole number from 1 to 9." in r.text
    assert scalar(db, "SELECT count(*) FROM profiles") == 0


def test_an_organisation_holds_ip_assets_and_adds_rows_with_or_without_javascript(db: Database,
                                                                                 settings: Settings) -> None:
    member(db, "bd@hanpack.example")
    form = {"kind": "partner", "partner_type": "corporation", "name": "HanPack", "country": "KR",
            "description": "Korean power-semiconductor packaging company.",
            "ip_title_0": "Silver sintering process", "ip_type_0": "know_how", "ip_trl_0": "8",
            "ip_transfer_0": "licence"}
    with web_client(settings, db) as c:
        sign_in(c, "bd@hanpack.example")
        page = c.get("/me/profiles/new?kind=partner").text
        assert 'name="ip_title_0"' in page and 'name="affiliation"' not in page
        r = post(c, "/me/profiles/new", {**form, "action": "add_asset"})  # without JavaScript: the whole page
        assert r.status_code == 200 and 'name="ip_title_1"' in r.text and 'value="Silver sintering process"' in r.text
        r = post(c, "/me/profiles/new", {**form, "action": "add_asset"}, headers={"HX-Request": "true"})
        assert r.text.lstrip().startswith('<fieldset id="fs-ip_assets"') and 'name="ip_title_1"' in r.text
        assert post(c, "/me/profiles/preview", form).status_code == 200  # the whole editor, without htmx
        r = post(c, "/me/profiles/new", {**form, "action": "add_document"}, headers={"HX-Request": "true"})
        assert r.text.lstrip().startswith('<fieldset id="fs-documents"') and 'name="doc_text_1"' in r.text
        r = post(c, "/me/profiles/new", {**form, "ip_title_1": "Layout", "ip_type_1": "design"})
        pid = r.headers["location"].rsplit("/", 1)[1]
        revision = str(scalar(db, "SELECT revision FROM profiles"))
        r = post(c, f"/me/profiles/{pid}", {**form, "ip_title_1": "Layout", "ip_type_1": "design",
                                            "ip_remove_0": "1", "revision": revision})
        assert r.status_code == 303
        assert _stored(db, pid)["ip_assets"] == [{"title": "Layout", "asset_type": "design"}]
        revision = str(scalar(db, "SELECT revision FROM profiles"))
        r = post(c, f"/me/profiles/{pid}", {**form, "ip_title_0": "Layout", "ip_remove_0": "1", "revision": revision})
        assert r.status_code == 303
    assert "ip_assets" not in _stored(db, pid)  # the last one removed: sent rows, none kept, replace the stored
