"""Server-side sessions: signing out, a password change, an administrator disabling a user and "sign
out everywhere" end sessions for good (a replayed cookie is an anonymous visitor); idle and absolute
expiry; a new id at sign-in; no rows for visitors who store nothing; the last-seen time written at
most once a minute."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import httpx
import pytest

from tests.web.fakes import FakeMatching
from tests.web.server import live_server
from tests.web.webkit import PASSWORD, csrf, member, post, scalar, sign_in, web_client
from web.db.pool import Database
from web.settings import Settings

COOKIE = "caunoi_session"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def id_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def signed_in(client: httpx.Client | object) -> bool:
    r = client.get("/matches", follow_redirects=False)  # type: ignore[attr-defined]
    assert r.status_code in (200, 303)
    return bool(r.status_code == 200)


def token_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match
    return match.group(1)


@pytest.mark.slow
def test_a_cookie_replayed_after_sign_out_is_an_anonymous_visitor_over_real_http(db: Database,
                                                                                 settings: Settings) -> None:
    """Before: the signed cookie stayed valid for 14 days after POST /logout, CSRF-protected posts included."""
    member(db, "m@x.example")
    with live_server(settings, db, FakeMatching(db)) as (base, _app), httpx.Client(base_url=base) as http:
        token = token_of(http.get("/login").text)
        assert http.post("/login", data={"email": "m@x.example", "password": PASSWORD,
                                          "csrf_token": token}).status_code == 303
        old_cookie = http.cookies[COOKIE]
        old_token = token_of(http.get("/matches").text)
        assert http.post("/logout", data={"csrf_token": old_token}).status_code == 303
        assert http.cookies[COOKIE] != old_cookie
    assert scalar(db, "SELECT count(*) FROM sessions WHERE user_id IS NOT NULL") == 0
    with live_server(settings, db, FakeMatching(db)) as (base, _app), \
            httpx.Client(base_url=base, cookies={COOKIE: old_cookie}) as replay:
        assert replay.get("/matches").status_code == 303
        r = replay.post("/locale", data={"lang": "en", "csrf_token": old_token})
        assert r.status_code == 403
        r = replay.post("/introductions", data={"from_profile": "a", "to_profile": "b", "csrf_token": old_token})
        assert r.status_code == 403


def test_signing_in_starts_a_session_under_a_new_id(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        post(c, "/locale", {"lang": "en"})  # an anonymous session with a row
        anonymous = c.cookies[COOKIE]
        anonymous_token = csrf(c)
        sign_in(c, "m@x.example")
        assert c.cookies[COOKIE] != anonymous and csrf(c, "/") != anonymous_token
        assert '<html lang="en">' in c.get("/matches").text  # the language came along
    with web_client(settings, db, cookies={COOKIE: anonymous}) as fixated:
        assert not signed_in(fixated)
    assert scalar(db, "SELECT count(*) FROM sessions WHERE id_hash = %(h)s", {"h": id_hash(anonymous)}) == 0


def test_changing_the_password_ends_every_other_session(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as other, web_client(settings, db) as c:
        sign_in(other, "m@x.example")
        sign_in(c, "m@x.example")
        before = c.cookies[COOKIE]
        assert "2 trình duyệt hoặc thiết bị" in c.get("/me/account").text
        r = post(c, "/me/account/password", {"current_password": "wrong-password", "password": "a-brand-new-password"})
        assert r.status_code == 422 and 'id="current-password-error"' in r.text and signed_in(other)
        r = post(c, "/me/account/password", {"current_password": PASSWORD, "password": "a-brand-new-password"})
        assert r.status_code == 303 and r.headers["location"] == "/me/account"
        assert not signed_in(other)
        assert signed_in(c) and c.cookies[COOKIE] != before  # this browser goes on, under a new id
        assert "1 trình duyệt hoặc thiết bị" in c.get("/me/account").text
    with web_client(settings, db, cookies={COOKIE: before}) as replay:
        assert not signed_in(replay)
    with web_client(settings, db) as fresh:
        sign_in(fresh, "m@x.example", "a-brand-new-password")


def test_an_administrator_disabling_a_user_ends_their_sessions_at_once(db: Database, settings: Settings) -> None:
    root = member(db, "root@x.example", role="admin")
    m = member(db, "m@x.example")
    with web_client(settings, db) as admin, web_client(settings, db) as c:
        sign_in(admin, "root@x.example")
        sign_in(c, "m@x.example")
        assert signed_in(c)
        r = post(admin, f"/admin/users/{m.id}/disabled", {"disabled": "true"})
        assert r.status_code == 303
        assert scalar(db, "SELECT count(*) FROM sessions WHERE user_id = %(u)s", {"u": m.id}) == 0
        assert not signed_in(c)
        assert post(c, "/login", {"email": "m@x.example", "password": PASSWORD}).status_code == 401
        assert post(admin, f"/admin/users/{root.id}/disabled", {"disabled": "true"}).status_code == 422
        assert post(admin, f"/admin/users/{m.id}/disabled", {"disabled": "false"}).status_code == 303
        sign_in(c, "m@x.example")
    with db.connection() as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE entity = 'user'"
                                              " AND entity_id = %(id)s AND action LIKE '%%able' ORDER BY id",
                                              {"id": str(m.id)})]
    assert actions == ["disable", "enable"]


def test_sign_out_everywhere_ends_every_session_of_the_user(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    member(db, "other@x.example")
    with web_client(settings, db) as a, web_client(settings, db) as b, web_client(settings, db) as someone:
        sign_in(a, "m@x.example")
        sign_in(b, "m@x.example")
        sign_in(someone, "other@x.example")
        r = post(a, "/me/account/sign-out-everywhere")
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert not signed_in(a) and not signed_in(b) and signed_in(someone)
        assert "Bạn đã đăng xuất trên mọi trình duyệt và thiết bị" in a.get("/login").text


@pytest.mark.parametrize("column", ["last_seen_at", "created_at"])
def test_a_session_ends_when_idle_too_long_or_too_old(db: Database, settings: Settings, column: str) -> None:
    """Idle: unused for CAUNOI_SESSION_IDLE_HOURS. Absolute: CAUNOI_SESSION_LIFETIME_DAYS after it began,
    even when used a moment ago."""
    member(db, "m@x.example")
    age = {"last_seen_at": f"{settings.session_idle_hours} hours",
           "created_at": f"{settings.session_lifetime_days} days"}
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        with db.connection() as conn:
            conn.execute(f"UPDATE sessions SET {column} = now() - interval '{age[column]}' + interval '1 minute'")
        assert signed_in(c)
        with db.connection() as conn:
            conn.execute(f"UPDATE sessions SET {column} = now() - interval '{age[column]}' - interval '1 second'")
        assert not signed_in(c)
        assert post(c, "/locale", {"lang": "en"}).status_code == 303  # goes on as a visitor, under a new row
    assert scalar(db, "SELECT count(*) FROM sessions WHERE user_id IS NULL") == 1


def test_last_seen_is_written_at_most_once_a_minute(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        with db.connection() as conn:
            conn.execute("UPDATE sessions SET last_seen_at = now() - interval '30 seconds'")
        seen = scalar(db, "SELECT last_seen_at FROM sessions")
        c.get("/matches")
        assert scalar(db, "SELECT last_seen_at FROM sessions") == seen
        with db.connection() as conn:
            conn.execute("UPDATE sessions SET last_seen_at = now() - interval '61 seconds'")
        seen = scalar(db, "SELECT last_seen_at FROM sessions")
        c.get("/matches")
        assert scalar(db, "SELECT last_seen_at FROM sessions") > seen


def test_visitors_who_store_nothing_get_no_row_but_a_working_csrf_token(db: Database, settings: Settings) -> None:
    with web_client(settings, db) as crawler:
        assert "httponly" in crawler.get("/").headers["set-cookie"].lower()
        for path in ("/", "/directory", "/login", "/register"):
            assert crawler.get(path).status_code == 200
    assert scalar(db, "SELECT count(*) FROM sessions") == 0
    with web_client(settings, db) as c:
        token = csrf(c)
        assert c.post("/locale", data={"lang": "en", "csrf_token": token}, follow_redirects=False).status_code == 303
        assert scalar(db, "SELECT count(*) FROM sessions") == 1
        assert csrf(c) == token  # the row took over the token the pages already carried
        assert '<html lang="en">' in c.get("/").text
    with web_client(settings, db) as stranger:
        stranger.get("/")
        assert stranger.post("/locale", data={"lang": "en", "csrf_token": token},
                             follow_redirects=False).status_code == 403


def test_the_generated_secret_key_is_kept_in_the_data_folder_and_read_once(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """No key configured: one is generated into ``data_dir/secret_key`` (owner-only), every
    Settings of that folder gets it, and the file is not read again on each request."""
    from web.settings import Settings

    first = Settings(data_dir=tmp_path / "d", secret_key="").resolved_secret_key()
    path = tmp_path / "d" / "secret_key"
    assert path.read_text(encoding="utf-8").strip() == first and len(first) >= 48
    assert path.stat().st_mode & 0o777 == 0o600
    reads: list[Path] = []
    original = Path.read_text

    def counting(self: Path, *args: object, **kwargs: object) -> str:
        reads.append(self)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", counting)
    again = Settings(data_dir=tmp_path / "d", secret_key="")
    assert [again.resolved_secret_key() for _ in range(3)] == [first] * 3
    assert reads == []
    assert Settings(data_dir=tmp_path / "other", secret_key="").resolved_secret_key() != first
