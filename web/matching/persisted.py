"""The fitted index saved beside the data, so that a restart at scale does not refit.

At 100k profiles a fit takes minutes in every serving process (286 s on one core); a process
that starts loads the engine its predecessor saved (``matcher.persist``), applies the profiles
that changed since (``Engine.partial_fit``) and removes the ones gone, in seconds. The file is
``<data dir>/matching/engine-<model>.pkl``, written after each full fit of at least
``engine_snapshot_min_profiles`` profiles (below that a fit is quick and the file is not worth
its disk), atomically, so several processes may write and read it.

A saved engine is used only if the code, the model and the engine's configuration are those
that wrote it (a ``SnapshotMismatch`` otherwise), and if at most ``max_stale`` of the profiles
changed meanwhile: the lexical weights and channel statistics are those of the saved fit, as
after any incremental update, and past that share a refit is due anyway.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

from matcher.engine import Engine
from matcher.persist import SnapshotMismatch, load_engine, save_engine
from web.settings import Settings

log = logging.getLogger(__name__)

# what must be equal for a saved engine to serve as this one: its constructor's choices
_CONFIG = ("cross_border", "passage_words", "passage_chars", "shortlist", "probe_dim", "align", "stats_queries",
           "random_state", "free_text", "first_stage", "ann_min_profiles", "ann_nlist", "ann_ratio")


def snapshot_path(settings: Settings, model: str) -> Path:
    return settings.data_dir / "matching" / f"engine-{re.sub(r'[^A-Za-z0-9_.-]', '_', model)}.pkl"


def fingerprint(engine: Engine) -> str:
    """The configuration of an (unfitted or fitted) engine, hashed."""
    config = {name: getattr(engine, name) for name in _CONFIG}
    config["weights"] = engine.weights.as_dict() if engine.weights is not None else None
    config["exclude_pairs"] = sorted(map(list, engine.exclude_pairs))
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


def versions(records: list[dict[str, Any]]) -> dict[str, str]:
    """``{id: hash of the record}``: what changed since a save."""
    return {str(r["id"]): hashlib.sha1(json.dumps(r, sort_keys=True, default=str).encode()).hexdigest()
            for r in records}


def restore(blank: Engine, records: list[dict[str, Any]], settings: Settings, model: str,
            max_stale: float) -> Engine | None:
    """The saved engine brought up to ``records``, or None (nothing saved, saved by other code or
    settings, unreadable, or more than ``max_stale`` of the profiles changed since, the share that
    makes the service refit: the caller fits)."""
    path = snapshot_path(settings, model)
    if settings.engine_snapshot_min_profiles < 0 or not path.exists():
        return None
    started = time.monotonic()
    try:
        engine, saved = load_engine(path, blank.embedder, blank.cache, fingerprint(blank))
    except SnapshotMismatch as exc:
        log.info("matching index: the saved engine is not used: %s", exc)
        return None
    except Exception:  # a damaged file must not stop the service: it refits
        log.exception("matching index: the saved engine could not be read; fitting")
        return None
    current = versions(records)
    changed = [r for r in records if saved.get(str(r["id"])) != current[str(r["id"])]]
    gone = [pid for pid in saved if pid not in current]
    if len(changed) + len(gone) > max_stale * max(len(records), 1):
        log.info("matching index: %d of %d profiles changed since the engine was saved; fitting",
                 len(changed) + len(gone), len(records))
        return None
    engine.n_threads = blank.n_threads  # this process's, not the saver's
    for pid in gone:
        if pid in engine.index_.row_of:
            engine.remove(pid)
    for record in changed:
        engine.partial_fit(record)
    log.info("matching index: the saved engine loaded with %d profiles (%d changed, %d gone) in %.1f s",
             len(engine.index_), len(changed), len(gone), time.monotonic() - started)
    return engine


def save(engine: Engine, records: list[dict[str, Any]], settings: Settings, model: str) -> None:
    """Save a freshly fitted ``engine`` of ``records`` when they are enough to be worth it; a
    failure (disk full) is logged, never raised: the service serves on."""
    if settings.engine_snapshot_min_profiles < 0 or len(records) < settings.engine_snapshot_min_profiles:
        return
    started = time.monotonic()
    path = snapshot_path(settings, model)
    try:
        size = save_engine(engine, path, fingerprint(engine), versions(records))
    except Exception:
        log.exception("matching index: the engine could not be saved to %s", path)
        return
    log.info("matching index: engine of %d profiles saved to %s (%.0f MB) in %.1f s",
             len(records), path, size / 1e6, time.monotonic() - started)
