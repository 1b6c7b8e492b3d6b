"""Officers' exposure audit (``web.services.exposure``): the page, its recompute button, the CSV
and the Lorenz curve. Mounted under ``/officer`` by ``web.http.pages.officer``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.errors import NotFound
from web.http import session
from web.http.deps import DB, Locale, Matching, Officer, require_officer
from web.http.pages import charts
from web.http.pages.officer_reports import SVG_HEADERS
from web.http.pages.officer_runs import attachment
from web.http.render import redirect, render
from web.i18n import LOCALES, N_
from web.interchange import exports
from web.services import exposure

router = APIRouter(dependencies=[Depends(require_officer)])
CHART_LABELS = (N_("Share of profiles, least exposed first"), N_("Share of exposure"), N_("Equal exposure"))


@router.get("/exposure")
def exposure_page(request: Request, user: Officer, matching: Matching) -> Response:
    state = exposure.audits(matching).state()
    return render(request, "officer/exposure.html", {"s": state, "a": state.audit, "groupings": exposure.GROUPINGS,
                                                     "reasons": exposure.REASONS, "top": exposure.TOP},
                  block="audit")


@router.post("/exposure")
def recompute(request: Request, db: DB, user: Officer, matching: Matching) -> Response:
    began = exposure.audits(matching).start(db, matching)
    session.flash(request, N_("The audit is being computed; this page shows it when it is done.") if began
                  else N_("The audit is already being computed."))
    return redirect(request, "/officer/exposure")


@router.get("/exposure.csv")
def exposure_csv(matching: Matching) -> Response:
    rows = exposure.csv_rows(exposure.audits(matching).latest())
    return attachment(exports.to_csv(exposure.CSV_COLUMNS, rows), "text/csv; charset=utf-8", "exposure.csv")


@router.get("/exposure/lorenz.svg")
def lorenz(request: Request, matching: Matching, locale: Locale, lang: str = "") -> Response:
    if lang and lang not in LOCALES:
        raise NotFound(N_("We could not find this page. It may have moved or never existed."))
    locale = lang or locale
    audit = exposure.audits(matching).state().audit

    def tr(msg: str) -> str:
        return str(request.app.state.templates.gettext(locale, msg))

    x, y = audit.lorenz if audit is not None else ([], [])
    labels = (tr(CHART_LABELS[0]), tr(CHART_LABELS[1]), tr(CHART_LABELS[2]))
    svg = charts.lorenz_chart(x, y, labels, tr(N_("The exposure audit has not been computed yet.")))
    return Response(svg, media_type="image/svg+xml", headers=SVG_HEADERS)
