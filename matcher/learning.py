"""Ranking learned from feedback: a bounded adjustment of the engine's fused score.

``Reranker.fit(impressions, feedback)`` (``matcher.learning_log``: what was shown, at which rank,
with which components, and what each account did) fits a pairwise logistic regression
(scikit-learn) on the differences between a preferred and another candidate of the same view:
the engine's components (their signed contributions, so that the engine itself is the all-ones
direction) and optional pair features, each pair weighed by inverse propensity of the rank
that made it and by its account's capped share. The fitted direction ``u`` becomes an
adjustment of the engine's score, applied to the engine's shortlist::

    new score = engine score + clip(alpha * s * (u . x), -max_delta, +max_delta)

``s`` scales ``u . x`` to the spread of the engine's score over the logged pairs; ``alpha``
(how far to trust the feedback) and the penalty ``C`` are chosen by cross-validation over
queries. For a component the adjustment is a change of its weight by a factor ``1 + coef``
(``LearnedSummary.components``).

Guardrails, all here:

* no model below ``min_events`` feedback events joined to impressions;
* fitted on part of the queries, *used* only if on the others (``heldout``, at least one) its
  IPS-weighted pairwise accuracy beats the engine's by at least ``min_gain_se`` standard errors
  (paired by query); otherwise the summary says ``not_better`` and ``rerank`` keeps the engine's
  order. The model used is the one tested (no refit on the held-out part);
* each account's pairs weigh at most ``max_account_share`` of the fit and of the test;
* the adjustment never exceeds ``max_delta`` times the engine score's spread (the root mean
  square of its differences within logged views), whatever the feedback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from matcher.learning_log import Feedback, Impression, Pairs, component_vector, join, preference_pairs
from matcher.learning_model import (
    CHANGE_THRESHOLD,
    ComponentChange,
    LearnedModel,
    LearnedSummary,
    apply_rows,
    paired_gain,
    pairwise_accuracy,
)
from matcher.results import Match
from matcher.scoring import COMPONENTS

__all__ = ["Feedback", "Impression", "LearnedModel", "LearnedSummary", "ComponentChange", "Reranker"]


class Reranker:
    """Learn an adjustment of the engine's ranking from an impression/feedback log.

    Parameters
    ----------
    min_events : int
        Feedback events (joined to an impression) needed before anything is fitted.
    eta : float
        Position bias: examination probability ``rank ** -eta`` (``learning_log.propensity``).
    min_propensity : float
        Floor of that probability (inverse weights at most ``1 / min_propensity``).
    max_account_share : float
        Largest share of the fit (and of the test) one account's events may weigh.
    heldout : float
        Share of the queries held out to decide whether the model is used.
    max_delta : float
        Bound of the adjustment, in spreads of the engine's score (see module docstring).
    min_gain_se : float
        Held-out gain needed, in standard errors (1.0: the gain is above its own noise).
    C_grid, alpha_grid : sequences of float
        Inverse L2 penalties of the logistic regression and trust factors tried (3-fold CV
        over the fitting queries; the middle of each grid when there are too few queries).
    random_state : int
        Seed of the held-out split and the folds.
    """

    def __init__(self, min_events: int = 200, eta: float = 1.0, min_propensity: float = 0.05,
                 max_account_share: float = 0.1, heldout: float = 0.3, max_delta: float = 1.0,
                 min_gain_se: float = 1.0, C_grid: Sequence[float] = (0.01, 0.1, 1.0),
                 alpha_grid: Sequence[float] = (0.25, 0.5, 1.0, 2.0), random_state: int = 0) -> None:
        self.min_events = min_events
        self.eta = eta
        self.min_propensity = min_propensity
        self.max_account_share = max_account_share
        self.heldout = heldout
        self.max_delta = max_delta
        self.min_gain_se = min_gain_se
        self.C_grid = C_grid
        self.alpha_grid = alpha_grid
        self.random_state = random_state

    # ----------------------------------------------------------------- fitting
    def fit(self, impressions: Sequence[Impression], feedback: Sequence[Feedback]) -> Reranker:
        """Fit on the log; sets ``summary_`` always, ``model_`` when a model was fitted (used or
        not) and ``used_``."""
        labels = join(impressions, feedback)
        queries = sorted({imp.query for imp in impressions})
        base = {"n_events": len(labels), "n_impressions": len(impressions),
                "n_accounts": len({k[1] for k in labels}), "n_queries": len(queries), "settings": self._settings()}
        self.model_: LearnedModel | None = None
        self.used_ = False
        if len(labels) < self.min_events or len(queries) < 2:
            self.summary_ = LearnedSummary("too_few_events", **base)  # type: ignore[arg-type]
            return self
        names = sorted({k for imp in impressions for k in imp.features})
        X = np.array([np.concatenate([component_vector(imp.components), [imp.features.get(k, 0.0) for k in names]])
                      for imp in impressions]).reshape(len(impressions), len(COMPONENTS) + len(names))
        held = self._heldout_queries(queries)
        is_held = np.array([imp.query in held for imp in impressions])
        pairs = {part: preference_pairs([imp for imp, h in zip(impressions, is_held, strict=True) if h == part],
                                        labels, X[is_held == part], self.eta, self.min_propensity,
                                        self.max_account_share) for part in (False, True)}
        fit_pairs, test_pairs = pairs[False], pairs[True]
        n_held = sum(1 for k in labels if k[2] in held)
        base.update(n_fit_events=len(labels) - n_held, n_heldout_events=n_held, n_pairs=len(fit_pairs))
        if len(fit_pairs) == 0 or len(test_pairs) == 0:
            self.summary_ = LearnedSummary("not_better", **base)  # type: ignore[arg-type]
            return self
        C, alpha = self._select(fit_pairs, names)
        self.model_ = self._fit_model(fit_pairs, C, alpha, names)
        eng, new, gain, se = paired_gain(test_pairs, self.model_)
        self.used_ = bool(gain > 0 and gain >= self.min_gain_se * se)
        self.summary_ = LearnedSummary(
            "used" if self.used_ else "not_better", **base,  # type: ignore[arg-type]
            heldout_engine=eng, heldout_learned=new, heldout_gain=gain, heldout_se=se,
            components=self._changes(self.model_, fit_pairs),
            features=tuple(sorted(((k, round(v, 4)) for k, v in self.model_.feature_coef.items() if v),
                                  key=lambda kv: -abs(kv[1])))[:10],
        )
        self.settings_ = {"C": C, "alpha": alpha}
        return self

    def _settings(self) -> dict[str, float]:
        return {"min_events": self.min_events, "eta": self.eta, "min_propensity": self.min_propensity,
                "max_account_share": self.max_account_share, "heldout": self.heldout,
                "max_delta": self.max_delta, "min_gain_se": self.min_gain_se}

    def _heldout_queries(self, queries: Sequence[str]) -> set[str]:
        rng = np.random.RandomState(self.random_state)
        n = min(len(queries) - 1, max(1, int(round(self.heldout * len(queries)))))
        return {queries[i] for i in rng.permutation(len(queries))[:n]}

    def _direction(self, pairs: Pairs, C: float) -> np.ndarray:
        """The logistic regression's direction in feature units, shape (d,): pairs both ways
        round (labels 1 and 0, so no intercept), features scaled by their weighted spread."""
        D = pairs.diff
        scale = np.sqrt(np.average(D**2, axis=0, weights=pairs.weight))
        scale[scale == 0] = 1.0
        Z = D / scale
        clf = LogisticRegression(C=C, fit_intercept=False, max_iter=1000)
        clf.fit(np.vstack([Z, -Z]), np.r_[np.ones(len(Z)), np.zeros(len(Z))],
                sample_weight=np.r_[pairs.weight, pairs.weight] / pairs.weight.mean())
        return clf.coef_[0] / scale

    def _fit_model(self, pairs: Pairs, C: float, alpha: float, names: Sequence[str]) -> LearnedModel:
        return self._model_from(pairs, self._direction(pairs, C), alpha, names)

    def _model_from(self, pairs: Pairs, u: np.ndarray, alpha: float, names: Sequence[str]) -> LearnedModel:
        """The model of direction ``u`` scaled to ``alpha`` engine-score spreads over ``pairs``."""
        spread = float(np.sqrt(np.average(pairs.engine_diff**2, weights=pairs.weight)))
        learned = float(np.sqrt(np.average((pairs.diff @ u) ** 2, weights=pairs.weight)))
        coef = u * (alpha * spread / learned) if learned > 0 else np.zeros_like(u)
        n = len(COMPONENTS)
        return LearnedModel({c: float(v) for c, v in zip(COMPONENTS, coef[:n], strict=True)},
                            {k: float(v) for k, v in zip(names, coef[n:], strict=True)},
                            max_delta=self.max_delta * spread)

    def _select(self, pairs: Pairs, names: Sequence[str]) -> tuple[float, float]:
        """(C, alpha) of best mean validation accuracy over 3 folds of the fitting queries."""
        groups = np.unique(pairs.group)
        if len(groups) < 3:
            return self.C_grid[len(self.C_grid) // 2], self.alpha_grid[len(self.alpha_grid) // 2]
        rng = np.random.RandomState(self.random_state + 1)
        fold = dict(zip(groups, rng.permutation(len(groups)) % 3, strict=True))
        of = np.array([fold[g] for g in pairs.group])
        scores: dict[tuple[float, float], float] = {}
        for f in range(3):
            train, val = pairs.subset(of != f), pairs.subset(of == f)
            if len(train) == 0 or len(val) == 0 or val.weight.sum() == 0:
                continue
            for C in self.C_grid:
                u = self._direction(train, C)
                for alpha in self.alpha_grid:
                    model = self._model_from(train, u, alpha, names)
                    acc, _, _ = pairwise_accuracy(val, val.better_score + apply_rows(model, val.better),
                                                  val.worse_score + apply_rows(model, val.worse))
                    scores[(C, alpha)] = scores.get((C, alpha), 0.0) + acc
        if not scores:
            return self.C_grid[len(self.C_grid) // 2], self.alpha_grid[len(self.alpha_grid) // 2]
        # ties go to the stronger penalty and the smaller trust (the first in grid order)
        return max(scores, key=lambda k: (round(scores[k], 9), -self.C_grid.index(k[0]), -self.alpha_grid.index(k[1])))

    @staticmethod
    def _changes(model: LearnedModel, pairs: Pairs) -> tuple[ComponentChange, ...]:
        """Each component's weight multiplier relative to the others: ``1 + coef`` divided by its
        mean over components, weighed by how much each moves the logged pairs (a ranking does not
        change when every weight is multiplied by the same factor); ``unknown`` for a component
        that never differed within a logged view."""
        n = len(COMPONENTS)
        spread = np.sqrt(np.average(pairs.diff[:, :n] ** 2, axis=0, weights=pairs.weight))
        raw = np.array([1.0 + model.coef[c] for c in COMPONENTS])
        mean = float(raw @ spread / spread.sum()) if spread.sum() > 0 else 1.0
        out = []
        for c, r, seen in zip(COMPONENTS, raw, spread > 0, strict=True):
            if not seen:  # constant in every logged view: the feedback says nothing about it
                out.append(ComponentChange(c, 1.0, "unknown"))
                continue
            m = float(r / mean) if mean > 0 else float(r)
            change = "gained" if m > 1 + CHANGE_THRESHOLD else "lost" if m < 1 - CHANGE_THRESHOLD else "unchanged"
            out.append(ComponentChange(c, round(m, 4), change))
        return tuple(sorted(out, key=lambda ch: -ch.multiplier))

    # ----------------------------------------------------------------- using
    def _check_fitted(self) -> None:
        if not hasattr(self, "summary_"):
            raise NotFittedError("this Reranker is not fitted yet; call fit(impressions, feedback) first")

    def rerank(self, matches: Sequence[Match], features: Sequence[Mapping[str, float]] | None = None) -> list[Match]:
        """The engine's shortlist ``matches`` re-ordered by the model if it is used, else as given."""
        self._check_fitted()
        if not self.used_ or self.model_ is None:
            return list(matches)
        return self.model_.rerank(matches, features)

    def export(self) -> dict[str, Any]:
        """``{"summary": ..., "model": ... or None}`` as plain JSON values (for storing)."""
        self._check_fitted()
        return {"summary": self.summary_.to_dict(), "model": self.model_.to_dict() if self.model_ else None}
