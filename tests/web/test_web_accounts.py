"""Accounts in the web app: sign-up confirmed by e-mail, sign-in and out, password reset by e-mailed
token, the outbox, and the language switch remembered per visitor and per user."""

from __future__ import annotations

import re

from tests.web.webkit import PASSWORD, csrf, member, post, scalar, sign_in, web_client
from web.db.pool import Database
from web.services.security import hash_token
from web.settings import Settings


def test_sign_up_is_confirmed_by_the_emailed_link_then_leads_to_profile_creation(db: Database,
                                                                                  settings: Settings) -> None:
    with web_client(settings, db) as c:
        r = post(c, "/register", {"email": "New@Startup.example", "password": PASSWORD, "display_name": "Lan"})
        assert r.status_code == 200 and "Hãy kiểm tra hộp thư" in r.text
        assert scalar(db, "SELECT count(*) FROM users") == 0  # nothing until the address is confirmed
        recipient, body = scalar(db, "SELECT ARRAY[recipient, body] FROM outbox WHERE kind = 'signup_confirm'")
        assert recipient == "New@Startup.example"
        token = re.search(r"/register/confirm/(\S+)", body).group(1)  # type: ignore[union-attr]
        assert token not in scalar(db, "SELECT token_hash FROM pending_registrations")
        assert "Kích hoạt tài khoản của tôi" in c.get(f"/register/confirm/{token}").text
        r = post(c, f"/register/confirm/{token}")
        assert r.status_code == 303 and r.headers["location"] == "/me/profiles"
        page = c.get("/me/profiles").text
        assert "Chào mừng bạn đến với Cầu Nối" in page and 'href="/me/profiles/new?kind=startup"' in page
        assert post(c, f"/register/confirm/{token}").status_code == 422  # once
    with db.connection() as conn:
        email, role, name, pw = conn.execute("SELECT email, role, display_name, password_hash FROM users").fetchone() \
            or ("", "", "", "")
    assert (email, role, name) == ("New@Startup.example", "member", "Lan") and pw.startswith("$argon2")


def test_sign_up_errors_are_shown_next_to_the_field(db: Database, settings: Settings) -> None:
    with web_client(settings, db) as c:
        r = post(c, "/register", {"email": "ok@x.example", "password": "short"})
        assert r.status_code == 422 and 'id="password-error"' in r.text
        r = post(c, "/register", {"email": "ok@x.example", "password": "password1234"})
        assert r.status_code == 422 and 'id="password-error"' in r.text and "quá phổ biến" in r.text
        r = post(c, "/register", {"email": "not-an-email", "password": PASSWORD})
        assert r.status_code == 422 and 'id="email-error"' in r.text
    assert scalar(db, "SELECT count(*) FROM outbox") == 0


def test_sign_in_redirects_to_next_and_sign_out_ends_the_session(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        r = post(c, "/login", {"email": "m@x.example", "password": PASSWORD, "next": "/introductions"})
        assert r.headers["location"] == "/introductions"
        r = post(c, "/login", {"email": "m@x.example", "password": PASSWORD, "next": "//evil.example"})
        assert r.headers["location"] == "/matches"
        assert c.get("/introductions").status_code == 200
        assert "Đăng xuất" in c.get("/logout").text
        assert post(c, "/logout").headers["location"] == "/"
        assert c.get("/introductions", follow_redirects=False).status_code == 303


def test_password_reset_by_emailed_token_works_once(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        r = post(c, "/password/forgot", {"email": "m@x.example"})
        assert r.status_code == 200 and "Nếu có tài khoản" in r.text
        post(c, "/password/forgot", {"email": "nobody@x.example"})  # same answer, no mail
        with db.connection() as conn:
            mails = conn.execute("SELECT recipient, subject, body FROM outbox").fetchall()
            stored = scalar(db, "SELECT token_hash FROM password_reset_tokens")
        assert len(mails) == 1 and mails[0][0] == "m@x.example"
        token = re.search(r"/password/reset/(\S+)", mails[0][2]).group(1)  # type: ignore[union-attr]
        assert stored == hash_token(token) and token not in stored
        assert 'name="password"' in c.get(f"/password/reset/{token}").text
        r = post(c, f"/password/reset/{token}", {"password": "a-brand-new-password"})
        assert r.status_code == 303
        assert "Liên kết đặt lại không hợp lệ" in c.get(f"/password/reset/{token}").text
        assert post(c, f"/password/reset/{token}", {"password": "another-new-password"}).status_code == 422
        post(c, "/logout")
        assert post(c, "/login", {"email": "m@x.example", "password": PASSWORD}).status_code == 401
        sign_in(c, "m@x.example", "a-brand-new-password")


def test_an_expired_reset_token_is_refused(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        post(c, "/password/forgot", {"email": "m@x.example"})
        with db.connection() as conn:
            body = scalar(db, "SELECT body FROM outbox")
            conn.execute("UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'")
        token = re.search(r"/password/reset/(\S+)", body).group(1)  # type: ignore[union-attr]
        assert post(c, f"/password/reset/{token}", {"password": "a-brand-new-password"}).status_code == 422


def test_a_password_change_ends_other_sessions(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as other, web_client(settings, db) as c:
        sign_in(other, "m@x.example")
        assert other.get("/matches").status_code == 200
        post(c, "/password/forgot", {"email": "m@x.example"})
        body = scalar(db, "SELECT body FROM outbox")
        token = re.search(r"/password/reset/(\S+)", body).group(1)  # type: ignore[union-attr]
        post(c, f"/password/reset/{token}", {"password": "a-brand-new-password"})
        assert other.get("/matches", follow_redirects=False).status_code == 303


def test_language_is_remembered_in_the_session_and_per_user(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        assert '<html lang="vi">' in c.get("/").text
        r = post(c, "/locale", {"lang": "en", "next": "/directory?kind=startup"})
        assert r.headers["location"] == "/directory?kind=startup"
        assert '<html lang="en">' in c.get("/").text and "Directory" in c.get("/").text
        sign_in(c, "m@x.example")
        post(c, "/locale", {"lang": "en"})
    assert scalar(db, "SELECT locale FROM users") == "en"
    with web_client(settings, db) as fresh:
        assert '<html lang="vi">' in fresh.get("/").text
        sign_in(fresh, "m@x.example")
        assert '<html lang="en">' in fresh.get("/matches").text
        assert post(fresh, "/locale", {"lang": "xx", "next": "https://evil.example"}).headers["location"] == "/"


def test_admin_lists_users_changes_roles_and_sees_outbox_and_audit(db: Database, settings: Settings) -> None:
    admin = member(db, "root@x.example", role="admin")
    m = member(db, "m@x.example")
    with web_client(settings, db) as c:
        sign_in(c, "root@x.example")
        assert "m@x.example" in c.get("/admin/users").text
        assert post(c, f"/admin/users/{m.id}/role", {"role": "officer"}).status_code == 303
        assert post(c, f"/admin/users/{admin.id}/role", {"role": "member"}).status_code == 422
        assert post(c, f"/admin/users/{m.id}/role", {"role": "emperor"}).status_code == 422
        post(c, "/password/forgot", {"email": "m@x.example"})
        assert "Đặt lại mật khẩu Cầu Nối" in c.get("/admin/outbox").text
        audit = c.get("/admin/audit?entity=user").text
        assert "set-role" in audit and "password-reset-requested" in audit
    assert scalar(db, "SELECT role FROM users WHERE id = %(id)s", {"id": m.id}) == "officer"


def test_every_form_carries_the_csrf_token(db: Database, settings: Settings) -> None:
    member(db, "root@x.example", role="admin")
    with web_client(settings, db) as c:
        token = csrf(c)
        sign_in(c, "root@x.example")
        token = csrf(c, "/")
        for path in ("/", "/login", "/register", "/password/forgot", "/me/profiles/new", "/admin/users"):
            html = c.get(path).text
            forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, flags=re.S)
            for form in forms:
                assert f'name="csrf_token" value="{token}"' in form, (path, form[:200])
