"""Officers' dashboard of outcomes (counts by event, sector, partner country and type over time,
server-rendered SVG charts, CSV for reports) and outcome entry for a meeting. Mounted under
``/officer`` by ``web.http.pages.officer``."""

from __future__ import annotations

from typing import Annotated

from babel import Locale as BabelLocale
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from matcher import labels
from web.errors import NotFound
from web.http import session
from web.http.deps import DB, Locale, Officer, QueryParams, RowId, require_officer
from web.http.pages import charts
from web.http.pages.officer_runs import attachment
from web.http.render import redirect, render
from web.i18n import LOCALES, N_
from web.interchange import exports
from web.services.curation import outcomes
from web.services.curation.outcomes import DASHBOARD_LABELS, DashboardFilter
from web.services.curation.targets import STATUS_LABELS

router = APIRouter(dependencies=[Depends(require_officer)])
CHARTS = ("time", "type", "event", "sector", "country")
# a chart's URL names its language (``lang``): the browser keeps each one for a minute, so the
# same URL must not answer in another language after the switch in the header
SVG_HEADERS = {"Cache-Control": "private, max-age=60"}
NO_OUTCOMES = N_("No outcome recorded yet.")


@router.get("/dashboard")
def dashboard(request: Request, db: DB, user: Officer, params: QueryParams) -> Response:
    board = outcomes.dashboard(db, DashboardFilter.parse(params))
    return render(request, "officer/dashboard.html", {"b": board, "types": DASHBOARD_LABELS, "charts": CHARTS,
                                                            "statuses": STATUS_LABELS})


@router.get("/dashboard.csv")
def dashboard_csv(db: DB, params: QueryParams) -> Response:
    board = outcomes.dashboard(db, DashboardFilter.parse(params))
    return attachment(exports.outcomes_csv(board), "text/csv; charset=utf-8", "outcomes.csv")


@router.get("/dashboard/charts/{name}.svg")
def chart(request: Request, db: DB, locale: Locale, params: QueryParams, name: str, lang: str = "") -> Response:
    if name not in CHARTS or (lang and lang not in LOCALES):
        raise NotFound(N_("We could not find this page. It may have moved or never existed."))
    locale = lang or locale
    board = outcomes.dashboard(db, DashboardFilter.parse(params))

    def tr(msg: str) -> str:
        return str(request.app.state.templates.gettext(locale, msg))

    empty = tr(NO_OUTCOMES)
    if name == "time":
        series = [(tr(DASHBOARD_LABELS[t]), [counts[m] for m in board.months]) for t, counts in board.by_month.items()]
        svg = charts.timeline_chart(board.months, series, empty)
    else:
        items: list[tuple[str, int]]
        if name == "type":
            items = [(tr(DASHBOARD_LABELS[t]), n) for t, n in board.by_type]
        elif name == "event":
            items = [(e or tr(N_("Direct introductions")), n) for e, n in board.by_list]
        elif name == "sector":
            items = [(labels.label(labels.SECTORS, s, locale), n) for s, n in board.by_sector]
        else:
            territories = BabelLocale.parse(locale).territories
            items = [(territories.get(c, c), n) for c, n in board.by_country]
        svg = charts.bar_chart(items, empty)
    return Response(svg, media_type="image/svg+xml", headers=SVG_HEADERS)


@router.post("/meetings/{meeting_id}/outcomes")
def record_outcome(request: Request, db: DB, user: Officer, meeting_id: RowId, type: Annotated[str, Form()],
                   occurred_on: Annotated[str, Form()], note: Annotated[str, Form()] = "",
                   back: Annotated[str, Form()] = "") -> Response:
    outcomes.record(db, user, "meeting", meeting_id, type, occurred_on, note)
    session.flash(request, N_("Outcome recorded."))
    target = back if back.startswith("/officer/") else "/officer/dashboard"
    return redirect(request, target)
