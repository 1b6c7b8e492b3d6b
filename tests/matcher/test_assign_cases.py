"""Tiny hand-checked assignment scenarios."""

from __future__ import annotations

import random

import numpy as np
import pytest

from matcher.assign import AssignmentIndex, AssignmentProblem, CapacitatedAssigner, assign_pairs

SQUARE = [("s1", "p1", 0.9), ("s1", "p2", 0.5), ("s2", "p1", 0.8), ("s2", "p2", 0.1)]
ONE_EACH = {"s1": (1, 1), "s2": (1, 1), "p1": (0, 1), "p2": (0, 1)}


def test_the_best_total_beats_each_startups_first_choice():
    """s1 takes p2 so that s2 can have p1: 0.5 + 0.8 > 0.9 + 0.1."""
    r = assign_pairs(SQUARE, capacities=ONE_EACH)
    assert r.status == "optimal"
    assert r.pairs == [("s1", "p2", 0.5), ("s2", "p1", 0.8)]
    assert r.objective == pytest.approx(1.3)
    assert r.alternates == {"s1": ["p1"], "s2": ["p2"], "p1": ["s1"], "p2": ["s2"]}


def test_forced_pair_is_kept_and_blocked_pair_never_used():
    r = assign_pairs(SQUARE, capacities=ONE_EACH, forced=[("s2", "p2")], blocked=[("s1", "p2")])
    assert r.status == "optimal"
    assert [(a, b) for a, b, _ in r.pairs] == [("s1", "p1"), ("s2", "p2")]


def test_without_minima_only_worthwhile_pairs_are_taken():
    """No minimum and a negative score: the pair is left out."""
    r = assign_pairs([("s1", "p1", 0.4), ("s1", "p2", -0.2)])
    assert [(a, b) for a, b, _ in r.pairs] == [("s1", "p1")]


def test_a_minimum_forces_a_poor_pair_in():
    r = assign_pairs([("s1", "p1", 0.4), ("s1", "p2", -0.2)], capacities={"s1": (2, 2)})
    assert r.objective == pytest.approx(0.2) and len(r.pairs) == 2


def test_partner_short_of_slots_is_explained_as_a_capacity_raise():
    """Three startups need one partner each; the only partner takes one: raise it from 1 to 3."""
    pairs = [(f"s{i}", "agri", 0.5) for i in range(3)]
    r = assign_pairs(pairs, capacities={"agri": (0, 1)}, default_min=1)
    assert r.status == "infeasible"
    [fix] = r.relaxations
    assert (fix.kind, fix.who, fix.current, fix.suggested) == ("capacity_short", "agri", 1, 3)
    assert "raise its maximum from 1 to 3" in r.explanation
    assert len(r.pairs) == 3  # the assignment once the change is made
    # or, without raising any maximum: two startups go without
    assert [(x.kind, x.amount) for x in r.alternative] == [("minimum_short", 1), ("minimum_short", 1)]
    assert "Or, instead of raising maxima, lower minima" in r.explanation


def test_too_few_candidates_is_a_direct_cause():
    r = assign_pairs([("s1", "p1", 0.5), ("s1", "p2", 0.5)], capacities={"s1": (3, 3)})
    assert r.status == "infeasible"
    [fix] = r.relaxations
    assert (fix.kind, fix.who, fix.current, fix.suggested) == ("too_few_candidates", "s1", 3, 2)
    assert "only 2 allowed partner(s)" in r.explanation


def test_without_a_maximum_a_short_row_is_too_few_candidates_not_min_above_max():
    est = CapacitatedAssigner().fit(AssignmentProblem.from_dense(np.ones((2, 1)), min_a=[0, 2]))
    assert [(r.kind, r.who, r.current, r.suggested) for r in est.relaxations_] == [
        ("too_few_candidates", 1, 2, 1)
    ]


def test_empty_instances_are_fine():
    assert assign_pairs([]).to_dict()["pairs"] == []
    est = CapacitatedAssigner().fit(AssignmentProblem.from_dense(np.zeros((0, 3))))
    assert est.status_ == "optimal" and est.alternates_b_.shape == (3, 3)


@pytest.mark.parametrize(
    ("kw", "kind"),
    [
        (dict(forced=[("s1", "p1")], blocked=[("s1", "p1")]), "forced_and_blocked"),
        (dict(forced=[("s1", "p1"), ("s1", "p2")], capacities={"s1": (0, 1)}), "forced_over_capacity"),
        (dict(capacities={"s1": (2, 1)}), "min_above_max"),
        (dict(forced=[("s2", "p2")], blocked=[], capacities=None), "forced_not_allowed"),
    ],
)
def test_direct_causes_are_reported_not_raised(kw, kind):
    pairs = [("s1", "p1", 0.5), ("s1", "p2", 0.4), ("s2", "p1", 0.3), ("s3", "p2", 0.3)]
    r = assign_pairs(pairs, **kw)
    assert r.status == "infeasible"
    assert kind in [x.kind for x in r.relaxations]
    assert r.relaxations[0].message()  # every kind has its sentence


def test_minimum_dropped_when_no_capacity_raise_can_help():
    """Both startups want the single slot of p1 and nothing else exists, but p1 is capped by its
    minimum-free maximum 1 and has room to grow: the cheaper fix is one raise (1 unit)."""
    r = assign_pairs(
        [("s1", "p1", 0.9), ("s2", "p1", 0.8)], capacities={"p1": (0, 1), "s1": (1, 1), "s2": (1, 1)}
    )
    assert sum(x.amount for x in r.relaxations) == 1


def test_diversity_rule_spreads_one_incubator_over_partners():
    pairs = [(s, p, sc) for s, sc in (("s1", 0.9), ("s2", 0.8), ("s3", 0.7)) for p in ("p1", "p2", "p3")]
    pairs = [(s, p, sc + (0.05 if p == "p1" else 0)) for s, p, sc in pairs]
    groups = {"s1": "hanoi-inc", "s2": "hanoi-inc", "s3": "hanoi-inc"}
    free = assign_pairs(pairs, capacities={"s1": (1, 1), "s2": (1, 1), "s3": (1, 1)})
    assert {b for _, b, _ in free.pairs} == {"p1"}
    r = assign_pairs(
        pairs, capacities={"s1": (1, 1), "s2": (1, 1), "s3": (1, 1)}, groups=groups, max_per_group=1
    )
    assert r.status == "optimal" and sorted(b for _, b, _ in r.pairs) == ["p1", "p2", "p3"]


def test_group_limit_that_cannot_hold_is_explained():
    pairs = [("s1", "p1", 0.5), ("s2", "p1", 0.5)]
    r = assign_pairs(
        pairs, capacities={"s1": (1, 1), "s2": (1, 1)}, groups={"s1": "HCM", "s2": "HCM"}, max_per_group=1
    )
    assert r.status == "infeasible"
    [fix] = r.relaxations
    assert (fix.kind, fix.partner, fix.group, fix.current, fix.suggested) == (
        "group_limit_short",
        "p1",
        "HCM",
        1,
        2,
    )


def test_fairness_raises_the_worst_off_startup():
    """Max total gives s2 only its poor second choice; fairness-first lifts s2 at a small cost."""
    pairs = [("s1", "p1", 1.0), ("s1", "p2", 0.5), ("s2", "p1", 0.5), ("s2", "p2", 0.1)]
    caps = {"s1": (1, 1), "s2": (1, 1), "p1": (0, 1), "p2": (0, 1)}
    plain = assign_pairs(pairs, capacities=caps)
    fair = assign_pairs(pairs, capacities=caps, fairness=True)
    worst = lambda r: min(sum(s for a, _, s in r.pairs if a == x) for x in ("s1", "s2"))  # noqa: E731
    assert worst(plain) == pytest.approx(0.1) and worst(fair) == pytest.approx(0.5)
    assert fair.objective == pytest.approx(1.0) and plain.objective == pytest.approx(1.1)
    assert fair.info["fairness"]["worst_after"] == pytest.approx(0.5)


def test_fairness_on_the_mean_fit():
    pairs = [
        ("s1", "p1", 1.0),
        ("s1", "p2", 0.6),
        ("s1", "p3", 0.5),
        ("s2", "p1", 0.9),
        ("s2", "p2", 0.2),
        ("s2", "p3", 0.1),
    ]
    caps = {"s1": (1, 2), "s2": (1, 2), "p1": (0, 1), "p2": (0, 1), "p3": (0, 1)}
    fair = assign_pairs(pairs, capacities=caps, fairness="mean")
    assert ("s2", "p1", 0.9) in fair.pairs
    assert fair.info["fairness"]["worst_after"] >= fair.info["fairness"]["worst_before"]


def test_alternates_skip_assigned_and_blocked_and_break_ties_by_id():
    pairs = [("s1", p, 0.5) for p in ("p4", "p3", "p2", "p1")] + [("s1", "p0", 0.9)]
    r = assign_pairs(pairs, capacities={"s1": (1, 1)}, blocked=[("s1", "p2")])
    assert r.pairs == [("s1", "p0", 0.9)]
    assert r.alternates["s1"] == ["p1", "p3", "p4"]


def test_result_does_not_depend_on_input_order():
    rng = np.random.default_rng(3)
    pairs = [(f"s{i}", f"p{j}", float(rng.integers(0, 3))) for i in range(6) for j in range(5)]
    shuffled = pairs[:]
    random.Random(1).shuffle(shuffled)
    kw = dict(default_min=1, default_max=2)
    assert assign_pairs(pairs, **kw).to_dict() == assign_pairs(shuffled, **kw).to_dict()


def test_dense_and_sparse_forms_agree():
    rng = np.random.default_rng(0)
    m = rng.random((6, 4))
    kw = dict(min_a=1, max_a=2, max_b=3)
    dense = CapacitatedAssigner().fit(AssignmentProblem.from_dense(m, **kw))
    a, b = np.nonzero(np.ones_like(m))
    sparse = CapacitatedAssigner().fit(AssignmentProblem.from_arcs(6, 4, a, b, m.ravel(), **kw))
    assert dense.objective_ == pytest.approx(sparse.objective_)
    np.testing.assert_array_equal(dense.alternates_b_, sparse.alternates_b_)


def test_unknown_names_and_bad_shapes_fail_loudly():
    m = np.zeros((3, 2))
    with pytest.raises(ValueError, match="valid: True, False, none, total, mean"):
        CapacitatedAssigner(fairness="rawlsian").fit(AssignmentProblem.from_dense(m))
    with pytest.raises(TypeError, match="valid:"):
        AssignmentProblem.from_dense(m, minimum_a=1)
    with pytest.raises(ValueError, match=r"max_a has shape \(2,\); expected \(3,\)"):
        AssignmentProblem.from_dense(m, max_a=[1, 2])
    with pytest.raises(KeyError, match="unknown id 'nobody'"):
        assign_pairs(SQUARE, capacities={"nobody": (0, 1)})
    with pytest.raises(KeyError, match="blocked: unknown a-side ids"):
        assign_pairs(SQUARE, blocked=[("p1", "s1")])
    with pytest.raises(ValueError, match="listed more than once"):
        assign_pairs(SQUARE + [("s1", "p1", 0.2)])
    with pytest.raises(RuntimeError, match="not fitted"):
        CapacitatedAssigner().result(AssignmentIndex(["s"], ["p"]))


def test_index_maps_ids_both_ways_and_refuses_shared_ids():
    index = AssignmentIndex.from_ids(["b", "a"], ["x"])
    assert index.a_ids == ["a", "b"] and index.rows("a", ["b"]).tolist() == [1]
    assert index.ids("b", [0]) == ["x"] and index.side_of("x") == "b"
    with pytest.raises(ValueError, match="both sides"):
        AssignmentIndex(["a"], ["a"])
    with pytest.raises(ValueError, match="unknown side 'c'"):
        index.rows("c", ["a"])


def test_a_participant_without_pairs_is_declared_and_reported():
    """A partner with no allowed pair but a minimum of 1: declared via b_ids, reported, not raised."""
    r = assign_pairs(SQUARE, capacities={"p9": (1, 2)}, b_ids=["p9"])
    assert r.status == "infeasible"
    assert [(x.kind, x.who, x.suggested) for x in r.relaxations] == [("too_few_candidates", "p9", 0)]
    assert r.alternates["p9"] == []
