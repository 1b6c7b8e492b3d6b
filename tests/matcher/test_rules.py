"""The filters' row mask (``matcher.rules.filter_mask``) over the sample's structured columns."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.domain import KINDS, STAGES
from matcher.engine import Engine
from matcher.rules import filter_mask, validate_filters
from matcher.structured import COUNTRIES

from .conftest import FakeEmbedder
from .test_first_stage import _sample


@pytest.fixture(scope="module")
def cols():  # type: ignore[no-untyped-def]
    return Engine(embedder=FakeEmbedder()).fit(_sample()).index_.profiles


@pytest.mark.parametrize("name, values, column, codes", [
    ("kind", ("partner",), "kind", [KINDS.index("partner")]),
    ("kind", ("startup", "expert"), "kind", [KINDS.index("startup"), KINDS.index("expert")]),
    ("stage", ("seed", "growth"), "stage", [STAGES.index("seed"), STAGES.index("growth")]),
    ("country", ("VN", "KR", "JP"), "country", [COUNTRIES.index(c) for c in ("VN", "KR", "JP")]),
    ("side", ("vn",), "is_vn", [True]),
    ("side", ("vn", "foreign"), "is_vn", [True, False]),
])
def test_a_filter_on_a_coded_column_keeps_the_rows_holding_one_of_its_values(cols, name, values, column, codes) -> None:
    """Each value compared by code (no ``np.isin``): the same rows as ``np.isin`` keeps, and some
    rows kept and some not, so the comparison is not vacuous."""
    mask = filter_mask(validate_filters({name: list(values)}), cols)
    expected = np.isin(cols[column], codes)
    np.testing.assert_array_equal(mask, expected)
    assert 0 < mask.sum() <= len(mask)
    if name != "side" or len(values) == 1:
        assert mask.sum() < len(mask)
