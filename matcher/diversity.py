"""Maximal marginal relevance: a top-k that is not k near-copies of one profile."""

from __future__ import annotations

import numpy as np


def mmr(relevance: np.ndarray, vectors: np.ndarray, k: int, diversity: float) -> np.ndarray:
    """Greedy MMR order of the first ``k`` picks.

    Each step picks the candidate maximising ``(1 - diversity) * relevance - diversity * max
    cosine to the already picked`` (MMR with λ = 1 - diversity). ``diversity = 0`` keeps the
    relevance order; ties go to the earlier candidate, so callers pass candidates sorted by
    (score desc, id) to keep ties broken by id.

    Parameters
    ----------
    relevance : ndarray, shape (n,)
        Comparable to cosines, e.g. the fit / 100.
    vectors : ndarray, shape (n, dim)
        Rows L2-normalised (or zero).
    k : int
    diversity : float in [0, 1]

    Returns
    -------
    ndarray of int, shape (min(k, n),): positions into the inputs.
    """
    if relevance.ndim != 1 or vectors.ndim != 2 or len(relevance) != len(vectors):
        raise ValueError(f"relevance has shape {relevance.shape} but vectors has shape {vectors.shape}; expected (n,) and (n, dim)")
    if not 0.0 <= diversity <= 1.0:
        raise ValueError(f"diversity must be in [0, 1], got {diversity}")
    n = len(relevance)
    k = min(k, n)
    picked: list[int] = []
    max_sim = np.full(n, -np.inf)
    available = np.ones(n, dtype=bool)
    for _ in range(k):
        penalty = np.where(np.isfinite(max_sim), max_sim, 0.0)
        gain = np.where(available, (1.0 - diversity) * relevance - diversity * penalty, -np.inf)
        best = int(np.argmax(gain))
        picked.append(best)
        available[best] = False
        max_sim = np.maximum(max_sim, vectors @ vectors[best])
    return np.array(picked, dtype=np.int64)
