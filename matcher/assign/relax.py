"""What has to give when the constraints cannot all hold: one record per change, and its wording."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import asdict, dataclass, replace
from typing import Any

#: kinds of relaxation, direct causes first (found by counting), then those the elastic flow finds
KINDS = (
    "min_above_max",  # a participant's minimum exceeds its maximum
    "forced_and_blocked",  # a pair is both forced and blocked
    "forced_not_allowed",  # a forced pair is not among the allowed pairs
    "forced_over_capacity",  # more forced pairs than a participant's maximum
    "forced_over_group_limit",  # more forced pairs of one group at a partner than the diversity limit
    "too_few_candidates",  # fewer allowed partners than a participant's minimum
    "capacity_short",  # a maximum must rise for the minima elsewhere to be met
    "minimum_short",  # a minimum cannot be met and must fall
    "group_limit_short",  # the diversity limit at a partner must rise
)


@dataclass(frozen=True)
class Relaxation:
    """One change that makes the instance feasible (with the others in its list).

    ``who`` and ``partner`` are rows inside the solver and ids in a result; ``side`` is the side of
    ``who`` (``"a"``/``"b"``); ``partner`` is the b-side participant of a pair or of a group limit;
    ``current`` and ``suggested`` are the value to change and the value that works (a minimum, a
    maximum, a group limit, or for pair kinds 1 → 0 meaning "drop the forcing").
    """

    kind: str
    side: str | None
    who: Any
    current: int
    suggested: int
    partner: Any = None
    group: Any = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown relaxation kind {self.kind!r}; valid kinds: {', '.join(KINDS)}")

    @property
    def amount(self) -> int:
        return abs(self.suggested - self.current)

    def with_ids(self, a_ids: list[Hashable], b_ids: list[Hashable], group_labels=None) -> Relaxation:
        """The same record with rows replaced by ids (and group codes by labels)."""
        who = None if self.who is None else (a_ids if self.side == "a" else b_ids)[self.who]
        if self.kind in ("forced_and_blocked", "forced_not_allowed"):
            who = a_ids[self.who]
        partner = None if self.partner is None else b_ids[self.partner]
        group = self.group
        if group is not None and group_labels is not None:
            group = group_labels[group]
        return replace(self, who=who, partner=partner, group=group)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "amount": self.amount, "message": self.message()}

    def message(self, names: tuple[str, str] = ("startup", "partner")) -> str:
        """One plain sentence saying what binds and what change fixes it."""
        side = names[0] if self.side == "a" else names[1]
        who, cur, new = self.who, self.current, self.suggested
        pair = f"({self.who}, {self.partner})"
        texts = {
            "min_above_max": f"{side} {who} has minimum {cur} above its maximum {new}: lower the minimum to {new}",
            "forced_and_blocked": f"pair {pair} is both forced and blocked: drop one of the two",
            "forced_not_allowed": f"forced pair {pair} is not among the allowed pairs: allow it or drop the forcing",
            "forced_over_capacity": f"{side} {who} has {new} forced pairs but maximum {cur}: raise it to {new} or unforce {new - cur}",
            "forced_over_group_limit": (
                f"{names[1]} {self.partner} has {new} forced {names[0]}s of group {self.group} but the limit is {cur}: "
                f"raise it to {new}"
            ),
            "too_few_candidates": (
                f"{side} {who} has only {new} allowed {names[1] if self.side == 'a' else names[0]}(s) "
                f"for a minimum of {cur}: lower the minimum to {new} or allow more pairs"
            ),
            "capacity_short": f"{side} {who} is {new - cur} slot(s) short: raise its maximum from {cur} to {new}",
            "minimum_short": f"{side} {who} cannot reach its minimum: lower it from {cur} to {new}",
            "group_limit_short": (
                f"{names[1]} {self.partner} needs {new - cur} more of group {self.group}: raise that limit from {cur} to {new}"
            ),
        }
        return texts[self.kind]


def _summary(relaxations: list[Relaxation], names: tuple[str, str]) -> list[str]:
    lines = []
    for kind, what in (("capacity_short", "slot(s) short"), ("minimum_short", "pair(s) below their minima")):
        for side, name in (("a", names[0]), ("b", names[1])):
            part = [r for r in relaxations if r.kind == kind and r.side == side]
            if len(part) > 1:
                lines.append(f"- {len(part)} {name}s are {sum(r.amount for r in part)} {what} in total")
    return lines


def _listed(relaxations: list[Relaxation], names: tuple[str, str], limit: int = 20) -> list[str]:
    lines = [*_summary(relaxations, names), *(f"- {r.message(names)}" for r in relaxations[:limit])]
    if len(relaxations) > limit:
        lines.append(f"- ... and {len(relaxations) - limit} more (see the structured list)")
    return lines


def explain(
    relaxations: list[Relaxation],
    alternative: list[Relaxation] | None = None,
    names: tuple[str, str] = ("startup", "partner"),
) -> str:
    """A short text: what binds and the smallest change found (direct causes first), then, if
    given, another change of minima only that would also do."""
    if not relaxations:
        return "All constraints hold; the assignment is optimal."
    units = sum(r.amount for r in relaxations)
    lines = [
        f"Infeasible: the constraints cannot all hold. Smallest change found ({units} unit(s) in total):"
    ]
    lines += _listed(relaxations, names)
    if alternative:
        lines.append("Or, instead of raising maxima, lower minima:")
        lines += _listed(alternative, names)
    lines.append("The pairs shown are the best assignment once the first set of changes is made.")
    return "\n".join(lines)
