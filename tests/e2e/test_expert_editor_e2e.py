"""An overseas Vietnamese expert in headless Chromium, Vietnamese UI: signs up as an expert, lands on
the expert editor, fills affiliation, availability, a publication and an IP asset (a second asset
row added by htmx), saves, and sees explained matches with the Vietnamese chip startup. Every page
passed through fits a 390 px phone; screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import fits_on_phone, settle, shoot
from tests.e2e.test_flows import confirmation_link, new_page
from tests.web.webkit import PASSWORD, load_small
from web.db.pool import Database
from web.store import profiles as profile_store

pytestmark = pytest.mark.e2e
EMAIL = "chau@tum.example"


@pytest.fixture
def world(db: Database, server: tuple[str, Any]) -> str:
    load_small(db)
    base, app = server
    settle(db, app)
    return base


def sign_up_as_expert(page: Any, db: Database) -> None:
    page.goto("/register")
    page.check("input[name=profile_kind][value=expert]")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    assert fits_on_phone(page)
    page.click("form.card button[type=submit]")
    page.wait_for_selector("p.notice")
    page.goto(confirmation_link(db, EMAIL))
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/me/profiles/new\?kind=expert$"))


def fill_expert_editor(page: Any) -> None:
    page.fill("#f-name", "Trần Minh Châu")
    page.select_option("#f-country", "DE")
    page.fill("#f-affiliation", "Đại học Kỹ thuật München")
    page.check("input[name=overseas_vietnamese]")
    page.check("input[name=availability][value=advisory]")
    page.check("input[name=availability][value=remote_collaboration]")
    page.fill("#f-description", "Chuyên gia người Việt tại Đức về đóng gói và kiểm thử vi mạch bán dẫn công suất, "
                                "15 năm nghiên cứu quy trình đóng gói chip và mô-đun SiC cho ô tô điện.")
    page.fill("#f-offers", "Tư vấn chuyển giao công nghệ đóng gói và kiểm thử chip; đào tạo kỹ sư vi mạch.")
    page.fill("#f-needs", "Một nhóm khởi nghiệp vi mạch ở Việt Nam để cộng tác từ xa.")
    page.check("input[name=sectors][value=semiconductors]")
    page.check("input[name=cooperation_offered][value=technology_transfer]")
    page.fill("#doc_title_0", "Quy trình thiêu kết bạc cho đóng gói chip công suất")
    page.fill("#doc_year_0", "2023")
    page.fill("#doc_text_0", "Báo cáo quy trình đóng gói và kiểm thử chip công suất bằng thiêu kết bạc áp suất thấp.")
    page.fill("#ip_title_0", "Quy trình đóng gói chip làm mát hai mặt")
    page.select_option("#ip_type_0", "patent")
    page.fill("#ip_reference_0", "DE102021000123")
    page.fill("#ip_trl_0", "7")
    page.check("input[name=ip_transfer_0][value=licence]")
    page.click("button[name=action][value=add_asset]")  # htmx: only the assets' block comes back
    page.wait_for_selector("#ip_title_1")
    assert page.input_value("#ip_title_0") == "Quy trình đóng gói chip làm mát hai mặt"
    assert page.input_value("#f-affiliation") == "Đại học Kỹ thuật München"  # the rest of the form untouched
    page.fill("#ip_title_1", "Bí quyết kiểm thử burn-in")
    page.select_option("#ip_type_1", "know_how")


def test_an_overseas_expert_signs_up_fills_the_editor_and_sees_explained_matches(
        browser: Any, world: str, db: Database) -> None:
    page = new_page(browser, world, "vi")
    sign_up_as_expert(page, db)
    assert "Mô tả chuyên môn của bạn" in page.content()  # the welcome for experts
    assert page.locator("#f-kind").input_value() == "expert"
    assert "Công bố, sáng chế và báo cáo dự án" in page.content()
    assert fits_on_phone(page)
    fill_expert_editor(page)
    shoot(page, "expert-editor-vi")
    page.click("button[name=action][value=save]")
    page.wait_for_url(re.compile(r"/me/profiles/tran-minh-chau-[0-9a-f]{6}$"))
    assert "Đã lưu hồ sơ" in page.content() and page.is_checked("input[name=overseas_vietnamese]")
    pid = page.url.rsplit("/", 1)[1]
    with db.connection() as conn:
        row = profile_store.get_profile(conn, pid)
    assert row is not None
    rec = row.record
    assert rec["kind"] == "expert" and rec["affiliation"] == "Đại học Kỹ thuật München"
    assert rec["availability"] == ["advisory", "remote_collaboration"] and rec["overseas_vietnamese"] is True
    assert [a["title"] for a in rec["ip_assets"]] == ["Quy trình đóng gói chip làm mát hai mặt",
                                                      "Bí quyết kiểm thử burn-in"]
    assert rec["ip_assets"][0]["trl"] == 7 and rec["documents"][0]["year"] == 2023

    page.goto("/matches")
    card = page.locator("#match-vn-chipviet")
    card.wait_for(timeout=60000)  # embedded in the background; the list reloads itself
    assert card.locator(".gauge svg").count() == 1 and card.locator(".bars li").count() >= 1
    assert "Đề xuất của tôi" in page.content()
    assert fits_on_phone(page)
    shoot(page, "expert-matches-vi")
    page.context.close()
