"""A fitted ``Engine`` saved to a file and loaded back, so that a restart need not refit.

A fit reads every profile: minutes at 100k profiles (286 s on one core, docs/performance.md), in
every serving process. ``save_engine`` writes what the fit computed (the index, the lexical
model, the statistics, the first stage, the IVF) and ``load_engine`` reads it back in seconds,
attached to an embedder and a vector cache given by the caller (neither is saved: a model and a
database connection belong to the process). ``meta`` travels with it, e.g. which version of
each profile it holds, so that the caller can apply what changed since (``Engine.partial_fit``).

A file is only valid for the code and settings that wrote it: ``fingerprint`` (the caller's,
typically its settings) and ``code_fingerprint()`` (every source and data file of ``matcher``)
are checked at load, and a file written by other code raises ``SnapshotMismatch`` (refit then).
The file is a pickle: load only files this installation wrote (its data folder).
"""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from matcher.cache import CachedEncoder, InMemoryVectorCache, VectorCache
from matcher.embed import Embedder, get_embedder

if TYPE_CHECKING:
    from matcher.engine import Engine

FORMAT = 1
# what a process attaches again at load: the model, the cache, the encoder over the two
_NOT_SAVED = frozenset({"embedder", "embedder_", "cache", "cache_", "encoder_"})


class SnapshotMismatch(ValueError):
    """The file was written by other code, settings or model, or is not an engine file."""


@cache
def code_fingerprint() -> str:
    """A hash of every ``.py`` and data file of the ``matcher`` package: any change refits."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".json", ".gz")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def save_engine(engine: Engine, path: Path, fingerprint: str = "", meta: Any = None) -> int:
    """Write the fitted ``engine`` (and ``meta``) to ``path`` atomically; returns its size in bytes."""
    state = {k: v for k, v in engine.__dict__.items() if k not in _NOT_SAVED}
    if "featurizer_" in state:
        state["featurizer_"] = copy.copy(state["featurizer_"])
        state["featurizer_"].encoder = None
    header = {"format": FORMAT, "code": code_fingerprint(), "fingerprint": fingerprint,
              "model": engine.embedder_.name, "profiles": len(engine.index_)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            pickle.dump(header, f, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump((state, meta), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # readers see the old file or the new one, never half of one
    finally:
        tmp.unlink(missing_ok=True)
    return path.stat().st_size


def _header(f: BinaryIO, path: Path) -> dict[str, Any]:
    try:
        header = pickle.load(f)
    except (EOFError, pickle.UnpicklingError, AttributeError, ImportError) as exc:
        raise SnapshotMismatch(f"{path}: not an engine file ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SnapshotMismatch(f"{path}: not an engine file of format {FORMAT}")
    return header


def read_header(path: Path) -> dict[str, Any]:
    """The header of an engine file (format, code, fingerprint, model, profiles)."""
    try:
        with path.open("rb") as f:
            return _header(f, path)
    except OSError as exc:
        raise SnapshotMismatch(f"{path}: not an engine file ({exc})") from None


def load_engine(path: Path, embedder: str | Embedder, cache: VectorCache | None = None,
                fingerprint: str = "") -> tuple[Engine, Any]:
    """``(engine, meta)`` from a file of ``save_engine``, with ``embedder`` and ``cache`` attached;
    ``SnapshotMismatch`` unless the file was written by this code with ``fingerprint`` and the
    same model."""
    from matcher.engine import Engine

    model = get_embedder(embedder) if isinstance(embedder, str) else embedder
    expected = {"code": code_fingerprint(), "fingerprint": fingerprint, "model": model.name}
    try:
        f = path.open("rb")
    except OSError as exc:
        raise SnapshotMismatch(f"{path}: not an engine file ({exc})") from None
    with f:  # one read: the header, checked, then the engine behind it
        header = _header(f, path)
        wrong = {k: (header.get(k), v) for k, v in expected.items() if header.get(k) != v}
        if wrong:
            raise SnapshotMismatch(f"{path}: written for other " + ", ".join(
                f"{k} ({a!r}, not {b!r})" for k, (a, b) in wrong.items()))
        state, meta = pickle.load(f)
    engine = Engine.__new__(Engine)
    engine.__dict__.update(state)
    engine.embedder, engine.embedder_ = embedder, model
    engine.cache = cache
    engine.cache_ = cache if cache is not None else InMemoryVectorCache()
    engine.encoder_ = CachedEncoder(model, engine.cache_)
    engine.featurizer_.encoder = engine.encoder_
    return engine, meta
