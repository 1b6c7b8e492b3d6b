"""An event's plan as the officer types it: days (date, first start, last end), meeting length,
changeover, breaks, tables, the minimum gap and video rooms; parsed with an error per field, and
turned into the numbered time slots the scheduler uses.

Slots are generated day by day: from the first start, one every ``meeting + changeover`` minutes
while a meeting still ends by the day's last end; a slot that would overlap a break starts when
the break ends. Times are local to the plan's timezone (IANA name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from web.i18n import N_
from web.params import whole_number
from web.services.curation.forms import FieldErrors
from web.store.eventday import DayRow, PlanRow, SlotRow, TableRow

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
MAX_DAYS = 14
MAX_SLOTS = 200
MAX_TABLES = 300
MAX_TABLE_NAME = 40
MAX_SEATS = 1000          # the column is an integer: a longer number would fail to store
_BREAK = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")
_TABLE = re.compile(r"^(.*?)(?:\s*:\s*(\d+))?$")


def parse_time(text: str) -> time:
    """``"9:00"`` or ``"09:00"``; anything else ValueError."""
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    return time(int(hours), int(minutes))


def parse_breaks(text: str) -> list[tuple[time, time]]:
    """``"12:00-13:30, 15:00-15:15"`` (commas or new lines); ValueError naming the bad one."""
    out = []
    for part in re.split(r"[,;\n]", text):
        if not part.strip():
            continue
        match = _BREAK.match(part)
        if not match:
            raise ValueError(part.strip())
        start, end = parse_time(match.group(1)), parse_time(match.group(2))
        if end <= start:
            raise ValueError(part.strip())
        out.append((start, end))
    return sorted(out)


def parse_tables(text: str) -> list[TableRow]:
    """One table per line, ``name`` or ``name: seats``; ValueError naming the bad line."""
    out: list[TableRow] = []
    seen: set[str] = set()
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _TABLE.match(line.strip())
        assert match is not None
        name, seats = match.group(1).strip(), match.group(2)
        capacity = int(seats) if seats else None
        if not name or len(name) > MAX_TABLE_NAME or name.casefold() in seen or (
                capacity is not None and not 2 <= capacity <= MAX_SEATS):
            raise ValueError(line.strip())
        seen.add(name.casefold())
        out.append(TableRow(len(out), name, capacity))
    return out


def generate_slots(days: Sequence[DayRow], minutes: int, changeover: int,
                   breaks: Sequence[tuple[time, time]]) -> list[SlotRow]:
    """The numbered slots of the plan, in time order."""
    out: list[SlotRow] = []
    step, length = timedelta(minutes=minutes + changeover), timedelta(minutes=minutes)
    for day in days:
        start = datetime.combine(day.on_date, day.first_start)
        end = datetime.combine(day.on_date, day.last_end)
        pauses = [(datetime.combine(day.on_date, a), datetime.combine(day.on_date, b)) for a, b in breaks]
        position = 0
        while start + length <= end and len(out) <= MAX_SLOTS:
            clash = next((b for a, b in pauses if start < b and a < start + length), None)
            if clash is not None:
                start = clash
                continue
            out.append(SlotRow(len(out), day.day_no, position, start, minutes))
            position += 1
            start += step
    return out


@dataclass
class PlanForm:
    """The plan as typed (``raw``, ``days``), the parsed values, and what is wrong."""

    raw: dict[str, str]
    days_raw: list[tuple[str, str, str]]
    values: dict[str, Any] = field(default_factory=dict)
    days: list[DayRow] = field(default_factory=list)
    tables: list[TableRow] = field(default_factory=list)
    slots: list[SlotRow] = field(default_factory=list)
    errors: FieldErrors = field(default_factory=FieldErrors)

    @property
    def ok(self) -> bool:
        return not self.errors


def _number(form: PlanForm, name: str, low: int, high: int, default: int | None,
            message: str) -> int | None:
    try:
        value = whole_number(form.raw.get(name), low=low, high=high)
    except ValueError:
        form.errors.add(name, message)
        return default
    return default if value is None else value


def _parse_days(form: PlanForm) -> None:
    seen: set[date] = set()
    for i, (on, start, end) in enumerate(form.days_raw):
        if not (on.strip() or start.strip() or end.strip()):
            continue
        name = f"day_{i}"
        try:
            day = DayRow(len(form.days), date.fromisoformat(on.strip()), parse_time(start or "09:00"),
                         parse_time(end or "17:00"))
        except ValueError:
            form.errors.add(name, N_("Enter the date as YYYY-MM-DD and the times as HH:MM."))
            continue
        if day.last_end <= day.first_start:
            form.errors.add(name, N_("The day ends before it starts."))
        elif day.on_date in seen:
            form.errors.add(name, N_("This date is already listed."))
        else:
            seen.add(day.on_date)
            form.days.append(day)
    form.days.sort(key=lambda d: d.on_date)
    form.days = [DayRow(i, d.on_date, d.first_start, d.last_end) for i, d in enumerate(form.days)]
    if not form.days and "day_0" not in form.errors:
        form.errors.add("day_0", N_("Give at least one day of the event."))
    elif len(form.days) > MAX_DAYS:
        form.errors.add("day_0", N_("At most 14 days."))


def parse_plan_form(items: Iterable[tuple[str, str]]) -> PlanForm:
    """Validate the plan form: ``day_date``, ``day_start``, ``day_end`` (repeated, one per day),
    ``meeting_minutes``, ``changeover_minutes``, ``breaks``, ``tables`` (one per line, ``name`` or
    ``name: seats``) or ``table_count``, ``min_gap``, ``video_rooms``, ``timezone``,
    ``include_proposed``."""
    pairs = [(str(k), str(v)) for k, v in items]
    raw = {k: v for k, v in pairs if not k.startswith("day_")}
    columns = {key: [v for k, v in pairs if k == key] for key in ("day_date", "day_start", "day_end")}
    n = max((len(v) for v in columns.values()), default=0)
    days_raw = [tuple(columns[key][i] if i < len(columns[key]) else "" for key in columns) for i in range(n)]
    form = PlanForm(raw, [(d[0], d[1], d[2]) for d in days_raw])
    _parse_days(form)
    v = form.values
    v["meeting_minutes"] = _number(form, "meeting_minutes", 5, 240, 30,
                                   N_("Enter a meeting length from 5 to 240 minutes."))
    v["changeover_minutes"] = _number(form, "changeover_minutes", 0, 120, 0,
                                      N_("Enter a changeover from 0 to 120 minutes."))
    v["min_gap"] = _number(form, "min_gap", 0, 10, 0, N_("Enter a number of free slots from 0 to 10."))
    v["video_rooms"] = _number(form, "video_rooms", 0, 1000, None,
                               N_("Enter a whole number from 0 to 1000, or leave it empty."))
    v["include_proposed"] = raw.get("include_proposed") in ("on", "1", "true")
    tz = raw.get("timezone", "").strip() or DEFAULT_TIMEZONE
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long, or a folder ("Asia")
        form.errors.add("timezone", N_("Unknown time zone: use a name such as Asia/Ho_Chi_Minh or Europe/Berlin."))
    v["timezone"] = tz
    try:
        breaks = parse_breaks(raw.get("breaks", ""))
    except ValueError:
        form.errors.add("breaks", N_("Write each break as HH:MM-HH:MM, separated by commas."))
        breaks = []
    v["breaks"] = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in breaks)
    _parse_tables(form)
    if form.days and "meeting_minutes" not in form.errors:
        form.slots = generate_slots(form.days, v["meeting_minutes"], v["changeover_minutes"], breaks)
        if not form.slots:
            form.errors.add("meeting_minutes", N_("No meeting fits in the days as given: check the times and breaks."))
        elif len(form.slots) > MAX_SLOTS:
            form.errors.add("meeting_minutes", N_("More than 200 time slots: use longer meetings or fewer days."))
    return form


def _parse_tables(form: PlanForm) -> None:
    text = form.raw.get("tables", "")
    if text.strip():
        try:
            form.tables = parse_tables(text)
        except ValueError:
            form.errors.add("tables", N_("Write one table per line, as a name or as name: seats (at least 2); names must differ."))
            return
    else:
        count = _number(form, "table_count", 0, MAX_TABLES, 0, N_("Enter a number of tables from 0 to 300."))
        form.tables = [TableRow(i, f"T{i + 1}", None) for i in range(count or 0)]
    if len(form.tables) > MAX_TABLES:
        form.errors.add("tables", N_("At most 300 tables."))


def form_from_plan(plan: PlanRow | None, days: Sequence[DayRow], tables: Sequence[TableRow],
                   starts_on: date | None, ends_on: date | None) -> PlanForm:
    """The form of a stored plan, or a first one from the list's dates (9:00-17:00, lunch break)."""
    if plan is None:
        first = starts_on or date.today()
        last = ends_on or first
        span = min((last - first).days, MAX_DAYS - 1)
        items = [("meeting_minutes", "30"), ("changeover_minutes", "5"), ("breaks", "12:00-13:30"),
                 ("table_count", "10"), ("min_gap", "0"), ("video_rooms", "2"), ("timezone", DEFAULT_TIMEZONE),
                 ("include_proposed", "on")]
        for i in range(span + 1):
            items += [("day_date", (first + timedelta(days=i)).isoformat()), ("day_start", "09:00"),
                      ("day_end", "17:00")]
        return parse_plan_form(items)
    items = [("meeting_minutes", str(plan.meeting_minutes)), ("changeover_minutes", str(plan.changeover_minutes)),
             ("breaks", plan.breaks), ("min_gap", str(plan.min_gap)),
             ("video_rooms", "" if plan.video_rooms is None else str(plan.video_rooms)),
             ("timezone", plan.timezone), ("include_proposed", "on" if plan.include_proposed else ""),
             ("tables", "\n".join(t.name + (f": {t.capacity}" if t.capacity else "") for t in tables))]
    for d in days:
        items += [("day_date", d.on_date.isoformat()), ("day_start", f"{d.first_start:%H:%M}"),
                  ("day_end", f"{d.last_end:%H:%M}")]
    return parse_plan_form(items)
