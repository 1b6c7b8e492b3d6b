"""An event as the scheduler sees it: the stored plan, slots, tables, presence and meetings of an
event list, turned into a ``matcher.schedule.ScheduleProblem`` and back.

Which meetings are scheduled: confirmed ones, and proposed ones too when the plan says so
(``include_proposed``); never declined or expired ones, nor meetings marked cancelled or no-show on
the day. A meeting is remote when either side takes part remotely only. A participant with no
presence row is present the whole event; a no-show is absent from the slot they were marked from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg

from matcher.schedule import Key, Meeting, Pin, ScheduleProblem, Slot, Table
from web.errors import Conflict, NotFound
from web.i18n import N_
from web.services.curation.lists import load
from web.store import eventday as store
from web.store import meetings as meeting_store
from web.store.eventday import DayRow, PlanRow, PresenceRow, SlotRow, TableRow
from web.store.match_lists import MatchListRow
from web.store.meetings import MeetingRow

GONE = ("cancelled", "no_show")


@dataclass
class Event:
    """Everything stored about one event list's day(s)."""

    row: MatchListRow
    plan: PlanRow
    days: list[DayRow]
    slots: list[SlotRow]
    tables: list[TableRow]
    presence: dict[str, PresenceRow]
    meetings: list[MeetingRow]
    by_id: dict[int, MeetingRow] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {m.id: m for m in self.meetings}

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.plan.timezone)

    def live(self, m: MeetingRow) -> bool:
        """Whether ``m`` is to be scheduled."""
        states = ("confirmed", "proposed") if self.plan.include_proposed else ("confirmed",)
        return m.state in states and m.attendance not in GONE

    def remote(self, m: MeetingRow) -> bool:
        return any(self.presence.get(p) is not None and self.presence[p].mode == "remote" for p in (m.a_id, m.b_id))

    def present_slots(self, profile_id: str) -> set[int] | None:
        """The slots ``profile_id`` is present in; None: all of them."""
        row = self.presence.get(profile_id)
        if row is None:
            return None
        # a plan saved with fewer slots keeps the presence rows: numbers past its last slot mean nothing now
        slots = ({s for s in row.slots if s < len(self.slots)} if row.mode == "slots"
                 else set(range(len(self.slots))))
        if row.absent_from is not None:
            slots = {s for s in slots if s < row.absent_from}
        return None if len(slots) == len(self.slots) else slots

    def present(self, profile_id: str, slot: int) -> bool:
        slots = self.present_slots(profile_id)
        return slots is None or slot in slots

    def slot_end(self, slot: SlotRow) -> datetime:
        return slot.starts_at + timedelta(minutes=slot.minutes)

    def current_slot(self, now: datetime) -> int | None:
        """The slot under way at ``now`` (aware): the last one started; None before the first."""
        local = now.astimezone(self.zone).replace(tzinfo=None)
        started = [s.number for s in self.slots if s.starts_at <= local]
        return started[-1] if started else None

    def placements(self) -> dict[Key, Pin]:
        """Where the live meetings are now."""
        return {(m.a_id, m.b_id): Pin(m.slot, m.table_name) for m in self.meetings
                if self.live(m) and m.slot is not None}

    def problem(self, *, pinned: dict[Key, Pin] | None = None) -> ScheduleProblem:
        """The live meetings as a scheduling problem (fit 0-100 as the solver's weight)."""
        meetings = [Meeting(m.a_id, m.b_id, float(m.fit), self.remote(m)) for m in self.meetings if self.live(m)]
        people = {p for m in meetings for p in m.key}
        availability = {p: s for p in people if (s := self.present_slots(p)) is not None}
        return ScheduleProblem.build(
            meetings,
            [Slot(s.day_no, s.position, f"{s.starts_at:%H:%M}", s.minutes) for s in self.slots],
            [Table(t.name, t.capacity) for t in self.tables],
            availability=availability, min_gap=self.plan.min_gap, video_rooms=self.plan.video_rooms,
            pinned=pinned,
        )

    def meeting_of(self, key: Key) -> MeetingRow:
        return next(m for m in self.meetings if (m.a_id, m.b_id) == key)


def load_event(conn: psycopg.Connection, list_id: int, *, for_update: bool = False,
               need_slots: bool = True) -> Event:
    """The event of list ``list_id``; NotFound for a list that is not an event, Conflict when its
    plan is missing (or has no slots, with ``need_slots``)."""
    row = load(conn, list_id, for_update=for_update)
    if row.kind != "event":
        raise NotFound(N_("Only an event list has days, time slots and tables."))
    plan = store.get_plan(conn, list_id, for_update=for_update)
    if plan is None:
        raise Conflict(N_("Set up the event's days, time slots and tables first."))
    slots = store.list_slots(conn, list_id)
    if need_slots and not slots:
        raise Conflict(N_("Set up the event's days, time slots and tables first."))
    return Event(row, plan, store.list_days(conn, list_id), slots, store.list_tables(conn, list_id),
                 {p.profile_id: p for p in store.list_presence(conn, list_id)},
                 meeting_store.list_meetings_of_list(conn, list_id))
