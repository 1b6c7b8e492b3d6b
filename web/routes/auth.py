"""Sign up, sign in and out, password reset."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from web import session
from web.deps import DB, Locale, MailerDep, MaybeUser
from web.errors import DomainError, RateLimited
from web.i18n import N_
from web.render import redirect, render
from web.services import auth

router = APIRouter()


def _safe_next(next_url: str | None) -> str:
    return next_url if next_url and next_url.startswith("/") and not next_url.startswith("//") else "/matches"


@router.get("/login")
def login_form(request: Request, user: MaybeUser, next: str = "") -> Response:
    if user is not None:
        return redirect(request, _safe_next(next))
    return render(request, "auth/login.html", {"next": next, "email": ""})


@router.post("/login")
def login(request: Request, db: DB, email: Annotated[str, Form()], password: Annotated[str, Form()],
          next: Annotated[str, Form()] = "") -> Response:
    client = request.client.host if request.client else "?"
    try:
        if not request.app.state.login_limiter.hit(client):
            raise RateLimited(N_("Too many sign-in attempts from your network. Wait a few minutes."))
        user = auth.authenticate(db, email, password)
    except DomainError as exc:
        return render(request, "auth/login.html", {"next": next, "email": email, "error": exc.message},
                      status_code=exc.status)
    session.login(request, user)
    return redirect(request, _safe_next(next))


@router.get("/register")
def register_form(request: Request) -> Response:
    return render(request, "auth/register.html", {"values": {}, "errors": {}})


@router.post("/register")
def register(request: Request, db: DB, locale: Locale, email: Annotated[str, Form()],
             password: Annotated[str, Form()], display_name: Annotated[str, Form()] = "") -> Response:
    try:
        user = auth.register(db, email, password, display_name, locale)
    except DomainError as exc:
        values = {"email": email, "display_name": display_name}
        return render(request, "auth/register.html", {"values": values, "errors": {exc.field: exc.message}},
                      status_code=exc.status)
    session.login(request, user)
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
def forgot(request: Request, db: DB, mailer: MailerDep, locale: Locale, email: Annotated[str, Form()]) -> Response:
    auth.request_password_reset(db, mailer, email, locale)
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
    return redirect(request, "/matches")
