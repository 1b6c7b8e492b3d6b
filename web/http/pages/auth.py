"""Sign up (confirmed by e-mail), sign in and out, password reset, and the account page (password
change, sign out everywhere)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import Response

from web.errors import DomainError
from web.http import session
from web.http.deps import DB, ClientAddress, Locale, MailerDep, MaybeUser, User
from web.http.render import redirect, render
from web.i18n import N_
from web.services import auth
from web.store.users import UserRow

router = APIRouter()


# each role's own pages, its home first: where a user lands after signing in, what `/` offers them
ROLE_PAGES = {
    "member": (("/matches", N_("My matches")), ("/introductions", N_("Introductions")), ("/meetings", N_("Meetings"))),
    "officer": (("/officer/lists", N_("Match lists")), ("/officer/dashboard", N_("Outcomes dashboard"))),
    "admin": (("/admin/users", N_("Users")), ("/officer/lists", N_("Match lists")),
              ("/officer/dashboard", N_("Outcomes dashboard"))),
}


def role_pages(user: UserRow) -> tuple[tuple[str, str], ...]:
    """``(path, msgid)`` of the pages of ``user``'s role, its home first."""
    return ROLE_PAGES.get(user.role, ROLE_PAGES["member"])


def home_path(user: UserRow) -> str:
    """The page ``user`` lands on after signing in."""
    return role_pages(user)[0][0]


def _safe_next(next_url: str | None, user: UserRow) -> str:
    return next_url if next_url and next_url.startswith("/") and not next_url.startswith("//") else home_path(user)


@router.get("/login")
def login_form(request: Request, user: MaybeUser, next: str = "") -> Response:
    if user is not None:
        return redirect(request, _safe_next(next, user))
    return render(request, "auth/login.html", {"next": next, "email": ""})


@router.post("/login")
def login(request: Request, db: DB, client: ClientAddress, email: Annotated[str, Form()],
          password: Annotated[str, Form()], next: Annotated[str, Form()] = "") -> Response:
    try:
        user = auth.authenticate(db, email, password, client)
    except DomainError as exc:
        return render(request, "auth/login.html", {"next": next, "email": email, "error": exc.message},
                      status_code=exc.status, headers=exc.headers)
    session.login(request, user)
    return redirect(request, _safe_next(next, user))


@router.get("/register")
def register_form(request: Request, as_: Annotated[str, Query(alias="as")] = "") -> Response:
    """The sign-up form; ``?as=expert`` ticks "as an expert" (a link for experts)."""
    chosen = as_ if as_ in auth.SIGNUP_KINDS else ""
    return render(request, "auth/register.html", {"values": {"profile_kind": chosen}, "errors": {}})


@router.post("/register")
def register(request: Request, db: DB, mailer: MailerDep, locale: Locale, client: ClientAddress,
             tasks: BackgroundTasks, email: Annotated[str, Form()], password: Annotated[str, Form()],
             display_name: Annotated[str, Form()] = "", profile_kind: Annotated[str, Form()] = "") -> Response:
    try:
        kind = auth.signup_kind(profile_kind)
        auth.register(db, mailer, email, password, display_name, locale, client, tasks.add_task, kind)
    except DomainError as exc:
        values = {"email": email, "display_name": display_name, "profile_kind": profile_kind}
        return render(request, "auth/register.html", {"values": values, "errors": {exc.field: exc.message}},
                      status_code=exc.status, headers=exc.headers)
    return render(request, "auth/register.html", {"sent": True, "email": email.strip()})


@router.get("/register/confirm/{token}")
def confirm_form(request: Request, db: DB, token: str) -> Response:
    return render(request, "auth/confirm.html", {"token": token, "valid": auth.check_signup_token(db, token)})


@router.post("/register/confirm/{token}")
def confirm(request: Request, db: DB, token: str) -> Response:
    try:
        user, kind = auth.confirm_signup(db, token)
    except DomainError as exc:
        return render(request, "auth/confirm.html", {"token": token, "valid": False, "error": exc.message},
                      status_code=exc.status)
    session.login(request, user)
    if kind == "expert":  # straight to the editor of their own profile
        session.flash(request, N_("Welcome to Cầu Nối! Describe your expertise to get matches."))
        return redirect(request, "/me/profiles/new?kind=expert")
    session.flash(request, N_("Welcome to Cầu Nối! Create your organisation's profile to get matches."))
    return redirect(request, "/me/profiles")


@router.get("/logout")
def logout_form(request: Request) -> Response:
    return render(request, "auth/logout.html")


@router.post("/logout")
def logout(request: Request) -> Response:
    session.logout(request)
    session.flash(request, N_("You have signed out."))
    return redirect(request, "/")


@router.get("/password/forgot")
def forgot_form(request: Request) -> Response:
    return render(request, "auth/forgot.html", {"sent": False})


@router.post("/password/forgot")
def forgot(request: Request, db: DB, mailer: MailerDep, locale: Locale, client: ClientAddress,
           tasks: BackgroundTasks, email: Annotated[str, Form()]) -> Response:
    try:
        auth.request_password_reset(db, mailer, email, locale, client, tasks.add_task)
    except DomainError as exc:
        return render(request, "auth/forgot.html", {"sent": False, "error": exc.message},
                      status_code=exc.status, headers=exc.headers)
    return render(request, "auth/forgot.html", {"sent": True})


@router.get("/password/reset/{token}")
def reset_form(request: Request, db: DB, token: str) -> Response:
    return render(request, "auth/reset.html", {"token": token, "valid": auth.check_reset_token(db, token)})


@router.post("/password/reset/{token}")
def reset(request: Request, db: DB, token: str, password: Annotated[str, Form()]) -> Response:
    try:
        user = auth.reset_password(db, token, password)
    except DomainError as exc:
        return render(request, "auth/reset.html", {"token": token, "valid": True, "error": exc.message},
                      status_code=exc.status)
    session.login(request, user)
    session.flash(request, N_("Your password has been changed."))
    return redirect(request, home_path(user))


def _account(request: Request, db: DB, user: User, errors: dict[str | None, str] | None = None,
             status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return render(request, "me/account.html", {"sessions": auth.count_sessions(db, user), "errors": errors or {}},
                  status_code=status_code, headers=headers)


@router.get("/me/account")
def account(request: Request, db: DB, user: User) -> Response:
    return _account(request, db, user)


@router.post("/me/account/password")
def change_password(request: Request, db: DB, user: User, client: ClientAddress,
                    current_password: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
    try:
        changed = auth.change_password(db, user, current_password, password, client)
    except DomainError as exc:
        return _account(request, db, user, {exc.field: exc.message}, exc.status, exc.headers)
    session.login(request, changed)
    session.flash(request, N_("Your password has been changed. You are signed out everywhere else."))
    return redirect(request, "/me/account")


@router.post("/me/account/sign-out-everywhere")
def sign_out_everywhere(request: Request, db: DB, user: User) -> Response:
    auth.end_sessions(db, user)
    session.logout(request)
    session.flash(request, N_("You have signed out on every browser and device."))
    return redirect(request, "/login")
