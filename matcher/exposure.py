"""Exposure: how often each profile appears in the others' rankings, and how evenly that is shared.

Pure functions over ids and counts (no database): ``exposure_counts`` turns rankings into one
count per profile, ``gini`` and ``lorenz`` measure their inequality, and ``group_shares`` compares a
group's share of the exposure with its share of the profiles (the officers' exposure audit,
``web.services.exposure``).
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
