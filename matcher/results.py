"""What the engine returns: ``Match`` (a published JSON contract) and the scored block."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.explain import Explanation


@dataclass(frozen=True)
class Match:
    """One proposed partner for a profile.

    ``to_dict()`` is the JSON contract of ``caunoi match --json`` and the API:
    ``{"id", "score", "fit", "components", "explanation"}``; ``from_dict`` reads it back.

    Attributes
    ----------
    id : the proposed profile's id.
    score : the raw fused score (sum of ``components``); comparable within one engine's weights.
    fit : the score on a fixed 0–100 display scale (``matcher.scoring.fit_percent``).
    components : ``{component name: contribution to score}``.
    explanation : why (``matcher.explain.Explanation``), None when not requested.
    """

    id: str
    score: float
    fit: float
    components: dict[str, float]
    explanation: Explanation | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract; ``"explanation"`` is ``Explanation.to_dict()`` (rendered in both
        languages as its ``summary``), ``{}`` without one."""
        return {
            "id": self.id,
            "score": self.score,
            "fit": self.fit,
            "components": dict(self.components),
            "explanation": self.explanation.to_dict() if self.explanation is not None else {},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Match:
        """The match ``to_dict()`` wrote."""
        explanation = data["explanation"]
        return cls(data["id"], data["score"], data["fit"], dict(data["components"]),
                   Explanation.from_dict(explanation) if explanation else None)


ORDER_DECIMALS = 4  # see Scored.order


@dataclass
class Scored:
    """Scores of ``n`` candidates for one query: rows, ids, scores (n,), and per-component
    contributions and unweighted values, each ``{name: (n,)}``."""

    rows: np.ndarray
    ids: np.ndarray
    score: np.ndarray
    contributions: dict[str, np.ndarray]
    values: dict[str, np.ndarray]

    def order(self) -> np.ndarray:
        """Positions sorted by score descending, ties by id ascending (deterministic).

        Scores equal to ``ORDER_DECIMALS`` decimals are ties: the same pair scored at another
        time (the index grown, another BLAS blocking) can differ by float32 rounding (~1e-6), and
        where several candidates score the same (near-copies, a clipped channel) that noise alone
        would otherwise reorder them, so that a stored ranking and a fresh one disagreed."""
        return np.lexsort((self.ids, -np.round(self.score, ORDER_DECIMALS)))

    def at(self, i: int) -> tuple[dict[str, float], dict[str, float]]:
        """(contributions, values) of position ``i`` as plain floats."""
        return (
            {k: float(v[i]) for k, v in self.contributions.items()},
            {k: float(v[i]) for k, v in self.values.items()},
        )
