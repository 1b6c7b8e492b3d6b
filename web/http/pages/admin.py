"""Administration pages: users, roles and disabling, the outbox, the audit log (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from web.http import session
from web.http.deps import DB, Admin, Page, RowId
from web.http.render import redirect, render
from web.i18n import N_
from web.services import admin
from web.store.users import ROLES

router = APIRouter(prefix="/admin")


@router.get("")
def index(request: Request, user: Admin) -> Response:
    return redirect(request, "/admin/users")


@router.get("/users")
def users(request: Request, db: DB, user: Admin) -> Response:
    return render(request, "admin/users.html", {"users": admin.list_users(db), "roles": ROLES, "tab": "users"})


@router.post("/users/{user_id}/role")
def change_role(request: Request, db: DB, user: Admin, user_id: RowId, role: Annotated[str, Form()]) -> Response:
    admin.change_role(db, user, user_id, role)
    session.flash(request, N_("Role changed."))
    return redirect(request, "/admin/users")


@router.post("/users/{user_id}/disabled")
def set_disabled(request: Request, db: DB, user: Admin, user_id: RowId, disabled: Annotated[bool, Form()]) -> Response:
    admin.set_disabled(db, user, user_id, disabled)
    session.flash(request, N_("User disabled; their sessions have ended.") if disabled else N_("User enabled."))
    return redirect(request, "/admin/users")


@router.get("/outbox")
def outbox(request: Request, db: DB, user: Admin, page: Page) -> Response:
    return render(request, "admin/outbox.html", {"mails": admin.outbox(db, page), "page": page, "tab": "outbox"})


@router.get("/audit")
def audit(request: Request, db: DB, user: Admin, page: Page, entity: str = "") -> Response:
    return render(request, "admin/audit.html",
                  {"rows": admin.audit(db, entity, page), "entity": entity, "page": page, "tab": "audit"})
