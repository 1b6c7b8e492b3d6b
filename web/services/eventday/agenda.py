"""A participant's personal agenda of an event: their meetings in time order (time, table or
video room, partner, why the match, a one-line brief of the partner), as a page, a print view and
an ``.ics`` calendar file (RFC 5545, through the ``icalendar`` package).

Participants see the timetable once it is published (``final``); before that the agenda page only
lets them say when they are present. Officers see any participant's agenda.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import icalendar

from matcher.evidence import Evidence
from web.db.pool import Database
from web.errors import Conflict, NotFound
from web.i18n import N_
from web.services import masking
from web.services.curation.views import stored_explanation
from web.services.eventday.event import Event, load_event
from web.services.introductions import Party
from web.services.matches import headline
from web.services.visibility import Viewer
from web.store import eventday as store
from web.store import list_scores as score_store
from web.store import match_lists as list_store
from web.store.eventday import PresenceRow, SlotRow
from web.store.meetings import MeetingRow

BRIEF_CHARS = 160
SEQUENCE_EPOCH = 1_790_000_000   # SEQUENCE = seconds since then that the meeting was last placed
_SENTENCE = re.compile(r"(?<=[.!?])\s")
NOT_PLANNED = N_("The officers have not planned this event's days and time slots yet. "
                 "Come back later to say when you are present.")


def brief(description: str) -> str:
    """The first sentence of a description, at most ``BRIEF_CHARS`` characters."""
    text = " ".join(description.split())
    first = _SENTENCE.split(text, maxsplit=1)[0]
    return first if len(first) <= BRIEF_CHARS else first[:BRIEF_CHARS - 1].rstrip() + "…"


@dataclass
class AgendaItem:
    """One meeting of the agenda, seen from ``mine``."""

    meeting: MeetingRow
    mine: str
    other: str
    other_name: str
    other_country: str
    slot: SlotRow | None
    brief: str = ""
    reason: Evidence | None = None

    @property
    def starts_at(self) -> datetime | None:
        return self.slot.starts_at if self.slot else None

    @property
    def ends_at(self) -> datetime | None:
        return self.slot.starts_at + timedelta(minutes=self.slot.minutes) if self.slot else None


@dataclass
class Agenda:
    """The agenda of the party's profiles on one event list."""

    event: Event
    profiles: dict[str, str]                 # my participants on the list: id -> name
    published: bool
    items: list[AgendaItem] = field(default_factory=list)     # placed, by time
    unplaced: list[AgendaItem] = field(default_factory=list)  # live but not in the timetable
    presence: dict[str, PresenceRow | None] = field(default_factory=dict)

    @property
    def days(self) -> list[tuple[int, list[AgendaItem]]]:
        """The placed items grouped by day number."""
        out: dict[int, list[AgendaItem]] = {}
        for item in self.items:
            assert item.slot is not None
            out.setdefault(item.slot.day_no, []).append(item)
        return sorted(out.items())


def _build(db: Database, list_id: int, profiles: set[str], *, officer: bool, viewer: Viewer | None = None,
           locale: str = "vi") -> Agenda:
    """``viewer`` (none for an officer) sees an anonymous partner it may not know under its label
    (``web.services.masking``): a proposed meeting does not yet name it."""
    with db.connection() as conn:
        # who takes part first: someone not on the list learns nothing of it (not even that its
        # plan is missing), and a participant is not told to set up the plan as an officer is
        participants = {p.profile_id: p.name for p in list_store.list_participants(conn, list_id)}
        mine = {p: participants[p] for p in profiles if p in participants}
        listed = list_store.get_match_list(conn, list_id)
        if not officer and (listed is None or listed.state == "draft"):
            mine = {}   # a draft list is the officers' work in progress: its participants do not know of it yet
        if not mine:
            raise NotFound(N_("This participant is not on the list.") if officer
                           else N_("You have no agenda at this event."))
        try:
            ev = load_event(conn, list_id, need_slots=False)
        except Conflict:
            if officer:
                raise
            raise Conflict(NOT_PLANNED) from None
        names = {m.a_id: m.a_name for m in ev.meetings} | {m.b_id: m.b_name for m in ev.meetings}
        published = ev.plan.schedule_state == "final" or (officer and ev.plan.schedule_state != "none")
        agenda = Agenda(ev, mine, published, presence={p: ev.presence.get(p) for p in mine})
        if not published:
            return agenda
        rows = [m for m in ev.meetings if ({m.a_id, m.b_id} & set(mine)) and ev.live(m)]
        others = sorted({m.b_id if m.a_id in mine else m.a_id for m in rows})
        briefs = store.profile_briefs(conn, others)
        scores = {(s.a_id, s.b_id): s for s in score_store.list_fresh_scores(conn, list_id)}
        hidden = masking.masks(conn, viewer, [] if officer else others, locale, masking.secret(db))
    for m in rows:
        me, other = (m.a_id, m.b_id) if m.a_id in mine else (m.b_id, m.a_id)
        score = scores.get((m.a_id, m.b_id))
        reason = headline(stored_explanation(score.explanation)) if score else None
        item = AgendaItem(m, me, hidden.public_id(other),
                          hidden.label(other) if other in hidden else names.get(other, other),
                          m.b_country if me == m.a_id else m.a_country,
                          ev.slots[m.slot] if m.slot is not None and m.slot < len(ev.slots) else None,
                          hidden.text(brief(briefs.get(other, ""))), hidden.evidence(reason) if reason else None)
        (agenda.items if item.slot else agenda.unplaced).append(item)
    agenda.items.sort(key=lambda i: (i.slot.number if i.slot else 0, i.mine))
    return agenda


def agenda_for(db: Database, party: Party, list_id: int, locale: str = "vi") -> Agenda:
    """The party's agenda on ``list_id``; NotFound when none of their profiles takes part."""
    return _build(db, list_id, set(party.owned), officer=False, viewer=party, locale=locale)


def agenda_of(db: Database, list_id: int, profile_id: str) -> Agenda:
    """One participant's agenda as an officer sees it (the preliminary timetable too)."""
    return _build(db, list_id, {profile_id}, officer=True)


def calendar_for(db: Database, party: Party, list_id: int, base_url: str, locale: str = "vi") -> bytes:
    """The party's agenda on ``list_id`` as an ``.ics`` file; Conflict until it is published."""
    mine = agenda_for(db, party, list_id, locale)
    if not mine.published:
        raise Conflict(N_("The timetable of this event is not published yet: there is nothing to add to a calendar."))
    return to_ics(mine, base_url)


@dataclass(frozen=True)
class Placement:
    """When and where one meeting takes place (times local to the event)."""

    starts_at: datetime
    ends_at: datetime
    table: str | None
    remote: bool


@dataclass
class EventTimes:
    """The time slots of one event list, for the participants' meeting pages. A meeting's place
    shows only once the timetable is published: a preliminary one is the officers' draft."""

    list_id: int
    timezone: str
    published: bool
    slots: list[SlotRow]

    def placement(self, m: MeetingRow) -> Placement | None:
        """Where ``m`` is in the published timetable; None before publishing or without a slot."""
        if not self.published or m.slot is None or not 0 <= m.slot < len(self.slots):
            return None
        slot = self.slots[m.slot]
        return Placement(slot.starts_at, slot.starts_at + timedelta(minutes=slot.minutes), m.table_name, m.remote)


def event_times(db: Database, list_ids: Iterable[int]) -> dict[int, EventTimes]:
    """``{list id: EventTimes}`` of those of ``list_ids`` that have an event plan (the others are
    not events, or not planned yet). A participant has a few lists: one query pair each."""
    out: dict[int, EventTimes] = {}
    with db.connection() as conn:
        for list_id in sorted(set(list_ids)):
            plan = store.get_plan(conn, list_id)
            if plan is not None:
                out[list_id] = EventTimes(list_id, plan.timezone, plan.schedule_state == "final",
                                          store.list_slots(conn, list_id))
    return out


def to_ics(agenda: Agenda, base_url: str) -> bytes:
    """The agenda as an iCalendar file: one event per placed meeting, in the event's timezone.
    A meeting keeps its UID across changes and its SEQUENCE grows, so a calendar that imported
    the file before updates the meeting instead of adding a second one."""
    zone = agenda.event.zone
    row = agenda.event.row
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Cau Noi//event agenda//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", row.name)
    cal.add("x-wr-timezone", agenda.event.plan.timezone)
    stamp = datetime.now(UTC)
    host = re.sub(r"^https?://", "", base_url).split("/")[0] or "caunoi"
    for item in agenda.items:
        assert item.starts_at is not None and item.ends_at is not None
        m = item.meeting
        event = icalendar.Event()
        event.add("uid", f"meeting-{m.id}-{item.mine}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.starts_at.replace(tzinfo=zone))
        event.add("dtend", item.ends_at.replace(tzinfo=zone))
        event.add("summary", f"{item.other_name} · {row.name}")
        place = "video" if m.remote else f"{m.table_name}"
        event.add("location", ", ".join(x for x in (place, row.location) if x))
        lines = [item.brief] if item.brief else []
        if item.reason is not None:
            lines.append(f"{item.reason.need.text} ↔ {item.reason.offer.text}")
        lines.append(f"{base_url}/meetings/{m.id}")
        event.add("description", "\n".join(lines))
        event.add("url", f"{base_url}/agenda/{row.id}")
        event.add("sequence", max(int(m.placed_at.timestamp()) - SEQUENCE_EPOCH, 0) if m.placed_at else 0)
        if m.state == "proposed":
            event.add("status", "TENTATIVE")
        else:
            event.add("status", "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
