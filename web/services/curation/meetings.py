"""Publishing a list's run as meetings, closing the list, and the participants' side: their
proposed meetings, accepting or declining them (double opt-in, like introductions: contact details
are shown once both sides accept).

States of a meeting: ``proposed`` → ``confirmed`` (both accepted) | ``declined`` (either side
declined) | ``expired`` (still proposed when the list closed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg

from web.db.pool import Database
from web.errors import Conflict, Invalid, NotFound
from web.i18n import N_
from web.services import masking, visibility
from web.services.curation.lists import audit, load
from web.services.curation.runs import load_run
from web.services.introductions import Party
from web.services.mail import Mailer
from web.store import audit as audit_store
from web.store import match_lists as list_store
from web.store import meetings as store
from web.store import outcomes as outcome_store
from web.store import users as user_store
from web.store.meetings import ANSWERS, MeetingRow
from web.store.outcomes import OutcomeRow
from web.store.users import UserRow


@dataclass
class MeetingView:
    """One meeting as one participant sees it."""

    row: MeetingRow
    side: str                           # "a" or "b": my side
    mine: str
    other: str
    other_name: str
    contact: dict[str, Any] | None = None
    outcomes: list[OutcomeRow] = field(default_factory=list)

    @property
    def my_answer(self) -> str:
        return self.row.a_answer if self.side == "a" else self.row.b_answer

    @property
    def their_answer(self) -> str:
        return self.row.b_answer if self.side == "a" else self.row.a_answer

    @property
    def can_answer(self) -> bool:
        return self.row.list_state == "published" and self.row.state == "proposed" and self.my_answer == "pending"

    @property
    def can_record(self) -> bool:
        return self.row.state in ("confirmed", "proposed", "expired") and self.row.list_state != "draft"


def publish(db: Database, mailer: Mailer, user: UserRow, list_id: int, run_id: int, *, force: bool = False) -> int:
    """Publish run ``run_id`` of a draft list: one proposed meeting per pair, participants told by
    e-mail. An infeasible run is published only with ``force``. Returns the number of meetings."""
    queued: list[int] = []
    with db.connection() as conn, conn.transaction():
        row = load(conn, list_id, for_update=True)
        if row.state != "draft":
            raise Conflict(N_("This list is already published or closed."))
        run = load_run(conn, list_id, run_id)
        if run.status == "infeasible" and not force:
            raise Conflict(N_("This run breaks some of the list's rules. Confirm that you want to publish it anyway."))
        if run.n_pairs == 0:
            raise Invalid(N_("This run has no pairs to publish."))
        count = store.insert_meetings(conn, list_id, run_id)
        list_store.update_match_list_state(conn, list_id, "draft", "published", run_id)
        audit(conn, user, "match-list-published", list_id, {"run": run_id, "meetings": count})
        queued = _notify_all(conn, mailer, list_id, row.name, masking.secret(db))
    mailer.deliver(db, queued)
    return count


def _notify_all(conn: psycopg.Connection, mailer: Mailer, list_id: int, list_name: str, key: str) -> list[int]:
    """One e-mail per owner of a participant, with how many meetings are proposed to them; an
    anonymous counterpart is named by its label (the meeting is not confirmed yet)."""
    per_profile: dict[str, list[tuple[str, str]]] = defaultdict(list)
    names: dict[str, str] = {}
    for m in store.list_meetings_of_list(conn, list_id):
        per_profile[m.a_id].append((m.b_id, m.b_name))
        per_profile[m.b_id].append((m.a_id, m.a_name))
        names.update({m.a_id: m.a_name, m.b_id: m.b_name})
    queued = []
    for profile_id, others in sorted(per_profile.items()):
        for email in user_store.list_owner_emails(conn, profile_id):
            owner = user_store.get_user_by_email(conn, email)
            locale = owner.locale if owner else None
            hidden = masking.masks(conn, owner, [pid for pid, _ in others], locale or "en", key)
            shown = sorted(hidden.label(pid) if pid in hidden else name for pid, name in others)
            queued.append(mailer.queue(conn, email, "meetings_proposed", locale,
                                       {"list_name": list_name, "profile_name": names[profile_id],
                                        "others": shown, "count": len(others)}))
    return queued


def close(db: Database, user: UserRow, list_id: int) -> int:
    """Close a published list; meetings nobody answered expire. Returns how many expired."""
    with db.connection() as conn, conn.transaction():
        load(conn, list_id, for_update=True)
        if not list_store.update_match_list_state(conn, list_id, "published", "closed"):
            raise Conflict(N_("Only a published list can be closed."))
        expired = store.expire_meetings(conn, list_id)
        audit(conn, user, "match-list-closed", list_id, {"expired": expired})
    return expired


def list_meetings(db: Database, list_id: int) -> list[MeetingRow]:
    """The meetings of one list (for the officer)."""
    with db.connection() as conn:
        load(conn, list_id)
        return store.list_meetings_of_list(conn, list_id)


def _view(conn: psycopg.Connection, party: Party, row: MeetingRow, full: bool, locale: str, key: str) -> MeetingView:
    """The meeting as ``party`` sees it: an anonymous counterpart under its label and alias until
    the meeting is confirmed (``web.services.masking``)."""
    side = "a" if row.a_id in party.owned else "b"
    mine, other = (row.a_id, row.b_id) if side == "a" else (row.b_id, row.a_id)
    hidden = masking.masks(conn, party, [other], locale, key)
    if other in hidden:
        view = MeetingView(row, side, mine, hidden.public_id(other), hidden.label(other))
    else:
        view = MeetingView(row, side, mine, other, row.b_name if side == "a" else row.a_name)
    if full and row.state == "confirmed":
        view.contact = visibility.contact_card(conn, party, other)
    if full:
        view.outcomes = outcome_store.list_outcomes(conn, meeting_id=row.id)
    return view


def meetings_for(db: Database, party: Party, locale: str) -> list[MeetingView]:
    """The party's meetings of published and closed lists."""
    if not party.owned:
        return []
    with db.connection() as conn:
        rows = store.list_meetings_of_profiles(conn, sorted(party.owned))
        return [_view(conn, party, r, False, locale, masking.secret(db)) for r in rows]


def load_for(conn: psycopg.Connection, party: Party, meeting_id: int) -> MeetingRow:
    row = store.get_meeting(conn, meeting_id)
    if row is None or row.list_state == "draft" or not ({row.a_id, row.b_id} & party.owned):
        raise NotFound(N_("This meeting does not exist."))
    return row


def meeting_for(db: Database, party: Party, meeting_id: int, locale: str) -> MeetingView:
    with db.connection() as conn:
        return _view(conn, party, load_for(conn, party, meeting_id), True, locale, masking.secret(db))


def answer(db: Database, mailer: Mailer, party: Party, meeting_id: int, value: str) -> str:
    """Accept or decline a proposed meeting for the party's side; returns the meeting's new state."""
    if value not in ANSWERS:
        raise Invalid(N_("Unknown answer."))
    queued: list[int] = []
    with db.connection() as conn, conn.transaction():
        row = load_for(conn, party, meeting_id)
        side = "a" if row.a_id in party.owned else "b"
        if not store.update_meeting_answer(conn, meeting_id, side, value, party.user_id):
            raise Conflict(N_("This meeting is no longer waiting for your answer."))
        new = store.get_meeting(conn, meeting_id)
        assert new is not None
        audit_store.insert_audit(conn, f"meeting-{value}", "meeting", str(meeting_id), {"side": side},
                                   actor="web", actor_id=party.user_id)
        if new.state == "confirmed":
            for pid, other in ((new.a_id, new.b_name), (new.b_id, new.a_name)):
                for email in user_store.list_owner_emails(conn, pid):
                    owner = user_store.get_user_by_email(conn, email)
                    queued.append(mailer.queue(conn, email, "meeting_confirmed", owner.locale if owner else None,
                                               {"list_name": new.list_name, "other_name": other,
                                                "meeting_id": new.id}))
    mailer.deliver(db, queued)
    return new.state
