"""Eligibility rules: the cross-border rule, filters and exclusions, as boolean masks over rows.

Filters are ``{name: value or list of values}``; a row passes a filter when it matches *any* of
its values, and passes the filters when it passes *all* of them. Unknown filter names and
unknown values (a sector key that does not exist) fail and list the valid choices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from matcher.domain import (
    EXPERT_AVAILABILITY,
    IP_ASSET_TYPES,
    IP_TRANSFER_MODES,
    KINDS,
    MODES,
    PARTNER_TYPES,
    SECTORS,
    STAGES,
)
from matcher.structured import COUNTRIES, _lang_index
from matcher.text import strip_diacritics

SIDES = ("vn", "foreign")
_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "kind": KINDS,
    "partner_type": PARTNER_TYPES,
    "country": COUNTRIES,
    "sector": SECTORS,
    "cooperation_offered": MODES,
    "cooperation_sought": MODES,
    "cooperation_mode": MODES,  # offered or sought
    "stage": STAGES,
    "side": SIDES,
    "language": (),  # any two-letter ISO 639-1 code
    "ip_asset_type": IP_ASSET_TYPES,      # has an IP asset of the type
    "ip_transfer": IP_TRANSFER_MODES,     # has an IP asset offered this way
    "min_trl": tuple(str(n) for n in range(1, 10)),  # has an IP asset at this TRL or higher
    "availability": EXPERT_AVAILABILITY,  # an expert open to this
}
_MULTI = {"sector": ("sectors", SECTORS), "cooperation_offered": ("offered", MODES),
          "cooperation_sought": ("sought", MODES), "ip_asset_type": ("ip_types", IP_ASSET_TYPES),
          "ip_transfer": ("ip_transfer", IP_TRANSFER_MODES), "availability": ("availability", EXPERT_AVAILABILITY)}
FILTERS = tuple(_VOCABULARIES)


def validate_filters(filters: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    """``filters`` with each value as a tuple of canonical strings; raises ``ValueError`` naming
    the unknown filter or value and the valid choices."""
    out: dict[str, tuple[str, ...]] = {}
    for name, value in (filters or {}).items():
        if name not in _VOCABULARIES:
            raise ValueError(f"unknown filter {name!r}; valid filters: {', '.join(FILTERS)}")
        values = (value,) if isinstance(value, str) else tuple(value)
        if not values or not all(isinstance(v, str) for v in values):
            raise ValueError(f"filter {name!r} needs a string or a non-empty list of strings, got {value!r}")
        values = tuple(v.upper() if name == "country" else v.lower() for v in values)
        vocabulary = _VOCABULARIES[name]
        for v in values:
            if name == "language":
                if _lang_index(v) is None:
                    raise ValueError(f"filter 'language': {v!r} is not a two-letter ISO 639-1 code")
            elif v not in vocabulary:
                raise ValueError(f"filter {name!r}: unknown value {v!r}; valid values: {', '.join(vocabulary)}")
        out[name] = values
    return out


def _any_column(matrix: np.ndarray, keys: tuple[str, ...], vocabulary: tuple[str, ...]) -> np.ndarray:
    return np.asarray(matrix[:, [vocabulary.index(k) for k in keys]].any(1))


def _one_of(column: np.ndarray, values: Iterable[Any]) -> np.ndarray:
    """``np.isin(column, values)`` for a few values: one comparison each. ``np.isin`` sorts or
    tabulates first, 0.72 ms on a 100k-row int8 column against 0.003 ms for a comparison: 10% of
    a filtered request's CPU at 100k profiles (py-spy, bench_api.py --cold, 2026-12-07)."""
    mask = np.zeros(len(column), dtype=bool)
    for v in set(values):
        mask |= column == v
    return mask


def filter_mask(filters: dict[str, tuple[str, ...]], cols: Any) -> np.ndarray:
    """Rows that pass every (validated) filter.

    Parameters
    ----------
    filters : dict
        From ``validate_filters``.
    cols : Columns or mapping
        ``cols[name]``: structured column ``name`` of ``n`` rows (``Index.profiles``), shape (n, ...).

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    n = len(cols["kind"])
    mask = np.ones(n, dtype=bool)
    for name, values in filters.items():
        if name in ("kind", "partner_type", "stage"):
            vocabulary = _VOCABULARIES[name]
            mask &= _one_of(cols[name], [vocabulary.index(v) for v in values])
        elif name == "country":
            mask &= _one_of(cols["country"], [COUNTRIES.index(v) for v in values])
        elif name in _MULTI:
            column, vocabulary = _MULTI[name]
            mask &= _any_column(cols[column], values, vocabulary)
        elif name == "min_trl":
            mask &= cols["max_trl"] >= min(int(v) for v in values)
        elif name == "cooperation_mode":
            mask &= _any_column(cols["offered"], values, MODES) | _any_column(cols["sought"], values, MODES)
        elif name == "side":
            wanted = {v == "vn" for v in values}
            mask &= _one_of(cols["is_vn"], wanted)
        elif name == "language":
            bits = np.unpackbits(cols["lang"], axis=1)
            mask &= bits[:, [_lang_index(v) or 0 for v in values]].any(1)  # validated: never None
    return mask


def cross_border_mask(query_is_vn: bool | None, is_vn: np.ndarray) -> np.ndarray:
    """Rows on the other side of the border from the query (all rows when its side is unknown).
    ``is_vn`` shape (n,) → (n,) bool."""
    if query_is_vn is None:
        return np.ones(len(is_vn), dtype=bool)
    return is_vn != query_is_vn


def excluded_ids(profile_id: str | None, exclude: Iterable[str] | None, pairs: Iterable[tuple[str, str]]) -> set[str]:
    """Ids to leave out of ``profile_id``'s results: ``exclude`` plus the other member of every
    excluded pair that contains ``profile_id`` (pairs are unordered)."""
    if isinstance(exclude, str):
        raise TypeError("exclude must be a collection of ids, not one string")
    out = set(exclude or ())
    if profile_id is not None:
        out.add(profile_id)
        for a, b in pairs:
            if a == profile_id:
                out.add(b)
            elif b == profile_id:
                out.add(a)
    return out


# What a profile's needs say it wants of an expert, as ``expert_availability`` keys (cues in
# English and Vietnamese, with or without diacritics: matched on folded text).
_AVAILABILITY_CUES: dict[str, re.Pattern[str]] = {
    key: re.compile(pattern) for key, pattern in {
        "co_founding": r"\bco-?\s?founder|\bcofounder|dong sang lap|founding (?:cto|team|engineer)",
        "relocation": r"\brelocat|chuyen ve viet nam|ve nuoc lam viec|full-time in vietnam",
        "teaching": r"\blecturer|\bteach|giang day|giang vien|supervis|huong dan nghien cuu",
        "remote_collaboration": r"\bremote|lam viec tu xa|\btu xa\b",
        "short_visit": r"\bworkshop|short visit|visiting (?:expert|professor|researcher)|hoi thao|thinh giang",
        "advisory": r"\badvis[eo]r|\bmentor|\bco van\b|\bcố vấn",
    }.items()
}


def wanted_availability(record: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``expert_availability`` keys the record's needs ask for (e.g. ``co_founding`` for "we
    are looking for a technical co-founder", "tìm đồng sáng lập"), in vocabulary order."""
    text = strip_diacritics(str(record.get("needs") or "")).lower()
    return tuple(key for key in EXPERT_AVAILABILITY if key in _AVAILABILITY_CUES and _AVAILABILITY_CUES[key].search(text))


def expert_rows(query_kind: str | None, kinds: np.ndarray) -> np.ndarray:
    """Rows a query of ``query_kind`` may be proposed (shape (n,) bool): every row, except that
    an expert is never proposed to an expert (experts connect with the ecosystem, DOMAIN.md)."""
    expert = KINDS.index("expert")
    if query_kind != "expert":
        return np.ones(len(kinds), dtype=bool)
    return np.asarray(kinds != expert)


def experts_available_first(order: Sequence[int], kinds: np.ndarray, availability: np.ndarray,
                            wanted: tuple[str, ...]) -> list[int]:
    """``order`` (rows, best first) with the places held by experts given first to the experts
    open to one of ``wanted`` (stable otherwise): a startup looking for a co-founder sees the
    experts open to co-founding before the others, and every other result keeps its place."""
    if not wanted:
        return list(order)
    expert = KINDS.index("expert")
    columns = [EXPERT_AVAILABILITY.index(w) for w in wanted]
    places = [i for i, row in enumerate(order) if kinds[row] == expert]
    ready = [order[i] for i in places if availability[order[i], columns].any()]
    rest = [order[i] for i in places if not availability[order[i], columns].any()]
    out = list(order)
    for place, row in zip(places, ready + rest, strict=True):
        out[place] = row
    return out
