"""The impression/feedback log a re-ranker learns from, as preference pairs with their weights.

An *impression* is one candidate shown to one account for one query profile in one view (a page
of matches), with the rank it was shown at and what the engine computed for the pair: its fused
score and its components (``Match.components``: each component's signed contribution, so that
the score is their sum). A *feedback event* is what the account then did with that candidate.

``preference_pairs`` turns a log into pairs (preferred candidate, other candidate) within one
view, each weighed by

* **inverse propensity** (position bias): an action is only seen on a candidate the user
  examined, and the examination probability falls with the rank shown. We take it as
  ``p(rank) = rank ** -eta`` (Joachims, Swaminathan & Schnabel 2017; ``eta`` = 1 is what they
  measured on search result pages and what we use unless told otherwise, since estimating it
  needs randomised swaps of positions that the product does not run), floored at ``min_propensity``
  so that one action far down a list cannot dominate a fit (clipped IPS). A pair counts
  ``1 / p`` of the rank of the candidate whose action made the pair;
* **the account's share**: every account's pairs together weigh at most ``max_account_share``
  of the total (``account_factors``), so that one account hiding every good match moves the
  fit by a bounded amount, whatever the number of its events.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.scoring import COMPONENTS

# what an action says about the candidate: +1 wanted, -1 not wanted (anything else: unknown name)
ACTIONS: dict[str, int] = {
    "accept": 1, "accepted": 1, "request": 1, "requested": 1, "save": 1, "saved": 1, "outcome": 1,
    "hide": -1, "hidden": -1, "decline": -1, "declined": -1,
}


@dataclass(frozen=True)
class Impression:
    """One candidate shown: ``view`` groups the impressions of one page view (any hashable key);
    ``rank`` is 1 for the first shown; ``components`` are ``Match.components`` (contributions,
    summing to ``score``); ``features`` are optional pair features (``{"kind:investor": 1.0}``)."""

    account: str
    query: str
    candidate: str
    rank: int
    score: float
    components: Mapping[str, float]
    view: Hashable = 0
    features: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Feedback:
    """An account's action on a candidate shown for a query (``ACTIONS``); ``view`` when known,
    else it is joined to the latest view that showed the candidate to that account."""

    account: str
    query: str
    candidate: str
    action: str
    view: Hashable | None = None


def label_of(action: str) -> int:
    """+1 or -1 for ``action``; unknown actions fail and list the valid ones."""
    try:
        return ACTIONS[action]
    except KeyError:
        raise ValueError(f"unknown feedback action {action!r}; valid: {', '.join(sorted(ACTIONS))}") from None


def propensity(rank: np.ndarray | int, eta: float = 1.0, min_propensity: float = 0.05) -> np.ndarray:
    """Examination probability of each ``rank`` (1-based): ``max(rank ** -eta, min_propensity)``."""
    r = np.asarray(rank, dtype=np.float64)
    if np.any(r < 1):
        raise ValueError(f"ranks start at 1, got {r.min():g}")
    return np.maximum(r ** -float(eta), float(min_propensity))


def account_factors(totals: Mapping[str, float], max_share: float) -> dict[str, float]:
    """A factor per account so that no account's scaled total exceeds ``max_share`` of the sum.

    Water-filling: accounts under a level ``L`` keep their total, the others are cut to ``L``,
    with ``L`` such that ``L = max_share * sum(min(total, L))``. When ``max_share`` is below
    ``1 / n_accounts`` no such level exists; every account then weighs the same (``1 / n``).
    ``max_share`` = 1 leaves every total as it is."""
    if not 0 < max_share <= 1:
        raise ValueError(f"max_share must be in (0, 1], got {max_share}")
    names = [a for a, t in totals.items() if t > 0]
    if max_share >= 1:
        return dict.fromkeys(names, 1.0)
    if max_share * len(names) <= 1:
        return {a: 1.0 / totals[a] for a in names}
    order = np.sort(np.array([totals[a] for a in names]))[::-1]
    # cap the k largest at level = share * (sum of the others) / (1 - k * share), the first k
    # for which the next one stays under that level; none capped if the largest is under it
    for k in range(1, len(order)):
        level = max_share * float(order[k:].sum()) / (1.0 - k * max_share) if k * max_share < 1 else 0.0
        if k == 1 and level >= order[0]:
            return dict.fromkeys(names, 1.0)
        if level >= order[k]:
            break
    else:
        return {a: 1.0 / totals[a] for a in names}
    return {a: min(1.0, level / float(totals[a])) for a in names}


@dataclass
class Pairs:
    """Preference pairs: the preferred and the other candidate's features, shapes (m, d) each,
    and engine scores (m,) each; weights (m,); the group (query) and account of each pair (m,)."""

    better: np.ndarray
    worse: np.ndarray
    better_score: np.ndarray
    worse_score: np.ndarray
    weight: np.ndarray
    group: np.ndarray
    account: np.ndarray

    def __len__(self) -> int:
        return len(self.weight)

    @property
    def diff(self) -> np.ndarray:
        return self.better - self.worse

    @property
    def engine_diff(self) -> np.ndarray:
        return self.better_score - self.worse_score

    def subset(self, mask: np.ndarray) -> Pairs:
        return Pairs(self.better[mask], self.worse[mask], self.better_score[mask], self.worse_score[mask],
                     self.weight[mask], self.group[mask], self.account[mask])

    def reweighted(self, weight: np.ndarray) -> Pairs:
        return Pairs(self.better, self.worse, self.better_score, self.worse_score, weight, self.group, self.account)


def component_vector(components: Mapping[str, float]) -> np.ndarray:
    """``components`` in ``COMPONENTS`` order (a missing one is 0); unknown names fail."""
    unknown = set(components) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown component(s) {sorted(unknown)}; valid: {', '.join(COMPONENTS)}")
    return np.array([float(components.get(c, 0.0)) for c in COMPONENTS])


Key = tuple[Hashable, str, str, str]  # (view, account, query, candidate)


def join(impressions: Sequence[Impression], feedback: Sequence[Feedback]) -> dict[Key, int]:
    """``{(view, account, query, candidate): label}``: each event joined to its view (or the
    latest one that showed the candidate to that account); events on candidates never shown
    are dropped (they say nothing about a ranking). A later event on the same impression
    replaces an earlier one (a hide undone by a save)."""
    latest: dict[tuple[str, str, str], Hashable] = {}
    shown: set[Key] = set()
    for imp in impressions:
        latest[(imp.account, imp.query, imp.candidate)] = imp.view
        shown.add((imp.view, imp.account, imp.query, imp.candidate))
    out: dict[Key, int] = {}
    for ev in feedback:
        label = label_of(ev.action)
        view = ev.view if ev.view is not None else latest.get((ev.account, ev.query, ev.candidate))
        key = (view, ev.account, ev.query, ev.candidate)
        if view is not None and key in shown:
            out[key] = label
    return out


def preference_pairs(
    impressions: Sequence[Impression], labels: Mapping[Key, int], X: np.ndarray, eta: float = 1.0,
    min_propensity: float = 0.05, max_account_share: float = 0.1,
) -> Pairs:
    """Preference pairs within each view, weighed by inverse propensity and capped per account.

    ``X`` (n, d) holds each impression's features (``components`` first). In a view, every
    wanted candidate (+1) is preferred to every other one not wanted as much, the pair weighing
    ``1 / p(its rank)``; every unwanted one (-1) is below every other one, weighing ``1 / p``
    of its own rank; a pair made by both actions weighs their sum. Then ``account_factors``."""
    if X.shape[0] != len(impressions):
        raise ValueError(f"X has {X.shape[0]} rows for {len(impressions)} impressions")
    views: dict[tuple[Hashable, str, str], list[int]] = {}
    for i, imp in enumerate(impressions):
        views.setdefault((imp.view, imp.account, imp.query), []).append(i)
    better_rows: list[np.ndarray] = []
    worse_rows: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    groups: list[str] = []
    accounts: list[str] = []
    for (view, account, query), rows in views.items():
        y = np.array([labels.get((view, account, query, impressions[i].candidate), 0) for i in rows])
        if not np.any(y):
            continue
        inv = 1.0 / propensity(np.array([impressions[i].rank for i in rows]), eta, min_propensity)
        better, worse = np.nonzero(y[:, None] > y[None, :])
        w = np.where(y[better] > 0, inv[better], 0.0) + np.where(y[worse] < 0, inv[worse], 0.0)
        idx = np.asarray(rows)
        better_rows.append(idx[better])
        worse_rows.append(idx[worse])
        weights.append(w)
        groups += [query] * len(w)
        accounts += [account] * len(w)
    b = np.concatenate(better_rows) if better_rows else np.zeros(0, dtype=np.int64)
    o = np.concatenate(worse_rows) if worse_rows else np.zeros(0, dtype=np.int64)
    score = np.array([imp.score for imp in impressions], dtype=np.float64)
    pairs = Pairs(X[b], X[o], score[b], score[o], np.concatenate(weights) if weights else np.zeros(0),
                  np.array(groups, dtype=str), np.array(accounts, dtype=str))
    return cap_accounts(pairs, max_account_share)


def cap_accounts(pairs: Pairs, max_share: float) -> Pairs:
    """``pairs`` with every account's weights scaled by ``account_factors`` (a copy)."""
    totals: dict[str, float] = {}
    for a, w in zip(pairs.account, pairs.weight, strict=True):
        totals[str(a)] = totals.get(str(a), 0.0) + float(w)
    factors = account_factors(totals, max_share)
    scale = np.array([factors.get(str(a), 0.0) for a in pairs.account])
    return pairs.reweighted(pairs.weight * scale)
