"""The re-ranker learned from feedback: what it recovers from a log, and its guardrails."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.learning import Feedback, Impression, LearnedModel, LearnedSummary, Reranker
from matcher.learning_log import account_factors, join, preference_pairs, propensity
from matcher.learning_model import paired_gain
from matcher.results import Match
from matcher.scoring import COMPONENTS

SECTORS = COMPONENTS.index("sectors")


def synthetic_log(n_views: int, prefer: str | None = "sectors", boost: float = 3.0, seed: int = 0,
                  n_queries: int = 40, adversary_share: float = 0.0, noise: float = 0.05):
    """Views of 10 candidates with random contributions, shown in the engine's order (their sum).
    Users act on their own utility, the engine score plus ``boost`` times the ``prefer`` component:
    they examine rank r with probability 1/r, accept the 3 best of the view by utility and hide
    the 3 worst (each action flipped with probability ``noise``). With ``adversary_share``, that
    share of the views comes from one account ``mallory`` who hides the 3 best."""
    rng = np.random.RandomState(seed)
    impressions, feedback = [], []
    for v in range(n_views):
        q = f"q{rng.randint(n_queries)}"
        adversary = rng.rand() < adversary_share
        account = "mallory" if adversary else f"acct-{q}"
        X = rng.normal(size=(10, len(COMPONENTS)))
        score = X.sum(1)
        utility = score + (boost * X[:, COMPONENTS.index(prefer)] if prefer else 0.0)
        order = np.argsort(-score)
        best = set(np.argsort(-utility)[:3])
        worst = set(np.argsort(utility)[:3])
        for rank, i in enumerate(order, start=1):
            cand = f"{q}-c{v}-{i}"
            impressions.append(Impression(account, q, cand, rank, float(score[i]),
                                          dict(zip(COMPONENTS, map(float, X[i]), strict=True)), view=v))
            if adversary:
                if i in best:
                    feedback.append(Feedback(account, q, cand, "hide", view=v))
                continue
            if rng.rand() > 1.0 / rank:
                continue
            action = "accept" if i in best else "hide" if i in worst else None
            if action and rng.rand() < noise:
                action = "hide" if action == "accept" else "accept"
            if action:
                feedback.append(Feedback(account, q, cand, action, view=v))
    return impressions, feedback


def test_users_who_value_a_component_more_make_it_gain_weight():
    impressions, feedback = synthetic_log(600, prefer="sectors")
    r = Reranker(min_events=100).fit(impressions, feedback)
    s = r.summary_
    assert s.used, s
    assert s.components[0].name == "sectors" and s.components[0].change == "gained"
    others = [c.multiplier for c in s.components if c.name != "sectors"]
    assert s.components[0].multiplier > max(others) + 0.5
    assert s.heldout_gain is not None and s.heldout_gain > 0


def test_propensity_and_inverse_weights_of_logged_ranks():
    assert propensity(np.array([1, 2, 4, 100])) == pytest.approx([1.0, 0.5, 0.25, 0.05])
    assert propensity(3, eta=2.0, min_propensity=0.0) == pytest.approx(1 / 9)
    with pytest.raises(ValueError, match="ranks start at 1"):
        propensity(np.array([0, 1]))
    comps = dict.fromkeys(COMPONENTS, 0.0)
    shown = [Impression("a", "q", f"c{r}", r, float(-r), comps, view=1) for r in (1, 2, 3)]
    events = [Feedback("a", "q", "c3", "accept"), Feedback("a", "q", "c2", "hide")]
    labels = join(shown, events)
    pairs = preference_pairs(shown, labels, np.zeros((3, len(COMPONENTS))), eta=1.0, max_account_share=1.0)
    # c3 (accepted at rank 3) over c1 weighs 1/p(3) = 3; c3 over c2 (hidden at rank 2): 3 + 2;
    # c1 over c2 (only c2's hide): 2
    weights = {(str(b), str(w)): float(x) for b, w, x in zip(pairs.better_score, pairs.worse_score, pairs.weight, strict=True)}
    assert weights == {("-3.0", "-1.0"): 3.0, ("-3.0", "-2.0"): 5.0, ("-1.0", "-2.0"): 2.0}


def test_events_on_candidates_never_shown_are_dropped_and_unknown_actions_fail():
    comps = dict.fromkeys(COMPONENTS, 0.0)
    shown = [Impression("a", "q", "c1", 1, 0.0, comps, view=7)]
    assert join(shown, [Feedback("a", "q", "zz", "save"), Feedback("b", "q", "c1", "save")]) == {}
    assert join(shown, [Feedback("a", "q", "c1", "save")]) == {(7, "a", "q", "c1"): 1}
    with pytest.raises(ValueError, match="unknown feedback action 'like'.*accept"):
        join(shown, [Feedback("a", "q", "c1", "like")])


def test_each_account_weighs_at_most_its_share():
    totals = {"mallory": 1000.0, "a": 10.0, "b": 10.0, "c": 10.0, "d": 12.0}
    f = account_factors(totals, 0.25)
    scaled = {k: totals[k] * f[k] for k in totals}
    shares = {k: v / sum(scaled.values()) for k, v in scaled.items()}
    assert shares["mallory"] == pytest.approx(0.25)
    assert max(shares.values()) <= 0.25 + 1e-12
    assert shares["a"] == pytest.approx(shares["b"]) and shares["d"] == pytest.approx(1.2 * shares["a"])
    # too few accounts for the cap: every account weighs the same
    g = account_factors({"x": 5.0, "y": 1.0}, 0.25)
    assert 5.0 * g["x"] == pytest.approx(1.0 * g["y"])


def test_one_account_hiding_every_good_match_cannot_turn_the_model_round():
    impressions, feedback = synthetic_log(900, prefer="sectors", adversary_share=0.3, seed=3)
    labels = join(impressions, feedback)
    X = np.array([[imp.components[c] for c in COMPONENTS] for imp in impressions])
    pairs = preference_pairs(impressions, labels, X, max_account_share=0.05)
    mallory = pairs.weight[pairs.account == "mallory"].sum() / pairs.weight.sum()
    assert mallory == pytest.approx(0.05, abs=1e-9)

    capped = Reranker(min_events=100, max_account_share=0.05).fit(impressions, feedback)
    uncapped = Reranker(min_events=100, max_account_share=1.0).fit(impressions, feedback)
    honest = Reranker(min_events=100).fit(*synthetic_log(900, prefer="sectors", seed=3))
    assert capped.used_ and honest.used_
    assert capped.summary_.components[0].name == "sectors"

    # measured on fresh views of honest users: the capped model serves them about as well as one
    # fitted without the adversary; without the cap the same log serves them clearly worse
    fresh_imp, fresh_fb = synthetic_log(400, prefer="sectors", seed=11, noise=0.0)
    fresh = preference_pairs(fresh_imp, join(fresh_imp, fresh_fb),
                             np.array([[imp.components[c] for c in COMPONENTS] for imp in fresh_imp]))

    def accuracy(r: Reranker) -> float:
        assert r.model_ is not None
        return paired_gain(fresh, r.model_)[1]

    assert accuracy(capped) >= accuracy(honest) - 0.01
    assert accuracy(uncapped) < accuracy(capped) - 0.02
    # and whatever the log, no candidate moves by more than the bound
    assert capped.model_ is not None
    big = {c: 100.0 for c in COMPONENTS}
    assert abs(capped.model_.deltas([big])[0]) == pytest.approx(capped.model_.max_delta)


def test_below_min_events_nothing_is_fitted_and_the_engine_order_stays():
    impressions, feedback = synthetic_log(20)
    r = Reranker(min_events=500).fit(impressions, feedback)
    assert r.summary_.status == "too_few_events" and not r.used_ and r.model_ is None
    assert 0 < r.summary_.n_events < 500
    matches = [Match("b", 2.0, 50.0, {"sectors": 2.0}), Match("a", 1.0, 40.0, {"sectors": 1.0})]
    assert r.rerank(matches) == matches


def test_a_model_that_does_not_beat_the_engine_on_held_out_queries_is_not_used():
    """Users who want exactly the engine's order: nothing can beat it, so nothing is used."""
    impressions, feedback = synthetic_log(600, prefer=None, noise=0.0)
    r = Reranker(min_events=100).fit(impressions, feedback)
    assert r.summary_.status == "not_better" and not r.used_
    assert r.summary_.heldout_gain is not None and r.summary_.heldout_gain <= 0
    assert r.model_ is not None  # fitted, reported, not applied
    matches = [Match("x", 3.0, 60.0, {"sectors": -3.0, "stage": 6.0}), Match("y", 2.0, 50.0, {"sectors": 2.0})]
    assert r.rerank(matches) == matches


def test_rerank_applies_the_bounded_delta_and_keeps_engine_order_on_ties():
    model = LearnedModel({"sectors": 1.0}, {}, max_delta=1.5)
    a = Match("a", 3.0, 70.0, {"sectors": 0.0, "stage": 3.0})
    b = Match("b", 2.0, 60.0, {"sectors": 2.0})  # 2 + min(2, 1.5) = 3.5 > 3
    c = Match("c", 2.0, 60.0, {"sectors": 0.0, "stage": 2.0})
    d = Match("d", 2.0, 60.0, {"sectors": 0.0, "stage": 2.0})
    assert [m.id for m in model.rerank([a, c, d, b])] == ["b", "a", "c", "d"]
    assert LearnedModel.from_dict(model.to_dict()) == model


def test_summary_round_trips_through_json_values():
    impressions, feedback = synthetic_log(300)
    r = Reranker(min_events=50).fit(impressions, feedback)
    exported = r.export()
    again = LearnedSummary.from_dict(exported["summary"])
    assert again == r.summary_
    assert exported["model"] is not None and LearnedModel.from_dict(exported["model"]) == r.model_
