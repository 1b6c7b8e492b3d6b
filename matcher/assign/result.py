"""What a programme officer gets back: pairs, alternates and, when needed, what must change."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.assign.index import AssignmentIndex
from matcher.assign.relax import Relaxation, explain

STATUSES = ("optimal", "infeasible")


@dataclass(frozen=True)
class AssignmentResult:
    """An assignment in ids.

    Attributes
    ----------
    status : {"optimal", "infeasible"}
        ``"infeasible"``: the constraints cannot all hold; ``relaxations`` lists the smallest change
        found and ``pairs`` is the optimal assignment once it is made.
    objective : float
        Total score of ``pairs``.
    pairs : list of (a_id, b_id, score)
        Sorted by index row of ``a``, then of ``b`` (by id for a sorted index).
    alternates : dict
        For every participant id, its next best allowed, unblocked, unassigned candidates.
    explanation : str
    relaxations : list of Relaxation
        Structured form of the explanation, ids in ``who`` and ``partner``.
    alternative : list of Relaxation
        When ``relaxations`` raise maxima: the smallest change of minima alone that would also do
        (direct causes aside).
    info : dict
        How it was solved: rounds, candidate pairs, whether optimality was proved, fairness values.
    """

    status: str
    objective: float
    pairs: list[tuple[Hashable, Hashable, float]]
    alternates: dict[Hashable, list[Hashable]]
    explanation: str
    relaxations: list[Relaxation] = field(default_factory=list)
    alternative: list[Relaxation] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``status, objective, pairs [{a, b, score}], alternates, explanation`` and more."""
        return {
            "status": self.status,
            "objective": self.objective,
            "pairs": [{"a": a, "b": b, "score": s} for a, b, s in self.pairs],
            "alternates": self.alternates,
            "explanation": self.explanation,
            "relaxations": [r.to_dict() for r in self.relaxations],
            "alternative": [r.to_dict() for r in self.alternative],
            "info": self.info,
        }


def build_result(
    *,
    status: str,
    pairs: np.ndarray,
    scores: np.ndarray,
    alt_a: np.ndarray,
    alt_b: np.ndarray,
    relaxations: list[Relaxation],
    alternative: list[Relaxation],
    info: dict,
    index: AssignmentIndex,
    group_labels=None,
    side_names: tuple[str, str] = ("startup", "partner"),
) -> AssignmentResult:
    """Map row-level arrays to ids: ``pairs`` ``(p, 2)``, ``scores`` ``(p,)``, ``alt_*`` ``(n, k)``."""
    if alt_a.shape[0] != index.n_a or alt_b.shape[0] != index.n_b:
        raise ValueError(
            f"index has {index.n_a} x {index.n_b} ids but the solution has {alt_a.shape[0]} x {alt_b.shape[0]} rows"
        )
    a_ids, b_ids = index.a_ids, index.b_ids
    out_pairs = [
        (a_ids[a], b_ids[b], float(s)) for (a, b), s in zip(pairs.tolist(), scores.tolist(), strict=True)
    ]
    alternates: dict[Hashable, list[Hashable]] = {}
    for ids, other, alt in ((a_ids, b_ids, alt_a), (b_ids, a_ids, alt_b)):
        for i, row in enumerate(alt.tolist()):
            alternates[ids[i]] = [other[j] for j in row if j >= 0]
    relax = [r.with_ids(a_ids, b_ids, group_labels) for r in relaxations]
    instead = [r.with_ids(a_ids, b_ids, group_labels) for r in alternative]
    text = explain(relax, instead, side_names)
    return AssignmentResult(
        status=status,
        objective=float(scores.sum()),
        pairs=out_pairs,
        alternates=alternates,
        explanation=text,
        relaxations=relax,
        alternative=instead,
        info=info,
    )
