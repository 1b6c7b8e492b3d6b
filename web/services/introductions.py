"""Introductions: double opt-in between two profiles. The state machine and its checks.

States: ``requested`` → ``accepted`` | ``declined`` | ``withdrawn`` (by the requester) |
``expired`` (unanswered after ``settings.introduction_expiry_days``; applied lazily on every read
and by ``expire_due``, which a worker can call). Contact details are revealed to both sides only
once accepted; a decline reason reaches the requester only when the recipient chose to share it.

Brokered (an anonymous profile on either side): ``brokering`` (with the programme office; the
recipient knows nothing of it) → ``requested`` when an officer forwards it (``web.services.
brokering``), ``declined`` when the officer declines it, or ``withdrawn`` | ``expired`` as above.
Each side sees the other as ``introduction_sides.masked_row`` allows: an anonymous side under its
generated label until the introduction is accepted. Every transition is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from web.db.pool import Database
from web.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from web.i18n import N_
from web.services import introduction_sides as sides
from web.services import masking, visibility
from web.services.mail import Mailer
from web.store import audit as audit_store
from web.store import introductions as store
from web.store import profiles as profile_store
from web.store import users as user_store
from web.store.introductions import IntroductionRow, MessageRow
from web.store.users import UserRow

MAX_MESSAGE = 2000
MAX_REASON = 1000


@dataclass
class Party:
    """The acting user and the profiles they own (officers and admins may see, not act)."""

    user_id: int
    role: str
    owned: frozenset[str]
    disabled: bool = False

    @classmethod
    def of(cls, db: Database, user: UserRow) -> Party:
        with db.connection() as conn:
            owned = user_store.list_owned_profile_ids(conn, user.id)
        return cls(user.id, user.role, frozenset(owned), user.disabled)

    @property
    def id(self) -> int:
        """The acting user's id (so that a party is a ``visibility.Viewer``)."""
        return self.user_id


@dataclass
class IntroductionView:
    """One introduction as one party sees it."""

    row: IntroductionRow                # as the party may see it (``introduction_sides.masked_row``)
    direction: str                      # "sent" or "received"
    mine: str                           # my profile id
    other: str                          # the other profile's id, or its alias when it is masked
    other_name: str                     # its name, or its generated label
    reason: str | None                  # the decline reason, if I may see it
    contact: dict[str, Any] | None      # {"contact_email": str|None, "emails": [str]} once accepted
    messages: list[MessageRow] = field(default_factory=list)

    @property
    def can_answer(self) -> bool:
        return self.direction == "received" and self.row.state == "requested"

    @property
    def can_withdraw(self) -> bool:
        return self.direction == "sent" and self.row.state in ("brokering", "requested")

    @property
    def declined_by_office(self) -> bool:
        return self.row.state == "declined" and not self.row.reached_recipient

    @property
    def can_message(self) -> bool:
        return self.row.state == "accepted"


def audit(conn: psycopg.Connection, action: str, intro_id: int, actor_id: int | None,
          details: dict[str, Any] | None = None) -> None:
    """Log one transition (``actor_id`` None: the system, e.g. expiry)."""
    audit_store.insert_audit(conn, action, "introduction", str(intro_id), details,
                             actor="web" if actor_id is not None else "system", actor_id=actor_id)


def expire_due(db: Database) -> list[int]:
    """Expire every unanswered request past its deadline (audited); return their ids."""
    with db.connection() as conn, conn.transaction():
        ids = store.expire_introductions(conn)
        for intro_id in ids:
            audit(conn, "introduction-expired", intro_id, None)
    return ids


def request(db: Database, mailer: Mailer, party: Party, from_id: str, to_ref: str, message: str) -> int:
    """``from_id`` (owned by ``party``) asks to be introduced to ``to_ref`` (an id, or the alias of
    an anonymous profile); returns the new id. Brokered when either side is anonymous."""
    settings, key = db.settings, masking.secret(db)
    message = message.strip()
    if from_id not in party.owned:
        raise Forbidden(N_("You can request introductions only for your own profiles."))
    if len(message) > MAX_MESSAGE:
        raise Invalid(N_("The message is too long (at most 2000 characters)."), field="message")
    expire_due(db)
    with db.connection() as conn, conn.transaction():
        to_id = sides.resolve(conn, party, to_ref, key)
        if from_id == to_id:
            raise Invalid(N_("A profile cannot be introduced to itself."))
        target = profile_store.get_profile(conn, to_id)
        if target is None or not target.published:
            raise NotFound(N_("This profile does not exist."))
        if store.find_open_introduction(conn, from_id, to_id) is not None:
            raise Conflict(N_("An introduction between these two profiles is already open."))
        if store.count_recent_introductions(conn, from_id) >= settings.introduction_daily_limit:
            raise RateLimited(N_("This profile has sent the most introduction requests allowed today. "
                                 "Try again tomorrow."))
        brokered = sides.needs_broker(conn, from_id, to_id)
        intro_id = store.insert_introduction(conn, from_id, to_id, party.user_id, message,
                                             settings.introduction_expiry_days, brokered)
        audit(conn, "introduction-requested", intro_id, party.user_id,
              {"from": from_id, "to": to_id, **({"brokered": True} if brokered else {})})
        if brokered:
            queued = sides.notify_officers(conn, mailer, "introduction_brokering", intro_id)
        else:
            queued = sides.notify(conn, mailer, to_id, "introduction_requested", intro_id, key,
                                  extra={"days": settings.introduction_expiry_days})
    mailer.deliver(db, queued)
    return intro_id


def _load(conn: psycopg.Connection, party: Party, intro_id: int) -> IntroductionRow:
    row = store.get_introduction(conn, intro_id)
    # a request held by the programme office does not exist for its recipient
    if row is None or not ({row.from_profile} | ({row.to_profile} if row.reached_recipient else set())) & party.owned:
        raise NotFound(N_("This introduction does not exist."))
    return row


def _transition(db: Database, mailer: Mailer, party: Party, intro_id: int, side: str, to_state: str,
                reason: str | None = None, share: bool = False) -> None:
    expire_due(db)
    queued: list[int] = []
    # the requester may withdraw while the office still holds the request
    from_states = ("brokering", "requested") if to_state == "withdrawn" else ("requested",)
    with db.connection() as conn, conn.transaction():
        row = _load(conn, party, intro_id)
        acting = row.to_profile if side == "to" else row.from_profile
        if acting not in party.owned:
            raise Forbidden(N_("Only the other side can answer this request."))
        if not store.update_introduction_state(conn, intro_id, from_states, to_state, party.user_id,
                                               reason, share):
            raise Conflict(N_("This introduction is no longer waiting for an answer."))
        audit(conn, f"introduction-{to_state}", intro_id, party.user_id,
              {"from": row.from_profile, "to": row.to_profile, "reason_shared": share if reason else None})
        if row.reached_recipient:  # a recipient never asked is not told of a withdrawal either
            notify = row.from_profile if side == "to" else row.to_profile
            queued = sides.notify(conn, mailer, notify, f"introduction_{to_state}", intro_id,
                                  masking.secret(db), with_reason=share)
    mailer.deliver(db, queued)


def accept(db: Database, mailer: Mailer, party: Party, intro_id: int) -> None:
    _transition(db, mailer, party, intro_id, "to", "accepted")


def decline(db: Database, mailer: Mailer, party: Party, intro_id: int, reason: str = "",
            share_reason: bool = False) -> None:
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise Invalid(N_("The reason is too long (at most 1000 characters)."), field="reason")
    _transition(db, mailer, party, intro_id, "to", "declined", reason or None, bool(reason) and share_reason)


def withdraw(db: Database, mailer: Mailer, party: Party, intro_id: int) -> None:
    _transition(db, mailer, party, intro_id, "from", "withdrawn")


def post_message(db: Database, party: Party, intro_id: int, body: str) -> int:
    """Add a message to an accepted introduction's thread."""
    body = body.strip()
    if not body:
        raise Invalid(N_("Write a message first."), field="body")
    if len(body) > MAX_MESSAGE:
        raise Invalid(N_("The message is too long (at most 2000 characters)."), field="body")
    with db.connection() as conn, conn.transaction():
        row = _load(conn, party, intro_id)
        if row.state != "accepted":
            raise Conflict(N_("Messages can be sent only after the introduction is accepted."))
        author = row.from_profile if row.from_profile in party.owned else row.to_profile
        msg_id = store.insert_message(conn, intro_id, party.user_id, author, body)
        audit(conn, "introduction-message", intro_id, party.user_id, {"message": msg_id})
    return msg_id


def _view(conn: psycopg.Connection, party: Party, row: IntroductionRow, with_messages: bool,
          locale: str, key: str) -> IntroductionView:
    sent = row.from_profile in party.owned
    # the card belongs to the accepted introduction's page (beside its thread); whether the party may
    # see it at all is the one visibility rule
    contact = visibility.contact_card(conn, party, row.to_profile if sent else row.from_profile) \
        if row.state == "accepted" else None
    row = sides.masked_row(conn, party, row, locale, key)
    mine, other = (row.from_profile, row.to_profile) if sent else (row.to_profile, row.from_profile)
    reason = row.decline_reason if (not sent or row.share_reason) else None
    messages = store.list_messages(conn, row.id) if with_messages and row.state == "accepted" else []
    return IntroductionView(row, "sent" if sent else "received", mine, other,
                            row.to_name if sent else row.from_name, reason, contact, messages)


def list_for(db: Database, party: Party, locale: str | None = None) -> list[IntroductionView]:
    """Every introduction sent or received by the party's profiles, newest first, as the party
    may see them (an anonymous side under its label in ``locale``)."""
    expire_due(db)
    locale, key = locale or db.settings.default_locale, masking.secret(db)
    with db.connection() as conn:
        rows = store.list_introductions(conn, sorted(party.owned)) if party.owned else []
        return [_view(conn, party, row, False, locale, key) for row in rows]


def get_for(db: Database, party: Party, intro_id: int, locale: str | None = None) -> IntroductionView:
    """One introduction with its message thread (NotFound unless the party is one of its sides)."""
    expire_due(db)
    locale, key = locale or db.settings.default_locale, masking.secret(db)
    with db.connection() as conn:
        return _view(conn, party, _load(conn, party, intro_id), True, locale, key)


def names_for(db: Database, party: Party, intro_id: int, locale: str | None = None) -> dict[str, str]:
    """``{profile id: name as the party may see it}`` of an introduction's two sides (an anonymous
    one under its label until accepted), for the pages beside it such as its outcomes. Officers
    and admins see every introduction; anyone else only their own (NotFound otherwise)."""
    locale = locale or db.settings.default_locale
    with db.connection() as conn:
        row = store.get_introduction(conn, intro_id) if party.role in visibility.PRIVILEGED_ROLES \
            else _load(conn, party, intro_id)
        if row is None:
            raise NotFound(N_("This introduction does not exist."))
        seen = sides.masked_row(conn, party, row, locale, masking.secret(db))
    return {row.from_profile: seen.from_name, row.to_profile: seen.to_name}


def states_for(db: Database, profile_id: str) -> dict[str, str]:
    """``{other id: latest state}`` of the introductions of one profile (for the matches page)."""
    with db.connection() as conn:
        return store.list_introduction_states(conn, profile_id)
