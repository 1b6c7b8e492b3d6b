"""Logging what members are shown, off the request path.

A page of matches or an API answer hands its results to ``record`` (a queue put: microseconds);
one background thread per database turns them into rows and writes each page view with one
INSERT (``web.store.impressions.insert_views``), the views queued within ``LINGER`` of each other in
one transaction and one round trip. The API's stored default rankings are JSON bytes:
they are parsed on that thread too, never in the request. ``flush`` waits until everything
queued is written (tests, the demo seeder, shutdown).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from matcher.results import Match
from web.db.pool import Database
from web.store import impressions as store
from web.store.impressions import ShownRow

log = logging.getLogger(__name__)
SOURCES = ("page", "api")
MAX_QUEUED = 10_000  # beyond this, views are dropped (and counted) rather than slowing requests
BATCH = 100  # views written per transaction at most
#: how long the writer waits for more views once one came: under load a transaction (and one round
#: trip) writes many views instead of one (at 100 API answers a second per process, about 10)
LINGER = 0.1

# one writer per database: (user id, profile id, results, source)
Item = tuple[int, str, Any, str]


class _Writer:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.queue: queue.Queue[Item] = queue.Queue(MAX_QUEUED)
        self.dropped = 0
        self.thread = threading.Thread(target=self._run, name="impressions", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            until = time.monotonic() + LINGER
            while len(batch) < BATCH:
                try:
                    batch.append(self.queue.get(timeout=max(0.0, until - time.monotonic())))
                except queue.Empty:
                    break
            try:
                self._write(batch)
            finally:
                for _ in batch:
                    self.queue.task_done()

    def _write(self, batch: list[Item]) -> None:
        """The views of ``batch`` in one transaction (one commit for many views under load). Should
        one fail (its profile deleted between the check and the insert), the batch is written again
        view by view, each in a savepoint, that one skipped: savepoints for every view would triple
        the writer's round trips, which share the process with the requests."""
        try:
            with self.db.connection() as conn:
                try:
                    with conn.transaction():
                        store.insert_views(conn, [(user_id, profile_id, rows_of(results), source)
                                                  for user_id, profile_id, results, source in batch])
                    return
                except Exception:
                    log.info("a batch of %d impressions is written again view by view", len(batch), exc_info=True)
                with conn.transaction():
                    for user_id, profile_id, results, source in batch:
                        try:
                            with conn.transaction():
                                store.insert_view(conn, user_id, profile_id, rows_of(results), source)
                        except Exception:
                            log.warning("an impression could not be logged", exc_info=True)
        except Exception:  # a closed pool at shutdown: these views are lost
            log.warning("%d impressions could not be logged", len(batch), exc_info=True)


_writers: dict[int, _Writer] = {}
_lock = threading.Lock()


def _writer(db: Database) -> _Writer:
    with _lock:
        w = _writers.get(id(db))
        if w is None or w.db is not db:
            w = _writers[id(db)] = _Writer(db)
        return w


def record(db: Database, user_id: int, profile_id: str, results: Sequence[Match] | Mapping[str, Any] | bytes,
           source: str) -> None:
    """Queue one view of ``profile_id``'s matches by ``user_id``: ``Match`` objects best first, or
    the API's ``{"id", "matches"}`` (a dict or its JSON bytes)."""
    if source not in SOURCES:
        raise ValueError(f"unknown impression source {source!r}; valid: {', '.join(SOURCES)}")
    w = _writer(db)
    try:
        w.queue.put_nowait((user_id, profile_id, results, source))
    except queue.Full:
        w.dropped += 1


def flush(db: Database) -> None:
    """Wait until every queued view of ``db`` is written."""
    w = _writers.get(id(db))
    if w is not None and w.db is db:
        w.queue.join()


def rows_of(results: Sequence[Match] | Mapping[str, Any] | bytes) -> list[ShownRow]:
    """The rows of one view: rank 1 for the first result."""
    data = json.loads(results) if isinstance(results, bytes) else results
    if isinstance(data, Mapping):
        return [ShownRow(str(m["id"]), i, float(m["score"]), {k: float(v) for k, v in m["components"].items()})
                for i, m in enumerate(data["matches"], start=1)]
    return [ShownRow(m.id, i, float(m.score), dict(m.components)) for i, m in enumerate(data, start=1)]
