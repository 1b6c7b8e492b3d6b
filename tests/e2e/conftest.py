"""Browser fixtures: Debian's Chromium driven by Playwright, and a live server per test module."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.server import live_server
from web.db.pool import Database
from web.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install chromium")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(database: Database, settings: Settings) -> Iterator[tuple[str, Any]]:
    """``(base URL, app)`` of a live server on the session database, as in production: the real
    matching service following profile changes, and the in-process embedding worker."""
    live = settings.model_copy(update={"in_process_worker": True})
    with live_server(live, database) as (base, app):
        yield base, app


def settle(db: Database, app: Any, timeout: float = 60) -> None:
    """Wait until every queued embedding job is done, then refit the matching index from scratch
    (tables are emptied between tests, so the live index may hold profiles that no longer exist)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.connection() as conn:
            row = conn.execute("SELECT count(*) FROM jobs WHERE status = 'queued'").fetchone()
        if row is not None and row[0] == 0:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("embedding jobs did not finish")
    matching = app.state.matching
    if hasattr(matching, "load"):
        matching.load()


def shoot(page: Any, name: str) -> None:
    """Screenshots of the current page at desktop and phone widths into artifacts/screenshots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def session(browser: Any, base: str, email: str, password: str, locale: str = "en", next_url: str = "/") -> Any:
    """A desktop page signed in as ``email`` with the UI in ``locale``, at ``next_url``."""
    context = browser.new_context(viewport=DESKTOP, base_url=base, accept_downloads=True)
    page = context.new_page()
    page.goto("/")
    if (page.locator("html").get_attribute("lang") or "") != locale:
        page.click(f"form.lang button[value={locale}]")
        page.wait_for_load_state()
    page.goto(f"/login?next={next_url}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))
    return page


def fits_on_phone(page: Any) -> bool:
    """Whether the page needs no sideways scrolling at 390 px (the viewport is put back after)."""
    page.set_viewport_size(PHONE)
    try:
        return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"))
    finally:
        page.set_viewport_size(DESKTOP)
