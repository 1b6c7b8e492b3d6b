"""``MatchingService``: the live index's lifecycle (load, follow changes, refit) and its queries."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import psycopg

from matcher import coach as coaching
from matcher.engine import Engine
from matcher.render import render_explanation
from matcher.results import Match
from web.db.pool import Database
from web.errors import Invalid, NotFound, Pending, Unavailable
from web.matching import persisted
from web.matching.budget import (
    PREVIEW_PASSAGES,
    PREVIEW_SECONDS,
    SEARCH_PASSAGES,
    SEARCH_SECONDS,
    cut_record,
    cut_text,
)
from web.matching.contract import MatchingContract, Pair
from web.matching.embedding import make_embedder
from web.matching.engine_config import build_engine
from web.matching.live import LiveIndex
from web.matching.records import engine_filters, ready_changes, ready_records
from web.matching.requests import QUEUE, THREADS, RequestModel, RequestPool, machine_cores, request_model
from web.matching.snapshot import with_encoder
from web.matching.warm import WarmRankings
from web.settings import Settings
from web.store import profiles as store
from web.store.events import INDEX_CHANNEL, listen
from web.store.vectors import PgVectorCache

log = logging.getLogger(__name__)

REFIT_MIN_CHANGES = 50
# how often the listener compares the index's ids with the published profiles (``_reconcile``)
RECONCILE_SECONDS = 10.0
# the coach re-scores a few edited copies of a profile, each like a preview (matcher.coach)
COACH_SECONDS = 20.0
REFIT_FRACTION = 0.2
T = TypeVar("T")


class WouldBlock(Exception):
    """``MatchingService.rank(blocking=False)`` would have to wait: the index is loading, or an
    unknown id is to be looked up in the database."""


def _warm_up(engine: Engine) -> None:
    """One ranking, explained, before the engine serves: the first call of each compiled scoring
    kernel (``matcher.kernels``) loads it, about 1 s per process, which the first requests of a
    fresh process otherwise waited out (measured at 100k profiles: 0.1-0.9 s for the requests of
    its first second, 2026-12-07)."""
    try:
        engine.rank(engine.ids_[0], k=1)
    except Exception:  # never a reason not to serve
        log.exception("matching index: the warm-up ranking failed")


class MatchingService:
    """Rankings for the web app and the API. Thread-safe; ``start()`` loads in the background.

    ``request_threads``/``request_queue`` size each of the two pools that embed and score the
    texts of searches and of previews (``web.matching.requests.RequestPool``)."""

    def __init__(self, settings: Settings, db: Database, n_threads: int | None = 1,
                 request_threads: int = THREADS, request_queue: int = QUEUE) -> None:
        self.settings = settings
        self.db = db
        self.n_threads = n_threads
        self.embedder = make_embedder(settings)
        self.request_model = RequestModel(request_model(settings, self.embedder),
                                          machine_cores(settings.data_dir / "embed-slots"), PgVectorCache(db))
        self.searches = RequestPool("embed-search", self.request_model, request_threads, request_queue)
        self.previews = RequestPool("embed-preview", self.request_model, request_threads, request_queue)
        # every profile's default ranking, precomputed and kept exact across changes (web.matching.warm)
        self.warm = WarmRankings(settings.warm_rankings, settings.warm_shortlist, settings.warm_filter_depth)
        self.live = LiveIndex(self.warm)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._changes = 0  # since the last fit; under live.writing
        self._refitting = False
        self._unsettled = False  # loaded since the last _settle
        self._during_load: set[str] | None = None  # ids refreshed while a load fits; under live.writing
        self._one_load = threading.Lock()  # loads in turn: the last one started publishes last
        self._suspects: set[str] = set()  # missed at the last ``_reconcile``; the listener's only
        self.loaded_at: float | None = None
        self.load_error: str | None = None

    # ------------------------------------------------------------------ lifecycle
    def new_engine(self) -> Engine:
        """An unfitted engine as the settings describe it, on this service's ``n_threads``."""
        return build_engine(self.settings, self.db, n_threads=self.n_threads)

    def load(self, restore: bool = True) -> None:
        """(Re)fit on every ready profile and publish the new engine; with ``restore``, the engine
        a previous process saved, brought up to date, when there is one (``persisted``).

        Loads run one at a time (``_one_load``). The fit takes seconds and holds no lock that
        requests or the listener take, and the profiles embedded meanwhile are heard
        (``refresh``) while the previous engine is still the master: their ids are kept and applied
        again to the new one, else a refit would drop them until their next change (measured with
        two hosts, bench/bench_multihost.py: 16 to 32 of 1,000 profiles missing after the load)."""
        with self._one_load:
            self._load(restore)

    def _load(self, restore: bool) -> None:
        """``load`` under ``_one_load``. Two loads at once (a background refit and a load asked for
        meanwhile) would each publish what they read when they started, the older one possibly
        last: its stale engine would then serve until the reconcile noticed (a CI failure,
        2026-12-07: a refit begun before the tables were emptied published after the load that
        followed them, and the profiles of the test were missing from the index)."""
        started = time.monotonic()
        with self.live.writing:
            self._during_load = set()
        settled = False
        try:
            blank = self.new_engine()
            records = ready_records(self.db, self.embedder.name, blank.passage_words, blank.passage_chars)
            engine = persisted.restore(blank, records, self.settings, self.embedder.name, REFIT_FRACTION) \
                if restore and records else None
            if engine is None and records:
                engine = blank.fit(records)
                persisted.save(engine, records, self.settings, self.embedder.name)
            if engine is not None:
                _warm_up(engine)
                if not self.warm.enabled and self.live.master is None:
                    # a first load: the collector's pause (0.55 s at 100k profiles, 2026-12-07)
                    # before the engine serves, not in its first requests
                    self._settle()
                    settled = True
        except BaseException:
            with self.live.writing:
                self._during_load = None
            raise
        with self.live.writing:
            self.live.replace(engine, alive=self.contains)
            self._changes = 0
            self.loaded_at = time.time()
            self.load_error = None
            meanwhile, self._during_load = sorted(self._during_load or ()), None
            due = bool(meanwhile) and self._refresh(meanwhile)
        if due:
            self._spawn("matching-refit", self._refit)
        self._unsettled = not settled
        if not self.warm.enabled and not settled:
            self._settle()
        log.info("matching index: %d profiles fitted in %.1f s", len(records), time.monotonic() - started)

    def start(self) -> MatchingService:
        """Load in the background and follow profile changes until ``stop()``."""
        self._spawn("matching-load", self._listen)
        if self.warm.enabled:
            self._spawn("matching-warm", self._warm_loop)
        self.request_model.warm_up()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.warm.wakeup.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.searches.close()
        self.previews.close()
        self.request_model.close()

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.db.resolve_url(), autocommit=True) as conn:
                    listen(conn, INDEX_CHANNEL)
                    if not self.live.loaded:
                        # listening first: what is embedded while the first load fits is heard below
                        self.load()
                    else:
                        # catch up on what changed while we were not listening
                        self.refresh(self._ids_changed_since_load())
                    next_reconcile = time.monotonic() + RECONCILE_SECONDS
                    while not self._stop.is_set():
                        ids: list[str] = []
                        for note in conn.notifies(timeout=1.0, stop_after=200):
                            ids.extend(i for i in note.payload.split(",") if i)
                        if ids:
                            self.refresh(sorted(set(ids)))
                        if time.monotonic() >= next_reconcile:
                            self._reconcile()
                            next_reconcile = time.monotonic() + RECONCILE_SECONDS
            except Exception as exc:  # the database may still be starting; keep trying
                if not self.live.loaded:
                    self.load_error = f"{type(exc).__name__}: {exc}"
                log.exception("matching index: %s failed; retrying", "listener" if self.live.loaded else "load")
                self._stop.wait(2 if self.live.loaded else 5)

    def _ids_changed_since_load(self) -> list[str]:
        if self.loaded_at is None:
            return []
        with self.db.connection() as conn:
            return store.list_ids_updated_since(conn, self.loaded_at - 5)

    @property
    def _loading(self) -> bool:
        """A load or refit is fitting, or none has published yet; under ``live.writing``."""
        return self._during_load is not None or self._refitting or not self.live.loaded

    def _reconcile(self) -> None:
        """The safety net under NOTIFY: the published profiles whose embedding is settled (no job
        queued) but that the index lacks, and the ids it holds that are no longer published, are
        refreshed. A notification can be missed (a listener reconnecting catches up only on the
        profiles edited since its load, not on those embedded since); without this, such a profile
        stays out of every ranking until its next edit. A profile is applied when two comparisons in
        a row miss it.

        Every ``RECONCILE_SECONDS`` the database's ``(count, XOR of id hashes)`` of those profiles is
        compared with the index's (``LiveIndex.held``); the ids are fetched and compared only when
        the two differ. Fetching 100k ids and comparing them as sets held the serving process's GIL
        for tens of ms every 10 s: at 100k profiles, 100 filtered requests/s, the requests of those
        moments made the API's whole p99 (measured 2026-12-07, docs/performance.md)."""
        with self.live.writing:
            if self._loading:
                return  # a load reads everything anyway
            digest = self.live.held.value
        with self.db.connection() as conn:
            if store.settled_published_digest(conn) == digest:
                self._suspects = set()
                return
        with self.live.writing:
            if self._loading:
                return
            master = self.live.master
            held = set(master.index_.row_of) if master is not None else set()
        with self.db.connection() as conn:
            settled = set(store.list_settled_published_ids(conn))
        missed = sorted((settled - held) | (held - settled))
        if not missed:
            self._suspects = set()
            return
        shape = master if master is not None else self.new_engine()
        changes = ready_changes(self.db, self.embedder.name, missed, shape.passage_words, shape.passage_chars)
        found = [pid for pid, record in changes.items() if record is not None or pid in held]
        # a notification may be on its way (the job committed a moment ago): applied when it was
        # already missed at the previous comparison too, so a lost one costs 2 x RECONCILE_SECONDS
        todo = [pid for pid in found if pid in self._suspects]
        self._suspects = set(found) - set(todo)
        if todo:
            log.warning("matching index: %d profiles were not heard by NOTIFY (%s); applying them now",
                        len(todo), ", ".join(todo[:5]))
            self.refresh(todo)

    @property
    def ready(self) -> bool:
        """Loaded (possibly empty: a fresh installation has nothing embedded yet)."""
        return self.live.loaded

    @property
    def _engine(self) -> Engine | None:
        """The published engine (tests compare with it)."""
        return self.live.published

    @property
    def size(self) -> int:
        engine = self.live.published
        return len(engine.index_) if engine is not None else 0

    def contains(self, profile_id: str) -> bool:
        engine = self.live.published
        return engine is not None and profile_id in engine.index_.row_of

    # ------------------------------------------------------------------ updates
    def refresh(self, profile_ids: Iterable[str]) -> None:
        """Bring these profiles up to date in the index (added, replaced, removed, or left
        pending while their embedding job has not run), then publish the result."""
        ids = list(profile_ids)
        if not ids:
            return
        with self.live.writing:
            if self._during_load is not None:
                self._during_load.update(ids)
            if not self.live.loaded:
                return
            due = self._refresh(ids)
        if due:
            self._spawn("matching-refit", self._refit)

    def _refresh(self, ids: list[str]) -> bool:
        """``refresh`` under ``live.writing``; returns whether a full refit is due."""
        master = self.live.master
        if master is None:  # the first embedded profiles: fit from scratch
            return self._refit_due(force=True)
        changed = []
        for pid, record in ready_changes(self.db, self.embedder.name, ids, master.passage_words,
                                         master.passage_chars).items():
            held = pid in master.index_.row_of
            if record is not None:
                master.partial_fit(record)
                if not held:
                    self.live.held.add(pid)
                changed.append(pid)
            elif held:
                master.remove(pid)
                self.live.held.remove(pid)
                changed.append(pid)
        if not changed:
            return False
        self.live.publish(changed)
        self._changes += len(changed)
        return self._refit_due()

    def _refit_due(self, force: bool = False) -> bool:
        master = self.live.master
        size = len(master.index_) if master is not None else 0
        if self._refitting or not (force or self._changes >= max(REFIT_MIN_CHANGES, REFIT_FRACTION * size)):
            return False
        self._refitting = True
        return True

    def _warm_loop(self) -> None:
        """Compute the queued default rankings one at a time, no lock held while ranking; once they
        are all done after a (re)load, ``_settle``."""
        while not self._stop.is_set():
            try:
                if not self.live.compute_default():
                    if self._unsettled:
                        self._settle()
                    self.warm.wakeup.wait(timeout=1.0)
            except Exception:  # one bad profile must not stop the others
                log.exception("matching index: a default ranking failed")

    def _settle(self) -> None:
        """Take what is alive now (the index, the stored rankings, the explanation caches: some 10^5
        to 10^6 objects) out of the garbage collector's full collections (``gc.freeze``): a full
        collection walks all of them, a pause of 150 ms and more of every thread in the process at
        2k profiles (measured), which the requests of that moment wait out. The previous load's
        objects, frozen too, get one last full collection here (a pause once per (re)load)."""
        self._unsettled = False
        started = time.monotonic()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        log.info("matching index: %d objects settled in %.2f s", gc.get_freeze_count(), time.monotonic() - started)

    def _refit(self) -> None:
        try:
            self.load(restore=False)
        except Exception:
            log.exception("matching index: background refit failed")
        finally:
            self._refitting = False

    # ------------------------------------------------------------------ queries
    def _require(self, *profile_ids: str) -> Engine | None:
        """The published engine (None when nothing is embedded yet), after checking the ids are in it."""
        if not self.live.loaded:
            raise Unavailable("the matching index is still loading; try again in a few seconds")
        engine = self.live.published
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
             blocking: bool = True) -> list[Match]:
        """The ``k`` best partners of a fitted profile, explained.

        Results are cached per published index (each caller gets its own copy). Nothing here
        waits for a lock; with ``blocking=False`` it raises ``WouldBlock`` rather than read the
        database (the index is loading, or the id is not in it), for callers on an event loop to
        retry in a thread."""
        exclude = set(exclude or ()) - {profile_id} or None  # a profile is never its own match
        if not blocking and not (self.live.loaded and self.contains(profile_id)):
            raise WouldBlock
        engine = self._require(profile_id)
        assert engine is not None
        if self.warm.covers(k, filters, exclude, diversity):  # past the explained head: explained on the spot
            stored = self.warm.matches(profile_id, k, None, engine.rank_candidates)
            if stored is not None:
                return stored
            full = _invalid_as_422(lambda: self.warm.compute(engine, profile_id))
            self.live.keep_default(engine, profile_id, full)
            if k <= self.warm.depth:
                return full[:k]
            stored = self.warm.matches(profile_id, k, None, engine.rank_candidates)
            if stored is not None:
                return stored
        names = engine_filters(filters)
        if names and self.warm.covers(k, None, exclude, diversity):  # filter the stored default ranking
            stored = self.warm.matches(profile_id, k, self._keep(engine, names), engine.rank_candidates)
            if stored is not None:
                return stored
        key = (profile_id, k, repr(sorted((filters or {}).items())), tuple(sorted(exclude or ())), diversity)
        cached = self.live.cached(engine, key)
        if cached is not None:
            return cached
        result = _invalid_as_422(lambda: engine.rank(profile_id, k=k, filters=names, exclude=exclude,
                                                     diversity=diversity))
        self.live.remember(engine, key, result)
        return result

    def warm_json(self, profile_id: str, top: int, filters: dict[str, Any] | None = None) -> bytes | None:
        """The API's answer as JSON bytes when the profile's default ranking is stored
        (``web.matching.warm``) and answers the request: no filters, or ``filters`` keep at least
        ``top`` of it (or all of it is every eligible candidate); else None (rank it: ``rank``).
        Takes no lock."""
        engine = self.live.published
        if not self.live.loaded or engine is None or top > self.warm.total:
            return None
        names = engine_filters(filters)
        return self.warm.json(profile_id, top, self._keep(engine, names) if names else None, engine.rank_candidates)

    @staticmethod
    def _keep(engine: Engine, names: dict[str, Any]) -> Callable[[Sequence[str]], np.ndarray]:
        """Which ids of a stored ranking pass the (engine-named) filters; a bad value is a 422."""
        return lambda ids: _invalid_as_422(lambda: engine.passes_filters(ids, names))

    def rank_record(self, record: dict[str, Any], k: int = 10, filters: dict[str, Any] | None = None) -> list[Match]:
        """Matches for an unsaved record (the editor's live preview): its texts cut to
        ``PREVIEW_PASSAGES`` (``cut_record``), embedded and ranked on the request pool within
        ``PREVIEW_SECONDS``; ``Unavailable`` when the pool is full or the time ran out."""
        engine = self._require()
        if engine is None:
            return []
        probe, _ = cut_record({key: value for key, value in record.items() if key != "id"}, PREVIEW_PASSAGES,
                              engine.passage_words, engine.passage_chars)
        names = engine_filters(filters)
        exclude = [record["id"]] if record.get("id") else None

        def task(encoder: Any) -> list[Match]:
            return with_encoder(engine, encoder).rank(probe, k=k, filters=names, exclude=exclude)

        return _invalid_as_422(lambda: self.previews.run(task, PREVIEW_SECONDS))

    def coach(self, record: dict[str, Any]) -> coaching.Coaching:
        """The profile coach for a record (``matcher.coach``; its id kept: a stored profile is
        measured against the others, not itself): its texts cut like a preview's, the partners'
        thresholds read from their stored rankings where there are some (the rest ranked in the
        task), the changes embedded and re-scored on the preview pool within ``COACH_SECONDS``."""
        engine = self._require()
        if engine is None:
            raise Unavailable("nothing is embedded yet: there is nobody to measure a profile against")
        probe, _ = cut_record(record, PREVIEW_PASSAGES, engine.passage_words, engine.passage_chars)
        own = str(probe.get("id") or "") or None
        thresholds: dict[str, float] = {}
        if self.warm.depth > coaching.TOP:
            for pid in coaching.partner_ids(engine, probe):
                stored = self.warm.matches(pid, coaching.TOP + 1)
                if stored is not None:
                    scores = [m.score for m in stored if m.id != own]
                    thresholds[pid] = scores[coaching.TOP - 1] if len(scores) >= coaching.TOP else float("-inf")

        def task(encoder: Any) -> coaching.Coaching:
            return coaching.coach(with_encoder(engine, encoder), probe, thresholds)

        return _invalid_as_422(lambda: self.previews.run(task, COACH_SECONDS))

    def search(self, text: str, k: int = 20, filters: dict[str, Any] | None = None) -> list[Match]:
        """Free-text search: the text cut to ``SEARCH_PASSAGES``, embedded and ranked on the request
        pool within ``SEARCH_SECONDS``; ``Unavailable`` when the pool is full or the time ran out."""
        engine = self._require()
        if engine is None or not text.strip():
            return []
        query, _ = cut_text(text, SEARCH_PASSAGES, engine.passage_words, engine.passage_chars)
        names = engine_filters(filters)

        def task(encoder: Any) -> list[Match]:
            return with_encoder(engine, encoder).search(query, k=k, filters=names)

        return _invalid_as_422(lambda: self.searches.run(task, SEARCH_SECONDS))

    def score(self, a: str, b: str) -> Match:
        engine = self._require(a, b)
        assert engine is not None
        return engine.score(a, b)

    def explain_text(self, a: str, b: str, lang: str) -> str:
        engine = self._require(a, b)
        assert engine is not None
        return render_explanation(engine.explain(a, b), lang)

    def pair_scores(self, a_ids: list[str], b_ids: list[str]) -> dict[Pair, Match]:
        """Every (a, b) pair (a != b) scored and explained from a's side (for officers' assignments)."""
        engine = self._require(*a_ids, *b_ids)
        assert engine is not None
        out: dict[Pair, Match] = {}
        for a in a_ids:
            candidates = [b for b in b_ids if b != a]
            if not candidates:
                continue
            for match in engine.rank_candidates(a, candidates):
                out[(a, match.id)] = match
        return out


def _invalid_as_422(compute: Callable[[], T]) -> T:
    """``compute()``, with the engine's ``ValueError`` (a bad filter value, ...) as ``Invalid``."""
    try:
        return compute()
    except ValueError as exc:
        raise Invalid(str(exc)) from None


if TYPE_CHECKING:
    _KEEPS_THE_CONTRACT: type[MatchingContract] = MatchingService  # checked by mypy
