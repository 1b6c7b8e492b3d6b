"""Structured signals: sectors, cooperation modes, stage, countries, languages, kinds.

``encode_structured(record)`` turns one profile's controlled fields into a row of small arrays
(one column per name in ``COLUMNS``); the index stacks these rows. ``structured_signals(q, c)``
compares one profile's row with ``n`` candidates' rows at once and returns, per signal, an array
of shape ``(n,)`` in [-1, 1] where **0 means unknown or neutral**: a field missing on either side
never penalises a pair.
"""

from __future__ import annotations

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
    kind_matrix,
    mode_answer_matrix,
    mutual_mode_vector,
    sector_matrix,
    stages_mentioned,
)
from matcher.profile import HOME_COUNTRY, ISO_COUNTRIES

COUNTRIES: tuple[str, ...] = tuple(sorted(ISO_COUNTRIES))
_COUNTRY_INDEX = {c: i for i, c in enumerate(COUNTRIES)}
_N_LANG_BITS = 26 * 26  # every two-letter ISO 639-1 code has a bit
SIGNALS = ("sectors", "modes", "stage", "countries", "languages", "kinds")

# name -> (dtype, row shape); the index keeps one stacked array per name
COLUMNS: dict[str, tuple[Any, tuple[int, ...]]] = {
    "kind": (np.int8, ()),
    "partner_type": (np.int8, ()),
    "stage": (np.int8, ()),
    "is_vn": (np.bool_, ()),
    "country": (np.int16, ()),
    "pref": (np.uint8, ((len(COUNTRIES) + 7) // 8,)),
    "has_pref": (np.bool_, ()),
    "lang": (np.uint8, ((_N_LANG_BITS + 7) // 8,)),
    "has_lang": (np.bool_, ()),
    "sectors": (np.float32, (len(SECTORS),)),
    "offered": (np.float32, (len(MODES),)),
    "sought": (np.float32, (len(MODES),)),
    "stage_own": (np.uint8, ()),
    "stage_target": (np.uint8, ()),
    # what a buyer of technology and a startup looking for an expert filter on
    "ip_types": (np.float32, (len(IP_ASSET_TYPES),)),      # any asset of the type
    "ip_transfer": (np.float32, (len(IP_TRANSFER_MODES),)),  # any asset offered this way
    "max_trl": (np.int8, ()),                                # highest TRL of its assets, 0 if none
    "availability": (np.float32, (len(EXPERT_AVAILABILITY),)),
}


def _bits(indices: list[int], n_bits: int) -> np.ndarray:
    flags = np.zeros(n_bits, dtype=bool)
    flags[indices] = True
    return np.packbits(flags)


def _lang_index(code: str) -> int | None:
    if len(code) == 2 and code.isascii() and code.isalpha():
        return (ord(code[0].lower()) - 97) * 26 + ord(code[1].lower()) - 97
    return None


def _multi_hot(keys: list[str], vocabulary: tuple[str, ...]) -> np.ndarray:
    out = np.zeros(len(vocabulary), dtype=np.float32)
    for key in keys:
        if key in vocabulary:
            out[vocabulary.index(key)] = 1.0
    return out


def _stage_mask(stages: frozenset[str] | set[str]) -> int:
    return sum(1 << STAGES.index(s) for s in stages if s in STAGES)


def stage_sets(record: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """(own stages, target stages) of a profile.

    *Own*: its ``stage`` field, plus the stages its needs name when it seeks investment ("a seed
    round"). *Target*: the stages named in the offers/description of a profile that invests or
    runs programmes (an investor, an incubator, anyone offering investment or incubation).
    """
    sought = set(record.get("cooperation_sought") or [])
    offered = set(record.get("cooperation_offered") or [])
    own = {record["stage"]} if record.get("stage") and record.get("kind") == "startup" else set()
    if "investment" in sought:
        own |= stages_mentioned(record.get("needs") or "")
    targets: frozenset[str] = frozenset()
    if (
        offered & {"investment", "incubation_acceleration"}
        or record.get("partner_type") == "investor"
        or record.get("kind") == "incubator"
    ):
        targets = stages_mentioned(" ".join([record.get("offers") or "", record.get("description") or ""]))
    return frozenset(own), targets


def encode_structured(record: dict[str, Any]) -> dict[str, np.ndarray]:
    """One profile's structured row: ``{name: array of shape COLUMNS[name][1]}``."""
    pref = [_COUNTRY_INDEX[c] for c in record.get("preferred_countries") or [] if c in _COUNTRY_INDEX]
    langs = [i for i in map(_lang_index, record.get("languages") or []) if i is not None]
    own, target = stage_sets(record)
    ptype = record.get("partner_type")
    assets = [a for a in record.get("ip_assets") or [] if isinstance(a, dict)]
    row = {
        "kind": KINDS.index(record["kind"]) if record.get("kind") in KINDS else -1,
        "partner_type": PARTNER_TYPES.index(ptype) if ptype in PARTNER_TYPES else -1,
        "stage": STAGES.index(record["stage"]) if record.get("stage") in STAGES else -1,
        "is_vn": record.get("country") == HOME_COUNTRY,
        "country": _COUNTRY_INDEX.get(record.get("country") or "", -1),
        "pref": _bits(pref, len(COUNTRIES)),
        "has_pref": bool(pref),
        "lang": _bits(langs, _N_LANG_BITS),
        "has_lang": bool(langs),
        "sectors": _multi_hot(record.get("sectors") or [], SECTORS),
        "offered": _multi_hot(record.get("cooperation_offered") or [], MODES),
        "sought": _multi_hot(record.get("cooperation_sought") or [], MODES),
        "stage_own": _stage_mask(own),
        "stage_target": _stage_mask(target),
        "ip_types": _multi_hot([str(a["asset_type"]) for a in assets if a.get("asset_type")], IP_ASSET_TYPES),
        "ip_transfer": _multi_hot([t for a in assets for t in a.get("transfer") or []], IP_TRANSFER_MODES),
        "max_trl": max((int(a["trl"]) for a in assets if isinstance(a.get("trl"), int)), default=0),
        "availability": _multi_hot(record.get("availability") or [], EXPERT_AVAILABILITY),
    }
    return {name: np.asarray(row[name], dtype=dtype).reshape(shape) for name, (dtype, shape) in COLUMNS.items()}


def _stage_fit_table() -> np.ndarray:
    """``T[own_mask, target_mask]`` in [-1, 1]: 1 if a stage is targeted, 0.25 one stage away,
    -0.5 two away, -1 further; NaN when either mask is empty."""
    n = 1 << len(STAGES)
    table = np.full((n, n), np.nan, dtype=np.float32)
    for own in range(1, n):
        own_idx = [i for i in range(len(STAGES)) if own >> i & 1]
        for target in range(1, n):
            dist = min(abs(i - j) for i in own_idx for j in range(len(STAGES)) if target >> j & 1)
            table[own, target] = {0: 1.0, 1: 0.25, 2: -0.5}.get(dist, -1.0)
    return table


_STAGE_FIT = _stage_fit_table()
_BEST_ANSWER = mode_answer_matrix()  # (sought, offered)
_MUTUAL = mutual_mode_vector()


def _nanmean2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean of two (n,) arrays ignoring NaN; 0 (neutral) where both are NaN."""
    both = np.stack([a, b])
    count = (~np.isnan(both)).sum(0)
    total = np.nansum(both, axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), 0.0).astype(np.float32)


def _sector_signal(q: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> np.ndarray:
    qs, cs = q["sectors"], c["sectors"]
    nq, nc = qs.sum(), cs.sum(1)
    if nq == 0:
        return np.zeros(len(cs), dtype=np.float32)
    rel = sector_matrix()
    q_idx = np.flatnonzero(qs)
    # how related each candidate sector is to the query's closest sector, and vice versa
    q_profile = rel[q_idx].max(0)  # (n_sectors,)
    cand_side = (cs @ q_profile) / np.maximum(nc, 1)
    query_side = np.mean([(cs * rel[i]).max(1) for i in q_idx], axis=0)
    overlap = (cand_side + query_side) / 2
    return np.where(nc > 0, 2 * overlap - 1, 0.0).astype(np.float32)


def mode_directions(q: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(forward, backward), each (n,) in [0, 1] or NaN: how well the candidates' offers (or mutual
    searches) answer the query's sought modes, and how well the query answers theirs."""
    c_off, c_sought = c["offered"], c["sought"]
    q_sought = np.flatnonzero(q["sought"])
    # best answer each candidate gives to each sought mode: (n, n_modes)
    c_best = np.maximum((c_off[:, None, :] * _BEST_ANSWER[None]).max(2), c_sought * _MUTUAL)
    c_known = (c_off.sum(1) + c_sought.sum(1)) > 0
    if len(q_sought):
        fwd = np.where(c_known, c_best[:, q_sought].mean(1), np.nan)
    else:
        fwd = np.full(len(c_off), np.nan)
    q_best = np.maximum((q["offered"][None, :] * _BEST_ANSWER).max(1), q["sought"] * _MUTUAL)
    n_c_sought = c_sought.sum(1)
    q_known = q["offered"].sum() + q["sought"].sum() > 0
    bwd = np.where((n_c_sought > 0) & q_known, (c_sought @ q_best) / np.maximum(n_c_sought, 1), np.nan)
    return fwd.astype(np.float32), bwd.astype(np.float32)


def _mode_signal(q: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> np.ndarray:
    fwd, bwd = mode_directions(q, c)
    value = 2 * _nanmean2(fwd, bwd) - np.where(np.isnan(fwd) & np.isnan(bwd), 0.0, 1.0)
    return np.clip(value, -1, 1).astype(np.float32)


def _rivalry(q_offered: np.ndarray, q_sought: np.ndarray, c_offered: np.ndarray, c_sought: np.ndarray) -> np.ndarray:
    """``mode_rivalry`` on mode rows that broadcast (each (n_modes,) or (n, n_modes)): the share
    of the query side's sought non-mutual modes that the candidate side seeks too, weighted by
    how little either side's offers answer them."""
    rival = q_sought * (_MUTUAL == 0)
    q_answers = (q_offered[..., None, :] * _BEST_ANSWER).max(-1)  # best answer to each sought mode
    c_answers = (c_offered[..., None, :] * _BEST_ANSWER).max(-1)
    unanswered = 1.0 - np.maximum(q_answers, c_answers)
    return ((rival * c_sought * unanswered).sum(-1) / np.maximum(rival.sum(-1), 1)).astype(np.float32)


def mode_rivalry(q: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> np.ndarray:
    """(n,) in [0, 1]: the share of the query's sought non-mutual modes (investment, technology
    transfer, pilots ...) that a candidate seeks too while neither side offers anything that
    answers it: two firms after the same thing from third parties (competitors). Mutual modes
    (joint R&D) sought by both are a match, not a rivalry; 0 when the query seeks nothing."""
    if not (q["sought"] * (_MUTUAL == 0)).any():
        return np.zeros(len(c["sought"]), dtype=np.float32)
    return _rivalry(q["offered"], q["sought"], c["offered"], c["sought"])


def mode_rivalry_towards(qs: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> np.ndarray:
    """``mode_rivalry(q_i, c)`` for every row ``q_i`` of ``qs`` (n rows, as queries) against the one
    profile ``c`` (a single structured row), shape (n,): the same formula with the roles of query
    and candidate swapped (the only asymmetric part of the fused score, see
    ``Engine.scores_towards``)."""
    return _rivalry(qs["offered"], qs["sought"], c["offered"], c["sought"])


def _bit_test(packed: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Row i's bit number index[i] of packed bit rows, shape (n,) bool (False for index < 0)."""
    safe = np.maximum(index, 0)
    byte = packed[np.arange(len(packed)), safe >> 3]
    return ((byte >> (7 - (safe & 7))) & 1).astype(bool) & (index >= 0)


def _country_signal(q: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> np.ndarray:
    n = len(c["country"])
    fwd = np.full(n, np.nan, dtype=np.float32)
    if q["has_pref"]:
        q_pref = np.unpackbits(q["pref"])[: len(COUNTRIES)].astype(bool)
        hit = np.where(c["country"] >= 0, q_pref[np.maximum(c["country"], 0)], False)
        fwd = np.where(hit, 1.0, -1.0).astype(np.float32)
    q_country = np.full(n, int(q["country"]), dtype=np.int64)
    bwd = np.where(c["has_pref"], np.where(_bit_test(c["pref"], q_country), 1.0, -1.0), np.nan)
    return _nanmean2(fwd, bwd.astype(np.float32))


def _language_signal(q: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> np.ndarray:
    if not q["has_lang"]:
        return np.zeros(len(c["has_lang"]), dtype=np.float32)
    shared = (c["lang"] & q["lang"][None, :]).any(1)
    return np.where(c["has_lang"], np.where(shared, 1.0, -1.0), 0.0).astype(np.float32)


def _stage_signal(q: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> np.ndarray:
    fwd = _STAGE_FIT[int(q["stage_own"]), c["stage_target"]]
    bwd = _STAGE_FIT[c["stage_own"], int(q["stage_target"])]
    return _nanmean2(fwd, bwd)


def structured_signals(q: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each structured signal of the query row ``q`` against candidate rows ``c``.

    Parameters
    ----------
    q : dict
        One row, ``{name: array of shape COLUMNS[name][1]}`` (from ``encode_structured``).
    c : dict
        ``n`` rows, ``{name: array of shape (n, *COLUMNS[name][1])}``.

    Returns
    -------
    dict
        ``{signal: float32 array of shape (n,)}`` for every name in ``SIGNALS``, in [-1, 1], 0 neutral,
        plus ``mode_rivalry`` in [0, 1] (part of the competition component, not a weight of its own).
    """
    return {name: fn(q, c) for name, (fn, _) in SIGNAL_FUNCTIONS.items()}


def _kind_signal(q: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> np.ndarray:
    kind = np.where((c["kind"] >= 0) & (q["kind"] >= 0), kind_matrix()[int(q["kind"]), np.maximum(c["kind"], 0)], 0.0)
    return kind.astype(np.float32)


# each signal's function and the candidate columns it reads: a candidate's value depends on
# those columns only, so the first ranking stage computes it once per distinct combination
SIGNAL_FUNCTIONS = {
    "sectors": (_sector_signal, ("sectors",)),
    "modes": (_mode_signal, ("offered", "sought")),
    "stage": (_stage_signal, ("stage_own", "stage_target")),
    "countries": (_country_signal, ("country", "has_pref", "pref")),
    "languages": (_language_signal, ("lang", "has_lang")),
    "kinds": (_kind_signal, ("kind",)),
    "mode_rivalry": (mode_rivalry, ("offered", "sought")),
}
