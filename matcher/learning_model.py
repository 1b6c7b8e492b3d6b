"""What a learned re-ranker is and reports: ``LearnedModel`` (the bounded adjustment it adds to the
engine's score), ``LearnedSummary`` (what it learned, on how many events, whether it is used) and
the held-out measure that decides (IPS-weighted pairwise accuracy, paired by query). Fitted by
``matcher.learning.Reranker``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from matcher.learning_log import Pairs, component_vector
from matcher.results import Match
from matcher.scoring import COMPONENTS

CHANGE_THRESHOLD = 0.05  # a weight multiplied by less than 5% either way is reported unchanged


@dataclass(frozen=True)
class LearnedModel:
    """The adjustment ``clip(components . coef + features . feature_coef, ±max_delta)`` added
    to the engine's score; ``coef`` maps a component to the change of its weight (its
    contribution times ``1 + coef`` in the adjusted score)."""

    coef: dict[str, float]
    feature_coef: dict[str, float]
    max_delta: float

    def deltas(self, components: Sequence[Mapping[str, float]],
               features: Sequence[Mapping[str, float]] | None = None) -> np.ndarray:
        """The adjustment of each candidate, shape (n,), from its components (``Match.components``)
        and, if the model has pair features, its features (same length)."""
        if features is not None and len(features) != len(components):
            raise ValueError(f"{len(features)} feature rows for {len(components)} candidates")
        coef = np.array([self.coef.get(c, 0.0) for c in COMPONENTS])
        out = np.array([component_vector(c) @ coef for c in components], dtype=np.float64).reshape(-1)
        if features is not None and self.feature_coef:
            out += np.array([sum(self.feature_coef.get(k, 0.0) * v for k, v in f.items()) for f in features])
        return np.clip(out, -self.max_delta, self.max_delta)

    def rerank(self, matches: Sequence[Match], features: Sequence[Mapping[str, float]] | None = None) -> list[Match]:
        """``matches`` (an engine shortlist, best first) in the adjusted order; the matches
        themselves are unchanged (their score stays the engine's); ties keep the engine's order."""
        if not matches:
            return []
        adjusted = np.array([m.score for m in matches]) + self.deltas([m.components for m in matches], features)
        order = np.lexsort((np.arange(len(matches)), -np.round(adjusted, 6)))
        return [matches[i] for i in order]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LearnedModel:
        return cls(dict(data["coef"]), dict(data["feature_coef"]), float(data["max_delta"]))


@dataclass(frozen=True)
class ComponentChange:
    """How a component's weight changed relative to the others' (``Reranker._changes``):
    ``multiplier`` 1.5 = weighs half as much again; ``change`` is ``gained``, ``lost``,
    ``unchanged`` (within ``CHANGE_THRESHOLD``) or ``unknown`` (no logged view told it apart)."""

    name: str
    multiplier: float
    change: str


@dataclass(frozen=True)
class LearnedSummary:
    """What a fit learned and whether it is used.

    ``status``: ``used``, ``not_better`` (fitted, but it did not beat the engine on the held-out
    queries) or ``too_few_events``. ``heldout_engine`` and ``heldout_learned`` are IPS-weighted
    pairwise accuracies on the held-out queries' logged preferences; ``heldout_gain`` their
    difference and ``heldout_se`` its standard error (paired by query)."""

    status: str
    n_events: int
    n_impressions: int
    n_accounts: int
    n_queries: int
    n_fit_events: int = 0
    n_heldout_events: int = 0
    n_pairs: int = 0
    heldout_engine: float | None = None
    heldout_learned: float | None = None
    heldout_gain: float | None = None
    heldout_se: float | None = None
    components: tuple[ComponentChange, ...] = ()
    features: tuple[tuple[str, float], ...] = ()
    settings: dict[str, float] = field(default_factory=dict)

    @property
    def used(self) -> bool:
        return self.status == "used"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LearnedSummary:
        values = dict(data)
        values["components"] = tuple(ComponentChange(**c) for c in data.get("components", ()))
        values["features"] = tuple((str(k), float(v)) for k, v in data.get("features", ()))
        return cls(**values)


def pairwise_accuracy(pairs: Pairs, better: np.ndarray, worse: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(weighted share of pairs ordered right by the scores ``better`` vs ``worse`` (ties count
    half), per-group weighted right count (g,), per-group weight (g,)) over ``pairs``' groups."""
    right = np.where(better > worse, 1.0, np.where(better == worse, 0.5, 0.0)) * pairs.weight
    groups, inverse = np.unique(pairs.group, return_inverse=True)
    per_right = np.bincount(inverse, right, minlength=len(groups))
    per_weight = np.bincount(inverse, pairs.weight, minlength=len(groups))
    total = float(pairs.weight.sum())
    return (float(right.sum()) / total if total > 0 else float("nan")), per_right, per_weight


def paired_gain(pairs: Pairs, model: LearnedModel) -> tuple[float, float, float, float]:
    """(engine accuracy, learned accuracy, gain, standard error of the gain) on ``pairs``; the
    error of a ratio of sums over queries (each query a unit: its pairs are not independent)."""
    eng, eng_right, weight = pairwise_accuracy(pairs, pairs.better_score, pairs.worse_score)
    new_b = pairs.better_score + apply_rows(model, pairs.better)
    new_w = pairs.worse_score + apply_rows(model, pairs.worse)
    new, new_right, _ = pairwise_accuracy(pairs, new_b, new_w)
    gain = new - eng
    n, total = len(weight), float(weight.sum())
    if n < 2 or total <= 0:
        return eng, new, gain, float("inf")
    d = (new_right - eng_right) - gain * weight
    return eng, new, gain, float(np.sqrt(n / (n - 1) * float(d @ d)) / total)


def apply_rows(model: LearnedModel, X: np.ndarray) -> np.ndarray:
    """``model``'s deltas for feature rows ``X``, shape (n, C + F): the components in
    ``COMPONENTS`` order, then the pair features in sorted name order (as ``Reranker`` builds them)."""
    names = sorted(model.feature_coef)
    if X.shape[1] != len(COMPONENTS) + len(names):
        raise ValueError(f"rows have {X.shape[1]} columns; the model has {len(COMPONENTS)} components and {len(names)} features")
    coef = np.array([model.coef.get(c, 0.0) for c in COMPONENTS] + [model.feature_coef[k] for k in names])
    return np.clip(X @ coef, -model.max_delta, model.max_delta)
