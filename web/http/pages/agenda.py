"""Participants' agendas of an event: when they are present (until the timetable is published),
then their meetings by day and time, to print and as a calendar file; and an officer's print of
one participant's agenda."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from web.errors import Conflict, Invalid
from web.http import session
from web.http.deps import DB, AppSettings, Locale, PartyDep, RowId, require_officer
from web.http.pages.officer_runs import attachment
from web.http.render import redirect, render
from web.i18n import N_
from web.services.eventday import agenda, presence
from web.services.eventday.agenda import Agenda

router = APIRouter()


def _loaded(load: Callable[[], Agenda]) -> dict[str, Any]:
    """``{"a": the agenda}``, or ``{"a": None, "message": why}`` when the event is not planned
    yet (a Conflict): the page says so rather than answering with an error."""
    try:
        return {"a": load()}
    except Conflict as exc:
        return {"a": None, "message": exc.message}


# declared before ``/agenda/{list_id}``, which would take "12.ics" for its id and refuse it (422)
@router.get("/agenda/{list_id}.ics")
def calendar(db: DB, settings: AppSettings, party: PartyDep, locale: Locale, list_id: RowId) -> Response:
    data = agenda.calendar_for(db, party, list_id, settings.base_url, locale)
    return attachment(data, "text/calendar; charset=utf-8", f"agenda-{list_id}.ics")


@router.get("/agenda/{list_id}")
def agenda_page(request: Request, db: DB, party: PartyDep, locale: Locale, list_id: RowId) -> Response:
    context = _loaded(lambda: agenda.agenda_for(db, party, list_id, locale))
    return render(request, "agenda/agenda.html", context | {"list_id": list_id})


@router.post("/agenda/{list_id}/presence")
def save_presence(request: Request, db: DB, party: PartyDep, locale: Locale, list_id: RowId,
                  profile_id: Annotated[str, Form()],
                  mode: Annotated[str, Form()] = "", slots: Annotated[list[str] | None, Form()] = None) -> Response:
    view = agenda.agenda_for(db, party, list_id)
    ticked = slots or []
    try:
        presence.set_own_presence(db, party, list_id, profile_id, mode,
                                  presence.parse_slots(ticked, len(view.event.slots)))
    except (Invalid, Conflict) as exc:
        # the page again: the form as typed with its error (422), or the agenda published meanwhile (409)
        typed = {"profile_id": profile_id, "mode": mode, "slots": set(ticked)}
        error = {"profile_id": profile_id, "field": exc.field, "message": exc.message}
        return render(request, "agenda/agenda.html",
                      {"a": agenda.agenda_for(db, party, list_id, locale), "list_id": list_id, "typed": typed,
                       "error": error},
                      status_code=exc.status)
    session.flash(request, N_("Saved. The officers will place your meetings in the times you gave."))
    return redirect(request, f"/agenda/{list_id}#presence-{profile_id}")


@router.get("/agenda/{list_id}/print")
def print_page(request: Request, db: DB, party: PartyDep, locale: Locale, list_id: RowId) -> Response:
    context = _loaded(lambda: agenda.agenda_for(db, party, list_id, locale))
    return render(request, "agenda/print.html", context | {"back": f"/agenda/{list_id}"})


@router.get("/officer/lists/{list_id}/agenda/{profile_id}", dependencies=[Depends(require_officer)])
def officer_print(request: Request, db: DB, list_id: RowId, profile_id: str) -> Response:
    context = _loaded(lambda: agenda.agenda_of(db, list_id, profile_id))
    return render(request, "agenda/print.html", context | {"back": f"/officer/lists/{list_id}", "officer": True})
