"""Evaluating newly embedded profiles against every saved search, in the web process that has them
in its index.

Why here and not in the embedding job: a saved search's score for a profile is the directory
search's, which needs the fitted engine (the channels' standardisation, the lexical model's words
space, the first stage), and only a web process holds one. The job only queues the profile
(``queue_evaluation``, in its transaction: exactly once per embedded revision); an
``AlertWatcher`` thread beside the live index takes queued profiles once its index has them
(``FOR UPDATE SKIP LOCKED``: one process per profile however many serve), scores them against
all saved searches at once (``web.services.alerts_matrix``), confirms each candidate with the real
search (``alerts.top_results``, which also refreshes that search's threshold), and writes the
alert, the notification and the mail in one transaction.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import psycopg

from web.db.pool import Database
from web.errors import DomainError, Unavailable
from web.matching.budget import SEARCH_PASSAGES, cut_text
from web.matching.snapshot import with_encoder
from web.services import alerts, anonymity
from web.services.alerts_mail import mailer_for, queue_immediate
from web.services.alerts_matrix import QueryVectors, SearchMatrix, profile_vectors
from web.services.mail import Mailer
from web.store import notifications as note_store
from web.store import saved_searches as store
from web.store import users as user_store
from web.store.directory import FACETS
from web.store.saved_searches import SavedSearchRow

if TYPE_CHECKING:
    from matcher.engine import Engine
    from web.matching.service import MatchingService

log = logging.getLogger(__name__)

BATCH = 20                 # profiles taken per transaction
GIVE_UP_SECONDS = 3600.0   # a queued profile no index has taken in this long is dropped
MAX_CONFIRM = 200          # candidates confirmed per profile (each one runs its search once)
EMBED_BATCH = 32           # saved-search texts embedded per request-pool task
EMBED_SECONDS = 60.0
STALE_HOURS = 24.0         # thresholds older than this are refreshed in the background
STALE_BATCH = 20


def queue_evaluation(conn: psycopg.Connection, profile_ids: Sequence[str]) -> None:
    """The embedding job's hook: these profiles' new revisions are to be evaluated against the
    saved searches once an index has them (written in the job's transaction)."""
    if profile_ids:
        store.insert_queue(conn, sorted(set(profile_ids)))


class Later(Exception):
    """A saved search could not be confirmed now (the request pool is busy or the search was too
    slow): the profile stays queued and is evaluated again, so a loaded host loses no alert."""


@dataclass
class NewAlert:
    id: int
    saved_search_id: int
    user_id: int
    profile_id: str
    rank: int


class AlertEvaluator:
    """Queued profiles against every saved search, with the query vectors of the saved searches
    kept per fitted engine (a refit changes the words space and the statistics)."""

    def __init__(self, db: Database, matching: MatchingService, mailer: Mailer | None = None) -> None:
        self.db = db
        self.matching = matching
        self.mailer = mailer or mailer_for(db)
        self._fit: Any = None                     # the featurizer the vectors below belong to
        self._fit_seen = time.time()
        self._vectors: dict[str, QueryVectors] = {}
        self._matrix: SearchMatrix | None = None
        self._signature: int | None = None
        self._rows: dict[int, SavedSearchRow] = {}

    # ------------------------------------------------------------------ the saved searches' matrix
    def _engine(self) -> Engine | None:
        engine = self.matching.live.published
        if engine is not None and engine.featurizer_ is not self._fit:
            self._fit, self._fit_seen, self._vectors, self._signature = engine.featurizer_, time.time(), {}, None
        return engine

    def _embed(self, engine: Engine, texts: list[str]) -> None:
        """The ``QueryVectors`` of ``texts`` as the directory search builds them (cut, embedded
        on the matching service's request pool)."""
        lexical = engine.featurizer_.lexical
        for start in range(0, len(texts), EMBED_BATCH):
            chunk = texts[start:start + EMBED_BATCH]

            def task(encoder: Any, chunk: list[str] = chunk) -> list[QueryVectors]:
                featurizer = with_encoder(engine, encoder).featurizer_
                out = []
                for text in chunk:
                    cut, _ = cut_text(text, SEARCH_PASSAGES, engine.passage_words, engine.passage_chars)
                    q = featurizer.build_query(cut)
                    out.append(QueryVectors(q.need_vecs, q.whole_vec, lexical.space(q.lex_need, "words")))
                return out

            self._vectors.update(zip(chunk, self.matching.searches.run(task, EMBED_SECONDS), strict=True))

    def matrix(self, engine: Engine, saved: list[SavedSearchRow]) -> SearchMatrix:
        """The directory searches of ``saved`` (every saved search) stacked; rebuilt only when one
        was added, changed or removed."""
        rows = [r for r in saved if r.kind == "search"]
        signature = hash(tuple((r.id, r.user_id, r.query, r.threshold, tuple(r.top_ids)) for r in rows))
        if self._matrix is not None and signature == self._signature:
            return self._matrix
        queries = {r.id: alerts.parse_query(r.query) for r in rows}
        rows = [r for r in rows if queries[r.id].q.strip()]
        missing = sorted({queries[r.id].q for r in rows} - self._vectors.keys())
        if missing:
            self._embed(engine, missing)
        self._matrix = SearchMatrix(
            [r.id for r in rows], [r.user_id for r in rows], [self._vectors[queries[r.id].q] for r in rows],
            [{name: getattr(queries[r.id].filters, name) for name in FACETS} for r in rows],
            [r.threshold if r.threshold is not None else -np.inf for r in rows])
        self._rows, self._signature = {r.id: r for r in rows}, signature
        return self._matrix

    # ------------------------------------------------------------------ evaluation
    def candidates(self, engine: Engine, saved: list[SavedSearchRow], profile_id: str,
                   values: dict[str, list[str]], owners: list[int]) -> list[int]:
        """Those of ``saved`` (of both kinds) that ``profile_id`` would enter, by the one-pass scores."""
        matrix = self.matrix(engine, saved)
        found: list[int] = []
        if len(matrix):
            weights = engine.weights_.keep("dense_reciprocal", "lexical_reciprocal")
            ids, _ = matrix.candidates(*profile_vectors(engine, profile_id), values, owners, engine.stats_, weights)
            found.extend(int(i) for i in ids)
        subs = [r for r in saved if r.kind == "profile" and r.profile_id != profile_id
                and r.user_id not in owners]
        if subs:
            towards = dict(zip(*engine.scores_towards(profile_id, {r.profile_id for r in subs if r.profile_id}),
                               strict=True))
            for r in subs:
                score = towards.get(r.profile_id or "")
                if score is not None and (r.threshold is None or score > r.threshold):
                    found.append(r.id)
                    self._rows[r.id] = r
        return found

    def evaluate(self, conn: psycopg.Connection, engine: Engine, profile_id: str,
                 every: list[SavedSearchRow] | None = None) -> tuple[list[NewAlert], list[int]]:
        """``profile_id`` against every saved search (``every``: read now when None): the alerts
        written and the mails queued. Raises ``Later`` when a search could not be confirmed now
        (the caller rolls back to a savepoint and keeps the profile queued: the alerts already
        written are found by ``list_alerted`` on the next try, so none is written twice)."""
        facts = store.get_facet_values(conn, profile_id)
        if facts is None or not facts[0] or profile_id not in engine.index_.row_of:
            return [], []
        owners = store.list_owners(conn, profile_id)
        # a search saved a moment ago whose top results are not stored yet has no baseline: every
        # profile of its top 10 would look new (it gets one in create_search, or refresh_stale)
        searches = [r for r in (store.list_saved_searches(conn) if every is None else every)
                    if r.threshold_at is not None]
        found = self.candidates(engine, searches, profile_id, facts[1], owners)
        alerted = store.list_alerted(conn, profile_id, found) if found else set()
        # a profile already in a search's top results when it was last refreshed does not enter it
        todo = [i for i in found if i not in alerted and profile_id not in self._rows[i].top_ids]
        if len(todo) > MAX_CONFIRM:
            log.warning("alerts: %s is a candidate for %d saved searches; confirming the first %d",
                        profile_id, len(todo), MAX_CONFIRM)
        new: list[NewAlert] = []
        mails: list[int] = []
        key = self.db.settings.resolved_secret_key()
        for search_id in todo[:MAX_CONFIRM]:
            saved = self._rows[search_id]
            place = self._confirm(conn, saved, profile_id, key)
            if place is None:
                continue
            rank, score = place
            alert_id = store.insert_alert(conn, saved.id, profile_id, rank, score)
            if alert_id is None:
                continue
            note_store.insert_notification(conn, saved.user_id, alert_id)
            new.append(NewAlert(alert_id, saved.id, saved.user_id, profile_id, rank))
            if saved.frequency == "immediate":
                row = store.list_alerts_by_ids(conn, [alert_id])[0]
                outbox = queue_immediate(conn, self.mailer, saved, row, key)
                mails.extend([outbox] if outbox is not None else [])
        return new, mails

    def _confirm(self, conn: psycopg.Connection, saved: SavedSearchRow, profile_id: str, key: str
                 ) -> tuple[int, float] | None:
        """``(rank, score)``: the place ``profile_id`` has in ``saved``'s top results now (the real search, as its
        subscriber sees it), or None; the search's threshold is refreshed on the way."""
        viewer = user_store.get_user(conn, saved.user_id)
        if viewer is None or viewer.disabled:
            return None
        try:
            results = alerts.top_results(self.db, self.matching, saved, viewer, viewer.locale or "vi")
        except Unavailable as exc:  # busy or slow: try again on a later pass
            log.info("alerts: saved search %d not confirmed now, retrying: %s", saved.id, exc.message)
            raise Later(saved.id) from None
        except DomainError as exc:  # the subscribed profile is being re-embedded or is gone
            log.info("alerts: saved search %d not confirmed: %s", saved.id, exc.message)
            return None
        floor = alerts.search_floor(results) if saved.kind == "search" else None
        store.update_threshold(conn, saved.id, alerts.threshold_of(results, floor), [pid for pid, _ in results])
        shown = {profile_id, anonymity.alias(profile_id, key)}
        return next(((i + 1, score) for i, (pid, score) in enumerate(results) if pid in shown), None)

    def run_pending(self, limit: int = BATCH) -> list[NewAlert]:
        """Take queued profiles that the index has and evaluate them; returns the new alerts."""
        engine = self._engine()
        if engine is None:
            return []
        new: list[NewAlert] = []
        mails: list[int] = []
        with self.db.connection() as conn, conn.transaction():
            done = []
            claimed = store.claim_queue(conn, limit)
            saved = store.list_saved_searches(conn) if claimed else []
            for profile_id, waited in claimed:
                if profile_id in engine.index_.row_of:
                    try:
                        with conn.transaction():  # a savepoint: a retried profile leaves nothing behind
                            found, queued = self.evaluate(conn, engine, profile_id, saved)
                    except Later:
                        if waited < GIVE_UP_SECONDS:
                            continue
                        log.warning("alerts: %s could not be confirmed within %.0f s; dropped", profile_id, waited)
                        found, queued = [], []
                    new.extend(found)
                    mails.extend(queued)
                elif waited < GIVE_UP_SECONDS and _exists(conn, profile_id):
                    continue  # not in this index yet: the listener will add it
                done.append(profile_id)
            store.delete_queue(conn, done)
        self.mailer.deliver(self.db, mails)
        return new

    def refresh_stale(self, limit: int = STALE_BATCH) -> int:
        """Refresh the oldest thresholds (older than a day, or than the last refit)."""
        hours = min(STALE_HOURS, (time.time() - self._fit_seen) / 3600.0)
        with self.db.connection() as conn:
            rows = store.list_stale_thresholds(conn, hours, limit)
        for saved in rows:
            with self.db.connection() as conn:
                viewer = user_store.get_user(conn, saved.user_id)
            if viewer is not None:
                alerts.refresh_threshold(self.db, self.matching, saved, viewer)
        return len(rows)


def _exists(conn: psycopg.Connection, profile_id: str) -> bool:
    return store.get_facet_values(conn, profile_id) is not None


class AlertWatcher:
    """The thread beside a web process's live index that runs the evaluator: queued profiles every
    ``poll_seconds``, stale thresholds every ``stale_seconds``."""

    def __init__(self, evaluator: AlertEvaluator, poll_seconds: float = 1.0, stale_seconds: float = 60.0) -> None:
        self.evaluator = evaluator
        self.poll_seconds = poll_seconds
        self.stale_seconds = stale_seconds

    def run_forever(self, stop: threading.Event) -> None:
        next_stale = time.monotonic() + self.stale_seconds
        while not stop.wait(self.poll_seconds):
            try:
                if self.evaluator.matching.ready:
                    self.evaluator.run_pending()
                    if time.monotonic() >= next_stale:
                        self.evaluator.refresh_stale()
                        next_stale = time.monotonic() + self.stale_seconds
            except Exception:  # one bad evaluation must not stop the alerts
                log.exception("alerts: evaluation failed; retrying")
