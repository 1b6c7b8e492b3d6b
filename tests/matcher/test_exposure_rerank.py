"""``matcher.exposure.exposure_rerank``: strength 0 is the given order, over-exposed profiles go
down and under-exposed ones up, never by more than the bound, never beyond the shortlist, and
ties are broken the same way every time."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.exposure import exposure_rerank

SCORES = np.array([5.0, 4.0, 3.0, 2.0, 1.0])


def test_strength_zero_is_the_given_order_exactly() -> None:
    counts = np.array([100.0, 0.0, 50.0, 0.0, 7.0])
    assert exposure_rerank(SCORES, counts, 10.0, 0.0, 30).tolist() == [0, 1, 2, 3, 4]
    # even when the given order is not the scores' (a learned re-ordering came first)
    assert exposure_rerank([1.0, 3.0, 2.0], [0.0, 9.0, 9.0], 3.0, 0.0, 30).tolist() == [0, 1, 2]


def test_profiles_shown_as_often_as_the_mean_keep_the_engine_order() -> None:
    assert exposure_rerank(SCORES, np.full(5, 4.0), 4.0, 1.0, 30).tolist() == [0, 1, 2, 3, 4]


def test_an_over_exposed_leader_goes_down_and_a_never_shown_profile_comes_up() -> None:
    scores = np.array([3.0, 2.9, 2.8, 2.7])
    counts = np.array([40.0, 4.0, 4.0, 0.0])
    assert exposure_rerank(scores, counts, 4.0, 0.5, 30).tolist() == [0, 1, 2, 3]  # too weak to matter here
    order = exposure_rerank(scores, counts, 4.0, 1.0, 30).tolist()
    assert order == [1, 0, 3, 2]  # hand-checked: spread 0.112, adjusted 2.892, 2.9, 2.8, 2.803


def test_the_effect_is_monotone_in_the_count_and_in_the_strength() -> None:
    """More exposure never moves a profile up; more strength never moves a never-shown one down."""
    scores = np.array([3.0, 2.8, 2.6, 2.4, 2.2, 2.0])
    place = []
    for c in (0.0, 2.0, 5.0, 20.0, 200.0):
        counts = np.array([5.0, 5.0, c, 5.0, 5.0, 5.0])
        place.append(exposure_rerank(scores, counts, 5.0, 1.0, 30).tolist().index(2))
    assert place == sorted(place) and place[0] < 2 < place[-1]
    lift = []
    for strength in (0.0, 0.1, 0.25, 0.5, 1.0):
        counts = np.array([5.0, 5.0, 5.0, 5.0, 5.0, 0.0])
        lift.append(exposure_rerank(scores, counts, 5.0, strength, 30).tolist().index(5))
    assert lift == sorted(lift, reverse=True) and lift[0] == 5 and lift[-1] < 5


@pytest.mark.parametrize("seed", range(20))
def test_no_profile_passes_another_whose_score_is_ahead_by_twice_the_bound(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = np.sort(rng.normal(size=40))[::-1]
    counts = rng.integers(0, 60, size=40).astype(float)
    strength, top = float(rng.uniform(0.1, 1.0)), 30
    order = exposure_rerank(scores, counts, float(counts.mean()), strength, top)
    bound = 2 * strength * scores[:top].std()
    position = np.argsort(order)
    for i in range(40):
        for j in range(40):
            if scores[i] - scores[j] > bound + 1e-6:
                assert position[i] < position[j], (i, j)
    assert order[top:].tolist() == list(range(top, 40))  # nothing beyond the shortlist moves
    assert sorted(order.tolist()) == list(range(40))


def test_ties_keep_the_given_order_every_time() -> None:
    scores = np.array([2.0, 2.0, 2.0, 1.0])
    counts = np.array([3.0, 3.0, 3.0, 3.0])
    assert exposure_rerank(scores, counts, 1.0, 1.0, 30).tolist() == [0, 1, 2, 3]
    equal = np.array([1.0, 1.0, 1.0])  # no score spread: exposure alone decides, ties by position
    assert exposure_rerank(equal, [9.0, 0.0, 0.0], 3.0, 0.5, 30).tolist() == [1, 2, 0]
    runs = {tuple(exposure_rerank(SCORES, [9.0, 0.0, 9.0, 0.0, 9.0], 4.0, 1.0, 30).tolist()) for _ in range(5)}
    assert len(runs) == 1


def test_uncounted_profiles_are_left_alone_and_a_short_shortlist_moves_only_its_head() -> None:
    order = exposure_rerank([3.0, 2.9, 2.85], [np.nan, 50.0, np.nan], 5.0, 1.0, 30).tolist()
    assert order == [0, 2, 1]
    assert exposure_rerank(SCORES, [50.0, 0.0, 0.0, 0.0, 0.0], 5.0, 1.0, 2).tolist()[2:] == [2, 3, 4]


def test_bad_inputs_fail_naming_the_shapes_and_values() -> None:
    with pytest.raises(ValueError, match=r"\(3,\) and \(2,\)"):
        exposure_rerank([1.0, 2.0, 3.0], [1.0, 2.0], 1.0, 0.5, 30)
    with pytest.raises(ValueError, match="strength"):
        exposure_rerank([1.0], [1.0], 1.0, 1.5, 30)
    with pytest.raises(ValueError, match="non-negative"):
        exposure_rerank([1.0], [-1.0], 1.0, 0.5, 30)
