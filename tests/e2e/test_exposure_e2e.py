"""The exposure audit in headless Chromium with the real matching service, in Vietnamese: an officer
opens the audit (the first visit computes it; the page polls with htmx until it is done) and recomputes it, reads the Gini coefficient, the
Lorenz curve and the never-shown profiles, downloads the CSV, switches the exposure-aware
re-ranking on (a strength out of range is refused with the field named, nothing stored) and off
again; the page fits a 390 px screen."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import fits_on_phone, session, settle, shoot
from tests.web.webkit import PASSWORD, load_small, member, scalar
from web.db.pool import Database
from web.services import exposure

pytestmark = pytest.mark.e2e
OFFICER = "officer@exposure.example"


def test_an_officer_computes_the_exposure_audit_and_switches_the_reranking(
        browser: Any, server: tuple[str, Any], db: Database) -> None:
    base, app = server
    load_small(db)
    member(db, OFFICER, role="officer")
    settle(db, app)
    published = scalar(db, "SELECT count(*) FROM profiles WHERE published")
    page = session(browser, base, OFFICER, PASSWORD, "vi", "/officer/exposure")
    # the first visit starts the audit (unless one is there from an earlier test of this server);
    # the page polls with htmx until it is done, then a recompute starts again on demand
    page.locator(".stats").wait_for(timeout=60000)
    page.click("form[action='/officer/exposure'] button[type=submit]")
    # the earlier audit's figures stay on the page while the new one runs: wait for the new one
    # (a computation left running would write its counts into the next test's emptied tables)
    assert exposure.audits(app.state.matching).wait(60)
    page.goto(f"{base}/officer/exposure")
    page.locator(".stats").wait_for(timeout=60000)
    stats = page.locator(".stats .stat b")
    gini = float(stats.nth(0).inner_text().replace(",", "."))
    assert 0.0 <= gini < 1.0
    assert int(stats.nth(1).inner_text()) == published
    # the curve is a lazy image that Chromium may fetch before it is scrolled to: wait until it
    # has drawn, then read the same URL with the officer's session
    lorenz = page.locator("img[src*='lorenz.svg']")
    lorenz.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=lorenz.element_handle())
    svg = page.request.get(str(lorenz.get_attribute("src")))
    assert svg.status == 200 and ("<polyline" in svg.text() or "<path" in svg.text())
    shoot(page, "exposure-audit")
    assert fits_on_phone(page)

    with page.expect_download() as download:
        page.click("a[href='/officer/exposure.csv']")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == published + 1  # a header and one row per published profile

    # the re-ranking: a strength out of range is refused, field named, nothing stored
    page.check("#reranking input[name=enabled]")
    page.fill("#strength", "7")
    page.click("#reranking button[type=submit]")
    assert page.locator("#strength-error").is_visible()
    assert page.locator("#strength").get_attribute("aria-invalid") == "true"
    assert not scalar(db, "SELECT coalesce(bool_or(enabled), false) FROM exposure_reranking")
    page.fill("#strength", "0.5")
    page.click("#reranking button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/officer/exposure#reranking") or url.endswith("/officer/exposure"))
    assert page.locator("#reranking input[name=enabled]").is_checked()
    assert page.locator("#strength").input_value() in ("0.5", "0,5")
    assert scalar(db, "SELECT bool_or(enabled) FROM exposure_reranking")
    assert fits_on_phone(page)
    page.uncheck("#reranking input[name=enabled]")
    page.click("#reranking button[type=submit]")
    page.wait_for_load_state()
    assert not page.locator("#reranking input[name=enabled]").is_checked()
    assert not scalar(db, "SELECT bool_or(enabled) FROM exposure_reranking")
    page.context.close()
