"""The officers' exposure audit over HTTP: only officers and admins open it, recomputing needs the
CSRF token and runs in the background, the page shows the Gini, the breakdowns, the chart and the
profiles never shown in both languages, and the CSV neutralises formulas."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from tests.web.fakes import FakeMatching
from tests.web.test_web_a11y import Controls
from tests.web.test_web_i18n import english_leaks, leaks_in, page_segments, user_texts
from tests.web.webkit import DATA, member, post, sign_in, web_client
from web.db.pool import Database
from web.i18n import Renderer
from web.services import exposure
from web.services.profiles import import_records
from web.settings import Settings

FORMULA = "=HYPERLINK(\"http://evil.example\",\"x\")"


def load(db: Database) -> None:
    """The small ecosystem, one partner's name a spreadsheet formula, plus a Vietnamese-only
    startup with no needs in a sector nobody else has (never shown)."""
    records = json.loads((DATA / "small.json").read_text())
    for r in records:
        if r["id"] == "kr-hanpack":
            r["name"] = FORMULA
    records.append({"id": "vn-lonely", "kind": "startup", "name": "Cô Đơn", "country": "VN", "region": "Huế",
                    "sectors": ["space"], "description": "Chúng tôi chế tạo vệ tinh nhỏ."})
    import_records(db, records)


@contextmanager
def officer(db: Database, settings: Settings, role: str = "officer") -> Iterator[tuple[TestClient, FakeMatching]]:
    """A signed-in officer's (or admin's) client over ``load``'s profiles, and its matching service."""
    load(db)
    member(db, "o@x.example", role=role)
    fake = FakeMatching(db)
    with web_client(settings, db, matching=fake) as client:
        sign_in(client, "o@x.example")
        yield client, fake


def computed(client: TestClient, fake: FakeMatching) -> None:
    assert post(client, "/officer/exposure").status_code == 303
    assert exposure.audits(fake).wait(60)


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_an_officer_computes_the_audit_and_sees_it_in_both_languages(db: Database, settings: Settings,
                                                                       role: str) -> None:
    renderer = Renderer()
    with officer(db, settings, role) as (c, fake):
        empty = c.get("/officer/exposure")
        assert empty.status_code == 200 and renderer.gettext("vi", "Compute the audit") in empty.text
        assert 'href="/officer/exposure" aria-current="page"' in empty.text  # the sub-navigation's link
        computed(c, fake)
        page = c.get("/officer/exposure").text
        audit = exposure.audits(fake).latest()
        assert len(audit.profiles) == 7 and audit.ranked == 7
        lonely = re.search(r'<li id="never-vn-lonely">.*?</li>', page, re.S)
        assert lonely and 'href="/profiles/vn-lonely"' in lonely.group()
        for reason in ("no_needs", "no_english", "unique_sector", "short_description"):
            assert renderer.gettext("vi", exposure.REASONS[reason]) in lonely.group()
        assert f"<b>{audit.gini:.2f}".replace(".", ",") in page  # Vietnamese decimal comma
        assert all(f'id="by-{g}"' in page for g in exposure.GROUPINGS)
        assert 'src="/officer/exposure/lorenz.svg?lang=vi&amp;at=' in page
        polled = c.get("/officer/exposure", headers={"HX-Request": "true"})  # the page's htmx poll: its block only
        assert polled.status_code == 200 and 'id="by-sector"' in polled.text and "<html" not in polled.text
        post(c, "/locale", {"lang": "en"})
        english = c.get("/officer/exposure").text
        assert "Exposure audit" in english and "A sector no other profile has" in english
        assert 'src="/officer/exposure/lorenz.svg?lang=en&amp;at=' in english
        for lang, label in (("vi", renderer.gettext("vi", "Equal exposure")), ("en", "Equal exposure")):
            svg = c.get(f"/officer/exposure/lorenz.svg?lang={lang}")
            assert svg.headers["content-type"] == "image/svg+xml" and label in svg.text
        assert c.get("/officer/exposure/lorenz.svg?lang=fr").status_code == 404


def test_the_page_in_vietnamese_has_no_english_ui_text_and_its_landmarks(db: Database, settings: Settings) -> None:
    with officer(db, settings) as (c, fake):
        computed(c, fake)
        page = c.get("/officer/exposure").text
    assert not leaks_in(page_segments(page), english_leaks(), user_texts(db))
    parser = Controls()
    parser.feed(page)
    assert parser.lang == "vi" and parser.main and parser.h1 == 1


def test_the_csv_has_one_row_per_profile_with_formulas_neutralised(db: Database, settings: Settings) -> None:
    with officer(db, settings) as (c, fake):
        assert c.get("/officer/exposure.csv").status_code == 409  # nothing computed yet
        computed(c, fake)
        r = c.get("/officer/exposure.csv")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == exposure.CSV_COLUMNS and len(rows) == 8
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["kr-hanpack"][1] == "'" + FORMULA
    lonely = by_id["vn-lonely"]
    assert lonely[6] == "0" and lonely[5] == "space" and "unique_sector" in lonely[7]
    assert rows[1][6] == "0"  # the least exposed first


def test_members_are_refused_and_visitors_sent_to_sign_in(db: Database, settings: Settings) -> None:
    load(db)
    member(db, "m@x.example", owns=("vn-chipviet",))
    with web_client(settings, db) as c:
        for path in ("/officer/exposure", "/officer/exposure.csv", "/officer/exposure/lorenz.svg"):
            r = c.get(path, follow_redirects=False)
            assert r.status_code in (302, 303) and "/login" in r.headers["location"], path
        sign_in(c, "m@x.example")
        for path in ("/officer/exposure", "/officer/exposure.csv", "/officer/exposure/lorenz.svg"):
            assert c.get(path).status_code == 403, path
        assert post(c, "/officer/exposure").status_code == 403


def test_recomputing_needs_the_csrf_token(db: Database, settings: Settings) -> None:
    with officer(db, settings) as (c, fake):
        r = c.post("/officer/exposure", data={}, follow_redirects=False)
        assert r.status_code == 403
        state = exposure.audits(fake).state()
        assert state.audit is None and not state.running
