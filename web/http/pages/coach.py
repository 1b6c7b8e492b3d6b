"""The profile coach's panel on the editor (htmx): the measured suggestions for the form as it is
being edited. Without JavaScript the editor shows the panel itself (``/me/profiles/{id}?coach=1``),
and applying a suggestion is the editor form's own action (``web.http.pages.me``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.http.deps import DB, FormItems, Matching, User
from web.http.render import is_htmx, redirect, render
from web.services import coach, editor

router = APIRouter(prefix="/me")


@router.post("/coach")
def coach_panel(request: Request, db: DB, user: User, matching: Matching, items: FormItems) -> Response:
    profile_id = (dict(items).get("profile_id") or "").strip() or None
    if profile_id is not None:
        editor.load_own(db, user, profile_id)  # only its owners (officers, admins) coach a stored profile
    if not is_htmx(request):  # nothing calls this without JavaScript: the editor shows the panel itself
        return redirect(request, f"/me/profiles/{profile_id}?coach=1#coach" if profile_id else "/me/profiles/new")
    view = coach.for_record(matching, editor.record_from_form(items), profile_id)
    return render(request, "me/coach.html", {"coach": view, "profile_id": profile_id, "applied": None})
