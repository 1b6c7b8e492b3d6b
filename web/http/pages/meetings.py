"""Participants' side of curated lists: the meetings proposed to their profiles (accept or
decline), and outcomes recorded after a meeting or an introduction."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from web.http import session
from web.http.deps import DB, Locale, MailerDep, PartyDep, RowId, User
from web.http.render import redirect, render
from web.i18n import N_
from web.services import introductions
from web.services.curation import meetings, outcomes
from web.services.curation.outcomes import TYPE_LABELS
from web.services.eventday import agenda

router = APIRouter()


@router.get("/meetings")
def list_page(request: Request, db: DB, party: PartyDep, locale: Locale) -> Response:
    items = meetings.meetings_for(db, party, locale)
    times = agenda.event_times(db, {m.row.list_id for m in items})
    return render(request, "meetings/list.html", {"items": items, "times": times})


@router.get("/meetings/{meeting_id}")
def detail(request: Request, db: DB, party: PartyDep, meeting_id: RowId, locale: Locale) -> Response:
    view = meetings.meeting_for(db, party, meeting_id, locale)
    times = agenda.event_times(db, [view.row.list_id]).get(view.row.list_id)
    return render(request, "meetings/detail.html", {"m": view, "types": TYPE_LABELS, "today": date.today(),
                                                    "times": times})


@router.post("/meetings/{meeting_id}/answer")
def answer(request: Request, db: DB, mailer: MailerDep, party: PartyDep, meeting_id: RowId,
           answer: Annotated[str, Form()]) -> Response:
    state = meetings.answer(db, mailer, party, meeting_id, answer)
    if state == "confirmed":
        session.flash(request, N_("Confirmed: both sides accepted. You can now see each other's contact details."))
    elif state == "declined":
        session.flash(request, N_("Declined. The officers have been told."))
    else:
        session.flash(request, N_("Accepted. We will let you know when the other side answers."))
    return redirect(request, f"/meetings/{meeting_id}")


@router.post("/meetings/{meeting_id}/outcomes")
def record_for_meeting(request: Request, db: DB, user: User, meeting_id: RowId, type: Annotated[str, Form()],
                       occurred_on: Annotated[str, Form()], note: Annotated[str, Form()] = "") -> Response:
    outcomes.record(db, user, "meeting", meeting_id, type, occurred_on, note)
    session.flash(request, N_("Outcome recorded. Thank you: it helps the programme measure what works."))
    return redirect(request, f"/meetings/{meeting_id}#outcomes")


@router.get("/introductions/{intro_id}/outcomes")
def introduction_outcomes(request: Request, db: DB, user: User, party: PartyDep, locale: Locale,
                          intro_id: RowId) -> Response:
    # the two sides' names as this user may see them: an anonymous one stays a label until accepted
    names = introductions.names_for(db, party, intro_id, locale)
    ref, rows = outcomes.list_for(db, user, "introduction", intro_id)
    return render(request, "meetings/intro_outcomes.html",
                  {"ref": ref, "outcomes": rows, "types": TYPE_LABELS, "today": date.today(), "names": names})


@router.post("/introductions/{intro_id}/outcomes")
def record_for_introduction(request: Request, db: DB, user: User, intro_id: RowId, type: Annotated[str, Form()],
                            occurred_on: Annotated[str, Form()], note: Annotated[str, Form()] = "") -> Response:
    outcomes.record(db, user, "introduction", intro_id, type, occurred_on, note)
    session.flash(request, N_("Outcome recorded. Thank you: it helps the programme measure what works."))
    return redirect(request, f"/introductions/{intro_id}/outcomes")
