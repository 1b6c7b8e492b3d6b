"""Introductions: request, answer (accept / decline), withdraw, and the message thread."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from web.http import session
from web.http.deps import DB, Locale, MailerDep, PartyDep, RowId
from web.http.render import is_htmx, redirect, render
from web.i18n import N_
from web.services import introductions

router = APIRouter(prefix="/introductions")


@router.get("")
def list_page(request: Request, db: DB, party: PartyDep, locale: Locale) -> Response:
    items = introductions.list_for(db, party, locale)
    received = [i for i in items if i.direction == "received"]
    sent = [i for i in items if i.direction == "sent"]
    return render(request, "introductions/list.html", {"received": received, "sent": sent})


@router.post("")
def request_intro(request: Request, db: DB, mailer: MailerDep, party: PartyDep,
                  from_profile: Annotated[str, Form()], to_profile: Annotated[str, Form()],
                  message: Annotated[str, Form()] = "") -> Response:
    intro_id = introductions.request(db, mailer, party, from_profile, to_profile, message)
    session.flash(request, N_("Introduction requested. We will let you know when they answer."))
    return redirect(request, f"/introductions/{intro_id}")


@router.get("/{intro_id}")
def detail(request: Request, db: DB, party: PartyDep, locale: Locale, intro_id: RowId) -> Response:
    view = introductions.get_for(db, party, intro_id, locale)
    return render(request, "introductions/detail.html", {"i": view})


@router.post("/{intro_id}/accept")
def accept(request: Request, db: DB, mailer: MailerDep, party: PartyDep, intro_id: RowId) -> Response:
    introductions.accept(db, mailer, party, intro_id)
    session.flash(request, N_("Accepted. You can now see each other's contact details."))
    return redirect(request, f"/introductions/{intro_id}")


@router.post("/{intro_id}/decline")
def decline(request: Request, db: DB, mailer: MailerDep, party: PartyDep, intro_id: RowId,
            reason: Annotated[str, Form()] = "", share_reason: Annotated[str, Form()] = "") -> Response:
    introductions.decline(db, mailer, party, intro_id, reason, share_reason == "on")
    session.flash(request, N_("Declined. The requester has been told politely."))
    return redirect(request, f"/introductions/{intro_id}")


@router.post("/{intro_id}/withdraw")
def withdraw(request: Request, db: DB, mailer: MailerDep, party: PartyDep, intro_id: RowId) -> Response:
    introductions.withdraw(db, mailer, party, intro_id)
    session.flash(request, N_("Request withdrawn."))
    return redirect(request, f"/introductions/{intro_id}")


@router.post("/{intro_id}/messages")
def post_message(request: Request, db: DB, party: PartyDep, locale: Locale, intro_id: RowId,
                 body: Annotated[str, Form()]) -> Response:
    introductions.post_message(db, party, intro_id, body)
    view = introductions.get_for(db, party, intro_id, locale)
    if is_htmx(request):
        return render(request, "introductions/detail.html", {"i": view}, block="thread")
    return redirect(request, f"/introductions/{intro_id}#thread")
