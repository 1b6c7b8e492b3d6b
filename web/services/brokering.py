"""Brokered introductions, the programme office's side (the Enterprise Europe Network model): an
introduction to or from an anonymous profile waits in ``brokering`` until an officer, who sees
both sides in full, forwards it to the recipient (with an optional note; it becomes an ordinary
``requested`` introduction with a fresh deadline) or declines it (the reason goes to the
requester). The member's side of the state machine is ``web.services.introductions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from web.db.pool import Database
from web.errors import Conflict, Forbidden, Invalid, NotFound
from web.i18n import N_
from web.services import anonymity, masking
from web.services import introduction_sides as sides
from web.services.introductions import MAX_MESSAGE, MAX_REASON, audit, expire_due
from web.services.mail import Mailer
from web.services.visibility import PRIVILEGED_ROLES, Viewer
from web.store import introductions as store
from web.store import profiles as profile_store
from web.store.introductions import IntroductionRow


@dataclass
class BrokerSide:
    """One side as the officer sees it: the whole record, and the label others see if anonymous."""

    record: dict[str, Any]
    label: str | None                   # the generated label, when the profile is anonymous

    @property
    def id(self) -> str:
        return str(self.record.get("id", ""))

    @property
    def name(self) -> str:
        return str(self.record.get("name") or self.id)


@dataclass
class BrokerItem:
    """One introduction waiting with the programme office."""

    row: IntroductionRow
    sender: BrokerSide
    recipient: BrokerSide


def _check(officer: Viewer) -> None:
    if officer.disabled or officer.role not in PRIVILEGED_ROLES:
        raise Forbidden(N_("This page is for programme officers."))


def _side(record: dict[str, Any] | None, fallback: str, locale: str) -> BrokerSide:
    record = record or {"id": fallback}
    return BrokerSide(record, anonymity.generated_label(record, locale) if anonymity.is_anonymous(record) else None)


def queue(db: Database, officer: Viewer, locale: str) -> list[BrokerItem]:
    """The introductions waiting for an officer, oldest first, both sides in full."""
    _check(officer)
    expire_due(db)
    items = []
    with db.connection() as conn:
        for row in store.list_brokering(conn):
            a, b = profile_store.get_profile(conn, row.from_profile), profile_store.get_profile(conn, row.to_profile)
            items.append(BrokerItem(row, _side(a.record if a else None, row.from_profile, locale),
                                    _side(b.record if b else None, row.to_profile, locale)))
    return items


def _text(text: str, limit: int, message: str, name: str) -> str | None:
    text = text.strip()
    if len(text) > limit:
        raise Invalid(message, field=name)
    return text or None


def _introduction(conn: psycopg.Connection, intro_id: int) -> IntroductionRow:
    row = store.get_introduction(conn, intro_id)
    if row is None:
        raise NotFound(N_("This introduction does not exist."))
    return row


def forward(db: Database, mailer: Mailer, officer: Viewer, intro_id: int, note: str = "") -> None:
    """Pass the request on to its recipient, who may now accept or decline it as any other; the
    anonymous side stays under its label (and the texts redacted) until then."""
    _check(officer)
    clean = _text(note, MAX_MESSAGE, N_("The note is too long (at most 2000 characters)."), "note")
    expire_due(db)
    with db.connection() as conn, conn.transaction():
        row = _introduction(conn, intro_id)
        if not store.forward_introduction(conn, intro_id, officer.id, clean, db.settings.introduction_expiry_days):
            raise Conflict(N_("This introduction is no longer waiting for the programme office."))
        audit(conn, "introduction-forwarded", intro_id, officer.id,
              {"from": row.from_profile, "to": row.to_profile, "note": clean is not None})
        key = masking.secret(db)
        queued = sides.notify(conn, mailer, row.to_profile, "introduction_requested", intro_id, key,
                              extra={"days": db.settings.introduction_expiry_days})
        # the requester learns that the office passed it on (the recipient still under its label)
        queued += sides.notify(conn, mailer, row.from_profile, "introduction_forwarded", intro_id, key,
                               extra={"id": intro_id})
    mailer.deliver(db, queued)


def decline(db: Database, mailer: Mailer, officer: Viewer, intro_id: int, reason: str = "") -> None:
    """Do not pass the request on; the reason (redacted for the requester) goes to the requester.
    The recipient never learns of it."""
    _check(officer)
    clean = _text(reason, MAX_REASON, N_("The reason is too long (at most 1000 characters)."), "reason")
    expire_due(db)
    with db.connection() as conn, conn.transaction():
        row = _introduction(conn, intro_id)
        if not store.update_introduction_state(conn, intro_id, ("brokering",), "declined", officer.id,
                                               clean, clean is not None):
            raise Conflict(N_("This introduction is no longer waiting for the programme office."))
        audit(conn, "introduction-declined", intro_id, officer.id,
              {"from": row.from_profile, "to": row.to_profile, "by_office": True, "reason_shared": clean is not None})
        queued = sides.notify(conn, mailer, row.from_profile, "introduction_not_forwarded", intro_id,
                              masking.secret(db), with_reason=True)
    mailer.deliver(db, queued)
