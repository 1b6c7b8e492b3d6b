"""Web security: CSRF on every unsafe request, cookie flags, headers and CSP, escaping, lockout,
ownership checks, friendly error pages, and contact details that never leak."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.web.webkit import (
    PASSWORD,
    csrf,
    database_with,
    load_small,
    member,
    post,
    scalar,
    sign_in,
    web_client,
)
from web.db.pool import Database
from web.services.profiles import import_records
from web.settings import Settings

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
UNSAFE = [("/login", {"email": "x@y.example", "password": "x"}), ("/register", {"email": "a@b.example"}),
          ("/logout", {}), ("/locale", {"lang": "en"}), ("/password/forgot", {"email": "a@b.example"}),
          ("/me/profiles/new", {"name": "X"}), ("/me/profiles/preview", {}), ("/me/profiles/suggestions", {}),
          ("/matches/feedback", {"profile": "a", "target": "b", "verdict": "saved"}),
          ("/introductions", {"from_profile": "a", "to_profile": "b"}), ("/introductions/1/accept", {}),
          ("/admin/users/1/role", {"role": "admin"}), ("/password/reset/abc", {"password": "x" * 12})]


@pytest.mark.parametrize(("path", "data"), UNSAFE)
def test_post_without_or_with_a_wrong_csrf_token_is_rejected(db: Database, settings: Settings, path: str,
                                                             data: dict[str, str]) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        assert c.post(path, data=data, follow_redirects=False).status_code == 403
        assert c.post(path, data={**data, "csrf_token": "forged"}, follow_redirects=False).status_code == 403
        assert c.post(path, data=data, headers={"X-CSRF-Token": "forged"}, follow_redirects=False).status_code == 403


def test_the_csrf_header_is_accepted_as_htmx_sends_it(db: Database, settings: Settings) -> None:
    with web_client(settings, db) as c:
        token = csrf(c)
        r = c.post("/locale", data={"lang": "en"}, headers={"X-CSRF-Token": token}, follow_redirects=False)
        assert r.status_code == 303
        assert 'hx-headers=\'{"X-CSRF-Token": "' + token in c.get("/").text


def test_a_session_from_another_browser_cannot_reuse_a_token(db: Database, settings: Settings) -> None:
    with web_client(settings, db) as c1, web_client(settings, db) as c2:
        token = csrf(c1)
        csrf(c2)
        assert c2.post("/locale", data={"lang": "en", "csrf_token": token}, follow_redirects=False).status_code == 403


def test_session_cookie_is_an_opaque_id_httponly_lax_and_secure_over_https(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        r = sign_in(c, "m@x.example")
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
        sid = c.cookies["caunoi_session"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", sid)  # 32 random bytes, nothing else
        assert scalar(db, "SELECT count(*) FROM sessions WHERE id_hash = %(h)s AND user_id IS NOT NULL",
                      {"h": hashlib.sha256(sid.encode()).hexdigest()}) == 1
        assert scalar(db, "SELECT count(*) FROM sessions WHERE id_hash = %(s)s", {"s": sid}) == 0
        for forged in ("forged.value", "A" * 43):
            c.cookies.clear()
            c.cookies.set("caunoi_session", forged)
            assert c.get("/matches", follow_redirects=False).status_code == 303  # a forged cookie is no session
    with web_client(settings, db, base_url="https://testserver") as c:
        assert "; secure" in sign_in(c, "m@x.example").headers["set-cookie"].lower()
    with web_client(settings, db) as c:
        r = c.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "; secure" in r.headers["set-cookie"].lower()
    https = settings.model_copy(update={"base_url": "https://caunoi.example"})
    with web_client(https, db) as c:
        assert "secure" in c.get("/login").headers["set-cookie"].lower()


@pytest.mark.parametrize("path", ["/", "/directory", "/login", "/no-such-page", "/static/app.css"])
def test_security_headers_on_pages_errors_and_static_files(db: Database, settings: Settings, path: str) -> None:
    with web_client(settings, db) as c:
        r = c.get(path)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY" and r.headers["referrer-policy"]


def test_templates_have_no_inline_scripts_handlers_or_styles() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r"\sstyle\s*=", text), path


def test_a_profile_containing_markup_renders_as_text(db: Database, settings: Settings) -> None:
    import_records(db, [{"id": "vn-evil", "kind": "startup", "name": "<script>alert(1)</script>Evil",
                         "country": "VN", "description": "<img src=x onerror=alert(2)> description",
                         "website": "javascript:alert(3)"}])
    with web_client(settings, db) as c:
        for path in ("/profiles/vn-evil", "/directory", "/directory?q=description"):
            html = c.get(path).text
            assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
            assert "<img src=x" not in html
        assert 'href="javascript:' not in c.get("/profiles/vn-evil").text


def test_repeated_wrong_passwords_lock_the_account_for_a_while(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        for _ in range(settings.login_max_failures):
            r = post(c, "/login", {"email": "m@x.example", "password": "wrong-password"})
            assert r.status_code == 401 and "Sai địa chỉ e-mail hoặc mật khẩu" in r.text
        r = post(c, "/login", {"email": "m@x.example", "password": PASSWORD})
        assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= settings.login_lockout_minutes * 60
        with db.connection() as conn:  # the lockout's window ends
            conn.execute("UPDATE rate_limits SET resets_at = now() - interval '1 second'")
        assert post(c, "/login", {"email": "m@x.example", "password": PASSWORD}).status_code == 303


def test_many_attempts_from_one_address_are_slowed_down(db: Database, settings: Settings) -> None:
    with database_with(settings, ratelimit_login_client=3) as (limited, limited_db), \
            web_client(limited, limited_db) as c:
        answers = [post(c, "/login", {"email": f"u{i}@x.example", "password": "nope"}) for i in range(5)]
    assert [r.status_code for r in answers] == [401, 401, 401, 429, 429]
    assert 0 < int(answers[3].headers["retry-after"]) <= 300


def test_a_member_cannot_edit_or_see_private_fields_of_another_profile(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "a@x.example", owns=("vn-agrisense",))
    with web_client(settings, db) as c:
        sign_in(c, "a@x.example")
        r = c.get("/me/profiles/vn-chipviet")
        assert r.status_code == 404 and "hello@chipviet.example" not in r.text
        r = post(c, "/me/profiles/vn-chipviet", {"kind": "startup", "name": "Hijacked", "country": "VN",
                                                  "description": "mine now"})
        assert r.status_code == 404
        assert "hello@chipviet.example" not in c.get("/profiles/vn-chipviet").text
        assert post(c, "/matches/feedback", {"profile": "vn-chipviet", "target": "kr-hanpack",
                                             "verdict": "hidden"}).status_code == 404
        r = post(c, "/introductions", {"from_profile": "vn-chipviet", "to_profile": "kr-hanpack"})
        assert r.status_code == 403
    assert scalar(db, "SELECT name FROM profiles WHERE id = 'vn-chipviet'") == "ChipViệt"
    assert scalar(db, "SELECT count(*) FROM introductions") == 0


def test_pages_that_need_a_login_redirect_and_admin_pages_need_an_admin(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        for path in ("/me/profiles", "/matches", "/introductions", "/admin/users", "/admin/outbox", "/admin/audit"):
            r = c.get(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
        r = c.get("/matches", headers={"HX-Request": "true"}, follow_redirects=False)
        assert r.headers["HX-Redirect"].startswith("/login")
        sign_in(c, "m@x.example")
        for path in ("/admin/users", "/admin/outbox", "/admin/audit"):
            assert c.get(path).status_code == 403
        assert post(c, "/admin/users/1/role", {"role": "admin"}).status_code == 403
    assert scalar(db, "SELECT role FROM users") == "member"


def test_error_pages_are_friendly_in_both_languages(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from web.services import directory

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(directory, "home_counts", boom)
    with web_client(settings, db, raise_server_exceptions=False) as c:
        r = c.get("/")
        assert r.status_code == 500 and "Đã có lỗi xảy ra" in r.text
        assert "secret internals" not in r.text and "Traceback" not in r.text
        assert r.headers["content-security-policy"]
        r = c.get("/nowhere")
        assert r.status_code == 404 and "Không tìm thấy trang" in r.text and "Cầu Nối" in r.text
        post(c, "/locale", {"lang": "en"})
        assert "Something went wrong" in c.get("/").text
        assert "Page not found" in c.get("/profiles/nobody").text
        r = c.get("/nowhere", headers={"HX-Request": "true"})
        assert r.status_code == 404 and r.headers["HX-Retarget"] == "#messages" and "<html" not in r.text
        assert c.get("/api/v1/nowhere").headers["content-type"].startswith("application/problem+json")


def test_a_value_the_database_cannot_store_is_refused_on_pages_and_in_the_api(
        db: Database, settings: Settings) -> None:
    """A NUL character, which PostgreSQL cannot store, is refused before it gets there
    (``web.http.deps.refuse_unstorable``): in a path it names nothing (404), in a parameter it is a bad
    request (400); a page for people, problem+json for programs, never a server error."""
    with web_client(settings, db) as c:
        r = c.get("/profiles/a%00b")
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert "Traceback" not in r.text and "NUL" not in r.text
        r = c.get("/api/v1/profiles?q=a%00b")
        assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["title"] == "Bad request" and r.json()["instance"] == "/api/v1/profiles"


def test_contact_details_never_reach_pages_without_an_accepted_introduction(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "a@x.example", owns=("vn-chipviet",))
    secrets = ("bd@hanpack.example",)
    with web_client(settings, db) as c:
        pages = ["/", "/directory", "/directory?q=chip+packaging", "/profiles/kr-hanpack"]
        texts = [c.get(p).text for p in pages]
        sign_in(c, "a@x.example")
        texts += [c.get(p).text for p in [*pages, "/matches", "/introductions"]]
        texts.append(post(c, "/me/profiles/preview", {"kind": "startup", "name": "X", "country": "VN",
                                                      "description": "chip design", "sectors": ["semiconductors"],
                                                      "cooperation_sought": ["technology_transfer"]},
                          headers={"HX-Request": "true"}).text)
    assert "HanPack" in texts[-2] or "HanPack" in texts[-1]
    for text in texts:
        assert not any(s in text for s in secrets)


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_text_handed_to_gettext_is_markup_only_when_it_is_a_catalogue_message(locale: str) -> None:
    """A validation reason that quotes the user's input reaches templates through ``_()``, which
    Jinja marks safe: only catalogue messages may carry markup, anything else is escaped."""
    from web.i18n import Renderer

    env = Renderer().envs[locale]
    page = env.from_string("{{ _(reason) }}|{{ _(title) }}").render(
        reason='languages: "<img src=x onerror=alert(1)> (100%)" is not a language code',
        title="Connecting Vietnam's innovators with <em>technology partners</em> worldwide",
    )
    reason, title = page.split("|")
    assert "<img" not in reason and "&lt;img src=x onerror=alert(1)&gt; (100%)" in reason
    assert title.count("<em>") == 1  # the catalogue's own markup stays markup
