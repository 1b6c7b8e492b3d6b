"""Officers' target lists (technology acquisition for a Vietnamese buyer: targets, the engine's
proposals, status changes with their history, exports) and the expert lists' exports. Mounted
under ``/officer`` by ``web.http.pages.officer``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from matcher import labels
from web.http import session
from web.http.deps import DB, Locale, Matching, Officer, RowId, require_officer
from web.http.pages.officer_runs import XLSX, attachment
from web.http.render import is_htmx, redirect, render, translate
from web.i18n import N_
from web.interchange import list_exports
from web.services.curation import lists, scouting, targets
from web.services.curation.scouting import TRLS, ProposalFilter
from web.services.curation.targets import STATUS_LABELS
from web.store.targets import STATUSES

router = APIRouter(dependencies=[Depends(require_officer)])
CSV = "text/csv; charset=utf-8"


def _asset_labels(locale: str) -> dict[str, object]:
    """What the templates need to name an asset's type and transfer modes in ``locale``."""
    return {"ip_type": lambda key: labels.label(labels.IP_ASSET_TYPES, key, locale),
            "ip_mode": lambda key: labels.label(labels.IP_TRANSFER_MODES, key, locale),
            "ip_type_keys": list(labels.IP_ASSET_TYPES), "ip_mode_keys": list(labels.IP_TRANSFER_MODES)}


def _url(list_id: int, anchor: str = "") -> str:
    return f"/officer/lists/{list_id}/targets" + (f"#{anchor}" if anchor else "")


@router.get("/lists/{list_id}/targets")
def targets_page(request: Request, db: DB, matching: Matching, user: Officer, locale: Locale, list_id: RowId,
                 buyer: str = "", ip_asset_type: str = "", ip_transfer: str = "", min_trl: str = "",
                 q: str = "") -> Response:
    board = targets.board(db, list_id)
    filters = ProposalFilter.of(ip_asset_type, ip_transfer, min_trl)
    proposed = None
    if board.d.a and (buyer in {p.profile_id for p in board.d.a} or not buyer):
        proposed = scouting.proposals(db, matching, list_id, buyer or board.d.a[0].profile_id, filters)
    q = q.strip()
    context = {"b": board, "d": board.d, "tab": "targets", "p": proposed, "q": q,
               "found": scouting.find_companies(db, list_id, q) if q else [],
               "statuses": STATUSES, "labels": STATUS_LABELS, "trls": TRLS, "today": date.today(),
               **_asset_labels(locale)}
    return render(request, "officer/targets.html", context, block="proposals" if is_htmx(request) else None)


@router.post("/lists/{list_id}/targets")
def add_target(request: Request, db: DB, user: Officer, list_id: RowId, profile_id: Annotated[str, Form()],
               buyer_id: Annotated[str, Form()] = "", asset_index: Annotated[str, Form()] = "",
               fit: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> Response:
    target_id = targets.add_target(db, user, list_id, buyer_id, profile_id, asset_index, fit=fit, note=note)
    session.flash(request, N_("Target added.") if target_id else N_("The buyer has this target already."))
    return redirect(request, _url(list_id, f"t-{target_id}" if target_id else "targets"))


@router.post("/lists/{list_id}/targets/{target_id}/status")
def change_status(request: Request, db: DB, user: Officer, locale: Locale, list_id: RowId, target_id: RowId,
                  status: Annotated[str, Form()], occurred_on: Annotated[str, Form()] = "",
                  note: Annotated[str, Form()] = "") -> Response:
    targets.change_status(db, user, list_id, target_id, status, occurred_on, note)
    if is_htmx(request):
        context = {"t": targets.get_target(db, list_id, target_id), "d": lists.detail(db, list_id),
                   "labels": STATUS_LABELS, "statuses": STATUSES, "today": date.today(), **_asset_labels(locale)}
        return render(request, "officer/targets.html", context, block="target_row")
    session.flash(request, N_("Status saved."))
    return redirect(request, _url(list_id, f"t-{target_id}"))


@router.post("/lists/{list_id}/targets/{target_id}/remove")
def remove_target(request: Request, db: DB, user: Officer, list_id: RowId, target_id: RowId) -> Response:
    targets.remove_target(db, user, list_id, target_id)
    session.flash(request, N_("Target removed."))
    return redirect(request, _url(list_id, "targets"))


@router.get("/lists/{list_id}/targets.csv")
def targets_csv(db: DB, list_id: RowId) -> Response:
    return attachment(list_exports.targets_csv(db, list_id), CSV, f"targets-{list_id}.csv")


@router.get("/lists/{list_id}/targets.xlsx")
def targets_xlsx(request: Request, db: DB, list_id: RowId) -> Response:
    data = list_exports.targets_xlsx(db, list_id, lambda msg: translate(request, msg))
    return attachment(data, XLSX, f"targets-{list_id}.xlsx")


@router.get("/lists/{list_id}/experts.csv")
def experts_csv(db: DB, list_id: RowId) -> Response:
    return attachment(list_exports.experts_csv(db, list_id), CSV, f"experts-{list_id}.csv")


@router.get("/lists/{list_id}/experts.xlsx")
def experts_xlsx(request: Request, db: DB, list_id: RowId) -> Response:
    data = list_exports.experts_xlsx(db, list_id, lambda msg: translate(request, msg))
    return attachment(data, XLSX, f"experts-{list_id}.xlsx")
