"""The programme office's brokering queue (``/officer/introductions``): introductions to or from
an anonymous profile, which an officer forwards to the recipient or declines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from web.http import session
from web.http.deps import DB, Locale, MailerDep, Officer, RowId, require_officer
from web.http.render import redirect, render
from web.i18n import N_
from web.services import brokering

router = APIRouter(dependencies=[Depends(require_officer)])


@router.get("/introductions")
def queue_page(request: Request, db: DB, user: Officer, locale: Locale) -> Response:
    return render(request, "officer/introductions.html", {"items": brokering.queue(db, user, locale)})


@router.post("/introductions/{intro_id}/forward")
def forward(request: Request, db: DB, mailer: MailerDep, user: Officer, intro_id: RowId,
            note: Annotated[str, Form()] = "") -> Response:
    brokering.forward(db, mailer, user, intro_id, note)
    session.flash(request, N_("Forwarded. The recipient can now accept or decline the introduction."))
    return redirect(request, "/officer/introductions")


@router.post("/introductions/{intro_id}/decline")
def decline(request: Request, db: DB, mailer: MailerDep, user: Officer, intro_id: RowId,
            reason: Annotated[str, Form()] = "") -> Response:
    brokering.decline(db, mailer, user, intro_id, reason)
    session.flash(request, N_("Declined. The requester has been told; the other side never saw the request."))
    return redirect(request, "/officer/introductions")
