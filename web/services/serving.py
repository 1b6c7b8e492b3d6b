"""What every match list reads besides the engine, kept in the process: the learned model switched
on (``learning.active_model``), the exposure re-ranking switched on (``exposure_rerank.active``) and
the ids of the anonymous profiles (``masking``).

They change a few times a day and were read on every request: four round trips and a pool
checkout more per API match list, a quarter of a filtered request's time at 10k profiles (py-spy,
docs/performance.md). ``current`` reads one token instead (``web.store.serving``: set by triggers
in the transaction of any change of them, migration 064), together with the requested profile's
existence, and reads the three again only when the token is not the one they were read under. A
switch made through any host therefore counts for the next request of every host, as before.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import psycopg

from matcher.learning import LearnedModel
from web.db.pool import Database
from web.services import exposure_rerank, learning
from web.store import profiles as profile_store
from web.store import serving as store


@dataclass(frozen=True)
class Serving:
    """The state one request serves from: read under ``token`` (None: not to be kept)."""

    token: int | None
    model: LearnedModel | None
    exposure: exposure_rerank.Active | None
    anonymous: frozenset[str]


_kept: weakref.WeakKeyDictionary[Database, Serving] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def current(db: Database, conn: psycopg.Connection, profile_id: str | None = None) -> tuple[Serving, bool]:
    """(the serving state as of now, whether ``profile_id`` is stored): one query when nothing
    changed since this process last read the state, else three more."""
    token, exists = store.read_token(conn, profile_id)
    kept = _kept.get(db)
    if kept is not None and token is not None and kept.token == token:
        return kept, exists
    # read after the token: a change committed in between is read too, and its own token makes
    # the next request read again (never the other way round: an old state under a new token)
    state = Serving(token, learning.active_model(db, conn), exposure_rerank.active(db, conn),
                    frozenset(profile_store.list_anonymous_ids(conn)))
    if token is not None:
        with _lock:
            _kept[db] = state
    return state, exists
