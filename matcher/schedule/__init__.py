"""Event-day scheduling: meetings into time slots and at tables, and re-optimisation on the day.

A :class:`ScheduleProblem` (meetings between participants or delegations, slots, tables, who is
present when, a minimum gap, pinned meetings) is solved by :class:`Scheduler` with OR-Tools CP-SAT:
as many meetings placed as possible, then the higher-fit ones, then early in the day. On the day,
:class:`DayChanges` (cancellations, no-shows, walk-ins, the slot under way) re-optimise the
remaining slots without touching the frozen ones and with as few moves as possible; a meeting
moved by hand is checked with :func:`clashes`. The
:class:`ScheduleResult` says where each meeting is and why the others are not.
"""

from matcher.schedule.checks import Clash, clashes
from matcher.schedule.problem import Key, Meeting, Pin, ScheduleProblem, Slot, Table
from matcher.schedule.reopt import DayChanges
from matcher.schedule.result import Placement, ScheduleResult, Unplaced
from matcher.schedule.solver import Scheduler

__all__ = [
    "Clash",
    "DayChanges",
    "Key",
    "Meeting",
    "Pin",
    "Placement",
    "ScheduleProblem",
    "ScheduleResult",
    "Scheduler",
    "Slot",
    "Table",
    "Unplaced",
    "clashes",
]
