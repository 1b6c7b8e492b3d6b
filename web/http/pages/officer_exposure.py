"""Officers' exposure audit (``web.services.exposure``): the page, its recompute button, the CSV
and the Lorenz curve; the switch of the exposure-aware re-ranking of members' matches
(``web.services.exposure_rerank``). Mounted under ``/officer`` by ``web.http.pages.officer``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.errors import Invalid, NotFound
from web.http import session
from web.http.deps import DB, FormItems, Locale, Matching, Officer, require_officer
from web.http.pages import charts
from web.http.pages.officer_reports import SVG_HEADERS
from web.http.pages.officer_runs import attachment
from web.http.render import redirect, render
from web.i18n import LOCALES, N_
from web.interchange import exports
from web.services import exposure, exposure_rerank

router = APIRouter(dependencies=[Depends(require_officer)])
CHART_LABELS = (N_("Share of profiles, least exposed first"), N_("Share of exposure"), N_("Equal exposure"))


def _page(request: Request, db: DB, matching: Matching, form: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    state = exposure.audits(matching).state()
    rerank = exposure_rerank.overview(db)
    form = form or {"strength": f"{rerank.strength:g}", "enabled": "on" if rerank.enabled else ""}
    return render(request, "officer/exposure.html", {"s": state, "a": state.audit, "groupings": exposure.GROUPINGS,
                                                     "reasons": exposure.REASONS, "top": exposure.TOP,
                                                     "r": rerank, "form": form, "errors": errors or {}},
                  block="audit", status_code=status_code)


@router.get("/exposure")
def exposure_page(request: Request, db: DB, user: Officer, matching: Matching) -> Response:
    audits = exposure.audits(matching)
    state = audits.state()
    if state.audit is None and not state.running and state.error is None:
        audits.start(db, matching)  # the first visit computes it: the page polls until it is there
    return _page(request, db, matching)


@router.post("/exposure/reranking")
def set_reranking(request: Request, db: DB, user: Officer, matching: Matching, items: FormItems) -> Response:
    form = {k: v for k, v in items if k in ("enabled", "strength")}
    try:
        result = exposure_rerank.set_reranking(db, user, form.get("enabled") == "on", form.get("strength", ""))
    except Invalid as exc:
        return _page(request, db, matching, form, {exc.field or "strength": exc.message}, status_code=422)
    session.flash(request, N_("The exposure-aware re-ranking is on.") if result.enabled
                  else N_("The exposure-aware re-ranking is off: members see the engine's order."))
    return redirect(request, "/officer/exposure#reranking")


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
