"""Officers' assignment runs: solve, look at the result (grid, per startup, per partner), edit it
by hand with the objective recomputed, apply the solver's suggested changes, compare two runs,
export and print the schedule. Mounted under ``/officer`` by ``web.http.pages.officer``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from web.http import session
from web.http.deps import DB, Matching, Officer, RowId, RowIdQuery, require_officer
from web.http.render import is_htmx, redirect, render, translate
from web.i18n import N_
from web.interchange import exports
from web.services.curation import compare, instance, lists, runs, views

router = APIRouter(dependencies=[Depends(require_officer)])
VIEWS = ("grid", "a", "b")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _view_name(value: str) -> str:
    return value if value in VIEWS else "grid"


def _run_url(list_id: int, run_id: int, view: str = "grid") -> str:
    return f"/officer/lists/{list_id}/runs/{run_id}" + (f"?view={view}" if view != "grid" else "")


@router.post("/lists/{list_id}/runs")
def create_run(request: Request, db: DB, matching: Matching, user: Officer, list_id: RowId,
               parent: Annotated[str, Form()] = "") -> Response:
    run_id = runs.run_assignment(db, matching, user, list_id, runs.parent_run(parent))
    return redirect(request, _run_url(list_id, run_id))


@router.post("/lists/{list_id}/rescore")
def rescore(request: Request, db: DB, matching: Matching, user: Officer, list_id: RowId) -> Response:
    instance.rescore(db, matching, list_id)
    session.flash(request, N_("Every pair of the list was scored again."))
    return redirect(request, f"/officer/lists/{list_id}")


def _run_context(db: DB, list_id: int, run_id: int, view: str) -> dict[str, object]:
    return {"v": views.run_view(db, list_id, run_id), "d": lists.detail(db, list_id), "view": _view_name(view),
            "tab": "runs", "base": f"/officer/lists/{list_id}/runs/{run_id}"}


@router.get("/lists/{list_id}/runs/{run_id}")
def run_page(request: Request, db: DB, user: Officer, list_id: RowId, run_id: RowId, view: str = "grid") -> Response:
    return render(request, "officer/run.html", _run_context(db, list_id, run_id, view), block="workspace")


@router.post("/lists/{list_id}/runs/{run_id}/edit")
def edit(request: Request, db: DB, user: Officer, list_id: RowId, run_id: RowId, action: Annotated[str, Form()],
         pair: Annotated[str, Form()], other: Annotated[str, Form()] = "",
         view: Annotated[str, Form()] = "grid") -> Response:
    """One hand edit; ``pair`` is ``a|b``. ``toggle`` adds a pair that is not in the run, removes one that is."""
    a_id, _, b_id = pair.partition("|")
    runs.edit_run(db, user, list_id, run_id, action, a_id, b_id, other or None)
    if is_htmx(request):
        return render(request, "officer/run.html", _run_context(db, list_id, run_id, view), block="workspace")
    return redirect(request, _run_url(list_id, run_id, _view_name(view)) + "#objective")


@router.post("/lists/{list_id}/runs/{run_id}/relax")
def relax(request: Request, db: DB, user: Officer, list_id: RowId, run_id: RowId,
          index: Annotated[int, Form()]) -> Response:
    runs.apply_relaxation(db, user, list_id, run_id, index)
    session.flash(request, N_("Changed. Run the assignment again to use the new limits."))
    return redirect(request, _run_url(list_id, run_id) + "#explanation")


@router.get("/lists/{list_id}/compare")
def compare_page(request: Request, db: DB, user: Officer, list_id: RowId, left: RowIdQuery,
                 right: RowIdQuery) -> Response:
    context = {"c": compare.compare(db, list_id, left, right), "d": lists.detail(db, list_id), "tab": "runs"}
    return render(request, "officer/compare.html", context)


@router.get("/lists/{list_id}/runs/{run_id}/schedule.csv")
def schedule_csv(db: DB, list_id: RowId, run_id: RowId) -> Response:
    return attachment(exports.schedule_csv(db, list_id, run_id), "text/csv; charset=utf-8",
                      f"schedule-{list_id}-run-{run_id}.csv")


@router.get("/lists/{list_id}/runs/{run_id}/schedule.xlsx")
def schedule_xlsx(request: Request, db: DB, list_id: RowId, run_id: RowId) -> Response:
    data = exports.schedule_xlsx(db, list_id, run_id, lambda msg: translate(request, msg))
    return attachment(data, XLSX, f"schedule-{list_id}-run-{run_id}.xlsx")


@router.get("/lists/{list_id}/runs/{run_id}/print")
def print_view(request: Request, db: DB, user: Officer, list_id: RowId, run_id: RowId) -> Response:
    return render(request, "officer/print.html", _run_context(db, list_id, run_id, "grid"))
