"""Clash checks for a meeting moved by hand: what would go wrong if ``key`` went to ``pin``.

The solver never breaks a rule; an officer dragging a meeting to another slot or table can. The
checks are the solver's rules read one meeting at a time, so that the page can say which rule and
who: a participant absent or already in a meeting then, the table taken or too small, every video
room in use. Too short a gap to the participant's other meetings is a warning (``hard`` False):
the officer may accept it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from matcher.schedule.problem import Key, Pin, ScheduleProblem

#: codes of :class:`Clash`, the hard ones first
CODES = ("bad_slot", "absent", "busy", "no_table", "table_small", "table_taken", "video_full", "min_gap")


@dataclass(frozen=True)
class Clash:
    """One broken rule: ``code`` of ``CODES``; ``who`` the participant or table concerned; ``other``
    the meeting it collides with, if any."""

    code: str
    who: str = ""
    other: Key | None = None

    @property
    def hard(self) -> bool:
        return self.code != "min_gap"


def clashes(problem: ScheduleProblem, placements: Mapping[Key, Pin], key: Key, pin: Pin) -> list[Clash]:
    """The rules that moving meeting ``key`` to ``pin`` (``table`` None: a video room for a remote
    meeting) would break, given where the other meetings are (``placements``; ``key``'s own entry
    is ignored). Raises ``KeyError`` for a meeting not in ``problem``."""
    by_key = {m.key: m for m in problem.meetings}
    meeting = by_key[key]
    s = pin.slot
    if not 0 <= s < len(problem.slots):
        return [Clash("bad_slot")]
    out = [Clash("absent", p) for p in problem.busy(meeting) if not problem.present(p, s)]
    people = set(problem.busy(meeting))
    here = problem.slots[s]
    for other, where in placements.items():
        if other == key or other not in by_key:
            continue
        theirs = set(problem.busy(by_key[other])) & people
        if where.slot == s:
            out += [Clash("busy", p, other) for p in sorted(theirs)]
            if pin.table is not None and where.table == pin.table:
                out.append(Clash("table_taken", pin.table, other))
        elif theirs and problem.min_gap and problem.slots[where.slot].day == here.day \
                and abs(problem.slots[where.slot].index - here.index) <= problem.min_gap:
            out += [Clash("min_gap", p, other) for p in sorted(theirs)]
    if meeting.remote or pin.table is None:
        if not meeting.remote:
            out.append(Clash("no_table"))
        elif problem.video_rooms is not None:
            in_use = sum(1 for k, w in placements.items()
                         if k != key and k in by_key and by_key[k].remote and w.slot == s)
            if in_use >= problem.video_rooms:
                out.append(Clash("video_full"))
        return out
    table = next((t for t in problem.tables if t.name == pin.table), None)
    if table is None:
        out.append(Clash("no_table", pin.table))
    elif not table.fits(problem.seats(meeting)):
        out.append(Clash("table_small", pin.table))
    return out
