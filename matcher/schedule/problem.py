"""An event to schedule, in ids: meetings, time slots, tables, who is present when, what is pinned.

Slots are numbered by their position in ``ScheduleProblem.slots`` (0-based, in time order); that
number is what availability, pins and results use. A slot's ``day`` and ``index`` (its position within the day)
only matter for the minimum gap and the order of the day: a break is simply an index left out, so
it counts as a gap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Key = tuple[str, str]  #: a meeting's ``(a, b)``


@dataclass(frozen=True)
class Slot:
    """One time slot: ``day`` and ``index`` order it; ``start`` (e.g. ``"09:00"``) and ``length``
    (minutes) are carried through to the result for display."""

    day: int = 0
    index: int = 0
    start: str = ""
    length: int = 0

    @staticmethod
    def grid(n: int, per_day: int | None = None) -> tuple[Slot, ...]:
        """``n`` slots, ``per_day`` of them a day (all on day 0 when None)."""
        per = per_day or max(n, 1)
        return tuple(Slot(day=i // per, index=i % per) for i in range(n))


@dataclass(frozen=True)
class Table:
    """A table or room; ``capacity`` is its seats (None: any meeting fits)."""

    name: str
    capacity: int | None = None

    def fits(self, seats: int) -> bool:
        return self.capacity is None or self.capacity >= seats


@dataclass(frozen=True)
class Meeting:
    """A meeting between ``a`` and ``b``; either may be a delegation id (all its members attend).

    ``fit`` (any non-negative scale) decides which meetings go first when not all fit. A ``remote``
    meeting takes a video room instead of a table.
    """

    a: str
    b: str
    fit: float = 0.0
    remote: bool = False

    @property
    def key(self) -> Key:
        return (self.a, self.b)


@dataclass(frozen=True)
class Pin:
    """A meeting fixed to ``slot`` (and to ``table`` when given)."""

    slot: int
    table: str | None = None


@dataclass(frozen=True)
class ScheduleProblem:
    """What to schedule and under which rules; build with :meth:`build`, which checks everything.

    Attributes
    ----------
    meetings : tuple of Meeting
        Each ``(a, b)`` at most once.
    slots : tuple of Slot
    tables : tuple of Table
        Unique names.
    availability : mapping id -> frozenset of slot numbers
        The slots in which that participant is present; an id not listed is always present.
    delegations : mapping delegation id -> tuple of member ids
        A meeting with a delegation occupies every member (and needs a seat for each).
    min_gap : int
        Free slots required between two meetings of one participant on the same day.
    video_rooms : int or None
        Remote meetings at once (None: no limit).
    pinned : mapping (a, b) -> Pin
        Meetings that must stay where they are.
    """

    meetings: tuple[Meeting, ...]
    slots: tuple[Slot, ...]
    tables: tuple[Table, ...]
    availability: Mapping[str, frozenset[int]] = field(default_factory=dict)
    delegations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    min_gap: int = 0
    video_rooms: int | None = None
    pinned: Mapping[Key, Pin] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        meetings: Iterable[Meeting],
        slots: Iterable[Slot],
        tables: Iterable[Table],
        *,
        availability: Mapping[str, Iterable[int]] | None = None,
        delegations: Mapping[str, Iterable[str]] | None = None,
        min_gap: int = 0,
        video_rooms: int | None = None,
        pinned: Mapping[Key, Pin] | None = None,
    ) -> ScheduleProblem:
        """Check and freeze the inputs; anything inconsistent raises ``ValueError`` naming it."""
        problem = cls(
            meetings=tuple(meetings),
            slots=tuple(slots),
            tables=tuple(tables),
            availability={k: frozenset(int(s) for s in v) for k, v in (availability or {}).items()},
            delegations={k: tuple(v) for k, v in (delegations or {}).items()},
            min_gap=int(min_gap),
            video_rooms=None if video_rooms is None else int(video_rooms),
            pinned=dict(pinned or {}),
        )
        problem._check()
        return problem

    def members(self, party: str) -> tuple[str, ...]:
        """Who sits at the table for ``party``: its members for a delegation, else itself."""
        return self.delegations.get(party, (party,))

    def busy(self, meeting: Meeting) -> tuple[str, ...]:
        """Everyone a meeting occupies, delegation ids included (sorted, unique)."""
        out = {meeting.a, meeting.b}
        for party in meeting.key:
            out.update(self.delegations.get(party, ()))
        return tuple(sorted(out))

    def seats(self, meeting: Meeting) -> int:
        return len(set(self.members(meeting.a)) | set(self.members(meeting.b)))

    def present(self, who: str, slot: int) -> bool:
        avail = self.availability.get(who)
        return avail is None or slot in avail

    def _check(self) -> None:
        self._check_meetings()
        self._check_rules()
        known = {p for m in self.meetings for p in self.busy(m)}
        n = len(self.slots)
        for who, avail in self.availability.items():
            if who not in known:
                raise ValueError(f"availability names {who!r}, who is in no meeting")
            bad = sorted(s for s in avail if not 0 <= s < n)
            if bad:
                raise ValueError(f"availability of {who!r} names slot {bad[0]}; slots are 0..{n - 1}")
        self._check_pins()

    def _check_meetings(self) -> None:
        seen: set[Key] = set()
        for m in self.meetings:
            if m.a == m.b:
                raise ValueError(f"meeting ({m.a}, {m.b}) has the same participant on both sides")
            if m.key in seen:
                raise ValueError(f"meeting ({m.a}, {m.b}) is listed more than once")
            if not (math.isfinite(m.fit) and m.fit >= 0):
                raise ValueError(f"meeting ({m.a}, {m.b}) has fit {m.fit!r}; expected a finite number >= 0")
            seen.add(m.key)
        for d, members in self.delegations.items():
            if not members or d in members or len(set(members)) != len(members):
                raise ValueError(f"delegation {d!r} must list distinct members other than itself")

    def _check_rules(self) -> None:
        names = [t.name for t in self.tables]
        if len(set(names)) != len(names):
            raise ValueError("table names must be unique")
        if any(t.capacity is not None and t.capacity < 1 for t in self.tables):
            raise ValueError("a table's capacity must be at least 1 seat")
        if self.min_gap < 0 or (self.video_rooms is not None and self.video_rooms < 0):
            raise ValueError("min_gap and video_rooms must not be negative")
        order = [(s.day, s.index) for s in self.slots]
        if any(x >= y for x, y in zip(order, order[1:], strict=False)):
            raise ValueError("slots must be listed in time order (by day, then index), each once")

    def _check_pins(self) -> None:
        by_key = {m.key: m for m in self.meetings}
        tables = {t.name: t for t in self.tables}
        taken: dict[tuple[str, int], Key] = {}
        for key, pin in self.pinned.items():
            m = by_key.get(key)
            if m is None:
                raise ValueError(f"pinned meeting {key} is not among the meetings")
            if not 0 <= pin.slot < len(self.slots):
                raise ValueError(f"pinned meeting {key} names slot {pin.slot}; slots are 0..{len(self.slots) - 1}")
            absent = [p for p in self.busy(m) if not self.present(p, pin.slot)]
            if absent:
                raise ValueError(f"pinned meeting {key} is in slot {pin.slot}, where {absent[0]!r} is absent")
            if m.remote and self.video_rooms == 0:
                raise ValueError(f"pinned meeting {key} is remote, and there is no video room")
            if not m.remote and not any(t.fits(self.seats(m)) for t in self.tables):
                raise ValueError(f"pinned meeting {key} needs {self.seats(m)} seats; no table has as many")
            if pin.table is not None:
                table = tables.get(pin.table)
                if table is None or m.remote:
                    raise ValueError(f"pinned meeting {key} names table {pin.table!r}: "
                                     + ("a remote meeting has no table" if m.remote else "no such table"))
                if not table.fits(self.seats(m)):
                    raise ValueError(f"pinned meeting {key} needs {self.seats(m)} seats; table {pin.table!r} has fewer")
            for who in self.busy(m) + ((f"table {pin.table}",) if pin.table else ()):
                other = taken.setdefault((who, pin.slot), key)
                if other != key:
                    raise ValueError(f"pinned meetings {other} and {key} both need {who!r} in slot {pin.slot}")
