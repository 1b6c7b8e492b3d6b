"""How the two sides of an introduction are shown to whoever looks at it: a page's viewer or a
mail's recipient. An anonymous side whose identity the viewer may not see
(``visibility.masked_ids``, the one rule) is shown under its generated label, linked by its
alias, and every text about the introduction (the requester's message, a decline reason, the
officer's note) is redacted of its identifying terms. ``masked_row`` is the one place that does
this; pages and mails read only the row it returns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import psycopg

from web.errors import NotFound
from web.i18n import N_
from web.services import masking, visibility
from web.services.mail import Mailer
from web.store import introductions as store
from web.store import profiles as profile_store
from web.store import users as user_store
from web.store.introductions import IntroductionRow
from web.store.users import UserRow


def masked_row(conn: psycopg.Connection, viewer: visibility.Viewer | None, row: IntroductionRow,
               locale: str, key: str) -> IntroductionRow:
    """``row`` as ``viewer`` may see it: each side it may not know replaced by its alias and
    generated label (in ``locale``), and the texts redacted. Unchanged when nothing is masked."""
    hidden = masking.masks(conn, viewer, [row.from_profile, row.to_profile], locale, key)
    if not hidden:
        return row
    changes: dict[str, Any] = {
        "message": hidden.text(row.message),
        "decline_reason": hidden.text(row.decline_reason) if row.decline_reason else row.decline_reason,
        "broker_note": hidden.text(row.broker_note) if row.broker_note else row.broker_note,
    }
    for side in ("from", "to"):
        pid = getattr(row, f"{side}_profile")
        if pid in hidden:
            changes[f"{side}_profile"] = hidden.public_id(pid)
            changes[f"{side}_name"] = hidden.label(pid)
    return dataclasses.replace(row, **changes)


def resolve(conn: psycopg.Connection, viewer: visibility.Viewer, ref: str, key: str) -> str:
    """The profile id a form names: an id, or the alias of an anonymous profile (whose real id
    names nothing to a viewer who may not know it)."""
    real = masking.shown_id(conn, viewer, ref, key)
    if real is None:
        raise NotFound(N_("This profile does not exist."))
    return real


def needs_broker(conn: psycopg.Connection, from_id: str, to_id: str) -> bool:
    """An introduction to or from an anonymous profile goes through the programme office."""
    return bool(profile_store.list_anonymous_ids(conn, [from_id, to_id]))


def _context(row: IntroductionRow, with_reason: bool, extra: Mapping[str, Any]) -> dict[str, Any]:
    return {"from_name": row.from_name, "to_name": row.to_name, "message": row.message,
            "note": row.broker_note, "reason": row.decline_reason if with_reason else None, **extra}


def notify(conn: psycopg.Connection, mailer: Mailer, profile_id: str, template: str, intro_id: int,
           key: str, *, with_reason: bool = False, extra: Mapping[str, Any] | None = None) -> list[int]:
    """Queue ``mail/<template>.txt`` to every owner of ``profile_id``, each in their language and
    seeing the introduction (read again, after the caller's change) as the rule lets them; the
    decline reason goes in only ``with_reason``."""
    row = store.get_introduction(conn, intro_id)
    assert row is not None
    queued = []
    for email in user_store.list_owner_emails(conn, profile_id):
        owner = user_store.get_user_by_email(conn, email)
        locale = (owner.locale if owner else None) or mailer.settings.default_locale
        seen = masked_row(conn, owner, row, locale, key)
        queued.append(mailer.queue(conn, email, template, locale, _context(seen, with_reason, extra or {})))
    return queued


def officers(conn: psycopg.Connection) -> list[UserRow]:
    """The programme officers to tell about the brokering queue (active accounts)."""
    return [u for u in user_store.list_users(conn) if u.role == "officer" and not u.disabled]


def notify_officers(conn: psycopg.Connection, mailer: Mailer, template: str, intro_id: int) -> list[int]:
    """Queue ``mail/<template>.txt`` to every officer (who see both sides in full)."""
    row = store.get_introduction(conn, intro_id)
    assert row is not None
    return [mailer.queue(conn, u.email, template, u.locale, _context(row, False, {"id": row.id}))
            for u in officers(conn)]
