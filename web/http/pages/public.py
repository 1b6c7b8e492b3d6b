"""Public pages: home, the directory, a profile, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from web.http.deps import DB, Locale, Matching, MaybeUser, QueryParams, SearchAllowance
from web.http.pages.auth import role_pages
from web.http.render import redirect, render
from web.i18n import LOCALES
from web.services import auth, directory
from web.services.directory import DirectoryQuery

router = APIRouter()


@router.get("/")
def home(request: Request, db: DB, user: MaybeUser) -> Response:
    pages = role_pages(user) if user is not None else ()
    return render(request, "home.html", {"counts": directory.home_counts(db), "my_pages": pages})


@router.get("/directory", dependencies=[SearchAllowance])
def directory_page(request: Request, db: DB, matching: Matching, user: MaybeUser, locale: Locale,
                   params: QueryParams) -> Response:
    page = directory.browse(db, matching, DirectoryQuery.parse(params), user, locale)
    return render(request, "directory.html", {"d": page},
                  block=["results", "facets"])


@router.get("/profiles/{profile_id}")
def profile_page(request: Request, db: DB, user: MaybeUser, locale: Locale, profile_id: str) -> Response:
    page = directory.profile_page(db, user, profile_id, locale)
    return render(request, "profile.html", {"p": page, "r": page.record})


@router.post("/locale")
def set_locale(request: Request, db: DB, user: MaybeUser, lang: Annotated[str, Form()],
               next: Annotated[str, Form()] = "/") -> Response:
    if lang in LOCALES:
        request.session["locale"] = lang
        if user is not None:
            auth.set_locale(db, user.id, lang)
    return redirect(request, next)  # a path on this site, else the home page (``render.site_path``)
