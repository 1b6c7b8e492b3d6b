"""The ranking learned from feedback (``web.services.learning``): what it learned, for officers
(``/officer/learning``), and fitting, switching off and rolling back, for admins (``/admin/learning``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from matcher.labels import component_label
from web.http import session
from web.http.deps import DB, Admin, AppSettings, Locale, RowId, require_officer
from web.http.render import redirect, render
from web.i18n import N_
from web.services import learning

officer = APIRouter(prefix="/officer", dependencies=[Depends(require_officer)])
admin = APIRouter(prefix="/admin")


def _context(db: DB, locale: str, settings: AppSettings) -> dict[str, object]:
    return {"o": learning.overview(db, settings), "label": lambda key: component_label(key, 1.0, locale)}


@officer.get("/learning")
def officer_page(request: Request, db: DB, locale: Locale, settings: AppSettings) -> Response:
    return render(request, "learning/officer.html", _context(db, locale, settings))


@admin.get("/learning")
def admin_page(request: Request, db: DB, user: Admin, locale: Locale, settings: AppSettings) -> Response:
    return render(request, "learning/admin.html", {**_context(db, locale, settings), "tab": "learning"})


@admin.post("/learning/fit")
def fit(request: Request, db: DB, user: Admin, settings: AppSettings) -> Response:
    version = learning.fit(db, user, min_events=settings.learning_min_events)
    session.flash(request, N_("A new version was fitted and is now used.") if version.row.active
                  else N_("A new version was fitted; it is not used (see why below)."))
    return redirect(request, "/admin/learning")


@admin.post("/learning/off")
def switch_off(request: Request, db: DB, user: Admin) -> Response:
    learning.switch_off(db, user)
    session.flash(request, N_("The learned ranking is off: members see the engine's order."))
    return redirect(request, "/admin/learning")


@admin.post("/learning/{version}/use")
def use(request: Request, db: DB, user: Admin, version: RowId) -> Response:
    learning.activate(db, user, version)
    session.flash(request, N_("This version is now used."))
    return redirect(request, "/admin/learning")


router = APIRouter()
router.include_router(officer)
router.include_router(admin)
