"""What the scheduler gives back: placed meetings with slot and table, unplaced ones with a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matcher.schedule.problem import Key, Pin

STATUSES = ("complete", "partial")


@dataclass(frozen=True)
class Placement:
    """A meeting in ``slot`` at ``table`` (None for a remote meeting: a video room)."""

    a: str
    b: str
    slot: int
    table: str | None
    fit: float
    remote: bool
    day: int
    start: str

    @property
    def key(self) -> Key:
        return (self.a, self.b)

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "slot": self.slot, "table": self.table, "day": self.day,
                "start": self.start, "fit": self.fit, "remote": self.remote}


@dataclass(frozen=True)
class Unplaced:
    """A meeting left out: ``reason`` is a code of ``matcher.schedule.reasons``, ``detail`` a sentence."""

    a: str
    b: str
    reason: str
    detail: str

    @property
    def key(self) -> Key:
        return (self.a, self.b)

    def to_dict(self) -> dict[str, str]:
        return {"a": self.a, "b": self.b, "reason": self.reason, "detail": self.detail}


@dataclass(frozen=True)
class ScheduleResult:
    """A timetable in ids.

    Attributes
    ----------
    status : {"complete", "partial"}
        ``"partial"`` when some meeting (not cancelled) is unplaced.
    placed : list of Placement
        By slot, then table name (remote meetings last in their slot).
    unplaced : list of Unplaced
        In the order of the problem's meetings.
    solver_status : {"optimal", "feasible", "unknown"}
        ``"optimal"``: both objectives proved optimal; ``"feasible"``: the time limit came first
        (the number placed is still the best known, ``bound`` the most possible).
    objective : int
        The second objective's value (see ``Scheduler``).
    bound : int
        Most meetings any schedule could place (proved by the solver; equals ``len(placed)``
        when that is optimal).
    seconds : float
        Wall time of the solve.
    moved : list of (a, b)
        After a re-optimisation: meetings of the previous schedule now in another slot or unplaced.
    dropped : list of Unplaced
        After a re-optimisation: cancelled meetings and those of no-shows (``reason`` ``cancelled``
        or ``no_show``).
    idle_gaps : int
        Slots without a meeting between a participant's first and last meeting of a day, summed.
    """

    status: str
    placed: list[Placement]
    unplaced: list[Unplaced]
    solver_status: str
    objective: int
    bound: int
    seconds: float
    moved: list[Key] = field(default_factory=list)
    dropped: list[Unplaced] = field(default_factory=list)
    idle_gaps: int = 0

    def assignment(self) -> dict[Key, Pin]:
        """``{(a, b): Pin(slot, table)}`` of the placed meetings: the form re-optimisation reads."""
        return {p.key: Pin(p.slot, p.table) for p in self.placed}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``status, placed [{a, b, slot, table, day, start, fit, remote}], unplaced
        [{a, b, reason, detail}], solver_status, objective, bound, seconds, moved, dropped, idle_gaps``."""
        return {
            "status": self.status,
            "placed": [p.to_dict() for p in self.placed],
            "unplaced": [u.to_dict() for u in self.unplaced],
            "solver_status": self.solver_status,
            "objective": self.objective,
            "bound": self.bound,
            "seconds": round(self.seconds, 3),
            "moved": [{"a": a, "b": b} for a, b in self.moved],
            "dropped": [d.to_dict() for d in self.dropped],
            "idle_gaps": self.idle_gaps,
        }
