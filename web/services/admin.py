"""Administration: users, roles and disabling, the mail outbox, the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from web.db.pool import Database
from web.errors import Invalid, NotFound
from web.i18n import N_
from web.services import ratelimit
from web.services.accounts import check_role, disable_user
from web.store import audit as audit_store
from web.store import outbox as outbox_store
from web.store import users as user_store
from web.store.audit import AuditRow
from web.store.outbox import OutboxRow
from web.store.users import UserRow

PAGE = 100


@dataclass(frozen=True)
class UserLine:
    user: UserRow
    profiles: list[str]              # ids of the profiles they own
    locked_until: datetime | None    # sign-in locked after failed attempts, until then


def list_users(db: Database) -> list[UserLine]:
    """Every user with the profiles they own and whether their sign-in is locked."""
    now = datetime.now(UTC)
    with db.connection() as conn:
        users = user_store.list_users(conn)
        locked = ratelimit.spent(conn, ratelimit.login_failures(db.settings), [u.email for u in users])
        return [UserLine(u, user_store.list_owned_profile_ids(conn, u.id),
                         now + timedelta(seconds=locked[u.email]) if u.email in locked else None) for u in users]


def set_disabled(db: Database, admin: UserRow, user_id: int, disabled: bool) -> None:
    """Disable a user (their sessions end at once) or enable them again."""
    if user_id == admin.id and disabled:
        raise Invalid(N_("You cannot disable your own account."))
    disable_user(db, user_id, disabled, actor="web", actor_id=admin.id)


def change_role(db: Database, admin: UserRow, user_id: int, role: str) -> None:
    check_role(role)
    if user_id == admin.id and role != "admin":
        raise Invalid(N_("You cannot remove your own administrator role."))
    with db.connection() as conn, conn.transaction():
        user = user_store.get_user(conn, user_id)
        if user is None:
            raise NotFound(N_("This user does not exist."))
        user_store.update_user_role(conn, user_id, role)
        audit_store.insert_audit(conn, "set-role", "user", str(user_id), {"from": user.role, "to": role},
                                   actor="web", actor_id=admin.id)


def outbox(db: Database, page: int = 1) -> list[OutboxRow]:
    with db.connection() as conn:
        return outbox_store.list_outbox(conn, PAGE, (max(page, 1) - 1) * PAGE)


def audit(db: Database, entity: str | None = None, page: int = 1) -> list[AuditRow]:
    with db.connection() as conn:
        return audit_store.list_audit(conn, entity or None, PAGE, (max(page, 1) - 1) * PAGE)
