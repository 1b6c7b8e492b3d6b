"""User flows in headless Chromium against a live server: sign-up to accepted introduction (English
and Vietnamese UI), a declined and an expired introduction, the directory's filters and search.
Each flow saves screenshots of the pages it passes through (desktop and phone widths)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.e2e.conftest import settle, shoot
from tests.web.webkit import PASSWORD, load_small, member, scalar
from web.db.pool import Database

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def world(db: Database, server: tuple[str, Any]) -> str:
    """The small ecosystem, and members owning the Korean packaging partner and the Singapore fund."""
    load_small(db)
    member(db, "admin@caunoi.example", role="admin")
    member(db, "partner@hanpack.example", owns=("kr-hanpack",))
    member(db, "fund@lion.example", owns=("sg-lionfund",))
    base, app = server
    settle(db, app)
    return base


def new_page(browser: Any, base: str, locale: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=base)
    page = context.new_page()
    page.goto("/")
    if (page.locator("html").get_attribute("lang") or "") != locale:
        page.click(f"form.lang button[value={locale}]")
        page.wait_for_load_state()
    return page


def sign_in(page: Any, email: str, home: str = "/matches") -> None:
    """Sign in and wait for the role's home (members: their matches; admins: the users)."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(re.escape(home)))


def confirmation_link(db: Database, email: str) -> str:
    """The path of the sign-up confirmation link mailed to ``email`` (written just after the
    answer to the sign-up form, so it may take a moment to appear in the outbox)."""
    for _ in range(100):
        with db.connection() as conn:
            row = conn.execute("SELECT body FROM outbox WHERE recipient = %(r)s AND kind = 'signup_confirm' "
                               "ORDER BY id DESC LIMIT 1", {"r": email}).fetchone()
        if row is not None:
            match = re.search(r"/register/confirm/[A-Za-z0-9_-]+", row[0])
            assert match, row[0]
            return match.group()
        time.sleep(0.1)
    raise AssertionError(f"no confirmation mail to {email}")


def sign_up_and_create_startup(page: Any, db: Database, email: str) -> None:
    page.goto("/register")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_selector("p.notice")  # "check your e-mail", whether or not the address is known
    page.goto(confirmation_link(db, email))
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/me/profiles$"))
    page.click("a[href='/me/profiles/new?kind=startup']")
    page.fill("#f-name", "Vi Mạch Sông Hồng")
    page.fill("#f-region", "Hà Nội")
    page.fill("#f-description", "Công ty khởi nghiệp thiết kế vi mạch cho thiết bị IoT và cảm biến công suất thấp, "
                                "đội ngũ kỹ sư giàu kinh nghiệm tại Hà Nội.")
    page.fill("#f-needs", "Chuyển giao công nghệ đóng gói và kiểm thử chip; đào tạo kỹ sư.")
    page.fill("#f-offers", "Thiết kế vi mạch số và phát triển chung sản phẩm IoT.")
    page.fill("#f-contact_email", "lienhe@songhong.example")
    page.check("input[name=sectors][value=semiconductors]")
    page.check("input[name=cooperation_sought][value=technology_transfer]")
    page.check("input[name=cooperation_offered][value=joint_rnd]")
    # the live preview (htmx, debounced) shows the Korean packaging partner before saving
    page.wait_for_selector("#preview a[href='/profiles/kr-hanpack']", timeout=15000)
    shoot(page, f"editor-{page.locator('html').get_attribute('lang')}")
    page.click("button[name=action][value=save]")
    page.wait_for_url(re.compile(r"/me/profiles/vi-mach-song-hong-[0-9a-f]{6}$"))


def request_intro_from_matches(page: Any, message: str) -> None:
    page.goto("/matches")
    card = page.locator("#match-kr-hanpack")
    card.wait_for(timeout=30000)  # the new profile is embedded in the background; the list reloads itself
    assert card.locator(".gauge svg").count() == 1 and card.locator(".bars li").count() >= 1
    shoot(page, f"matches-{page.locator('html').get_attribute('lang')}")
    card.locator("summary").click()
    card.locator("textarea[name=message]").fill(message)
    card.locator("form[action='/introductions'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/introductions/\d+$"))


@pytest.mark.parametrize("locale", ["en", "vi"])
def test_signup_profile_matches_introduction_accepted(browser: Any, world: str, db: Database, locale: str) -> None:
    """A Vietnamese startup signs up, writes its profile in Vietnamese, sees explained matches and asks
    for an introduction; the Korean partner accepts; then both see each other's contact details."""
    a = new_page(browser, world, locale)
    sign_up_and_create_startup(a, db, f"founder-{locale}@songhong.example")
    a.goto("/profiles/kr-hanpack")
    assert "bd@hanpack.example" not in a.content()
    request_intro_from_matches(a, "We would like to discuss packaging technology transfer.")
    assert a.locator(".state-requested").count() == 1

    b = new_page(browser, world, locale)
    sign_in(b, "partner@hanpack.example")
    b.goto("/introductions")
    shoot(b, f"introductions-{locale}")
    b.locator(".intro-item a").first.click()
    assert "packaging technology transfer" in b.content()
    shoot(b, f"introduction-answer-{locale}")
    b.click("form[action$='/accept'] button")
    b.wait_for_selector(".contact")
    assert "lienhe@songhong.example" in b.content() and f"founder-{locale}@songhong.example" in b.content()
    b.fill("#body", "Xin chào! Hello, happy to meet next week.")
    b.click("#thread button[type=submit]")
    b.wait_for_selector("#thread .thread li")

    a.reload()
    a.wait_for_selector(".contact")
    assert "bd@hanpack.example" in a.content() and "partner@hanpack.example" in a.content()
    assert "happy to meet next week" in a.content()
    shoot(a, f"introduction-accepted-{locale}")
    a.goto("/profiles/kr-hanpack")
    assert "bd@hanpack.example" in a.content()
    if locale == "vi":
        assert "Đề xuất của tôi" in a.content()
    else:
        assert "My matches" in a.content()
    a.context.close()
    b.context.close()


def test_declined_and_expired_introductions(browser: Any, world: str, db: Database) -> None:
    """A decline reason the partner keeps private never reaches the requester; an unanswered request
    to the fund expires and shows as expired to both sides."""
    a = new_page(browser, world, "en")
    sign_up_and_create_startup(a, db, "founder@decline.example")
    request_intro_from_matches(a, "Could we meet?")
    profile_id = a.locator("h1 a").get_attribute("href")
    assert profile_id == "/profiles/kr-hanpack"
    with db.connection() as conn:
        mine = scalar(db, "SELECT from_profile FROM introductions ORDER BY id DESC LIMIT 1")
    a.goto("/profiles/sg-lionfund")
    a.fill("#intro-message", "Seed investment?")
    a.click("form[action='/introductions'] button[type=submit]")
    a.wait_for_url(re.compile(r"/introductions/\d+$"))

    b = new_page(browser, world, "en")
    sign_in(b, "partner@hanpack.example")
    b.goto("/introductions")
    b.locator(".intro-item a").first.click()
    b.fill("#reason", "Our confidential roadmap excludes this")
    b.click("form[action$='/decline'] button")
    b.wait_for_selector(".state-declined")

    with db.connection() as conn:  # time passes: the fund never answered
        conn.execute("UPDATE introductions SET expires_at = now() - interval '1 minute'"
                     " WHERE from_profile = %(p)s AND to_profile = 'sg-lionfund'", {"p": mine})
    a.goto("/introductions")
    shoot(a, "introductions-declined-expired")
    assert a.locator(".state-declined").count() == 1 and a.locator(".state-expired").count() == 1
    a.locator(".intro-item a", has_text="HanPack").click()
    assert "cannot take up the introduction" in a.content()
    assert "confidential roadmap" not in a.content()
    assert "bd@hanpack.example" not in a.content()
    admin = new_page(browser, world, "vi")
    sign_in(admin, "admin@caunoi.example", home="/admin/users")
    for name in ("users", "outbox", "audit"):
        admin.goto(f"/admin/{name}")
        shoot(admin, f"admin-{name}")
    assert "introduction-declined" in admin.content() and "introduction-expired" in admin.content()
    for ctx in (a, b, admin):
        ctx.context.close()


def test_directory_filters_and_search(browser: Any, world: str) -> None:
    """Facets and the search box update the results in place and the URL stays shareable."""
    page = new_page(browser, world, "en")
    page.goto("/directory")
    assert page.locator("#results .card").count() == 6
    shoot(page, "directory")
    page.check("#facets input[name=kind][value=startup]")
    page.wait_for_url(re.compile(r"kind=startup"))
    expect(page.locator("#results .card")).to_have_count(2)
    page.fill("#q", "shrimp farms")
    page.wait_for_url(re.compile(r"q=shrimp"))
    expect(page.locator("#results .card h3").first).to_have_text("AgriSense")  # ranked first
    shot = page.locator("#results").inner_text()
    shared = page.url
    other = new_page(browser, world, "en")
    other.goto(shared)
    assert other.locator("#results").inner_text() == shot and other.is_checked("#facets input[value=startup]")
    other.goto("/")
    shoot(other, "home")
    other.goto("/profiles/vn-chipviet")
    assert "hello@chipviet.example" not in other.content()
    shoot(other, "profile")
    for name in ("login", "register", "no-such-page"):
        other.goto(f"/{name}")
        shoot(other, name)
    page.context.close()
    other.context.close()
