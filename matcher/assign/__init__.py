"""Capacity-constrained assignment for programme officers' match lists (brokerage events).

Pairs ``(a, b)`` with scores, per-participant minimum and maximum number of pairs, blocked and
forced pairs, an optional diversity rule (at most N a-side participants of one group per b-side
participant) and an optional fairness-first objective. Solved exactly as a min-cost flow
(OR-Tools); dense instances on each participant's top-K candidates with an LP-duality proof that
no other pair could improve the answer (``matcher.assign.pricing``). When the constraints cannot all
hold the result says which bind and the smallest change that makes them hold (``relax``).

Arrays in, arrays out: :class:`AssignmentProblem` + :class:`CapacitatedAssigner`; ids only
through :class:`AssignmentIndex`. From ids: :func:`assign_pairs`.
"""

from matcher.assign.api import assign_pairs
from matcher.assign.index import AssignmentIndex
from matcher.assign.problem import UNBOUNDED, AssignmentProblem
from matcher.assign.relax import KINDS, Relaxation
from matcher.assign.result import AssignmentResult
from matcher.assign.solver import FAIRNESS, CapacitatedAssigner

__all__ = [
    "FAIRNESS",
    "KINDS",
    "UNBOUNDED",
    "AssignmentIndex",
    "AssignmentProblem",
    "AssignmentResult",
    "CapacitatedAssigner",
    "Relaxation",
    "assign_pairs",
]
