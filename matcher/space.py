"""Post-processing of embeddings fitted on the ecosystem: centring and removing the language direction.

Two well-known defects of multilingual-e5 vectors hurt matching here, and both are measured on
the fitted profiles, not assumed:

* *anisotropy*: all vectors share a large common component (the mean vector has norm ~0.9), so
  cosines crowd into 0.7–0.9 and "hub" profiles look similar to everything. Subtracting each
  role's mean vector (query and passage vectors have different means) removes it.
* *language*: after centring, the strongest direction left separates Vietnamese from English
  text (on the sample ecosystem the first principal component correlates 0.97 with "is
  Vietnamese"), so a Vietnamese need scores higher against any Vietnamese text than against the
  English offer it is about. The direction is estimated as the difference between the mean
  Vietnamese and the mean non-Vietnamese passage and projected out of every vector.

The cache keeps raw embedder output; this transform is applied after, and is fitted in
``Engine.fit`` (``partial_fit`` and external profiles reuse it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.embed import ROLES, Role

MIN_PER_LANGUAGE = 5  # passages of each language needed before a language direction is estimated


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32)


@dataclass(frozen=True)
class Alignment:
    """Fitted transform: ``unit(v - centre[role] - ((v - centre[role]) · d) d)``.

    ``centres`` maps each role to its mean vector (dim,); ``direction`` is the unit language
    direction (dim,), or zeros when the corpus had too few texts of one language.
    """

    centres: dict[str, np.ndarray]
    direction: np.ndarray

    def transform(self, vecs: np.ndarray, role: Role) -> np.ndarray:
        """Aligned copies of ``vecs`` (n, dim) → (n, dim), rows L2-normalised."""
        if vecs.ndim != 2 or vecs.shape[1:] != self.direction.shape:
            raise ValueError(f"vectors have shape {vecs.shape}; expected (n, {len(self.direction)})")
        x = vecs - self.centres[role]
        x = x - np.outer(x @ self.direction, self.direction)
        return _unit_rows(x)

    def native_mean(self, role: Role) -> float:
        """The mean native cosine (``native_cosines``) of two ``role`` texts of the fitted corpus:
        ``|P centre|^2``, the squared norm of the role's centre without its language direction."""
        c = self._projected(self.centres[role])
        return float(c @ c)

    def _projected(self, x: np.ndarray) -> np.ndarray:
        return x - np.multiply.outer(x @ self.direction, self.direction)

    def geometry(self, vecs: np.ndarray, role: Role) -> np.ndarray:
        """What ``transform`` drops of each vector, to compare the rows it returns in the native
        space later (``native_cosines``); shape (n, 3), float32.

        The native space is the embedder's without the language direction only (``P v``, not
        centred). With ``y = P(v - centre)`` (so ``transform(v) = y / |y|``) and ``n = |P v|``, a
        row holds ``(|y| / n, 1 / n, (P centre) · y / n)``."""
        vecs = np.asarray(vecs, dtype=np.float32)
        if vecs.ndim != 2 or vecs.shape[1:] != self.direction.shape:
            raise ValueError(f"vectors have shape {vecs.shape}; expected (n, {len(self.direction)})")
        centre = self._projected(self.centres[role])
        y = self._projected(vecs - self.centres[role])
        norm = np.linalg.norm(self._projected(vecs), axis=1)
        inv = np.where(norm > 0, 1.0 / np.where(norm > 0, norm, 1.0), 0.0)
        return np.stack([np.linalg.norm(y, axis=1) * inv, inv, (y @ centre) * inv], axis=1).astype(np.float32)


def native_cosines(sims: np.ndarray, geo_u: np.ndarray, geo_v: np.ndarray, native_mean: float) -> np.ndarray:
    """The native cosines (``Alignment.geometry``) of row pairs whose aligned cosines are ``sims``
    (m, n), from the rows' geometries (m, 3) and (n, 3) and the role's ``native_mean``: exact,
    with no copy of the native vectors kept. Every aligned cosine is kept in the index; this
    recovers the other reading where it measures better (``matcher.expertise``).

    ``P u · P v = |Pc|^2 + (Pc)·y_u + (Pc)·y_v + |y_u| |y_v| cos(y_u, y_v)``; divided by
    ``|P u| |P v|`` each term is an outer product of the rows' columns."""
    a_u, r_u, h_u = geo_u[:, 0:1], geo_u[:, 1:2], geo_u[:, 2:3]
    a_v, r_v, h_v = geo_v[:, 0], geo_v[:, 1], geo_v[:, 2]
    return (a_u * a_v) * sims + native_mean * (r_u * r_v) + h_u * r_v + r_u * h_v


def identity_alignment(dim: int) -> Alignment:
    """No centring, no projection (rows are only re-normalised)."""
    zero = np.zeros(dim, dtype=np.float32)
    return Alignment({r: zero for r in ROLES}, zero)


def fit_alignment(vecs: Mapping[str, np.ndarray], is_vi: Mapping[str, Sequence[bool]]) -> Alignment:
    """Fit centres and the language direction.

    Parameters
    ----------
    vecs : dict
        ``{role: raw vectors of shape (n_role, dim)}`` for both roles.
    is_vi : dict
        ``{role: n_role flags}``: whether each text is Vietnamese.
    """
    dim = next(iter(vecs.values())).shape[1]
    centres: dict[str, np.ndarray] = {}
    centred, flags = [], []
    for role in ROLES:
        v = vecs.get(role, np.zeros((0, dim), dtype=np.float32))
        f = np.asarray(is_vi.get(role, []), dtype=bool)
        if f.shape != (len(v),):
            raise ValueError(f"role {role!r}: {len(v)} vectors but flags of shape {f.shape}")
        centres[role] = v.mean(0).astype(np.float32) if len(v) else np.zeros(dim, dtype=np.float32)
        centred.append(v - centres[role])
        flags.append(f)
    x, f = np.vstack(centred), np.concatenate(flags)
    direction = np.zeros(dim, dtype=np.float32)
    if f.sum() >= MIN_PER_LANGUAGE and (~f).sum() >= MIN_PER_LANGUAGE:
        d = x[f].mean(0) - x[~f].mean(0)
        direction = (d / np.linalg.norm(d)).astype(np.float32)
    return Alignment(centres, direction)


@dataclass(frozen=True)
class Probe:
    """Low-dimensional copies of the profile vectors for the first ranking stage.

    ``transform(v) = (v - mean) @ components.T``: the profile vectors' top principal directions.
    Dot products in this space rank candidates like the full vectors do (centring shifts every
    candidate's score by the same amount for a given query), at ``dim / 384`` of the memory
    traffic; on the sample ecosystem a 128-d probe shortlists as well as the full 384-d vector.
    """

    mean: np.ndarray  # (dim,)
    components: np.ndarray  # (probe_dim, dim), orthonormal rows

    def transform(self, vecs: np.ndarray) -> np.ndarray:
        """(n, dim) → (n, probe_dim), or (dim,) → (probe_dim,)."""
        if vecs.shape[-1] != self.mean.shape[0]:
            raise ValueError(f"vectors have shape {vecs.shape}; expected (..., {self.mean.shape[0]})")
        return np.ascontiguousarray((vecs - self.mean) @ self.components.T, dtype=np.float32)


def fit_probe(vecs: np.ndarray, probe_dim: int, max_rows: int = 100_000, random_state: int = 0) -> Probe:
    """PCA of ``vecs`` (n, dim) on at most ``max_rows`` rows; ``probe_dim`` components (fewer
    if there are fewer rows or dimensions)."""
    if vecs.ndim != 2:
        raise ValueError(f"vectors have shape {vecs.shape}; expected (n, dim)")
    n, dim = vecs.shape
    if n > max_rows:
        vecs = vecs[np.random.RandomState(random_state).choice(n, max_rows, replace=False)]
    mean = vecs.mean(0) if n else np.zeros(dim, dtype=np.float32)
    if n == 0:
        return Probe(mean.astype(np.float32), np.eye(min(probe_dim, dim), dim, dtype=np.float32))
    centred = (vecs - mean).astype(np.float64)
    # eigenvectors of the (dim, dim) scatter matrix: the principal directions, without an SVD of
    # the (n, dim) data
    eigvals, eigvecs = np.linalg.eigh(centred.T @ centred)
    top = eigvecs[:, np.argsort(eigvals)[::-1][: min(probe_dim, dim, n)]].T
    return Probe(mean.astype(np.float32), np.ascontiguousarray(top, dtype=np.float32))
