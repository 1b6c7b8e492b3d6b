"""Officers' pages of an event's day(s): the plan (days, time slots, tables) and who is present
when, the timetable (schedule, move by hand, publish) and the day itself (attendance, no-shows,
re-optimising, walk-ins). Mounted under ``/officer`` by ``web.http.pages.officer``.

The solver runs inside the request (up to ~10 s, more when it also looks for the smallest change
of the plan); the forms are plain posts, so a second click waits for the first and changes nothing.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from web.errors import Invalid
from web.http import session
from web.http.deps import DB, MailerDep, Officer, RowId, RowIdForm, require_officer
from web.http.render import is_htmx, redirect, render, translate
from web.i18n import N_
from web.params import whole_number
from web.services.curation import lists
from web.services.eventday import board, day, presence, timetable
from web.services.eventday.plan import MAX_SLOTS, PlanForm, parse_plan_form
from web.services.eventday.presence import PresenceImport

router = APIRouter(dependencies=[Depends(require_officer)])
VIEWS = ("grid", "people")
OptionalText = Annotated[str, Form()]
Repeated = Annotated[list[str] | None, Form()]


def plan_items(day_date: Repeated = None, day_start: Repeated = None, day_end: Repeated = None,
               meeting_minutes: OptionalText = "", changeover_minutes: OptionalText = "", breaks: OptionalText = "",
               tables: OptionalText = "", table_count: OptionalText = "", min_gap: OptionalText = "",
               video_rooms: OptionalText = "", timezone: OptionalText = "",
               include_proposed: OptionalText = "") -> list[tuple[str, str]]:
    """The plan form's fields as ``(name, value)`` pairs, the day rows in order."""
    items = [("meeting_minutes", meeting_minutes), ("changeover_minutes", changeover_minutes), ("breaks", breaks),
             ("tables", tables), ("table_count", table_count), ("min_gap", min_gap), ("video_rooms", video_rooms),
             ("timezone", timezone), ("include_proposed", include_proposed)]
    for on, start, end in zip_longest(day_date or [], day_start or [], day_end or [], fillvalue=""):
        items += [("day_date", on), ("day_start", start), ("day_end", end)]
    return items


PlanItems = Annotated[list[tuple[str, str]], Depends(plan_items)]


def _slot_number(value: str, name: str) -> int:
    """A time slot's number from a form field (the service checks it is one of the event's);
    Invalid naming the field for anything that is not a whole number."""
    try:
        number = whole_number(value, low=0, high=MAX_SLOTS)
    except ValueError:
        number = None
    if number is None:
        raise Invalid(N_("Choose a time slot of this event."), field=name)
    return number


def _flash(request: Request, message: str, kind: str = "ok", **values: Any) -> None:
    """Flash ``message`` (a msgid) with its ``%(name)s`` values filled in, in the page's language."""
    session.flash(request, translate(request, message) % values if values else message, kind)


def _page(list_id: int, name: str, now: int | None = None) -> str:
    return f"/officer/lists/{list_id}/{name}" + (f"?now={now}" if now is not None else "")


# --- the plan and presence -----------------------------------------------------------------------

def _setup_page(request: Request, db: DB, list_id: int, form: PlanForm, *, report: PresenceImport | None = None,
                pasted: str = "", status_code: int = 200) -> Response:
    context = {"d": lists.detail(db, list_id), "tab": "event", "form": form, "b": board.board(db, list_id),
               "report": report, "pasted": pasted}
    return render(request, "officer/event_plan.html", context, status_code=status_code)


@router.get("/lists/{list_id}/event")
def plan_page(request: Request, db: DB, user: Officer, list_id: RowId) -> Response:
    return _setup_page(request, db, list_id, timetable.plan_form(db, list_id))


@router.post("/lists/{list_id}/event")
def save_plan(request: Request, db: DB, user: Officer, list_id: RowId, items: PlanItems) -> Response:
    form = parse_plan_form(items)
    if not form.ok:
        return _setup_page(request, db, list_id, form, status_code=422)
    timetable.save_plan(db, user, list_id, form)
    session.flash(request, N_("The event's plan is saved."))
    return redirect(request, _page(list_id, "event") + "#slots")


@router.post("/lists/{list_id}/event/presence")
def set_presence(request: Request, db: DB, user: Officer, list_id: RowId, profile_id: Annotated[str, Form()],
                 mode: OptionalText = "", slots: Repeated = None) -> Response:
    b = board.board(db, list_id)
    chosen = presence.parse_slots(slots or [], len(b.event.slots) if b else 0) if mode == "slots" else []
    presence.set_presence(db, user, list_id, profile_id, mode, chosen)
    session.flash(request, N_("Presence saved."))
    return redirect(request, _page(list_id, "event") + "#presence")


@router.post("/lists/{list_id}/event/presence.csv")
def import_presence(request: Request, db: DB, user: Officer, list_id: RowId,
                    file: Annotated[UploadFile | None, File()] = None, text: OptionalText = "") -> Response:
    data = text.encode("utf-8") if text.strip() else (file.file.read(1_000_001) if file is not None else b"")
    report = presence.import_csv(db, user, list_id, data)
    if report.errors:
        return _setup_page(request, db, list_id, timetable.plan_form(db, list_id), report=report, pasted=text,
                           status_code=422)
    _flash(request, N_("Presence imported. Participants updated: %(count)s."), count=report.updated)
    return redirect(request, _page(list_id, "event") + "#presence")


# --- the timetable -------------------------------------------------------------------------------

def _timetable_page(request: Request, db: DB, list_id: int, view: str, *, refused: timetable.MoveRefused | None = None,
                    status_code: int = 200) -> Response:
    context = {"d": lists.detail(db, list_id), "tab": "timetable", "b": board.board(db, list_id),
               "view": view if view in VIEWS else "grid", "refused": refused, "reasons": board.REASONS}
    return render(request, "officer/event_timetable.html", context, status_code=status_code)


@router.get("/lists/{list_id}/timetable")
def timetable_page(request: Request, db: DB, user: Officer, list_id: RowId, view: str = "grid") -> Response:
    return _timetable_page(request, db, list_id, view)


@router.post("/lists/{list_id}/timetable/schedule")
def schedule(request: Request, db: DB, user: Officer, list_id: RowId) -> Response:
    summary = timetable.schedule(db, user, list_id)
    _flash(request, N_("Scheduled. Meetings placed: %(placed)s of %(total)s."), placed=summary["placed"],
           total=summary["total"])
    return redirect(request, _page(list_id, "timetable"))


@router.post("/lists/{list_id}/timetable/move")
def move(request: Request, db: DB, mailer: MailerDep, user: Officer, list_id: RowId, meeting_id: RowIdForm,
         slot: OptionalText = "", table: OptionalText = "", view: OptionalText = "grid") -> Response:
    number = _slot_number(slot, "slot")
    try:
        report = timetable.move(db, mailer, user, list_id, meeting_id, number, table.strip() or None)
    except timetable.MoveRefused as refused:
        return _timetable_page(request, db, list_id, view, refused=refused, status_code=422)
    session.flash(request, N_("Meeting moved."))
    for clash in report.warnings:
        _flash(request, timetable.clash_message(clash), "warn", who=report.who(clash))
    return redirect(request, _page(list_id, "timetable") + ("?view=people" if view == "people" else "")
                    + f"#m-{meeting_id}")


@router.post("/lists/{list_id}/timetable/publish")
def publish(request: Request, db: DB, mailer: MailerDep, user: Officer, list_id: RowId,
            confirm: OptionalText = "") -> Response:
    if confirm != "on":
        raise Invalid(N_("Tick the box to confirm that the participants may be mailed their agenda."), field="confirm")
    count = timetable.publish(db, mailer, user, list_id)
    _flash(request, N_("The agenda is published. E-mails on their way: %(count)s."), count=count)
    return redirect(request, _page(list_id, "timetable"))


# --- on the day ----------------------------------------------------------------------------------

def _day_context(db: DB, list_id: int, asked: str | None) -> dict[str, Any]:
    b = board.board(db, list_id)
    now = b.now_slot(asked) if b is not None and b.event.slots else None
    return {"d": lists.detail(db, list_id), "tab": "day", "b": b, "now": now, "reasons": board.REASONS}


@router.get("/lists/{list_id}/day")
def day_page(request: Request, db: DB, user: Officer, list_id: RowId, now: str = "") -> Response:
    return render(request, "officer/event_day.html", _day_context(db, list_id, now))


@router.post("/lists/{list_id}/day/attendance")
def mark(request: Request, db: DB, mailer: MailerDep, user: Officer, list_id: RowId, meeting_id: RowIdForm,
         attendance: OptionalText = "", now: OptionalText = "") -> Response:
    at = _slot_number(now, "now") if now.strip() else None
    day.mark(db, mailer, user, list_id, meeting_id, attendance if attendance not in ("", "clear") else None)
    if is_htmx(request):
        return render(request, "officer/event_day.html", _day_context(db, list_id, now), block="today")
    session.flash(request, N_("Attendance saved."))
    return redirect(request, _page(list_id, "day", at) + f"#m-{meeting_id}")


@router.post("/lists/{list_id}/day/no-show")
def no_show(request: Request, db: DB, user: Officer, list_id: RowId, profile_id: Annotated[str, Form()],
            now: OptionalText = "") -> Response:
    at = _slot_number(now, "now")
    count = day.no_show(db, user, list_id, profile_id, at)
    _flash(request, N_("Marked as not present. Meetings that gave their time slot back: %(count)s. Re-optimise to use them."),
           count=count)
    return redirect(request, _page(list_id, "day", at))


@router.post("/lists/{list_id}/day/reoptimise")
def reoptimise(request: Request, db: DB, mailer: MailerDep, user: Officer, list_id: RowId,
               now: OptionalText = "") -> Response:
    at = _slot_number(now, "now")
    report = day.reoptimise(db, mailer, user, list_id, at)
    _flash(request, N_("Re-optimised. Moved: %(moved)s; in the timetable: %(placed)s; left out: %(unplaced)s."),
           moved=report.moved, placed=report.placed, unplaced=report.unplaced)
    return redirect(request, _page(list_id, "day", at))


@router.post("/lists/{list_id}/day/walk-in")
def walk_in(request: Request, db: DB, mailer: MailerDep, user: Officer, list_id: RowId,
            a_id: Annotated[str, Form()], b_id: Annotated[str, Form()], now: OptionalText = "") -> Response:
    at = _slot_number(now, "now")
    report = day.walk_in(db, mailer, user, list_id, a_id, b_id, at)
    placed = report.walk_in or {}
    b = board.board(db, list_id)
    if placed.get("slot") is not None and b is not None:
        _flash(request, N_("Walk-in meeting placed: %(when)s, %(where)s."),
               when=timetable.slot_label(b.event, placed["slot"]),
               where=placed["table"] or translate(request, N_("video room")))
    else:
        reason = board.REASONS.get(placed.get("reason") or "", N_("No free time slot is left that both share."))
        _flash(request, N_("The walk-in meeting could not be placed: %(reason)s It is listed below."), "warn",
               reason=translate(request, reason))
    return redirect(request, _page(list_id, "day", at) + (f"#m-{placed['id']}" if "id" in placed else ""))
