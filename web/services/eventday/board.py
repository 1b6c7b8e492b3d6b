"""What the officer's event pages show, read in one go: the timetable as a grid per day (time
slots × tables, then the video rooms), each participant's meetings by time, the meetings left out
and why, and on the day the slots of the day under way.

Read-only; the changes go through ``timetable``, ``presence`` and ``day``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from web.db.pool import Database
from web.i18n import N_
from web.params import whole_number
from web.services.eventday.event import GONE, Event, load_event
from web.services.eventday.timetable import load_event_row
from web.store import eventday as store
from web.store import match_lists as list_store
from web.store.eventday import DayRow, SlotRow
from web.store.match_lists import ParticipantRow
from web.store.meetings import MeetingRow

#: why a meeting was left out (``matcher.schedule.reasons`` codes), as the page says it
REASONS = {
    "no_common_slot": N_("The two sides are never present at the same time."),
    "no_table": N_("No table has enough seats."),
    "no_video": N_("It is remote and there is no video room."),
    "too_late": N_("No time slot is left in which both are present."),
    "participant_full": N_("The time slots one side is present in are all taken."),
    "min_gap": N_("The free time slots are too close to their other meetings."),
    "tables_full": N_("Every table is taken whenever both are free."),
    "video_full": N_("Every video room is taken whenever both are free."),
    "mixed": N_("Busy participants, full tables or video rooms: see the details."),
    "time_limit": N_("The solver ran out of time before placing it: schedule again."),
}


@dataclass
class GridRow:
    """One time slot of the grid: per table (in the plan's order), then the video rooms, the
    meetings there (at most one a table)."""

    slot: SlotRow
    cells: list[list[MeetingRow]]


@dataclass
class GridDay:
    day: DayRow
    rows: list[GridRow]


@dataclass
class PersonPlan:
    """A participant and their live meetings by time (the unplaced ones last)."""

    participant: ParticipantRow
    meetings: list[MeetingRow]


@dataclass
class Board:
    """An event list's stored plan, presence and timetable, shaped for the pages."""

    event: Event
    participants: list[ParticipantRow]
    names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.names = {p.profile_id: p.name for p in self.participants}

    @property
    def state(self) -> str:
        return self.event.plan.schedule_state

    @property
    def live(self) -> list[MeetingRow]:
        return [m for m in self.event.meetings if self.event.live(m)]

    @property
    def placed(self) -> list[MeetingRow]:
        return [m for m in self.live if m.slot is not None]

    @property
    def unplaced(self) -> list[MeetingRow]:
        return [m for m in self.live if m.slot is None]

    @property
    def gone(self) -> list[MeetingRow]:
        """Meetings cancelled or missed on the day."""
        return [m for m in self.event.meetings if m.attendance in GONE]

    def slots_by_day(self) -> list[tuple[DayRow, list[SlotRow]]]:
        ev = self.event
        return [(d, [s for s in ev.slots if s.day_no == d.day_no]) for d in ev.days]

    def grid(self, day_no: int | None = None) -> list[GridDay]:
        """The timetable per day (only day ``day_no`` when given)."""
        ev = self.event
        column = {t.name: i for i, t in enumerate(ev.tables)}
        video = len(ev.tables)
        rows = {s.number: GridRow(s, [[] for _ in range(video + 1)]) for s in ev.slots}
        for m in sorted(self.placed, key=lambda m: (m.a_name, m.b_name)):
            if m.slot in rows:
                rows[m.slot].cells[column.get(m.table_name or "", video)].append(m)
        return [GridDay(d, [rows[s.number] for s in slots]) for d, slots in self.slots_by_day()
                if day_no is None or d.day_no == day_no]

    def people(self) -> list[PersonPlan]:
        out = []
        for p in self.participants:
            mine = [m for m in self.live if p.profile_id in (m.a_id, m.b_id)]
            mine.sort(key=lambda m: (m.slot is None, m.slot or 0))
            out.append(PersonPlan(p, mine))
        return out

    def other(self, m: MeetingRow, profile_id: str) -> str:
        return m.b_name if m.a_id == profile_id else m.a_name

    def slot_end(self, slot: SlotRow) -> datetime:
        return self.event.slot_end(slot)

    def day_of(self, slot: SlotRow) -> DayRow:
        return next(d for d in self.event.days if d.day_no == slot.day_no)

    def now_slot(self, asked: str | None) -> int | None:
        """The slot under way: ``asked`` when it is one of the event's, else the clock's (None
        before the first slot)."""
        try:
            chosen = whole_number(asked, low=0, high=len(self.event.slots) - 1)
        except ValueError:
            chosen = None
        return chosen if chosen is not None else self.event.current_slot(datetime.now(UTC))

    def today(self, now: int | None) -> list[GridRow]:
        """Every slot of the day of slot ``now`` (the first day before the event starts)."""
        if not self.event.slots:
            return []
        day_no = self.event.slots[now].day_no if now is not None else self.event.slots[0].day_no
        return [row for g in self.grid(day_no) for row in g.rows]


def board(db: Database, list_id: int) -> Board | None:
    """The board of event list ``list_id``; None while it has no plan (NotFound for a list that
    is not an event)."""
    with db.connection() as conn:
        load_event_row(conn, list_id)
        if store.get_plan(conn, list_id) is None:
            return None
        return Board(load_event(conn, list_id, need_slots=False), list_store.list_participants(conn, list_id))
