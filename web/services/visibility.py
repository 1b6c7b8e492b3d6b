"""Who may see a profile's contact details: the one rule, used by every page, fragment, API response
and export that could show them.

The same people may see who an anonymous profile (``visibility: anonymous``) is: everyone else
sees it under a generated label (``web.services.anonymity``); ``masked_ids`` names those it hides.

Contact details are the record's ``PRIVATE_FIELDS`` and the e-mail addresses of its owners'
accounts. They are shown to officers and admins, to the profile's owners, and to the owners of a
profile that both sides connected with it: an introduction accepted (any of their introductions,
not only the latest) or a meeting an officer proposed and both confirmed. Never to a disabled
account, nor to anyone signed out. Everyone else gets the public record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import psycopg

from web.store import profiles as store
from web.store import users as user_store

PRIVATE_FIELDS = ("contact_email",)
PRIVILEGED_ROLES = ("officer", "admin")


class Viewer(Protocol):
    """Who is looking: a signed-in ``UserRow``, or the ``Party`` of an introduction or meeting."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...

    @property
    def disabled(self) -> bool: ...


@dataclass(frozen=True)
class _Operator:
    id: int = 0
    role: str = "admin"
    disabled: bool = False


#: whoever runs the command line with the database's own rights: sees what an admin sees (an export
#: is a backup, and export → import must give back the same records)
OPERATOR: Viewer = _Operator()


def contact_visible(conn: psycopg.Connection, viewer: Viewer | None, profile_ids: list[str]) -> set[str]:
    """Those of ``profile_ids`` whose contact details ``viewer`` may see."""
    if viewer is None or viewer.disabled or not profile_ids:
        return set()
    if viewer.role in PRIVILEGED_ROLES:
        return set(profile_ids)
    return store.list_contact_allowed(conn, viewer.id, profile_ids)


def may_see_contact(conn: psycopg.Connection, viewer: Viewer | None, profile_id: str) -> bool:
    return profile_id in contact_visible(conn, viewer, [profile_id])


def masked_ids(conn: psycopg.Connection, viewer: Viewer | None, profile_ids: list[str]) -> set[str]:
    """Those of ``profile_ids`` that are anonymous and whose identity ``viewer`` may not see: an
    anonymous profile is known by name to whoever may see its contact details (officers and
    admins, its owners, the counterparts of an accepted introduction or a confirmed meeting)."""
    anonymous = store.list_anonymous_ids(conn, profile_ids)
    if not anonymous:
        return set()
    return anonymous - contact_visible(conn, viewer, sorted(anonymous))


def public_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record without private fields."""
    return {k: v for k, v in record.items() if k not in PRIVATE_FIELDS}


def records_for(conn: psycopg.Connection, viewer: Viewer | None, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``records`` as ``viewer`` may see them."""
    allowed = contact_visible(conn, viewer, [r["id"] for r in records])
    return [r if r["id"] in allowed else public_record(r) for r in records]


def record_for(conn: psycopg.Connection, viewer: Viewer | None, record: dict[str, Any]) -> dict[str, Any]:
    """``record`` as ``viewer`` may see it."""
    return records_for(conn, viewer, [record])[0]


def contact_card(conn: psycopg.Connection, viewer: Viewer | None, profile_id: str) -> dict[str, Any] | None:
    """``{"contact_email": str | None, "emails": [owners' e-mails]}`` of a profile, or None when
    ``viewer`` may not see them (or the profile is gone)."""
    row = store.get_profile(conn, profile_id)
    if row is None or not may_see_contact(conn, viewer, profile_id):
        return None
    return {"contact_email": row.record.get("contact_email"), "emails": user_store.list_owner_emails(conn, profile_id)}
