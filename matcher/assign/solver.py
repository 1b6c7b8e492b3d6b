"""The capacity-constrained assignment estimator."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from matcher.assign.candidates import SparseSource
from matcher.assign.dense import DenseSource
from matcher.assign.elastic import solve_elastic
from matcher.assign.index import AssignmentIndex
from matcher.assign.network import Caps
from matcher.assign.prepare import Prepared, prepare
from matcher.assign.pricing import FlowOutcome, solve_restricted
from matcher.assign.problem import AssignmentProblem
from matcher.assign.relax import Relaxation
from matcher.assign.result import AssignmentResult, build_result

FAIRNESS = ("none", "total", "mean")


class CapacitatedAssigner:
    """Maximise the total score of pairs under capacities, minima, blocked and forced pairs.

    Parameters
    ----------
    top_k : int
        Dense instances are solved on each a-row's ``top_k`` best pairs (and each b-row's, where it
        has a minimum), then proved optimal for all pairs by LP duality (see ``pricing``).
    fairness : bool or {"none", "total", "mean"}
        ``True``/``"total"``: first maximise the worst-off a-side participant's total score, then the
        overall total with that worst-off value kept; ``"mean"``: the same for the mean score of an
        a-side participant's pairs (over those with a minimum of at least one). Solved as MILPs
        with HiGHS on the candidate pairs the flow solve ended with; only for feasible instances.
    n_alternates : int
        Alternates kept per participant.
    score_scale : float
        Scores are multiplied by this and rounded to integer flow costs: the answer is optimal for
        scores rounded to ``1 / score_scale`` (within ``n_pairs / score_scale`` of the float optimum).
    max_rounds : int
        Pricing rounds before the full instance is solved instead.
    alternatives : bool
        When the smallest change found raises maxima, also find the smallest change of minima
        alone (one more elastic solve) and offer it in the explanation.

    Attributes
    ----------
    status_ : {"optimal", "infeasible"}
    pairs_ : int64 ndarray of shape (n_pairs, 2)
        ``(a_row, b_row)``, sorted; forced pairs included. When infeasible: the optimal pairs once
        ``relaxations_`` are applied.
    pair_scores_ : float64 ndarray of shape (n_pairs,)
    objective_ : float
    alternates_a_, alternates_b_ : int64 ndarray of shape (n_a, n_alternates), (n_b, n_alternates)
        Next best allowed, unblocked, unassigned partners per row, best first, ``-1`` padded.
    relaxations_, alternative_relaxations_ : list of Relaxation
        The smallest change found (direct causes first), and the minima-only alternative.
    info_ : dict
        ``rounds``, ``candidate_pairs``, ``proved_optimal``, ``full_instance``, ``fairness``.
    """

    def __init__(
        self,
        *,
        top_k: int = 50,
        fairness: bool | str = False,
        n_alternates: int = 3,
        score_scale: float = 1e6,
        max_rounds: int = 8,
        alternatives: bool = True,
    ) -> None:
        self.top_k = top_k
        self.fairness = fairness
        self.n_alternates = n_alternates
        self.score_scale = score_scale
        self.max_rounds = max_rounds
        self.alternatives = alternatives

    def _fairness_measure(self) -> str:
        f = "total" if self.fairness is True else "none" if self.fairness is False else self.fairness
        if f not in FAIRNESS:
            raise ValueError(f"unknown fairness {self.fairness!r}; valid: True, False, {', '.join(FAIRNESS)}")
        return str(f)

    def fit(self, problem: AssignmentProblem) -> CapacitatedAssigner:
        """Solve ``problem``; sets ``status_``, ``pairs_``, ``pair_scores_``, ``objective_``,
        ``alternates_a_``, ``alternates_b_``, ``relaxations_`` and ``info_``."""
        measure = self._fairness_measure()
        if int(self.top_k) < 1 or int(self.n_alternates) < 0:
            raise ValueError(
                f"top_k must be >= 1 and n_alternates >= 0; got {self.top_k}, {self.n_alternates}"
            )
        source = DenseSource(problem) if problem.dense is not None else SparseSource(problem)
        if self.score_scale <= 0 or source.max_abs_score() * self.score_scale >= 2.0**52:
            raise ValueError(
                f"score_scale {self.score_scale} must be positive and keep scale * max |score| "
                f"({source.max_abs_score():.3g}) below 2**52, where integer costs stay exact"
            )
        prep = prepare(problem, source)
        keys = source.initial(int(self.top_k), np.flatnonzero(prep.caps.lo_b > 0))
        relaxations = list(prep.direct)
        outcome = self._solve(source, prep.caps, keys) if not relaxations else None
        self.alternative_relaxations_: list[Relaxation] = []
        if outcome is None or outcome.flow is None:
            keys = keys if outcome is None else outcome.keys
            outcome, found = self._elastic(source, prep, prep.caps, keys)
            relaxations += found
            if self.alternatives and any(r.kind == "capacity_short" for r in found):
                no_raise = replace(prep.caps, room_a=0 * prep.caps.room_a, room_b=0 * prep.caps.room_b)
                self.alternative_relaxations_ = self._elastic(source, prep, no_raise, outcome.keys)[1]
        used = outcome.used_keys()
        info = {
            "rounds": outcome.rounds,
            "candidate_pairs": int(len(outcome.keys)),
            "proved_optimal": bool(outcome.proved),
            "full_instance": bool(outcome.complete),
        }
        if measure != "none" and not relaxations:
            from matcher.assign.fairness import fair_keys

            used, info["fairness"] = fair_keys(source, outcome.keys, used, prep, measure)
        self._store(source, prep, used, relaxations, info)
        return self

    def _solve(self, source, caps: Caps, keys: np.ndarray, **kw) -> FlowOutcome:
        return solve_restricted(source, caps, keys, scale=self.score_scale, max_rounds=self.max_rounds, **kw)

    def _elastic(self, source, prep: Prepared, caps: Caps, keys: np.ndarray):
        return solve_elastic(source, prep, caps, keys, scale=self.score_scale, max_rounds=self.max_rounds)

    def _store(self, source, prep: Prepared, used: np.ndarray, relaxations, info) -> None:
        a, b = source.split(used)
        pairs = np.concatenate([np.stack([prep.forced_a, prep.forced_b], 1), np.stack([a, b], 1)])
        pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))].reshape(-1, 2)
        self.pairs_ = pairs
        self.pair_scores_ = source.scores(pairs[:, 0], pairs[:, 1]).astype(np.float64)
        self.objective_ = float(self.pair_scores_.sum())
        taken = np.sort(pairs[:, 0] * source.n_b + pairs[:, 1])
        k = int(self.n_alternates)
        self.alternates_a_ = source.alternates("a", taken, k)
        self.alternates_b_ = source.alternates("b", taken, k)
        self.relaxations_ = relaxations
        self.status_ = "infeasible" if relaxations else "optimal"
        self.info_ = info

    def result(
        self, index: AssignmentIndex, group_labels=None, side_names=("startup", "partner")
    ) -> AssignmentResult:
        """The fitted assignment in ids of ``index`` (group codes shown as ``group_labels``)."""
        if not hasattr(self, "status_"):
            raise RuntimeError("this CapacitatedAssigner is not fitted yet; call fit(problem) first")
        return build_result(
            status=self.status_,
            pairs=self.pairs_,
            scores=self.pair_scores_,
            alt_a=self.alternates_a_,
            alt_b=self.alternates_b_,
            relaxations=self.relaxations_,
            alternative=self.alternative_relaxations_,
            info=self.info_,
            index=index,
            group_labels=group_labels,
            side_names=side_names,
        )
