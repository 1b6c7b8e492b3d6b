"""Why a meeting was not placed: a short code and a sentence an officer can act on.

Codes: ``no_common_slot`` (its people are never all present), ``no_table`` (no table seats it),
``no_video`` (remote, and no video room), ``too_late`` (no possible slot is left after the frozen
ones), ``participant_full`` (every possible slot is taken by other meetings of its people),
``min_gap`` (what is left is too close to their other meetings), ``tables_full``, ``video_full``,
``mixed`` (a mix of these), ``time_limit`` (a possible slot was free: the solver stopped first).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from matcher.schedule.encode import Encoded
from matcher.schedule.problem import Meeting, ScheduleProblem

_ALL = {"busy": "participant_full", "gap": "min_gap", "tables": "tables_full", "video": "video_full"}


class _Usage:
    """What the schedule occupies: per (person, slot) the meetings, per slot the tables and rooms."""

    def __init__(self, enc: Encoded, slot: np.ndarray, table: np.ndarray) -> None:
        self.enc = enc
        self.person_at: set[tuple[int, int]] = set()
        self.tables_at: dict[int, set[int]] = {}
        self.video_at = Counter(slot[(slot >= 0) & enc.remote].tolist())
        for i in np.flatnonzero(slot >= 0).tolist():
            s = int(slot[i])
            self.person_at.update((p, s) for p in enc.busy[i].tolist())
            if table[i] >= 0:
                self.tables_at.setdefault(s, set()).add(int(table[i]))

    def blocker(self, i: int, s: int) -> tuple[str, int]:
        """``(kind, person row or -1)`` of what keeps meeting ``i`` out of slot ``s``."""
        enc = self.enc
        for p in enc.busy[i].tolist():
            if (p, s) in self.person_at:
                return "busy", p
        for p in enc.busy[i].tolist():
            near = [t for t in range(enc.n_slots) if t != s and enc.day[t] == enc.day[s]
                    and abs(int(enc.index[t]) - int(enc.index[s])) <= enc.min_gap]
            if any((p, t) in self.person_at for t in near):
                return "gap", p
        if enc.remote[i]:
            full = enc.video_rooms is not None and self.video_at[s] >= enc.video_rooms
            return ("video", -1) if full else ("open", -1)
        used = self.tables_at.get(s, set())
        if not any(enc.capacity[t] >= enc.seats[i] and t not in used for t in range(len(enc.capacity))):
            return "tables", -1
        return "open", -1


def _without_slots(problem: ScheduleProblem, m: Meeting, earliest: int) -> tuple[str, str]:
    people = problem.busy(m)
    never = [p for p in people if not any(problem.present(p, s) for s in range(len(problem.slots)))]
    common = [s for s in range(len(problem.slots)) if all(problem.present(p, s) for p in people)]
    if never:
        return "no_common_slot", f"{never[0]} is present in no slot"
    if not common:
        return "no_common_slot", f"{' and '.join(people)} are never present at the same time"
    if m.remote and problem.video_rooms == 0:
        return "no_video", "it is remote and there is no video room"
    if not m.remote and not any(t.fits(problem.seats(m)) for t in problem.tables):
        return "no_table", f"it needs {problem.seats(m)} seats; no table has as many"
    return "too_late", f"its people are never present together from slot {earliest} on"


def explain(problem: ScheduleProblem, enc: Encoded, slot: np.ndarray, table: np.ndarray,
            earliest: np.ndarray | None = None) -> dict[int, tuple[str, str]]:
    """``{meeting row: (code, sentence)}`` for every unplaced meeting (``slot == -1``)."""
    usage = _Usage(enc, slot, table)
    out: dict[int, tuple[str, str]] = {}
    for i in np.flatnonzero(slot < 0).tolist():
        m = problem.meetings[i]
        if not len(enc.allowed[i]):
            out[i] = _without_slots(problem, m, 0 if earliest is None else int(earliest[i]))
            continue
        found = [usage.blocker(i, s) for s in enc.allowed[i].tolist()]
        kinds = Counter(kind for kind, _ in found)
        n = len(found)
        if kinds["open"]:
            out[i] = "time_limit", "a possible slot is free: the solver stopped (time limit) before placing it"
            continue
        who = Counter((kind, enc.people[p]) for kind, p in found if kind in ("busy", "gap"))
        parts = [f"{name} is busy in {c}" if kind == "busy" else f"{name} has a meeting too close in {c}"
                 for (kind, name), c in sorted(who.items(), key=lambda x: (-x[1], x[0]))]
        parts += [f"every table is taken in {kinds['tables']}"] * bool(kinds["tables"])
        parts += [f"every video room is taken in {kinds['video']}"] * bool(kinds["video"])
        if set(kinds) == {"busy", "gap"}:
            code = "min_gap"  # without the gap rule it would fit
        else:
            code = _ALL[next(iter(kinds))] if len(kinds) == 1 else "mixed"
        if code == "participant_full" and len(who) == 1:
            sentence = f"{next(iter(who))[1]}'s available slots are full"
        else:
            sentence = f"of its {n} possible slot(s): " + ", ".join(parts)
        out[i] = code, sentence
    return out
