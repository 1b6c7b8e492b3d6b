"""Exposure: how often each profile appears in the others' rankings, and how evenly that is shared.

Pure functions over ids and counts (no database): ``exposure_counts`` turns rankings into one
count per profile, ``gini`` and ``lorenz`` measure their inequality, and ``group_shares`` compares a
group's share of the exposure with its share of the profiles (the officers' exposure audit,
``web.services.exposure``); ``exposure_rerank`` re-orders a shortlist against that exposure (the
exposure-aware re-ranking of members' matches, ``web.services.exposure_rerank``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


def exposure_counts(rankings: Mapping[str, Sequence[str]], ids: Sequence[str]) -> np.ndarray:
    """How many rankings each of ``ids`` appears in (a ranking's own profile never counts).

    Parameters
    ----------
    rankings : mapping of a profile id to the ids of its ranking (its top ``k``)
    ids : the profiles counted, in the order of the result; ids ranked but not listed here are ignored

    Returns
    -------
    counts : ndarray of int, shape (len(ids),)
    """
    row = {pid: i for i, pid in enumerate(ids)}
    if len(row) != len(ids):
        raise ValueError(f"ids hold duplicates: {len(ids)} ids, {len(row)} distinct")
    counts = np.zeros(len(ids), dtype=np.int64)
    for owner, ranked in rankings.items():
        for pid in set(ranked) - {owner}:
            if pid in row:
                counts[row[pid]] += 1
    return counts


def _check_counts(counts: np.ndarray | Sequence[float]) -> np.ndarray:
    values = np.asarray(counts, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"counts must have shape (n,), got {values.shape}")
    if values.size and values.min() < 0:
        raise ValueError("counts must be non-negative")
    return values


def gini(counts: np.ndarray | Sequence[float]) -> float:
    """The Gini coefficient of ``counts`` (shape (n,), non-negative): 0 when every profile gets the
    same exposure, (n - 1) / n when one profile gets all of it; 0 for no profiles or no exposure."""
    values = np.sort(_check_counts(counts))
    n, total = values.size, values.sum()
    if n == 0 or total == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float(2.0 * (ranks * values).sum() / (n * total) - (n + 1) / n)


def lorenz(counts: np.ndarray | Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The Lorenz curve of ``counts`` (shape (n,)): the profiles from least to most exposed.

    Returns
    -------
    profile_share, exposure_share : ndarray of float, shape (n + 1,) each, from 0 to 1: the first
        ``i`` profiles' share of the profiles and of the exposure (the diagonal when all are equal;
        with no exposure at all, the diagonal)
    """
    values = np.sort(_check_counts(counts))
    n, total = values.size, values.sum()
    x = np.linspace(0.0, 1.0, n + 1)
    if n == 0 or total == 0:
        return x, x.copy()
    return x, np.concatenate([[0.0], np.cumsum(values) / total])


@dataclass(frozen=True)
class GroupShare:
    """One group of profiles (a province, a sector, ...): how many there are and the exposure they
    got, each as a share of the whole. ``ratio`` is exposure share / profile share: 1 is a fair
    share, 0.5 half of it (None when the group has no profiles)."""

    key: str
    profiles: int
    exposure: int
    profile_share: float
    exposure_share: float

    @property
    def ratio(self) -> float | None:
        return self.exposure_share / self.profile_share if self.profile_share else None


def group_shares(groups: Sequence[Sequence[str]], counts: np.ndarray | Sequence[float]) -> list[GroupShare]:
    """Each group's share of the profiles and of the exposure, largest group first (ties by key).

    Parameters
    ----------
    groups : for each profile, the keys of the groups it belongs to (one province; several
        sectors, in which case the shares of a grouping add up to more than 1)
    counts : array of shape (len(groups),), each profile's exposure
    """
    values = _check_counts(counts)
    if len(groups) != values.size:
        raise ValueError(f"groups has {len(groups)} profiles, counts has shape {values.shape}")
    n, total = values.size, float(values.sum())
    members: dict[str, int] = {}
    exposure: dict[str, float] = {}
    for keys, value in zip(groups, values, strict=True):
        for key in set(keys):
            members[key] = members.get(key, 0) + 1
            exposure[key] = exposure.get(key, 0.0) + float(value)
    out = [GroupShare(key, members[key], int(exposure[key]), members[key] / n if n else 0.0,
                      exposure[key] / total if total else 0.0) for key in members]
    return sorted(out, key=lambda g: (-g.profiles, g.key))


def exposure_rerank(scores: np.ndarray | Sequence[float], counts: np.ndarray | Sequence[float], mean: float,
                    strength: float, top: int) -> np.ndarray:
    """The order of a ranking after lowering over-exposed profiles and lifting under-exposed ones.

    Within the first ``top`` (the shortlist), each score becomes

        score - strength * spread * tanh(log((1 + count) / (1 + mean)))

    where ``spread`` is the standard deviation of the shortlist's scores (1 when they are all equal),
    so that the adjustment is in the ranking's own units whatever the engine's scale. The tanh keeps
    it within ``strength * spread`` of the score: a profile shown as often as the mean keeps its
    score, one shown far more loses at most ``strength * spread``, one never shown gains at most
    about as much (tanh(log(1 / (1 + mean))) for a count of 0). Two profiles therefore swap only when
    their scores differ by less than ``2 * strength * spread``: strong evidence always stays on top.
    The shortlist is re-sorted by the adjusted scores (rounded to 6 decimals), ties keeping the
    given order (the engine's, whose ties are broken by id); the rest is never moved. A strength of
    0 gives the given order exactly.

    Parameters
    ----------
    scores : array of shape (n,), the ranking's scores in its given order (best first)
    counts : array of shape (n,), each profile's exposure (``exposure_counts``); NaN for a profile
        the audit did not count (added since): it is neither lowered nor lifted
    mean : the mean exposure over all the audited profiles (not only these ``n``)
    strength : from 0 (no effect) to 1
    top : the length of the shortlist that may be re-ordered

    Returns
    -------
    order : ndarray of int, shape (n,), indices into ``scores``: the new ranking
    """
    values = np.asarray(scores, dtype=np.float64)
    exposure = np.asarray(counts, dtype=np.float64)
    if values.ndim != 1 or exposure.shape != values.shape:
        raise ValueError(f"scores and counts must have the same shape (n,), got {values.shape} and {exposure.shape}")
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be between 0 and 1, got {strength}")
    if mean < 0 or top < 0 or np.nanmin(exposure, initial=0.0) < 0:
        raise ValueError(f"mean, top and counts must be non-negative, got mean={mean}, top={top}")
    order = np.arange(values.size)
    m = min(top, values.size)
    if strength == 0.0 or m < 2:
        return order
    head = values[:m]
    spread = float(head.std()) or 1.0
    pressure = np.nan_to_num(np.tanh(np.log((1.0 + exposure[:m]) / (1.0 + mean))), nan=0.0)
    adjusted = head - strength * spread * pressure
    return np.concatenate([np.lexsort((order[:m], -np.round(adjusted, 6))), order[m:]])
