"""My profiles: the list, the editor for a new or an owned profile, the live preview, and the
suggestions read from the description."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web import session
from web.deps import DB, FormItems, Matching, User
from web.errors import Invalid
from web.i18n import N_
from web.render import is_htmx, redirect, render
from web.services import editor, matches, suggestions
from web.services.editor import SaveResult

router = APIRouter(prefix="/me")
KINDS = ("startup", "incubator", "cluster", "partner")


def _context(db: DB, record: dict[str, Any], profile_id: str | None, matching: Any) -> dict[str, Any]:
    percent, hints = editor.completeness(record)
    draft = dict(record, id=profile_id) if profile_id else record
    results = matches.explain_results(db, editor.preview(matching, draft))
    return {"r": record, "profile_id": profile_id, "percent": percent, "hints": hints, "results": results,
            "errors": {}, "extra_doc": False}


def _editor(request: Request, db: DB, record: dict[str, Any], profile_id: str | None, matching: Any,
            errors: dict[str, list[str]] | None = None, status_code: int = 200, extra_doc: bool = False) -> Response:
    context = _context(db, record, profile_id, matching) | {"errors": errors or {}, "extra_doc": extra_doc,
                                                            "suggestions": suggestions.suggest(record)}
    return render(request, "me/editor.html", context, status_code=status_code)


@router.get("/profiles")
def my_profiles(request: Request, db: DB, user: User) -> Response:
    return render(request, "me/profiles.html", {"profiles": matches.owned_profiles(db, user), "kinds": KINDS})


@router.get("/profiles/new")
def new_profile(request: Request, db: DB, user: User, matching: Matching, kind: str = "startup") -> Response:
    if kind not in KINDS:
        raise Invalid(N_("Unknown kind of organisation."))
    record = {"kind": kind, "country": "VN" if kind != "partner" else "", "languages": ["vi", "en"]}
    return _editor(request, db, record, None, matching)


@router.get("/profiles/{profile_id}")
def edit_profile(request: Request, db: DB, user: User, matching: Matching, profile_id: str) -> Response:
    return _editor(request, db, editor.load_own(db, user, profile_id), profile_id, matching)


def _save(request: Request, db: DB, user: User, matching: Any, items: list[tuple[str, str]],
          profile_id: str | None) -> Response:
    record = editor.record_from_form(items)
    if dict(items).get("action") == "add_document":
        return _editor(request, db, record, profile_id, matching, extra_doc=True)
    result: SaveResult = editor.save(db, matching, user, record, profile_id)
    if result.errors:
        return _editor(request, db, result.record, profile_id, matching, result.errors, status_code=422)
    session.flash(request, N_("Profile saved. Your matches are being updated."))
    return redirect(request, f"/me/profiles/{result.profile_id}")


@router.post("/profiles/new")
def create_profile(request: Request, db: DB, user: User, matching: Matching, items: FormItems) -> Response:
    return _save(request, db, user, matching, items, None)


@router.post("/profiles/preview")
def preview(request: Request, db: DB, user: User, matching: Matching, items: FormItems) -> Response:
    record = editor.record_from_form(items)
    profile_id = dict(items).get("profile_id") or None
    return render(request, "me/editor.html", _context(db, record, profile_id, matching), block="preview")


@router.post("/profiles/suggestions")
def suggest(request: Request, db: DB, user: User, matching: Matching, items: FormItems) -> Response:
    """The suggestions panel again, for the description being written (htmx); the boxes ticked stay."""
    if not is_htmx(request):  # nothing calls this without JavaScript: answer with the editor itself
        return _editor(request, db, editor.record_from_form(items), dict(items).get("profile_id") or None, matching)
    record, ticked = editor.read_form(items)
    return render(request, "me/editor.html", {"suggestions": suggestions.suggest(record, ticked)},
                  block="suggestions")


@router.post("/profiles/{profile_id}")
def update_profile(request: Request, db: DB, user: User, matching: Matching, profile_id: str,
                   items: FormItems) -> Response:
    return _save(request, db, user, matching, items, profile_id)
