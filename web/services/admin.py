"""Administration: users and roles, the mail outbox, the audit log."""

from __future__ import annotations

from web.db import Database
from web.errors import Invalid, NotFound
from web.i18n import N_
from web.services.accounts import check_role
from web.store import audit as audit_store
from web.store import outbox as outbox_store
from web.store import profiles as profile_store
from web.store import users as user_store
from web.store.audit import AuditRow
from web.store.outbox import OutboxRow
from web.store.users import UserRow

PAGE = 100


def list_users(db: Database) -> list[tuple[UserRow, list[str]]]:
    """Every user with the ids of the profiles they own."""
    with db.connection() as conn:
        users = user_store.list_users(conn)
        return [(u, user_store.list_owned_profile_ids(conn, u.id)) for u in users]


def change_role(db: Database, admin: UserRow, user_id: int, role: str) -> None:
    check_role(role)
    if user_id == admin.id and role != "admin":
        raise Invalid(N_("You cannot remove your own administrator role."))
    with db.connection() as conn, conn.transaction():
        user = user_store.get_user(conn, user_id)
        if user is None:
            raise NotFound(N_("This user does not exist."))
        user_store.update_user_role(conn, user_id, role)
        profile_store.insert_audit(conn, "set-role", "user", str(user_id), {"from": user.role, "to": role},
                                   actor="web", actor_id=admin.id)


def outbox(db: Database, page: int = 1) -> list[OutboxRow]:
    with db.connection() as conn:
        return outbox_store.list_outbox(conn, PAGE, (max(page, 1) - 1) * PAGE)


def audit(db: Database, entity: str | None = None, page: int = 1) -> list[AuditRow]:
    with db.connection() as conn:
        return audit_store.list_audit(conn, entity or None, PAGE, (max(page, 1) - 1) * PAGE)
