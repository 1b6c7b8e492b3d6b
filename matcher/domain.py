"""Domain knowledge behind the structured signals, in one place (data, not code).

Every number here is a judgement about the domain, documented beside it; none was fitted to a
data set. The matrices are built over the taxonomy's keys in taxonomy order.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np

from matcher.schema import load_taxonomy
from matcher.text import strip_diacritics

_TAXONOMY = load_taxonomy()
SECTORS: tuple[str, ...] = tuple(_TAXONOMY["sectors"])
MODES: tuple[str, ...] = tuple(_TAXONOMY["cooperation_modes"])
KINDS: tuple[str, ...] = tuple(_TAXONOMY["kinds"])
STAGES: tuple[str, ...] = tuple(_TAXONOMY["stages"])
PARTNER_TYPES: tuple[str, ...] = tuple(_TAXONOMY["partner_types"])
EXPERT_AVAILABILITY: tuple[str, ...] = tuple(_TAXONOMY["expert_availability"])
IP_ASSET_TYPES: tuple[str, ...] = tuple(_TAXONOMY["ip_asset_types"])
IP_TRANSFER_MODES: tuple[str, ...] = tuple(_TAXONOMY["ip_transfer_modes"])

# (sought, offered) -> how well an offer of the second mode answers a search for the first
# (the same mode answers fully, 1.0). E.g. whoever seeks technology transfer is also served by
# IP licensing; whoever seeks a pilot customer is partly served by market access.
RELATED_MODES: dict[tuple[str, str], float] = {
    ("technology_transfer", "licensing_ip"): 0.7,
    ("technology_transfer", "joint_rnd"): 0.5,
    ("technology_transfer", "training_talent"): 0.4,
    ("technology_transfer", "platform_infrastructure"): 0.4,
    ("licensing_ip", "technology_transfer"): 0.7,
    ("acquisition", "licensing_ip"): 0.6,
    ("acquisition", "technology_transfer"): 0.6,
    ("joint_rnd", "technology_transfer"): 0.4,
    ("joint_rnd", "expert_exchange"): 0.4,
    ("market_access", "pilot_customer"): 0.5,
    ("market_access", "incubation_acceleration"): 0.4,
    ("pilot_customer", "market_access"): 0.5,
    ("training_talent", "expert_exchange"): 0.6,
    ("expert_exchange", "training_talent"): 0.5,
    ("platform_infrastructure", "technology_transfer"): 0.4,
    ("incubation_acceleration", "expert_exchange"): 0.4,
    ("incubation_acceleration", "market_access"): 0.3,
    ("incubation_acceleration", "investment"): 0.3,
    ("investment", "incubation_acceleration"): 0.3,
    ("standards", "expert_exchange"): 0.3,
}

# modes that two parties can *both* seek and still serve each other: each brings half of it
# (joint R&D, an exchange of experts, opening each other's home market, soft-landing swaps
# between incubators, co-shaping a standard). Both seeking investment, by contrast, makes
# them competitors for the same money. Value = how fully a mutual search counts as a match.
MUTUAL_MODES: dict[str, float] = {
    "joint_rnd": 1.0,
    "expert_exchange": 0.8,
    "incubation_acceleration": 0.8,
    "market_access": 0.6,
    "standards": 0.6,
    "training_talent": 0.5,
}

# kind pairs (symmetric) -> compatibility in [-1, 1]; 0 is neutral. The product's core pairs
# are startup ↔ foreign partner and peers (incubator ↔ incubator, cluster ↔ cluster, DOMAIN.md).
KIND_PAIRS: dict[frozenset[str], float] = {
    frozenset({"startup", "partner"}): 1.0,
    frozenset({"startup", "incubator"}): 0.4,
    frozenset({"startup", "cluster"}): 0.2,
    frozenset({"startup"}): 0.1,
    frozenset({"incubator"}): 1.0,
    frozenset({"incubator", "partner"}): 0.6,
    frozenset({"incubator", "cluster"}): 0.6,
    frozenset({"cluster"}): 1.0,
    frozenset({"cluster", "partner"}): 0.7,
    frozenset({"partner"}): 0.0,
    # one person's expertise serves a team, a programme or a research partner; two experts are
    # never proposed to each other (DOMAIN.md: experts connect with the domestic ecosystem)
    frozenset({"expert", "startup"}): 0.8,
    frozenset({"expert", "incubator"}): 0.5,
    frozenset({"expert", "cluster"}): 0.5,
    frozenset({"expert", "partner"}): 0.3,
    frozenset({"expert"}): -1.0,
}

# sector pairs (symmetric) that often meet in one partnership: worth half a shared sector
RELATED_SECTORS: tuple[tuple[str, str], ...] = (
    ("ai", "digital_transformation"), ("ai", "cloud_data_centers"), ("ai", "robotics_automation"),
    ("ai", "healthtech"), ("ai", "fintech"), ("ai", "edtech"), ("ai", "semiconductors"),
    ("semiconductors", "manufacturing"), ("semiconductors", "iot"), ("semiconductors", "advanced_materials"),
    ("semiconductors", "telecom_5g"), ("iot", "telecom_5g"), ("iot", "smart_cities"), ("iot", "agritech"),
    ("iot", "manufacturing"), ("iot", "robotics_automation"), ("iot", "cleantech_energy"),
    ("cloud_data_centers", "cybersecurity"), ("cloud_data_centers", "digital_transformation"),
    ("cybersecurity", "digital_transformation"), ("cybersecurity", "fintech"), ("biotech", "healthtech"),
    ("biotech", "agritech"), ("cleantech_energy", "green_transition"), ("green_transition", "agritech"),
    ("green_transition", "manufacturing"), ("advanced_materials", "cleantech_energy"),
    ("advanced_materials", "manufacturing"), ("robotics_automation", "manufacturing"),
    ("logistics", "ecommerce"), ("logistics", "smart_cities"), ("smart_cities", "digital_transformation"),
    ("halal", "agritech"), ("halal", "ecommerce"), ("space", "telecom_5g"), ("quantum", "cybersecurity"),
    ("quantum", "semiconductors"), ("fintech", "ecommerce"), ("edtech", "digital_transformation"),
    ("cleantech_energy", "smart_cities"), ("logistics", "manufacturing"),
)
RELATED_SECTOR_VALUE = 0.5

# stage words in an investor's or programme's own text -> the startup stages it targets
_STAGE_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"pre[ -]?seed|tien hat giong", ("pre_seed",)),
    (r"(?<!pre )(?<!pre-)\bseed\b|hat giong|von moi", ("seed",)),
    (r"idea[ -]stage|giai doan y tuong|y tuong", ("idea",)),
    (r"early[ -]stage|giai doan (?:dau|som)|khoi nghiep som|angel|thien than", ("idea", "pre_seed", "seed")),
    (r"series a\b|vong a\b", ("series_a",)),
    (r"series [b-d]\b|vong [b-d]\b|pre[ -]ipo", ("series_b_plus",)),
    (r"growth[ -](?:stage|equity)|late[r]?[ -]stage|giai doan (?:tang truong|sau)|expansion stage|scale[ -]?ups?",
     ("series_b_plus", "growth")),
)
_STAGE_RES = tuple((re.compile(p), stages) for p, stages in _STAGE_PATTERNS)


def stages_mentioned(text: str) -> frozenset[str]:
    """Startup stages named in ``text`` (English or Vietnamese, with or without diacritics)."""
    folded = strip_diacritics(text)
    found: set[str] = set()
    for pattern, stages in _STAGE_RES:
        if pattern.search(folded):
            found.update(stages)
    return frozenset(found)


def _index(keys: tuple[str, ...]) -> dict[str, int]:
    return {k: i for i, k in enumerate(keys)}


@cache
def mode_answer_matrix() -> np.ndarray:
    """``R[s, o]``: how well offering mode ``o`` answers seeking mode ``s``; shape (n_modes, n_modes)."""
    idx = _index(MODES)
    r = np.eye(len(MODES), dtype=np.float32)
    for (sought, offered), value in RELATED_MODES.items():
        r[idx[sought], idx[offered]] = value
    return r


@cache
def mutual_mode_vector() -> np.ndarray:
    """``m[s]``: how fully both seeking mode ``s`` counts as a match; shape (n_modes,)."""
    return np.array([MUTUAL_MODES.get(m, 0.0) for m in MODES], dtype=np.float32)


@cache
def kind_matrix() -> np.ndarray:
    """``K[a, b]``: compatibility of kinds ``a`` and ``b`` in [-1, 1]; shape (n_kinds, n_kinds)."""
    k = np.zeros((len(KINDS), len(KINDS)), dtype=np.float32)
    for i, a in enumerate(KINDS):
        for j, b in enumerate(KINDS):
            k[i, j] = KIND_PAIRS.get(frozenset({a, b}), 0.0)
    return k


@cache
def sector_matrix() -> np.ndarray:
    """``S[a, b]``: relatedness of sectors (1 same, 0.5 related, 0 else); shape (n_sectors, n_sectors)."""
    idx = _index(SECTORS)
    s = np.eye(len(SECTORS), dtype=np.float32)
    for a, b in RELATED_SECTORS:
        s[idx[a], idx[b]] = s[idx[b], idx[a]] = RELATED_SECTOR_VALUE
    return s
