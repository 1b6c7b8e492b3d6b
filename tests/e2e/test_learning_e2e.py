"""The ranking learned from feedback in headless Chromium: an officer opens what it learned (the
active version, the component that gained weight, on how many events) in English and Vietnamese,
an admin switches it off with the button and the members' matches are the engine's again; both
pages fit a 390 px screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import fits_on_phone, session, settle, shoot
from tests.web.test_learning import seed_log
from tests.web.webkit import PASSWORD, load_small, member, scalar
from web.db.pool import Database
from web.services import learning

pytestmark = pytest.mark.e2e


def test_an_officer_reads_what_was_learned_and_an_admin_switches_it_off(
        browser: Any, server: tuple[str, Any], db: Database) -> None:
    base, app = server
    load_small(db)
    member(db, "officer@x.example", role="officer")
    member(db, "admin@x.example", role="admin")
    settle(db, app)
    seed_log(db)
    version = learning.fit(db, min_events=50)
    assert version.row.active and version.summary.components[0].name == "modes"

    page = session(browser, base, "officer@x.example", PASSWORD, next_url="/officer/learning")
    card = page.locator(f"#version-{version.id}")
    assert "Used" in (card.locator(".badge").text_content() or "")
    assert "Complementary cooperation modes" in card.locator("tbody tr").first.inner_text()
    assert "gained weight" in card.locator("tbody tr").first.inner_text()
    assert page.locator(".stats").inner_text().count(str(version.summary.n_events)) >= 1
    assert fits_on_phone(page)
    shoot(page, "officer-learning-en")
    page = session(browser, base, "officer@x.example", PASSWORD, locale="vi", next_url="/officer/learning")
    assert "Hình thức hợp tác bổ sung" in page.locator(f"#version-{version.id}").inner_text()
    assert "tăng trọng số" in page.locator(f"#version-{version.id}").inner_text()
    assert fits_on_phone(page)

    admin = session(browser, base, "admin@x.example", PASSWORD, next_url="/admin/learning")
    assert fits_on_phone(admin)
    shoot(admin, "admin-learning-en")
    admin.get_by_role("button", name="Switch the learned ranking off").click()
    admin.locator(".flash").wait_for()
    assert "members see the engine's order" in admin.locator(".flash").inner_text()
    assert scalar(db, "SELECT count(*) FROM learned_models WHERE active") == 0
    assert admin.get_by_role("button", name="Use this version").count() == 1
    assert learning.active_model(db) is None
