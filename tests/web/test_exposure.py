"""The exposure audit's arithmetic on hand-checkable inputs: counts, Gini, Lorenz curve, group shares,
and the reasons given for a profile never shown."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest

from matcher.exposure import exposure_counts, gini, group_shares, lorenz
from web.services import exposure


def test_equal_exposure_has_a_gini_of_zero() -> None:
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0, 0]) == 0.0 and gini([]) == 0.0  # no exposure, no profiles: nothing unequal


@pytest.mark.parametrize("n", [2, 4, 10])
def test_one_profile_taking_everything_has_a_gini_of_n_minus_one_over_n(n: int) -> None:
    assert gini([0] * (n - 1) + [12]) == pytest.approx((n - 1) / n)


def test_gini_of_a_small_hand_computed_case() -> None:
    """(1, 3): mean absolute difference 2 * 2 / 4 = 1, over twice the mean 4: 0.25."""
    assert gini([3, 1]) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="shape"):
        gini(np.ones((2, 2)))
    with pytest.raises(ValueError, match="non-negative"):
        gini([1, -1])


def test_lorenz_curve_runs_from_the_least_exposed_to_the_most() -> None:
    x, y = lorenz([6, 0, 2])
    assert x.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert y.tolist() == pytest.approx([0, 0, 0.25, 1])
    assert lorenz([0, 0])[1].tolist() == pytest.approx([0, 0.5, 1])  # no exposure: the diagonal


def test_counts_ignore_a_profile_in_its_own_ranking_and_ids_outside_the_audit() -> None:
    rankings = {"a": ["b", "c"], "b": ["a", "c", "b"], "c": ["b", "zz"]}
    assert exposure_counts(rankings, ["a", "b", "c", "d"]).tolist() == [1, 2, 2, 0]
    with pytest.raises(ValueError, match="duplicates"):
        exposure_counts(rankings, ["a", "a"])


def test_group_shares_compare_exposure_with_size() -> None:
    """Hanoi holds half the profiles and a quarter of the exposure: ratio 0.5; a profile with two
    sectors counts in both."""
    shares = {g.key: g for g in group_shares([["HN"], ["HN"], ["HCM"], ["HCM"]], [1, 0, 3, 0])}
    assert shares["HN"].profile_share == 0.5 and shares["HN"].exposure_share == 0.25
    assert shares["HN"].ratio == pytest.approx(0.5) and shares["HCM"].ratio == pytest.approx(1.5)
    sectors = {g.key: g for g in group_shares([["iot", "agri"], ["iot"]], [2, 2])}
    assert (sectors["iot"].profiles, sectors["iot"].exposure, sectors["agri"].exposure_share) == (2, 4, 0.5)
    with pytest.raises(ValueError, match="counts has shape"):
        group_shares([["a"]], [1, 2])


def record(pid: str, **fields: Any) -> dict[str, Any]:
    base = {"id": pid, "kind": "startup", "name": pid.upper(), "country": "VN", "region": "Hà Nội",
            "sectors": ["iot"], "description": "We design low-power sensors and gateways for farms, "
            "factories and cities across the Mekong Delta region.", "needs": "A foundry partner for chips."}
    return base | fields


def test_a_never_shown_profile_gets_the_reasons_its_record_shows() -> None:
    holders = Counter({"iot": 3, "space": 1})
    assert exposure.reasons(record("a"), holders, ranked=True) == ("outranked",)
    vietnamese = record("b", needs="", sectors=["space"], description="Chúng tôi làm cảm biến cho nông nghiệp.")
    assert exposure.reasons(vietnamese, holders, ranked=False) == (
        "not_embedded", "no_needs", "no_english", "unique_sector", "short_description")
    assert "no_sectors" in exposure.reasons(record("c", sectors=[]), holders, ranked=True)


def test_the_audit_counts_breaks_down_and_explains() -> None:
    """a and b rank each other and c; d has no ranking (not embedded) and is shown to no one."""
    records = [record("a"), record("b", region="Cần Thơ"), record("c", kind="incubator", sectors=["space"]),
               record("d", kind="partner", partner_type="university", country="KR", region=None, needs="")]
    audit = exposure.build(records, {"a": ["b", "c"], "b": ["a", "c"], "c": ["a"]})
    assert [p.count for p in audit.profiles] == [2, 1, 2, 0] and audit.total == 5 and audit.ranked == 3
    assert [p.id for p in audit.never_shown] == ["d"] and audit.never_shown[0].reasons == ("not_embedded", "no_needs")
    assert audit.gini == pytest.approx(exposure_gini := gini([2, 1, 2, 0])) and exposure_gini > 0
    by_type = {g.key: g for g in audit.breakdowns["type"]}
    assert by_type["incubator"].exposure_share == pytest.approx(0.4) and by_type["university"].exposure == 0
    regions = {g.key: g.profiles for g in audit.breakdowns["region"]}
    assert regions == {"Hà Nội": 2, "Cần Thơ": 1, "": 1}
    assert audit.lorenz[0][0] == 0 and audit.lorenz[1][-1] == pytest.approx(1)
    rows = exposure.csv_rows(audit)
    assert rows[0] == ("d", "D", "partner", "KR", "", "iot", 0, "not_embedded; no_needs")
    with pytest.raises(ValueError, match="choose one of"):
        exposure.group_keys("incubator", records[0])
