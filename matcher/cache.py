"""Embedding cache: unchanged texts are never embedded twice.

A vector is keyed by ``(text_hash, role, model)``: the sha256 of the exact passage text
(``matcher.embed.text_hash``), the embedding role (``"query"``/``"passage"``) and the embedder's
``name``. ``VectorCache`` is the protocol; ``InMemoryVectorCache`` is the implementation used in
notebooks and tests, the web layer implements the same two methods on PostgreSQL (table
``embedding_cache``). ``CachedEncoder`` wraps an embedder with a cache and is itself an embedder.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

import numpy as np

from matcher.embed import Embedder, Role, _check_role, text_hash

CacheKey = tuple[str, str, str]  # (text_hash, role, model name)


class VectorCache(Protocol):
    """Where embeddings are kept between runs."""

    def get_many(self, keys: Sequence[CacheKey]) -> Mapping[CacheKey, np.ndarray]:
        """The cached vectors among ``keys`` (missing keys are simply absent), each shape ``(dim,)``."""
        ...

    def put_many(self, items: Iterable[tuple[CacheKey, np.ndarray]]) -> None:
        """Store vectors (shape ``(dim,)`` each); storing a key again replaces it."""
        ...


class InMemoryVectorCache:
    """A dict-backed ``VectorCache``; thread-safe; optionally bounded (oldest entries dropped)."""

    def __init__(self, max_items: int | None = None) -> None:
        self.max_items = max_items
        self._data: dict[CacheKey, np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get_many(self, keys: Sequence[CacheKey]) -> dict[CacheKey, np.ndarray]:
        with self._lock:
            return {k: self._data[k] for k in keys if k in self._data}

    def put_many(self, items: Iterable[tuple[CacheKey, np.ndarray]]) -> None:
        with self._lock:
            for key, vec in items:
                self._data.pop(key, None)  # re-insert so that insertion order is recency order
                self._data[key] = np.asarray(vec, dtype=np.float32).ravel()
            if self.max_items is not None:
                while len(self._data) > self.max_items:
                    self._data.pop(next(iter(self._data)))


class CachedEncoder:
    """An ``Embedder`` that looks every text up in ``cache`` first and embeds only the misses.

    Parameters
    ----------
    embedder : Embedder
        The model; its ``name`` is the model part of every cache key.
    cache : VectorCache
    """

    def __init__(self, embedder: Embedder, cache: VectorCache) -> None:
        self.embedder = embedder
        self.cache = cache
        self.n_embedded = 0  # texts actually sent to the model (for tests and progress reports)

    @property
    def name(self) -> str:
        return self.embedder.name

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def encode(self, texts: Sequence[str], *, role: Role) -> np.ndarray:
        """Vectors of ``texts``, shape ``(len(texts), dim)``, float32, rows L2-normalised."""
        _check_role(role)
        texts = list(texts)
        keys = [(text_hash(t), role, self.embedder.name) for t in texts]
        found = dict(self.cache.get_many(list(dict.fromkeys(keys))))
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if missing:
            vecs = np.asarray(self.embedder.encode(missing, role=role), dtype=np.float32)
            if vecs.shape != (len(missing), self.dim):
                raise ValueError(
                    f"embedder {self.embedder.name!r} returned shape {vecs.shape}; expected {(len(missing), self.dim)}"
                )
            self.n_embedded += len(missing)
            new = [((text_hash(t), role, self.embedder.name), v) for t, v in zip(missing, vecs, strict=True)]
            self.cache.put_many(new)
            found.update(new)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, key in enumerate(keys):
            vec = found[key]
            if vec.shape != (self.dim,):
                raise ValueError(f"cached vector for {key[0][:12]}… has shape {vec.shape}; expected {(self.dim,)}")
            out[i] = vec
        return out
