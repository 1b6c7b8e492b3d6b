"""My matches: ranked, explained proposals for one of my profiles; save / hide feedback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from web.http.deps import DB, Locale, Matching, User
from web.http.render import is_htmx, redirect, render
from web.services import matches

router = APIRouter()


@router.get("/matches")
def my_matches(request: Request, db: DB, user: User, matching: Matching, locale: Locale, profile: str = "",
               show: str = "") -> Response:
    owned = matches.owned_profiles(db, user)
    if not owned:
        return render(request, "matches.html", {"owned": [], "current": None, "items": []})
    current = next((p for p in owned if p.id == profile), owned[0])
    items, pending = matches.for_profile(db, matching, user, current.id, locale=locale)
    if show == "saved":
        items = [m for m in items if m.verdict == "saved"]
    return render(request, "matches.html", {"owned": owned, "current": current, "items": items, "show": show,
                                            "pending": pending}, block="list")


@router.post("/matches/feedback")
def feedback(request: Request, db: DB, user: User, profile: Annotated[str, Form()],
             target: Annotated[str, Form()], verdict: Annotated[str, Form()]) -> Response:
    matches.set_feedback(db, user, profile, target, verdict)
    if is_htmx(request):
        if verdict == "hidden":
            return Response(status_code=200, content="")
        return render(request, "matches.html", {"verdict": verdict, "profile": profile, "target": target},
                      block="feedback")
    return redirect(request, f"/matches?profile={profile}#match-{target}")
