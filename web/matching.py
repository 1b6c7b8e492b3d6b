"""The bridge between the database and the engine: a live, in-process matching index.

``MatchingService`` fits a ``matcher.Engine`` on the published profiles whose passages are all
embedded (the vectors come from the PostgreSQL cache, so loading embeds nothing), serves
rankings, search and pair scores as plain dicts (the JSON contract ``{"id", "score", "fit",
"components", "explanation"}``), and stays current without a full refit: a background thread
LISTENs on ``caunoi_index`` — the embedding worker notifies there when a profile's vectors are
ready, deletes notify too — and applies ``partial_fit``/``remove``. Every web worker process
has its own service, and all of them follow the same notifications. A full refit (fresh lexical
IDF and channel statistics) runs in the background once enough profiles changed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import psycopg

from matcher.embed import text_hash
from matcher.engine import Engine
from matcher.features import embedding_texts
from matcher.render import render_explanation
from web.db import Database
from web.embedding import make_embedder
from web.errors import Invalid, NotFound, Pending, Unavailable
from web.settings import Settings
from web.store import profiles as store
from web.store.events import INDEX_CHANNEL, listen
from web.store.vectors import PgVectorCache
from web.warm import WarmRankings

log = logging.getLogger(__name__)

# web filter names -> engine filter names
_FILTER_NAMES = {"kind": "kind", "country": "country", "sector": "sector", "mode": "cooperation_mode",
                 "stage": "stage", "side": "side", "partner_type": "partner_type"}
REFIT_MIN_CHANGES = 50
REFIT_FRACTION = 0.2
RESULT_CACHE_SIZE = 4096


class WouldBlock(Exception):
    """``MatchingService.rank(blocking=False)`` would have to wait (index loading or updating)."""


def engine_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Translate the web/API filter names; empty values are dropped; unknown names are errors."""
    if not filters:
        return None
    out: dict[str, Any] = {}
    for name, value in filters.items():
        if value in (None, "", [], ()):
            continue
        if name not in _FILTER_NAMES:
            raise Invalid(f"unknown filter {name!r}; valid filters: {', '.join(_FILTER_NAMES)}", field=name)
        out[_FILTER_NAMES[name]] = value
    return out or None


def embedded_keys(conn: psycopg.Connection, model: str, hashes: list[str] | None = None) -> set[tuple[str, str]]:
    """(text_hash, role) of the cached vectors of ``model``: all of them, or among ``hashes``."""
    rows = conn.execute(
        "SELECT text_hash, role FROM embedding_cache WHERE model = %(m)s"
        " AND (%(h)s::text[] IS NULL OR text_hash = ANY(%(h)s))",
        {"m": model, "h": hashes},
    ).fetchall()
    return {(h, r) for h, r in rows}


def passage_hashes(record: dict[str, Any], words: int, chars: int) -> list[str]:
    """Text hashes of every passage of ``record`` (needs and what it provides)."""
    needs, provide = embedding_texts(record, words, chars)
    return [text_hash(t) for t in (*needs, *provide)]


def is_embedded(record: dict[str, Any], keys: set[tuple[str, str]], words: int, chars: int) -> bool:
    needs, provide = embedding_texts(record, words, chars)
    return all((text_hash(t), "query") in keys for t in needs) and all((text_hash(t), "passage") in keys for t in provide)


class MatchingService:
    """Rankings for the web app and the API. Thread-safe; ``start()`` loads in the background."""

    def __init__(self, settings: Settings, db: Database, n_threads: int | None = 1) -> None:
        self.settings = settings
        self.db = db
        self.n_threads = n_threads
        self.embedder = make_embedder(settings)
        self._engine: Engine | None = None  # None while no profile is embedded yet
        self._loaded = False
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._changes = 0
        self._refitting = False
        self.loaded_at: float | None = None
        self.load_error: str | None = None
        # rankings of the current index; any change to the index empties it
        self._results: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()
        # every profile's default ranking, precomputed and kept exact across changes (web.warm)
        self.warm = WarmRankings(settings.warm_rankings, settings.warm_shortlist)

    # ------------------------------------------------------------------ lifecycle
    def new_engine(self) -> Engine:
        return Engine(embedder=self.embedder, cache=PgVectorCache(self.db), cross_border=self.settings.cross_border,
                      shortlist=self.settings.shortlist, n_threads=self.n_threads)

    def ready_records(self) -> list[dict[str, Any]]:
        """Published records whose every passage is already embedded."""
        with self.db.connection() as conn:
            records = store.list_published_records(conn)
            keys = embedded_keys(conn, self.embedder.name)
        engine = self.new_engine()
        return [r for r in records if is_embedded(r, keys, engine.passage_words, engine.passage_chars)]

    def load(self) -> None:
        """(Re)fit on every ready profile and swap the new engine in."""
        started = time.monotonic()
        records = self.ready_records()
        engine = self.new_engine().fit(records) if records else None
        with self._lock:
            self._engine = engine
            self._loaded = True
            self._changes = 0
            self._results.clear()
            if engine is None:
                self.warm.reset([])
            else:  # keep serving the previous rankings (of the profiles still here) until recomputed
                index = engine.index_
                self.warm.reset(engine.ids_, alive=lambda pid: pid in index.row_of)
            self.loaded_at = time.time()
            self.load_error = None
        log.info("matching index: %d profiles fitted in %.1f s", len(records), time.monotonic() - started)

    def start(self) -> MatchingService:
        """Load in the background and follow profile changes until ``stop()``."""
        self._spawn("matching-load", self._load_then_listen)
        if self.warm.enabled:
            self._spawn("matching-warm", self._warm_loop)
        return self

    def stop(self) -> None:
        self._stop.set()
        self.warm.wakeup.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _load_then_listen(self) -> None:
        while not self._stop.is_set():
            try:
                self.load()
                break
            except Exception as exc:  # the database may still be starting; keep trying
                self.load_error = f"{type(exc).__name__}: {exc}"
                log.exception("matching index: load failed; retrying")
                self._stop.wait(5)
        self._listen()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.db.resolve_url(), autocommit=True) as conn:
                    listen(conn, INDEX_CHANNEL)
                    # catch up on what changed while we were not listening
                    self.refresh(self._ids_changed_since_load())
                    while not self._stop.is_set():
                        ids: list[str] = []
                        for note in conn.notifies(timeout=1.0, stop_after=200):
                            ids.extend(i for i in note.payload.split(",") if i)
                        if ids:
                            self.refresh(sorted(set(ids)))
            except Exception:
                log.exception("matching index: listener failed; reconnecting")
                self._stop.wait(2)

    def _ids_changed_since_load(self) -> list[str]:
        if self.loaded_at is None:
            return []
        with self.db.connection() as conn:
            return store.list_ids_updated_since(conn, self.loaded_at - 5)

    @property
    def ready(self) -> bool:
        """Loaded (possibly empty: a fresh installation has nothing embedded yet)."""
        return self._loaded

    @property
    def size(self) -> int:
        engine = self._engine
        return len(engine.ids_) if engine is not None else 0

    def contains(self, profile_id: str) -> bool:
        engine = self._engine
        return engine is not None and profile_id in engine.index_.row_of

    # ------------------------------------------------------------------ updates
    def refresh(self, profile_ids: Iterable[str]) -> None:
        """Bring these profiles up to date in the index (added, replaced, removed, or left
        pending while their embedding job has not run)."""
        ids = list(profile_ids)
        if not ids or not self._loaded:
            return
        if self._engine is None:  # the first embedded profiles: fit from scratch
            if not self._refitting:
                self._refitting = True
                self._spawn("matching-refit", self._refit)
            return
        engine = self._engine
        with self.db.connection() as conn:
            rows = {pid: store.get_profile(conn, pid) for pid in ids}
            hashes = [h for row in rows.values() if row is not None
                      for h in passage_hashes(row.record, engine.passage_words, engine.passage_chars)]
            keys = embedded_keys(conn, self.embedder.name, hashes)
        with self._lock:
            self._results.clear()
            changed = []
            for pid, row in rows.items():
                present = pid in engine.index_.row_of
                if row is None or not row.published:
                    if present:
                        engine.remove(pid)
                        self._changes += 1
                        changed.append(pid)
                elif is_embedded(row.record, keys, engine.passage_words, engine.passage_chars):
                    engine.partial_fit(row.record)
                    self._changes += 1
                    changed.append(pid)
            size = len(engine.ids_)
            self.warm.update(engine, changed)
            due = self._changes >= max(REFIT_MIN_CHANGES, REFIT_FRACTION * size) and not self._refitting
            if due:
                self._refitting = True
        if due:
            self._spawn("matching-refit", self._refit)

    def _warm_loop(self) -> None:
        """Compute the queued default rankings one at a time, each under the lock (requests and
        index updates interleave between them)."""
        while not self._stop.is_set():
            pid = None
            with self._lock:
                engine = self._engine
                if engine is not None:
                    try:
                        pid = self.warm.compute_next(engine)
                    except Exception:  # one bad profile must not stop the others
                        log.exception("matching index: a default ranking failed")
                        continue
            if pid is None:
                self.warm.wakeup.wait(timeout=1.0)

    def _refit(self) -> None:
        try:
            self.load()
        except Exception:
            log.exception("matching index: background refit failed")
        finally:
            self._refitting = False

    # ------------------------------------------------------------------ queries
    def _require(self, *profile_ids: str) -> Engine | None:
        """The engine (None when nothing is embedded yet), after checking the ids are in it."""
        if not self._loaded:
            raise Unavailable("the matching index is still loading; try again in a few seconds")
        engine = self._engine
        for pid in profile_ids:
            if engine is None or pid not in engine.index_.row_of:
                with self.db.connection() as conn:
                    exists = store.get_profile(conn, pid) is not None
                if exists:
                    raise Pending(f"profile {pid} is still being embedded; its matches appear within seconds")
                raise NotFound(f"no profile with id {pid!r}")
        return engine

    def rank(self, profile_id: str, k: int = 10, filters: dict[str, Any] | None = None,
             exclude: Iterable[str] | None = None, diversity: float | None = None,
             blocking: bool = True) -> list[dict[str, Any]]:
        """The ``k`` best partners of a fitted profile as match dicts (``Match.to_dict()``).

        Results are cached per index version and shared between callers: treat the dicts as
        read-only (the list itself is a fresh copy). With ``blocking=False`` it raises
        ``WouldBlock`` instead of waiting while the index is being updated (callers on an event
        loop then retry in a thread)."""
        exclude = set(exclude or ()) - {profile_id} or None  # a profile is never its own match
        if not blocking and not (self._loaded and self.contains(profile_id)):
            raise WouldBlock  # loading, or an unknown id: answering reads the database
        engine = self._require(profile_id)
        assert engine is not None
        key = (profile_id, k, repr(sorted((filters or {}).items())), tuple(sorted(exclude or ())), diversity)
        if not self._lock.acquire(blocking=blocking):
            raise WouldBlock
        try:
            return self._rank_locked(engine, key, profile_id, k, filters, exclude, diversity)
        finally:
            self._lock.release()

    def _rank_locked(self, engine: Engine, key: tuple[Any, ...], profile_id: str, k: int,
                     filters: dict[str, Any] | None, exclude: Iterable[str] | None,
                     diversity: float | None) -> list[dict[str, Any]]:
        if self.warm.covers(k, filters, exclude, diversity):
            stored = self.warm.matches(profile_id, k)
            if stored is not None:
                return stored
            try:
                full = self.warm.compute(engine, profile_id)
            except ValueError as exc:
                raise Invalid(str(exc)) from None
            self.warm.put(profile_id, full)
            return full[:k]
        cached = self._results.get(key)
        if cached is not None:
            self._results.move_to_end(key)
            return list(cached)
        try:
            matches = engine.rank(profile_id, k=k, filters=engine_filters(filters), exclude=exclude,
                                  diversity=diversity)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        result = [m.to_dict() for m in matches]
        self._results[key] = result
        if len(self._results) > RESULT_CACHE_SIZE:
            self._results.popitem(last=False)
        return list(result)

    def warm_json(self, profile_id: str, top: int) -> bytes | None:
        """The API's answer for a default request (no filters) as JSON bytes when the profile's
        ranking is stored (``web.warm``), else None (rank it: ``rank``). Takes no lock."""
        if not self._loaded or top > self.warm.depth:
            return None
        return self.warm.json(profile_id, top)

    def rank_record(self, record: dict[str, Any], k: int = 10, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Matches for an unsaved record (the editor's live preview); embeds its texts now."""
        engine = self._require()
        if engine is None:
            return []
        probe = {key: value for key, value in record.items() if key != "id"}
        with self._lock:
            try:
                matches = engine.rank(probe, k=k, filters=engine_filters(filters),
                                      exclude=[record["id"]] if record.get("id") else None)
            except ValueError as exc:
                raise Invalid(str(exc)) from None
        return [m.to_dict() for m in matches]

    def search(self, text: str, k: int = 20, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        engine = self._require()
        if engine is None or not text.strip():
            return []
        with self._lock:
            try:
                matches = engine.search(text, k=k, filters=engine_filters(filters))
            except ValueError as exc:
                raise Invalid(str(exc)) from None
        return [m.to_dict() for m in matches]

    def score(self, a: str, b: str) -> dict[str, Any]:
        engine = self._require(a, b)
        assert engine is not None
        with self._lock:
            return engine.score(a, b).to_dict()

    def explain_text(self, a: str, b: str, lang: str) -> str:
        engine = self._require(a, b)
        assert engine is not None
        with self._lock:
            return render_explanation(engine.explain(a, b), lang)

    def pair_scores(self, a_ids: list[str], b_ids: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
        """Every (a, b) pair scored and explained from a's side (for officers' assignments)."""
        engine = self._require(*a_ids, *b_ids)
        assert engine is not None
        out: dict[tuple[str, str], dict[str, Any]] = {}
        with self._lock:
            for a in a_ids:
                candidates = [b for b in b_ids if b != a]
                if not candidates:
                    continue
                for match in engine.rank_candidates(a, candidates):
                    out[(a, match.id)] = match.to_dict()
        return out
