"""Saved searches in headless Chromium on the real server (matching service, embedding worker and
alert watcher): a member searches the directory and saves the search; a new profile that enters
its top 10 is imported; the notification appears in the header and the list, the directory shows
the profile in the top 10, and the mail's unsubscribe link works without signing in. Every page
fits a 390 px screen."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import fits_on_phone, session, settle, shoot
from tests.web.demo_support import load_sample
from tests.web.webkit import PASSWORD, member, scalar, wait_until
from web.cli.cache import seed_cache
from web.db.pool import Database
from web.interchange.samples import REPO_PROFILES
from web.matching.embedding import make_embedder
from web.services.profiles import import_records

pytestmark = pytest.mark.e2e
QUERY = "edge AI inference chips for embedded devices"
NEWCOMER = {
    "id": "kr-newcomer-npu", "kind": "partner", "partner_type": "corporation", "name": "Newcomer NPU Corp",
    "country": "KR", "sectors": ["semiconductors", "ai"], "cooperation_offered": ["technology_transfer"],
    "description": "We design edge AI inference chips (NPUs) for embedded devices and license the inference "
                   "runtime to developers.",
    "offers": "Edge AI inference chips for embedded devices; NPU evaluation boards; inference SDK.",
}


def _top10(page: Any) -> list[str]:
    hrefs = page.locator("#results h3 a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    return [h.rsplit("/", 1)[1] for h in hrefs][:10]


def test_a_member_saves_a_search_and_is_alerted_of_a_newcomer(
        browser: Any, db: Database, server: tuple[str, Any]) -> None:
    base, app = server
    load_sample(db)
    seed_cache(db, REPO_PROFILES / "ecosystem.vectors.npz", make_embedder(app.state.settings).name)
    settle(db, app)
    member(db, "scout@x.example")
    page = session(browser, base, "scout@x.example", PASSWORD, next_url="/directory")

    page.fill("#q", QUERY)
    page.click(".searchbar button[type=submit]")
    page.wait_for_url(re.compile(r"q=edge"))
    page.locator("#save-search").wait_for()
    assert "kr-newcomer-npu" not in _top10(page) and fits_on_phone(page)
    page.click("#save-search")
    page.wait_for_url(re.compile(r"/me/alerts/new\?"))
    assert page.input_value("#name") == QUERY and fits_on_phone(page)
    page.fill("#name", "Edge AI chips")
    page.select_option("#frequency", "immediate")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/me/alerts$"))
    assert page.locator("article.card h3", has_text="Edge AI chips").is_visible() and fits_on_phone(page)
    assert not page.locator("#notification-count").count()

    import_records(db, [NEWCOMER])  # embedded by the worker, indexed by the listener, evaluated by the watcher
    assert wait_until(lambda: scalar(db, "SELECT count(*) FROM notifications") > 0, 90), "no alert"
    with db.connection() as conn:
        alerted = [r[0] for r in conn.execute("SELECT profile_id FROM saved_search_alerts ORDER BY id")]
    assert alerted == ["kr-newcomer-npu"], alerted
    page.goto(f"/directory?q={QUERY.replace(' ', '+')}")
    page.locator("#notification-count").wait_for()
    assert page.locator("#notification-count").inner_text() == "1"
    assert "kr-newcomer-npu" in _top10(page)

    page.click("#nav-notifications")
    page.wait_for_url(re.compile(r"/notifications$"))
    assert page.locator(".notification-list", has_text="Newcomer NPU Corp").is_visible()
    assert fits_on_phone(page)
    shoot(page, "saved-search-notifications")
    page.click(".notification-list button[type=submit]")  # mark read
    page.wait_for_url(re.compile(r"/notifications$"))
    assert not page.locator("#notification-count").count()

    body = scalar(db, "SELECT body FROM outbox WHERE kind = 'saved_search_alert'")
    link = re.search(r"(/alerts/unsubscribe/\d+/[0-9a-f]+)", body)
    assert link and "Newcomer NPU Corp" in body
    stranger = browser.new_context(viewport={"width": 390, "height": 844}, base_url=base).new_page()
    stranger.goto(link.group(1))
    assert fits_on_phone(stranger)
    stranger.click("form.card button[type=submit]")
    stranger.locator("p.notice").wait_for()
    assert scalar(db, "SELECT frequency FROM saved_searches") == "off"
    assert stranger.goto(link.group(1)[:-2] + "zz").status == 404
