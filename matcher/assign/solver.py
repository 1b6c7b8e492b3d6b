"""The capacity-constrained assignment estimator."""

from __future__ import annotations

import numpy as np

from matcher.assign.candidates import SparseSource, int_costs
from matcher.assign.dense import DenseSource
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
        with HiGHS on the candidate pairs.
    n_alternates : int
        Alternates kept per participant.
    score_scale : float
        Scores are multiplied by this and rounded to integer flow costs.
    max_rounds : int
        Pricing rounds before the full instance is solved instead.
    """

    def __init__(
        self,
        *,
        top_k: int = 50,
        fairness: bool | str = False,
        n_alternates: int = 3,
        score_scale: float = 1e6,
        max_rounds: int = 8,
    ) -> None:
        self.top_k = top_k
        self.fairness = fairness
        self.n_alternates = n_alternates
        self.score_scale = score_scale
        self.max_rounds = max_rounds

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
        prep = prepare(problem, source)
        keys = source.initial(int(self.top_k), np.flatnonzero(prep.caps.lo_b > 0))
        relaxations = list(prep.direct)
        outcome = self._solve(source, prep.caps, keys) if not relaxations else None
        if outcome is None or outcome.flow is None:
            outcome, found = self._elastic(source, prep, keys if outcome is None else outcome.keys)
            relaxations += found
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

    def _elastic(self, source, prep: Prepared, keys: np.ndarray) -> tuple[FlowOutcome, list[Relaxation]]:
        """Fewest units of change that make the instance feasible, and the best pairs after them.

        One elastic flow: a unit of slack costs more than any difference in total score can be
        worth (``penalty = 2 * max pairs * max |cost| + 1``), so the flow first minimises the units
        of change and then, among the changes of that size, maximises the total score.
        """
        caps = prep.caps
        max_pairs = int(caps.hi_a.sum() + caps.room_a.sum())
        a, b = source.split(keys)
        top = int(np.abs(int_costs(source.scores(a, b), self.score_scale)).max(initial=0))
        # missing pairs may score higher than the candidates: bound them by the largest score
        top = max(top, int(np.abs(int_costs(np.asarray([source.max_abs_score()]), self.score_scale))[0]))
        penalty = 2 * max_pairs * max(top, 1) + 1
        el = self._solve(source, caps, keys, elastic=True, penalties=(penalty, penalty))
        flow, slack = el.flow, el.net.slack
        assert flow is not None  # an elastic network always has the zero circulation

        def amounts(name: str, n: int, lo=None) -> np.ndarray:
            out = np.zeros(n, dtype=np.int64)
            rows, arcs = slack.get(name, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
            out[rows] = flow[arcs] if lo is None else lo[rows] - flow[arcs]
            return out

        found: list[Relaxation] = []
        for side, n, lo, mx, mn in (
            ("a", source.n_a, caps.lo_a, prep.max_a, prep.min_a),
            ("b", source.n_b, caps.lo_b, prep.max_b, prep.min_b),
        ):
            excess, short = amounts(f"{side}_excess", n), amounts(f"{side}_short", n, lo)
            found += [
                Relaxation("capacity_short", side, int(r), int(mx[r]), int(mx[r] + excess[r]))
                for r in np.flatnonzero(excess)
            ]
            found += [
                Relaxation("minimum_short", side, int(r), int(mn[r]), int(mn[r] - short[r]))
                for r in np.flatnonzero(short)
            ]
        g_keys, g_arcs = slack.get("g_excess", (np.zeros(0, np.int64), np.zeros(0, np.int64)))
        cur = caps.group_limit or 0  # the rule; forced pairs beyond it are reported as direct causes
        for k, extra in zip(g_keys.tolist(), flow[g_arcs].tolist(), strict=True):
            if extra:
                b, g = divmod(k, caps.n_codes)
                found.append(Relaxation("group_limit_short", "b", None, cur, cur + extra, partner=b, group=g))
        found.sort(
            key=lambda r: (r.kind != "capacity_short", r.kind, r.side or "", r.who or 0, r.partner or 0)
        )
        return el, found

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
            info=self.info_,
            index=index,
            group_labels=group_labels,
            side_names=side_names,
        )
