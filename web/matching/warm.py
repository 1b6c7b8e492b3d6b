"""Precomputed default rankings: every fitted profile's best matches, kept exact as profiles change.

A ranking costs ~10 ms of one core (first stage, full score of the shortlist, explanations:
docs/performance.md); serving a stored one costs a dictionary lookup and a decompression. So
``MatchingService`` computes each profile's *default* ranking (no filters, no exclusions, the
best ``depth`` matches with explanations) in a background thread, keeps it here as compressed
JSON (``Match.to_dict()``: the API's answer as it is sent, read back into ``Match`` for the web
pages; kept in memory only, so there is no stored format to version), and answers requests
that ask for no more (``top <= depth``, no filters) from it; any other request is ranked on the
spot. A stored ranking is exactly what ``Engine.rank`` would return now, because a change to
one profile ``p`` can only change the rankings that

* contain ``p`` (its score changed, or it was removed), or
* ``p`` now enters: its score in that ranking (``Engine.scores_towards``, one exhaustive pass
  for all rankings at once) reaches the ranking's last kept score, or the ranking is not full;

``invalidate`` drops those (and ``p``'s own) and queues them for recomputation; every other
ranking keeps its order (the first stage's and the full score's parameters do not change on an
incremental update). With the two-stage rank a change also moves the shortlist's boundary by
one candidate, which a stored ranking does not follow: it can differ from a fresh one by a
candidate from that boundary (rare; tested). A full refit (fresh corpus statistics) queues every
ranking again and keeps serving the previous ones meanwhile (``reset(alive=)``). Stored rankings
use their own, deeper, first-stage shortlist (``CAUNOI_WARM_SHORTLIST``): they are background
work. Memory: 7–9 kB per profile compressed (docs/performance.md).
"""

from __future__ import annotations

import json
import math
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.results import Match

if TYPE_CHECKING:
    from matcher.engine import Engine

BULK_CHANGE_FACTOR = 20  # more than size / 20 changes at once: recompute every stored ranking
# scores_towards equals the reverse ranking's scores up to float32 rounding (< 1e-3, tested);
# a ranking is dropped when the changed profile comes this close to its last kept score
MARGIN = 0.05
Towards = tuple[np.ndarray, np.ndarray]  # Engine.scores_towards: (ids, scores)
# per changed profile: (id, in the index now, its scores_towards when it is)
Reach = list[tuple[str, bool, Towards | None]]
# which of a stored ranking's ids (best first) a filtered request keeps: (n,) bool
Keep = Callable[[Sequence[str]], np.ndarray]
# the matches of a profile with some candidates (ids, best first), scored and explained
Explain = Callable[[str, list[str]], list[Match]]


def encode_match(match: Match) -> bytes:
    """One match as the API writes it (``Match.to_dict()`` with ``JSONResponse``'s settings: UTF-8,
    no NaN, compact)."""
    return json.dumps(match.to_dict(), ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def decode_match(piece: bytes) -> Match:
    """``encode_match`` read back."""
    return Match.from_dict(json.loads(piece))


@dataclass(frozen=True)
class Stored:
    """One profile's stored ranking: the ids in it, the score a newcomer must reach to enter it
    (``-inf`` while it holds fewer than ``total`` matches), and the explained head (the first
    ``depth``) as compressed JSON pieces (``ends[i]`` is where piece ``i`` ends in the
    decompressed bytes)."""

    ids: frozenset[str]
    threshold: float
    blob: bytes
    ends: tuple[int, ...]
    order: tuple[str, ...]  # the ids best first (``ids`` is their set, for the membership tests of ``invalidate``)

    def pieces(self, top: int) -> list[bytes]:
        return self.pieces_at(range(min(top, len(self.ends))))

    def pieces_at(self, indices: Iterable[int]) -> list[bytes]:
        raw = zlib.decompress(self.blob)
        starts = (0, *self.ends)
        return [raw[starts[i] : self.ends[i]] for i in indices]


class WarmRankings:
    """The stored rankings and the queue of profiles whose ranking is to be (re)computed.

    Writers (``put``, ``reset``, ``invalidate``, ``apply``, ``next``, ``enqueue``) run under the
    matching service's lock; readers (``matches``, ``json``) need no lock: they read one immutable
    ``Stored`` from a dict. ``reach`` and ``compute`` only read the engine they are given.
    """

    def __init__(self, depth: int, shortlist: int | None = None, tail: int = 0) -> None:
        self.depth = depth
        # how deep a stored ranking goes past its explained ``depth`` (ids only), for filtered requests
        self.total = max(depth, tail) if depth > 0 else 0
        self.shortlist = shortlist  # the first stage's shortlist for stored rankings (None: the engine's)
        self._stored: dict[str, Stored] = {}
        # after a full refit: the previous engine's rankings, served until recomputed
        self._stale: dict[str, Stored] = {}
        self._alive: Callable[[str], bool] = lambda pid: False
        self._queue: deque[str] = deque()
        self._queued: set[str] = set()
        self._total = 0
        self.wakeup = threading.Event()

    # -------------------------------------------------------------- reading
    @property
    def enabled(self) -> bool:
        return self.depth > 0

    def covers(self, k: int, filters: Any, exclude: Any, diversity: Any) -> bool:
        """Whether a request can be answered from a stored ranking (or should fill one)."""
        return self.enabled and k <= self.total and not filters and not exclude and diversity is None

    def _get(self, profile_id: str) -> Stored | None:
        stored = self._stored.get(profile_id)
        if stored is None:
            stale = self._stale.get(profile_id)
            alive = self._alive
            if stale is not None and alive(profile_id) and all(alive(pid) for pid in stale.ids):
                return stale
        return stored

    def _pieces(self, profile_id: str, top: int, keep: Keep | None) -> tuple[list[bytes], list[str]] | None:
        """(explained matches as JSON pieces, ids past the explained head, best first): the stored
        best ``top`` of ``profile_id``, or with ``keep`` the best ``top`` of those it keeps. None
        when not stored, or when the stored ranking is cut (at ``total``) and fewer than ``top`` of
        it pass ``keep``: the rest may lie below the cut, rank on the spot."""
        stored = self._get(profile_id)
        if stored is None:
            return None
        head = len(stored.ends)
        if keep is None and top <= head:
            return stored.pieces(top), []
        passed = (list(range(min(top, len(stored.order)))) if keep is None
                  else np.flatnonzero(keep(stored.order))[:top].tolist() if stored.order else [])
        if len(passed) < top and stored.threshold > -math.inf:
            return None
        return stored.pieces_at(i for i in passed if i < head), [stored.order[i] for i in passed if i >= head]

    def matches(self, profile_id: str, top: int, keep: Keep | None = None,
                explain: Explain | None = None) -> list[Match] | None:
        """The stored best ``top`` (with ``keep``: of those it keeps, see ``_pieces``; ``explain``
        scores and explains those past the explained head), or None."""
        found = self._pieces(profile_id, top, keep)
        if found is None or (found[1] and explain is None):
            return None
        pieces, rest = found
        return [decode_match(p) for p in pieces] + (explain(profile_id, rest) if rest and explain else [])

    def json(self, profile_id: str, top: int, keep: Keep | None = None, explain: Explain | None = None) -> bytes | None:
        """``{"id": ..., "matches": [...]}`` of the best ``top`` (with ``keep``: of those it keeps)
        as bytes, or None (``matches``)."""
        found = self._pieces(profile_id, top, keep)
        if found is None or (found[1] and explain is None):
            return None
        pieces, rest = found
        if rest and explain:
            pieces = pieces + [encode_match(m) for m in explain(profile_id, rest)]
        head = b'{"id":' + json.dumps(profile_id, ensure_ascii=False).encode() + b',"matches":['
        return head + b",".join(pieces) + b"]}"

    def progress(self) -> dict[str, int]:
        """``{"stored": rankings ready, "profiles": rankings wanted, "queued": waiting, "stale":
        previous engine's rankings still served}``."""
        return {"stored": len(self._stored), "profiles": self._total, "queued": len(self._queue),
                "stale": len(self._stale)}

    # -------------------------------------------------------------- writing
    def put(self, profile_id: str, matches: list[Match]) -> None:
        """Store a ranking computed with ``k = total`` (best first; the first ``depth`` explained)."""
        pieces = [encode_match(m) for m in matches[: self.depth]]
        ends = tuple(int(e) for e in np.cumsum([len(p) for p in pieces]))
        full = len(matches) >= self.total
        threshold = float(matches[-1].score) if full else -math.inf
        order = tuple(m.id for m in matches)
        self._stored[profile_id] = Stored(frozenset(order), threshold, zlib.compress(b"".join(pieces), 6), ends, order)
        self._stale.pop(profile_id, None)

    def reset(self, profile_ids: Iterable[str], alive: Callable[[str], bool] | None = None) -> None:
        """Queue all of ``profile_ids`` for a new engine. Without ``alive`` every ranking is
        forgotten now; with it (a full refit: the same profiles, fresh corpus statistics) the
        current ones are kept as *stale* and still served, as long as ``alive`` holds for the
        profile and every match in it, until each is recomputed (stale-while-revalidate: no
        latency cliff after a refit; the later changes still drop the stale rankings they reach)."""
        self._stale = {**self._stale, **self._stored} if alive is not None else {}
        self._alive = alive or (lambda pid: False)
        self._stored = {}
        self._queue = deque(profile_ids)
        self._queued = set(self._queue)
        self._total = len(self._queued)
        self.wakeup.set()

    def invalidate(self, changed: str, present: bool, towards: tuple[np.ndarray, np.ndarray] | None,
                   size: int) -> int:
        """Drop the rankings a change of profile ``changed`` can affect (module docstring) and queue
        them; ``present``: it is in the index now (``towards``: its ``Engine.scores_towards``);
        ``size``: profiles in the index. Returns how many rankings were dropped."""
        reach: dict[str, float] = {}
        if present and towards is not None:
            ids, scores = towards
            reach = dict(zip(ids.tolist(), (scores + MARGIN).tolist(), strict=True))
        def reached(pid: str, entry: Stored) -> bool:
            return pid == changed or changed in entry.ids or reach.get(pid, -math.inf) >= entry.threshold

        dropped = [pid for pid, entry in self._stored.items() if reached(pid, entry)]
        for pid in dropped:
            del self._stored[pid]
        for pid in [pid for pid, entry in self._stale.items() if reached(pid, entry)]:
            del self._stale[pid]  # queued since the reset
        self._total = size
        for pid in dropped:
            if pid != changed:
                self.enqueue(pid)
        if present:
            self.enqueue(changed)
        return len(dropped)

    def update(self, engine: Engine, changed: list[str]) -> int:
        """After ``engine`` took the changes of ``changed`` (added, replaced or removed profiles):
        drop the rankings they can affect; many changes at once (an import) reset them all
        instead (each change costs an exhaustive pass, each ranking only a shortlist). Returns
        the number of rankings dropped."""
        return self.apply(engine, changed, self.reach(engine, changed))

    def reach(self, engine: Engine, changed: list[str]) -> Reach | None:
        """What ``apply`` needs to know of ``changed`` in ``engine`` (the exhaustive passes, the
        costly part: computed by the caller outside its lock); None when the changes are too
        many and every ranking is to be recomputed."""
        if not self.enabled or not changed:
            return []
        if len(changed) * BULK_CHANGE_FACTOR > len(engine.index_):
            return None
        out: Reach = []
        for pid in changed:
            present = pid in engine.index_.row_of
            out.append((pid, present, engine.scores_towards(pid) if present else None))
        return out

    def apply(self, engine: Engine, changed: list[str], reach: Reach | None) -> int:
        """``update``'s writes, given ``reach(engine, changed)``; returns the rankings dropped."""
        if not self.enabled or not changed:
            return 0
        if reach is None:
            dropped = len(self._stored)
            self.reset(engine.ids_)
            return dropped
        size = len(engine.index_)
        return sum(self.invalidate(pid, present, towards, size) for pid, present, towards in reach)

    def compute(self, engine: Engine, profile_id: str) -> list[Match]:
        """The default ranking of one profile, as stored (``total`` matches, ``shortlist``, the
        first ``depth`` explained)."""
        return engine.rank(profile_id, k=self.total, shortlist=self.shortlist, explain=self.depth)

    def compute_next(self, engine: Engine) -> str | None:
        """Compute and store the next queued ranking; returns its id, None when nothing is queued."""
        while (pid := self.next()) is not None:
            if pid in engine.index_.row_of:
                self.put(pid, self.compute(engine, pid))
                return pid
        return None

    def enqueue(self, profile_id: str) -> None:
        """Queue one profile's ranking for (re)computation."""
        if profile_id not in self._queued:
            self._queued.add(profile_id)
            self._queue.append(profile_id)
            self.wakeup.set()

    def next(self) -> str | None:
        """The next profile to (re)compute, or None when the queue is empty."""
        while self._queue:
            pid = self._queue.popleft()
            self._queued.discard(pid)
            if pid not in self._stored:
                return pid
        self.wakeup.clear()
        return None
