"""Lost updates: two sessions of one owner edit the same profile over real HTTP (a live server, the
real PostgreSQL). The later save no longer silently reverts the earlier one: the editor shows both
versions and keeps what the user typed; the API answers 412 to a stale ``If-Match``. Concurrent
saves against one revision: exactly one wins, because the check and the write are one locked step."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from typing import Any

import httpx
import psycopg
import pytest

from tests.web.fakes import FakeMatching
from tests.web.server import live_server
from tests.web.webkit import load_small, member, post, scalar, sign_in, wait_until
from web.db.pool import Database
from web.services.accounts import create_token
from web.settings import Settings
from web.store import profiles as profile_store

PID = "vn-agrisense"
EDIT = f"/me/profiles/{PID}"
API = f"/api/v1/profiles/{PID}"


class FormFields(HTMLParser):
    """The fields a browser would submit from ``<form id=form_id>`` (checked boxes, selected options)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif not self.inside or "name" not in a and tag != "option":
            return
        elif tag == "input" and a.get("type", "text") not in ("checkbox", "radio", "submit") or (
                tag == "input" and "checked" in a):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.fields.append((self._select, chosen[0] if chosen else ""))
            self._select = None


def form_of(html: str, form_id: str) -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    return [(k, v) for k, v in parser.fields if k != "csrf_token"]


def changed(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    return [(k, values.get(k, v)) for k, v in fields]


def submit(http: httpx.Client, fields: list[tuple[str, str]], action: str = "save") -> httpx.Response:
    """POST the form fields as a browser does, the session's CSRF token and the button's action added."""
    body: dict[str, Any] = {}
    for k, v in [*fields, ("action", action)]:
        body.setdefault(k, []).append(v)
    return post(http, EDIT, body)  # type: ignore[arg-type]


def stored(db: Database) -> profile_store.ProfileRow:
    with db.connection() as conn:
        row = profile_store.get_profile(conn, PID)
    assert row is not None
    return row


@pytest.fixture
def server(db: Database, settings: Settings) -> Iterator[str]:
    load_small(db)
    member(db, "owner@agrisense.example", owns=(PID,))
    with live_server(settings, db, FakeMatching(db)) as (base, _app):
        yield base


@pytest.fixture
def session() -> Iterator[Callable[[str], httpx.Client]]:
    """``session(base)``: a new browser session of the owner, signed in."""
    clients: list[httpx.Client] = []

    def open_session(base: str) -> httpx.Client:
        http = httpx.Client(base_url=base, timeout=30)
        clients.append(http)
        sign_in(http, "owner@agrisense.example")  # type: ignore[arg-type]
        return http

    yield open_session
    for http in clients:
        http.close()


def test_a_later_save_from_an_older_form_shows_both_versions_and_loses_nothing(
        db: Database, server: str, session: Callable[[str], httpx.Client]) -> None:
    a, b = session(server), session(server)
    form_a, form_b = form_of(a.get(EDIT).text, "editor"), form_of(b.get(EDIT).text, "editor")
    assert ("revision", "1") in form_a and form_a == form_b
    # A adds what they offer; B, on the form loaded before, rewrites the description
    assert submit(a, changed(form_a, offers="Dữ liệu ao nuôi tôm theo thời gian thực.")).status_code == 303
    assert stored(db).revision == 2
    mine = "Cảm biến IoT cho ao tôm ở Đồng bằng sông Cửu Long, kèm ứng dụng cho nông dân."
    r = submit(b, changed(form_b, description=mine))
    assert r.status_code == 409
    row = stored(db)
    assert row.revision == 2 and row.record["offers"] == "Dữ liệu ao nuôi tôm theo thời gian thực."  # A's save stands
    assert row.record["description"] == "IoT sensors for shrimp farms in the Mekong Delta."  # B's is not written yet
    # field by field where they differ: the stored offers against B's none, B's description against the stored one
    assert 'id="diff-offers"' in r.text and 'id="diff-description"' in r.text and 'id="diff-name"' not in r.text
    assert "Dữ liệu ao nuôi tôm theo thời gian thực." in r.text and mine in r.text
    assert "Hồ sơ này đã thay đổi trong lúc bạn chỉnh sửa" in r.text  # the default language

    resolve = form_of(r.text, "resolve")
    assert ("revision", "2") in resolve and ("description", mine) in resolve  # what B typed, to send again
    again = submit(b, resolve, action="edit")  # "Edit my version first"
    assert again.status_code == 200 and mine in again.text and 'name="revision" value="2"' in again.text
    kept = submit(b, resolve)  # "Save my version", against the new revision
    assert kept.status_code == 303 and kept.headers["location"] == EDIT
    row = stored(db)
    assert row.revision == 3 and row.record["description"] == mine and "offers" not in row.record  # B chose theirs
    assert scalar(db, "SELECT count(*) FROM audit_log WHERE entity_id = %(p)s AND action = 'update'", {"p": PID}) == 2


def test_the_conflict_page_speaks_english_and_taking_the_saved_version_keeps_it(
        db: Database, server: str, session: Callable[[str], httpx.Client]) -> None:
    a, b = session(server), session(server)
    post(b, "/locale", {"lang": "en", "next": "/"})  # type: ignore[arg-type]
    form_a, form_b = form_of(a.get(EDIT).text, "editor"), form_of(b.get(EDIT).text, "editor")
    assert submit(a, changed(form_a, name="AgriSense Mekong")).status_code == 303
    r = submit(b, changed(form_b, name="AgriSense Việt Nam"))
    assert r.status_code == 409 and "This profile changed while you were editing it" in r.text
    assert "Saved version" in r.text and "Your version" in r.text and "AgriSense Mekong" in r.text
    assert f'href="{EDIT}"' in r.text  # "Use the saved version": the editor on the stored profile
    page = b.get(EDIT).text
    assert 'value="AgriSense Mekong"' in page and 'name="revision" value="2"' in page
    assert stored(db).record["name"] == "AgriSense Mekong"


def test_the_same_change_saved_twice_is_no_conflict(
        db: Database, server: str, session: Callable[[str], httpx.Client]) -> None:
    a, b = session(server), session(server)
    form_a, form_b = form_of(a.get(EDIT).text, "editor"), form_of(b.get(EDIT).text, "editor")
    assert submit(a, changed(form_a, region="Sóc Trăng")).status_code == 303
    assert submit(b, changed(form_b, region="Sóc Trăng")).status_code == 303
    assert stored(db).revision == 2


def race_saves(pg_url: str, *saves: Callable[[], httpx.Response]) -> list[int]:
    """Run ``saves`` at once while the profile write lock is held elsewhere, release it once all of
    them wait for it; their status codes, in order."""
    holder = psycopg.connect(pg_url, autocommit=True)
    try:
        holder.execute("SELECT pg_advisory_lock(%(k)s)", {"k": profile_store.IMPORT_LOCK})
        with ThreadPoolExecutor(len(saves)) as pool:
            futures = [pool.submit(save) for save in saves]

            def waiting() -> bool:
                row = holder.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                                     ).fetchone()
                return row is not None and row[0] == len(saves)

            assert wait_until(waiting, 20), ("the saves did not reach the write lock", holder.execute(
                "SELECT state, wait_event, left(query, 100) FROM pg_stat_activity WHERE backend_type = 'client backend'"
            ).fetchall())
            holder.execute("SELECT pg_advisory_unlock(%(k)s)", {"k": profile_store.IMPORT_LOCK})
            return [f.result().status_code for f in futures]
    finally:
        holder.close()


def test_concurrent_saves_of_one_form_revision_let_exactly_one_win(
        db: Database, pg_url: str, server: str, session: Callable[[str], httpx.Client]) -> None:
    a, b = session(server), session(server)
    form_a, form_b = form_of(a.get(EDIT).text, "editor"), form_of(b.get(EDIT).text, "editor")
    codes = race_saves(pg_url, lambda: submit(a, changed(form_a, needs="Khách hàng thí điểm ở Nhật Bản.")),
                       lambda: submit(b, changed(form_b, needs="Nhà đầu tư hạt giống ở Singapore.")))
    assert sorted(codes) == [303, 409]
    assert stored(db).revision == 2


def bearer(db: Database) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(db, 'owner@agrisense.example')[1]}"}


def test_the_api_gives_an_etag_and_honours_if_match(db: Database, server: str) -> None:
    headers = bearer(db)
    with httpx.Client(base_url=server, headers=headers) as api:
        r = api.get(API)
        assert r.status_code == 200 and r.headers["etag"] == '"1"'
        body = {k: v for k, v in r.json().items() if k != "contact_email"}
        first = api.put(API, json={**body, "offers": "Dữ liệu ao nuôi."}, headers={"If-Match": '"1"'})
        assert first.status_code == 200 and first.headers["etag"] == '"2"'
        stale = api.put(API, json={**body, "needs": "Khách hàng ở Nhật."}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412 and stale.headers["content-type"].startswith("application/problem+json")
        assert stale.headers["etag"] == '"2"' and stale.json()["status"] == 412
        assert stored(db).record["offers"] == "Dữ liệu ao nuôi." and stored(db).revision == 2  # nothing reverted
        for tag in ('W/"2"', '"7"', "garbage"):  # weak tags never match a write; nor do tags never sent
            assert api.put(API, json=body, headers={"If-Match": tag}).status_code == 412
        both = api.put(API, json={**body, "offers": "Dữ liệu."}, headers={"If-Match": '"1", "2"'})
        assert both.status_code == 200 and both.headers["etag"] == '"3"'
        assert api.put(API, json=body, headers={"If-Match": "*"}).status_code == 200
        assert api.put("/api/v1/profiles/vn-nobody", json={**body, "id": "vn-nobody"},
                       headers={"If-Match": "*"}).status_code == 412  # nothing there to match
        # without If-Match the last write wins, as before (existing clients keep working)
        last = api.put(API, json={**body, "name": "AgriSense 2"})
        assert last.status_code == 200 and last.headers["etag"] == '"5"'
        assert api.get(API).headers["etag"] == '"5"'


def test_concurrent_api_writes_with_one_etag_let_exactly_one_win(db: Database, pg_url: str, server: str) -> None:
    headers = bearer(db)
    with httpx.Client(base_url=server, headers=headers) as api:
        body = {k: v for k, v in api.get(API).json().items() if k != "contact_email"}

        def put(needs: str) -> Callable[[], httpx.Response]:
            return lambda: api.put(API, json={**body, "needs": needs}, headers={"If-Match": '"1"'})

        codes = race_saves(pg_url, put("Khách hàng ở Nhật."), put("Nhà đầu tư ở Singapore."))
    assert sorted(codes) == [200, 412] and stored(db).revision == 2


def test_the_api_put_requires_a_json_body(db: Database, server: str) -> None:
    headers = bearer(db)
    with httpx.Client(base_url=server, headers=headers) as api:
        body = api.get(API).content
        for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
            sent = {**headers, **({"Content-Type": content_type} if content_type else {})}
            r = api.put(API, content=body, headers=sent)
            assert r.status_code == 415, content_type
            assert r.headers["content-type"].startswith("application/problem+json") and r.json()["status"] == 415
        ok = api.put(API, content=body, headers={"Content-Type": "application/json; charset=utf-8"})
        assert ok.status_code == 200
    assert stored(db).revision == 1  # unchanged content: nothing written
