"""My profiles: the list, the editor for a new or an owned profile, the live preview, and the
suggestions read from the description."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.errors import Invalid
from web.http import session
from web.http.deps import DB, FormItems, Matching, User
from web.http.render import is_htmx, redirect, render
from web.i18n import N_
from web.matching.contract import MatchingContract
from web.services import coach as coaching
from web.services import editor, editor_fields, matches, suggestions
from web.services.editor import SaveResult

router = APIRouter(prefix="/me")
KINDS = ("startup", "incubator", "cluster", "partner", "expert")
# the form's buttons that add an empty row (and their htmx fragment: the rows' block)
ADD_ROW = {"add_document": "documents", "add_asset": "ip_assets"}


def _context(request: Request, db: DB, record: dict[str, Any], profile_id: str | None,
             matching: MatchingContract) -> dict[str, Any]:
    percent, hints = editor.completeness(record)
    draft = dict(record, id=profile_id) if profile_id else record
    shown = editor.preview(matching, draft)
    results = matches.explain_results(db, shown.results)
    return {"r": record, "profile_id": profile_id, "percent": percent, "hints": hints, "results": results,
            "preview_cut": shown.cut, "preview_busy": shown.busy, "errors": {}, "extra_row": None,
            "choices": editor_fields.choice_labels(session.locale_of(request))}


def _editor(request: Request, db: DB, record: dict[str, Any], profile_id: str | None, matching: MatchingContract,
            errors: dict[str, list[str]] | None = None, status_code: int = 200, extra_row: str | None = None,
            revision: int | None = None, coach: coaching.CoachView | None = None, applied: str | None = None) -> Response:
    """The editor page; ``extra_row``: the block (documents, ip_assets) given one more empty row,
    which is all an htmx request gets back; ``coach``: the coach's panel computed now (else htmx
    loads it), ``applied``: the suggestion just filled in."""
    context = _context(request, db, record, profile_id, matching) | {
        "errors": errors or {}, "extra_row": extra_row, "suggestions": suggestions.suggest(record),
        "revision": revision, "coach": coach, "applied": applied}
    return render(request, "me/editor.html", context, status_code=status_code, block=extra_row)


def _form_profile_id(items: list[tuple[str, str]]) -> str | None:
    """The profile a preview is of (the form's hidden ``profile_id``); None for a new one, as for a
    blank id, which is no id once normalised."""
    return (dict(items).get("profile_id") or "").strip() or None


@router.get("/profiles")
def my_profiles(request: Request, db: DB, user: User) -> Response:
    return render(request, "me/profiles.html", {"profiles": matches.owned_profiles(db, user), "kinds": KINDS})


@router.get("/profiles/new")
def new_profile(request: Request, db: DB, user: User, matching: Matching, kind: str = "startup") -> Response:
    if kind not in KINDS:
        raise Invalid(N_("Unknown kind of organisation."))
    # experts are foreign, or Vietnamese living abroad: their country is where they live
    record = {"kind": kind, "country": "VN" if kind not in ("partner", "expert") else "", "languages": ["vi", "en"]}
    return _editor(request, db, record, None, matching)


@router.get("/profiles/{profile_id}")
def edit_profile(request: Request, db: DB, user: User, matching: Matching, profile_id: str,
                 coach: bool = False) -> Response:
    row = editor.load_own(db, user, profile_id)
    shown = coaching.for_record(matching, row.record, profile_id) if coach else None  # without JS: ?coach=1
    return _editor(request, db, row.record, profile_id, matching, revision=row.revision, coach=shown)


def _save(request: Request, db: DB, user: User, matching: MatchingContract, items: list[tuple[str, str]],
          profile_id: str | None) -> Response:
    record = editor.record_from_form(items)
    revision = editor.form_revision(items)
    action = dict(items).get("action")
    if action in ADD_ROW or action == "edit":  # "edit": their version again, from the conflict page
        return _editor(request, db, record, profile_id, matching, extra_row=ADD_ROW.get(action or ""),
                       revision=revision)
    if action and action.startswith(coaching.ACTION):  # a coach's suggestion filled in, not saved
        if profile_id is not None:
            editor.load_own(db, user, profile_id)
        record, key = coaching.apply(record, action)
        return _editor(request, db, record, profile_id, matching, revision=revision, applied=key,
                       coach=coaching.for_record(matching, record, profile_id))
    result: SaveResult = editor.save(db, matching, user, record, profile_id, revision)
    if result.conflict is not None:
        return render(request, "me/conflict.html", {"conflict": result.conflict, "profile_id": profile_id,
                                                    "items": editor.resubmitted(items)}, status_code=409)
    if result.errors:
        return _editor(request, db, result.record, profile_id, matching, result.errors, status_code=422,
                       revision=revision)
    session.flash(request, N_("Profile saved. Your matches are being updated."))
    return redirect(request, f"/me/profiles/{result.profile_id}")


@router.post("/profiles/new")
def create_profile(request: Request, db: DB, user: User, matching: Matching, items: FormItems) -> Response:
    return _save(request, db, user, matching, items, None)


@router.post("/profiles/preview")
def preview(request: Request, db: DB, user: User, matching: Matching, items: FormItems) -> Response:
    record = editor.record_from_form(items)
    profile_id = _form_profile_id(items)
    return render(request, "me/editor.html", _context(request, db, record, profile_id, matching), block="preview")


@router.post("/profiles/suggestions")
def suggest(request: Request, db: DB, user: User, matching: Matching, items: FormItems) -> Response:
    """The suggestions panel again, for the description being written (htmx); the boxes ticked stay."""
    if not is_htmx(request):  # nothing calls this without JavaScript: answer with the editor itself
        return _editor(request, db, editor.record_from_form(items), _form_profile_id(items), matching,
                       revision=editor.form_revision(items))
    record, ticked = editor.read_form(items)
    return render(request, "me/editor.html", {"suggestions": suggestions.suggest(record, ticked)},
                  block="suggestions")


@router.post("/profiles/{profile_id}")
def update_profile(request: Request, db: DB, user: User, matching: Matching, profile_id: str,
                   items: FormItems) -> Response:
    return _save(request, db, user, matching, items, profile_id)
