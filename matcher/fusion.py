"""Fusion weights fitted on labelled rankings: pairwise logistic regression on the components.

The engine's score is a weighted sum of named components (``matcher.scoring``). Which weights
are right depends on the text people write, so they are fitted on the union of every labelled
development set (ours and real external ones), not set by hand on one:

1. ``extract`` scores every query of a set against all of its eligible candidates with a fitted
   ``Engine`` and keeps the unweighted components (``QueryData``: one matrix per query);
2. ``training_pairs`` turns the labels into preference pairs (a better candidate, a worse one)
   with weights such that every query counts the same within its set and every set the same in
   the union (a set with 1,500 queries does not outvote one with 84);
3. ``fit_weights`` minimises the pairwise logistic loss (RankNet's, Burges et al. 2005) with an
   L2 penalty towards the designed weights (a prior: a component the labels say nothing about,
   such as the competitor penalty on sets without competitors, keeps its designed weight instead
   of drifting to 0), weights bounded at 0 (every component keeps the sign it was designed with:
   competition is subtracted, the rest add), with SciPy's L-BFGS-B; ``rescale`` then gives the
   fused score the spread the display calibration (``scoring.fit_percent``) was measured on;
4. ``cross_validate`` reports, per set and per fold, the held-out metric of the fitted weights
   beside the designed weights (``DESIGNED``) on the same queries; ``leave_one_out`` fits without a whole
   family of sets and measures on it (how the fit carries to a kind of text it has not seen).

``bench/fit_fusion.py`` runs all of this on the sets of ``bench/quality.py`` and writes the
weights the engine ships with (``Weights`` defaults, checked against ``data/fusion.json`` by a
test) and the tables in docs/evaluation.md.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import minimize

from matcher.quality import EvalSet, SetResult, measure
from matcher.scoring import COMPONENTS, Weights

if TYPE_CHECKING:
    from matcher.engine import Engine

# The weights as designed (round values set on the sample's dev set before any fit): the prior
# the fit is pulled towards, the baseline it is compared with, and the units the display
# calibration was measured in. Fixed here so that refitting does not drift from its own output.
DESIGNED = Weights(dense_reciprocal=1.5, lexical_reciprocal=0.5, dense_domain=0.25, lexical_domain=0.25,
                   competition=0.5, sectors=1.5, modes=0.5, stage=1.0, countries=0.5, languages=0.1, kinds=1.0)

# the sign a component enters the score with (fuse subtracts competition)
SIGNS = np.array([-1.0 if name == "competition" else 1.0 for name in COMPONENTS])
N_FOLDS = 5


@dataclass
class QueryData:
    """One query of a set: its candidates' signed, unweighted components and their labels.

    ``X`` has shape (n, len(COMPONENTS)) in ``COMPONENTS`` order, competition negated, so that
    ``X @ w`` is the fused score for non-negative weights ``w``; ``gain`` (n,) is the label
    (grade, 1 for a twin, expertise 1-5), 0 when unjudged; ``key`` groups queries that must
    share a fold (a sentence and its twin)."""

    set_name: str
    query: str
    key: str
    ids: np.ndarray
    X: np.ndarray
    gain: np.ndarray


def fold_of(key: str, n_folds: int = N_FOLDS) -> int:
    """A stable fold for ``key`` (a hash, so it does not depend on set order or size)."""
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % n_folds


def _key(dataset: EvalSet, query: str) -> str:
    if dataset.kind == "parallel":
        return f"{dataset.name}:{query.split('-', 1)[1]}"
    return f"{dataset.name}:{query}"


def extract(dataset: EvalSet, engine: Engine) -> list[QueryData]:
    """``QueryData`` for every query of ``dataset`` from a fitted ``Engine`` (its rules decide the
    candidates, as when it ranks; an expertise set uses exactly the rated candidates)."""
    out = []
    for q in dataset.queries:
        ids, values = engine.component_values(q, dataset.candidates(q))
        X = np.stack([values[name] for name in COMPONENTS], axis=1).astype(np.float64) * SIGNS
        labels = {dataset.pairs[q]: 1} if dataset.kind == "parallel" else dict(dataset.gold[q])
        gain = np.array([labels.get(str(c), 0) for c in ids], dtype=np.float64)
        out.append(QueryData(dataset.name, q, _key(dataset, q), np.asarray(ids, dtype=str), X, gain))
    return out


def as_vector(weights: Weights) -> np.ndarray:
    return np.array([weights.as_dict()[name] for name in COMPONENTS], dtype=np.float64)


def as_weights(vector: np.ndarray, digits: int = 2) -> Weights:
    return Weights(**{name: round(float(v), digits) for name, v in zip(COMPONENTS, vector, strict=True)})


def training_pairs(
    queries: Sequence[QueryData], base: np.ndarray, hard: int = 30, random: int = 30, random_state: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``(D, p)``: feature differences (better − worse), shape (m, C), and pair weights (m,).

    For each labelled candidate, the worse candidates it is paired with are every one when they
    are few, else the ``hard`` best of them under ``base`` weights (the confusions that matter
    at the top of a ranking) and ``random`` others. A pair weighs the difference of the two
    labels; weights are normalised to sum to 1 per query and then to 1 per set."""
    rng = np.random.RandomState(random_state)
    per_set: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for qd in queries:
        score = qd.X @ base
        diffs, weights = [], []
        for i in np.flatnonzero(qd.gain > 0):
            worse = np.flatnonzero(qd.gain < qd.gain[i])
            if len(worse) > hard + random:
                by_score = worse[np.argsort(-score[worse], kind="stable")]
                rest = by_score[hard:]
                worse = np.concatenate([by_score[:hard], rng.choice(rest, random, replace=False)])
            diffs.append(qd.X[i] - qd.X[worse])
            weights.append(qd.gain[i] - qd.gain[worse])
        if not diffs:
            continue
        d, p = np.vstack(diffs), np.concatenate(weights)
        per_set.setdefault(qd.set_name, []).append((d, p / p.sum()))
    D, P = [], []
    for parts in per_set.values():
        for d, p in parts:
            D.append(d)
            P.append(p / len(parts))
    if not D:
        raise ValueError("no labelled pairs to fit on")
    return np.vstack(D), np.concatenate(P)


def fit_weights(queries: Sequence[QueryData], base: Weights, l2: float = 1e-3, random_state: int = 0) -> np.ndarray:
    """Non-negative weights (vector in ``COMPONENTS`` order) minimising the weighted pairwise
    logistic loss ``sum p log(1 + exp(-D w)) + l2/2 |w - base|^2`` (L-BFGS-B), started from
    ``base``: the penalty pulls towards the designed weights, not towards 0."""
    w0 = as_vector(base)
    D, p = training_pairs(queries, w0, random_state=random_state)
    total = p.sum()

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        margin = D @ w
        value = float(p @ np.logaddexp(0.0, -margin)) / total + 0.5 * l2 * float((w - w0) @ (w - w0))
        sigma = 0.5 * (1.0 - np.tanh(0.5 * margin))  # = 1 / (1 + exp(margin)), stable
        grad = -(D.T @ (p * sigma)) / total + l2 * (w - w0)
        return value, grad

    result = minimize(loss, w0, jac=True, method="L-BFGS-B", bounds=[(0.0, None)] * len(w0))
    if not result.success:
        raise RuntimeError(f"fusion fit did not converge: {result.message}")
    return np.asarray(result.x, dtype=np.float64)


def rescale(w: np.ndarray, reference: Sequence[QueryData], base: Weights) -> np.ndarray:
    """``w`` scaled so that the fused score's spread over the pairs of ``reference`` equals the
    spread under ``base`` (the display calibration, ``scoring.FIT_CENTER``/``FIT_SCALE``, was
    measured in those units). Ranking is unchanged by the scale."""
    X = np.vstack([qd.X for qd in reference])
    spread_w, spread_base = float((X @ w).std()), float((X @ as_vector(base)).std())
    return w * (spread_base / spread_w) if spread_w > 0 else w


def evaluate(dataset: EvalSet, queries: Sequence[QueryData], w: np.ndarray) -> SetResult:
    """``dataset``'s metric over ``queries`` (a subset of its queries) ranked by ``X @ w``."""
    by_query = {qd.query: qd for qd in queries}
    subset = EvalSet(dataset.name, dataset.kind, dataset.records,
                     pairs={q: t for q, t in dataset.pairs.items() if q in by_query},
                     gold={q: g for q, g in dataset.gold.items() if q in by_query})

    def scores(q: str) -> tuple[Sequence[str], np.ndarray]:
        qd = by_query[q]
        return list(qd.ids), qd.X @ w

    return measure(subset, scores)


@dataclass
class FoldResult:
    """One held-out evaluation: set, fold (or the family left out), fitted and designed weights' value."""

    set_name: str
    fold: str
    n_queries: int
    fitted: float
    designed: float


def cross_validate(
    datasets: Mapping[str, EvalSet], data: Mapping[str, list[QueryData]], base: Weights, l2: float,
    n_folds: int = N_FOLDS,
) -> list[FoldResult]:
    """K-fold over queries of every set at once: fit on the other folds of all sets, measure on
    this fold of each set. Returns the per-set, per-fold results."""
    results = []
    for f in range(n_folds):
        train = [qd for qs in data.values() for qd in qs if fold_of(qd.key, n_folds) != f]
        w = fit_weights(train, base, l2)
        for name, qs in data.items():
            test = [qd for qd in qs if fold_of(qd.key, n_folds) == f]
            if test:
                results.append(FoldResult(name, str(f + 1), len(test), evaluate(datasets[name], test, w).value,
                                          evaluate(datasets[name], test, as_vector(base)).value))
    return results


def leave_one_out(
    datasets: Mapping[str, EvalSet], data: Mapping[str, list[QueryData]], base: Weights, l2: float,
    family: Callable[[str], str],
) -> list[FoldResult]:
    """For each family of sets (``family(set name)``), fit on every other family and measure on it."""
    out = []
    for fam in sorted({family(n) for n in data}):
        train = [qd for n, qs in data.items() if family(n) != fam for qd in qs]
        if not train:
            continue
        w = fit_weights(train, base, l2)
        for name, qs in data.items():
            if family(name) == fam:
                out.append(FoldResult(name, f"without {fam}", len(qs), evaluate(datasets[name], qs, w).value,
                                      evaluate(datasets[name], qs, as_vector(base)).value))
    return out


def summary(results: Sequence[FoldResult], lower_better: Callable[[str], bool]) -> dict[str, dict[str, float]]:
    """Per set: mean fitted and designed weights' value over folds (query-weighted) and the fitted gain
    (positive is better, whatever the metric's direction)."""
    out: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(r.set_name for r in results):
        rows = [r for r in results if r.set_name == name]
        n = sum(r.n_queries for r in rows)
        fitted = sum(r.fitted * r.n_queries for r in rows if not math.isnan(r.fitted)) / n
        designed = sum(r.designed * r.n_queries for r in rows if not math.isnan(r.designed)) / n
        sign = -1.0 if lower_better(name) else 1.0
        out[name] = {"fitted": fitted, "designed": designed, "gain": sign * (fitted - designed)}
    return out
