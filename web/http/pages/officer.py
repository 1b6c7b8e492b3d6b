"""Programme officers' pages (``/officer/...``): match lists, their participants and rules,
publishing and closing. Runs are in ``officer_runs``, the dashboard in ``officer_reports``.

Every route needs the officer or admin role (router dependency); the app-wide CSRF check covers
every form and htmx request.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from web.errors import Invalid
from web.http import session
from web.http.deps import DB, FormItems, MailerDep, Officer, QueryParams, RowId, RowIdForm, require_officer
from web.http.pages import (
    officer_event,
    officer_exposure,
    officer_intros,
    officer_reports,
    officer_runs,
    officer_targets,
)
from web.http.pages.officer_runs import XLSX, attachment
from web.http.render import is_htmx, redirect, render, translate
from web.i18n import N_
from web.interchange import exports
from web.services.curation import lists, meetings
from web.services.curation.forms import (
    FAIRNESS,
    LIST_KINDS,
    ListForm,
    form_from_row,
    parse_count,
    parse_list_form,
)
from web.services.curation.outcomes import TYPE_LABELS
from web.services.directory import DirectoryQuery
from web.store.directory import FACETS

router = APIRouter(prefix="/officer", dependencies=[Depends(require_officer)])


def _form_page(request: Request, form: ListForm, list_id: int | None, status_code: int = 200) -> Response:
    return render(request, "officer/list_form.html",
                  {"form": form, "list_id": list_id, "kinds": LIST_KINDS, "fairness": FAIRNESS},
                  status_code=status_code)


@router.get("")
def index(request: Request) -> Response:
    return redirect(request, "/officer/lists")


@router.get("/lists")
def lists_page(request: Request, db: DB, user: Officer) -> Response:
    return render(request, "officer/lists.html", {"lists": lists.list_lists(db)})


@router.get("/lists/new")
def new_list(request: Request, user: Officer) -> Response:
    return _form_page(request, parse_list_form({"name": "", "kind": "event", "min_a": "1", "min_b": "0"}), None)


@router.post("/lists")
def create_list(request: Request, db: DB, user: Officer, items: FormItems) -> Response:
    form = parse_list_form(dict(items))
    if not form.ok:
        return _form_page(request, form, None, status_code=422)
    list_id = lists.create_list(db, user, form)
    session.flash(request, N_("Match list created. Now add its participants."))
    return redirect(request, f"/officer/lists/{list_id}/participants")


@router.get("/lists/{list_id}")
def list_page(request: Request, db: DB, user: Officer, list_id: RowId) -> Response:
    return render(request, "officer/list.html", {"d": lists.detail(db, list_id), "tab": "overview"})


@router.get("/lists/{list_id}/edit")
def edit_list(request: Request, db: DB, user: Officer, list_id: RowId) -> Response:
    return _form_page(request, form_from_row(lists.get_list(db, list_id)), list_id)


@router.post("/lists/{list_id}/edit")
def update_list(request: Request, db: DB, user: Officer, list_id: RowId, items: FormItems) -> Response:
    form = parse_list_form(dict(items))
    if not form.ok:
        return _form_page(request, form, list_id, status_code=422)
    lists.update_list(db, user, list_id, form)
    session.flash(request, N_("Match list saved."))
    return redirect(request, f"/officer/lists/{list_id}")


@router.get("/lists/{list_id}/participants")
def participants_page(request: Request, db: DB, user: Officer, list_id: RowId, params: QueryParams) -> Response:
    query = DirectoryQuery.parse(params)
    preview = None
    if query.active:
        preview = lists.preview_filter(db, list_id, query.filters)
    q = ((params.get("q") or [""])[0] or "").strip()
    experts_only = (params.get("experts") or [""])[0] == "on"
    found = lists.find_profiles(db, list_id, q, kind="expert" if experts_only else None) if q else []
    context = {"d": lists.detail(db, list_id), "tab": "participants", "query": query, "preview": preview,
               "q": q, "found": found, "facets": FACETS, "report": None, "experts_only": experts_only}
    return render(request, "officer/participants.html", context, block="pickers" if is_htmx(request) else None)


@router.post("/lists/{list_id}/participants/filter")
def add_by_filter(request: Request, db: DB, user: Officer, list_id: RowId, items: FormItems) -> Response:
    params: dict[str, list[str]] = {}
    for key, value in items:
        params.setdefault(key, []).append(value)
    added = lists.add_by_filter(db, user, list_id, DirectoryQuery.parse(params).filters)
    session.flash(request, N_("Participants added.") if added else N_("No new participants: they are all on the list already."))
    return redirect(request, f"/officer/lists/{list_id}/participants")


@router.post("/lists/{list_id}/participants/add")
def add_by_hand(request: Request, db: DB, user: Officer, list_id: RowId, profile_id: Annotated[str, Form()],
                side: Annotated[str, Form()] = "") -> Response:
    lists.add_by_hand(db, user, list_id, [profile_id], side or None)
    session.flash(request, N_("Participant added."))
    return redirect(request, f"/officer/lists/{list_id}/participants")


@router.post("/lists/{list_id}/participants/import")
def import_csv(request: Request, db: DB, user: Officer, list_id: RowId,
               file: Annotated[UploadFile | None, File()] = None, text: Annotated[str, Form()] = "") -> Response:
    data = text.encode("utf-8") if text.strip() else (file.file.read(1_000_001) if file is not None else b"")
    report = lists.import_csv(db, user, list_id, data)
    if report.errors:
        context = {"d": lists.detail(db, list_id), "tab": "participants", "query": DirectoryQuery(), "preview": None,
                   "q": "", "found": [], "facets": FACETS, "report": report, "pasted": text}
        return render(request, "officer/participants.html", context, status_code=422)
    session.flash(request, N_("The CSV was imported."))
    return redirect(request, f"/officer/lists/{list_id}/participants")


def _count(value: str, name: str) -> int | None:
    try:
        return parse_count(value)
    except ValueError:
        raise Invalid(N_("Enter a whole number from 0 to 1000, or leave it empty."), field=name) from None


@router.post("/lists/{list_id}/participants/{profile_id}")
def update_participant(request: Request, db: DB, user: Officer, list_id: RowId, profile_id: str,
                       side: Annotated[str, Form()], min_pairs: Annotated[str, Form()] = "",
                       max_pairs: Annotated[str, Form()] = "", group_label: Annotated[str, Form()] = "") -> Response:
    lists.update_participant(db, user, list_id, profile_id, side, _count(min_pairs, "min_pairs"),
                             _count(max_pairs, "max_pairs"), group_label)
    session.flash(request, N_("Participant saved."))
    return redirect(request, f"/officer/lists/{list_id}/participants#p-{profile_id}")


@router.post("/lists/{list_id}/participants/{profile_id}/remove")
def remove_participant(request: Request, db: DB, user: Officer, list_id: RowId, profile_id: str) -> Response:
    lists.remove_participants(db, user, list_id, [profile_id])
    if is_htmx(request):
        return Response("", status_code=200)
    session.flash(request, N_("Participant removed."))
    return redirect(request, f"/officer/lists/{list_id}/participants")


@router.get("/lists/{list_id}/rules")
def rules_page(request: Request, db: DB, user: Officer, list_id: RowId) -> Response:
    return render(request, "officer/rules.html", {"d": lists.detail(db, list_id), "tab": "rules",
                                                  "reasons": lists.PAIR_REASONS})


@router.post("/lists/{list_id}/rules")
def set_rule(request: Request, db: DB, user: Officer, list_id: RowId, a_id: Annotated[str, Form()],
             b_id: Annotated[str, Form()], kind: Annotated[str, Form()], reason: Annotated[str, Form()] = "other",
             note: Annotated[str, Form()] = "") -> Response:
    lists.set_pair(db, user, list_id, a_id, b_id, kind, reason, note)
    session.flash(request, N_("Pair blocked.") if kind == "blocked" else N_("Pair forced."))
    return redirect(request, f"/officer/lists/{list_id}/rules")


@router.post("/lists/{list_id}/rules/clear")
def clear_rule(request: Request, db: DB, user: Officer, list_id: RowId, a_id: Annotated[str, Form()],
               b_id: Annotated[str, Form()]) -> Response:
    lists.remove_pair(db, user, list_id, a_id, b_id)
    session.flash(request, N_("The pair is free again."))
    return redirect(request, f"/officer/lists/{list_id}/rules")


@router.post("/lists/{list_id}/rules/already-met")
def block_already_met(request: Request, db: DB, user: Officer, list_id: RowId) -> Response:
    n = lists.block_already_met(db, user, list_id)
    session.flash(request, N_("Pairs that already met are now blocked.") if n
                  else N_("No pair of this list has met before."))
    return redirect(request, f"/officer/lists/{list_id}/rules")


@router.post("/lists/{list_id}/publish")
def publish(request: Request, db: DB, mailer: MailerDep, user: Officer, list_id: RowId,
            run_id: RowIdForm, force: Annotated[str, Form()] = "") -> Response:
    meetings.publish(db, mailer, user, list_id, run_id, force=force == "on")
    session.flash(request, N_("Published. Participants can now accept or decline their meetings."))
    return redirect(request, f"/officer/lists/{list_id}/meetings")


@router.post("/lists/{list_id}/close")
def close(request: Request, db: DB, user: Officer, list_id: RowId) -> Response:
    meetings.close(db, user, list_id)
    session.flash(request, N_("List closed. Unanswered meetings have expired."))
    return redirect(request, f"/officer/lists/{list_id}/meetings")


@router.get("/lists/{list_id}/meetings")
def meetings_page(request: Request, db: DB, user: Officer, list_id: RowId) -> Response:
    context = {"d": lists.detail(db, list_id), "tab": "meetings", "meetings": meetings.list_meetings(db, list_id),
               "types": TYPE_LABELS, "today": date.today()}
    return render(request, "officer/meetings.html", context)


@router.get("/lists/{list_id}/participants.csv")
def export_list_csv(db: DB, list_id: RowId) -> Response:
    return attachment(exports.list_csv(db, list_id), "text/csv; charset=utf-8", f"match-list-{list_id}.csv")


@router.get("/lists/{list_id}/list.xlsx")
def export_list_xlsx(request: Request, db: DB, list_id: RowId) -> Response:
    data = exports.list_xlsx(db, list_id, lambda msg: translate(request, msg))
    return attachment(data, XLSX, f"match-list-{list_id}.xlsx")


router.include_router(officer_runs.router)
router.include_router(officer_reports.router)
router.include_router(officer_event.router)
router.include_router(officer_intros.router)
router.include_router(officer_targets.router)
router.include_router(officer_exposure.router)
