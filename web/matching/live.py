"""The matching index as requests see it: published snapshots of the engine one writer updates.

Issue 12: a member's preview held the service's lock while the model read 200 passages, and
every ranking of every user waited for it (a minute). Here readers hold no lock while they rank:
``published`` is a snapshot (``web.matching.snapshot``: copy-on-write, sharing the arrays) of the
engine that the writer, holding ``writing``, updates and then publishes again. What readers
compute on a snapshot (a ranking for the result cache, a default ranking for ``web.matching.warm``) is
kept only if that snapshot is still the published one when they finish, so nothing computed on
a replaced index is ever served. The short lock guards dictionaries only.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from matcher.engine import Engine
from matcher.results import Match
from web.matching.snapshot import snapshot
from web.matching.warm import WarmRankings, encode_match
from web.store.profiles import id_hash

RESULT_CACHE_SIZE = 4096


class HeldDigest:
    """``(count, XOR of store.id_hash)`` of the ids the master engine holds: what
    ``MatchingService._reconcile`` compares with ``store.settled_published_digest`` before it
    fetches any id. The writer tells it each id that enters or leaves the master
    (``MatchingService._refresh``); a load builds it anew (one MD5 per id: 67 ms at 100k)."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self._count = 0
        self._xor = 0
        for pid in ids:
            self.add(pid)

    def add(self, profile_id: str) -> None:
        """``profile_id`` entered the master (it was not in it)."""
        self._count += 1
        self._xor ^= id_hash(profile_id)

    def remove(self, profile_id: str) -> None:
        """``profile_id`` left the master (it was in it)."""
        self._count -= 1
        self._xor ^= id_hash(profile_id)

    @property
    def value(self) -> tuple[int, int]:
        return self._count, self._xor


class LiveIndex:
    """The published snapshot, the engine behind it, and the rankings computed on the snapshot."""

    def __init__(self, warm: WarmRankings) -> None:
        self.warm = warm
        self.loaded = False
        self.writing = threading.Lock()  # the writer's: replace, publish, and the updates between
        self._published: Engine | None = None  # None while no profile is embedded
        self._master: Engine | None = None
        self._lock = threading.Lock()  # publishing, and the dictionaries below; never while ranking
        self._results: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self.held = HeldDigest()  # of the master's ids; under ``writing``

    @property
    def published(self) -> Engine | None:
        """The engine requests rank on (read it once per request: it may be replaced meanwhile)."""
        return self._published

    @property
    def master(self) -> Engine | None:
        """The engine updates go to; only under ``writing``."""
        return self._master

    def replace(self, engine: Engine | None, alive: Any) -> None:
        """Under ``writing``: publish a freshly fitted ``engine`` (a load or a refit). The stored
        default rankings of the previous one are served, where ``alive`` holds, until recomputed."""
        published = snapshot(engine) if engine is not None else None
        self.held = HeldDigest(engine.index_.row_of if engine is not None else ())
        with self._lock:
            self._master = engine
            self._published = published
            self.loaded = True
            self._results.clear()
            if published is None:
                self.warm.reset([])
            else:
                self.warm.reset(published.ids_, alive=alive)

    def publish(self, changed: list[str]) -> None:
        """Under ``writing``, after ``master`` took the changes of ``changed``: publish a snapshot
        and drop the rankings the changes can affect."""
        assert self._master is not None
        published = snapshot(self._master)
        reach = self.warm.reach(published, changed)  # exhaustive passes: before taking the lock
        with self._lock:
            self._published = published
            self._results.clear()
            self.warm.apply(published, changed, reach)

    # ------------------------------------------------------------------ readers' results
    def cached(self, engine: Engine, key: tuple[Any, ...]) -> list[Match] | None:
        with self._lock:
            raw = self._results.get(key) if engine is self._published else None
            if raw is not None:
                self._results.move_to_end(key)
        return None if raw is None else [Match.from_dict(m) for m in json.loads(raw)]

    def remember(self, engine: Engine, key: tuple[Any, ...], result: list[Match]) -> None:
        """Cache ``result``, ranked on ``engine``, if ``engine`` is still the published one. As JSON
        bytes (``web.matching.warm.encode_match``): thousands of rankings as objects are millions of objects
        for the garbage collector to walk (full collections of 150–300 ms every few seconds under
        load, measured), bytes none; each reader also gets its own copy."""
        raw = b"[" + b",".join(encode_match(m) for m in result) + b"]"
        with self._lock:
            if engine is self._published:
                self._results[key] = raw
                if len(self._results) > RESULT_CACHE_SIZE:
                    self._results.popitem(last=False)

    def compute_default(self) -> bool:
        """Compute the next queued default ranking on the published engine, no lock held while
        ranking, and keep it (``keep_default``); False when none is queued."""
        with self._lock:
            engine = self._published
            pid = self.warm.next() if engine is not None else None
        if engine is None or pid is None:
            return False
        if pid in engine.index_.row_of:
            self.keep_default(engine, pid, self.warm.compute(engine, pid))
        return True

    def keep_default(self, engine: Engine, profile_id: str, ranking: list[Match]) -> None:
        """Store a default ranking computed on ``engine``; queue it again if ``engine`` was replaced."""
        with self._lock:
            if engine is self._published:
                self.warm.put(profile_id, ranking)
            elif self._published is not None and profile_id in self._published.index_.row_of:
                self.warm.enqueue(profile_id)
