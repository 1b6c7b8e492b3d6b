"""Who may see a profile's private fields (contact details).

Contact details are shown only to officers and admins, to the profile's owners, and to the
owners of a profile with an ACCEPTED introduction to it. Everyone else gets the public record.
"""

from __future__ import annotations

from typing import Any

import psycopg

from web.store import profiles as store
from web.store.users import UserRow

PRIVATE_FIELDS = ("contact_email",)


def public_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record without private fields."""
    return {k: v for k, v in record.items() if k not in PRIVATE_FIELDS}


def may_see_contact(conn: psycopg.Connection, user: UserRow | None, profile_id: str) -> bool:
    if user is None or user.disabled:
        return False
    if user.role in ("officer", "admin"):
        return True
    return store.select_contact_allowed(conn, user.id, profile_id)


def record_for(conn: psycopg.Connection, user: UserRow | None, record: dict[str, Any]) -> dict[str, Any]:
    """``record`` as ``user`` may see it."""
    return record if may_see_contact(conn, user, record["id"]) else public_record(record)
