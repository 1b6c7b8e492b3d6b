"""The background worker: claims jobs with FOR UPDATE SKIP LOCKED and runs their handlers.

A batch of jobs is claimed and worked on inside ONE transaction that also writes the results and
marks the jobs done: if the worker dies (even kill -9) the transaction rolls back, the row locks
go, and the jobs are claimable again with nothing half-written. A handler that raises is retried
with exponential backoff (job by job, so one bad job does not hold back the others).

A claim skips the jobs another session has locked, and not only another worker's batch: count_jobs
locks every queued job for a moment to tell the running ones. So a drain that claims nothing does not
prove the queue empty; ``run_forever`` looks for due jobs left behind and, if any, tries again soon
instead of sleeping until its poll (their NOTIFY may be long gone, e.g. sent before it listened).
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from web.db.pool import Database
from web.store import jobs as job_store
from web.store.events import JOBS_CHANNEL, listen
from web.store.jobs import JobRow

log = logging.getLogger(__name__)

#: handler(conn, jobs): do the work inside the caller's transaction; raise to fail the batch
Handler = Callable[[psycopg.Connection, list[JobRow]], None]


def backoff_seconds(attempt: int, base: float = 2.0, cap: float = 600.0) -> float:
    """Delay before retry number ``attempt`` (1-based): 2, 4, 8, ... seconds, at most ``cap``."""
    return float(min(cap, base ** max(1, attempt)))


@dataclass
class Worker:
    db: Database
    handlers: dict[str, Handler]
    batch_size: int = 16
    poll_seconds: float = 2.0
    name: str = field(default_factory=lambda: f"worker-{os.getpid()}")
    #: housekeeping run every ``periodic_seconds`` (e.g. expiring unanswered introductions)
    periodic: list[Callable[[Database], object]] = field(default_factory=list)
    periodic_seconds: float = 60.0
    #: after a drain that left due jobs behind (locked by another session, so skipped), look again
    #: after this long, doubling up to ``poll_seconds`` while they stay locked
    retry_seconds: float = 0.05

    def run_once(self) -> int:
        """Claim and process one batch per job kind; return how many jobs were done."""
        done = 0
        for kind, handler in self.handlers.items():
            done += self._run_kind(kind, handler)
        return done

    def _run_kind(self, kind: str, handler: Handler) -> int:
        with self.db.connection() as conn, conn.transaction():
            jobs = job_store.claim_jobs(conn, kind, self.batch_size)
            if not jobs:
                return 0
            try:
                with conn.transaction():  # savepoint: a failed batch leaves the claim intact
                    handler(conn, jobs)
                    job_store.update_jobs_done(conn, [j.id for j in jobs])
                return len(jobs)
            except Exception:
                log.exception("%s: batch of %d %s jobs failed; retrying one by one", self.name, len(jobs), kind)
        return self._run_singly(kind, handler, jobs)

    def _run_singly(self, kind: str, handler: Handler, jobs: list[JobRow]) -> int:
        done = 0
        for job in jobs:
            with self.db.connection() as conn, conn.transaction():
                claimed = [j for j in job_store.claim_jobs(conn, kind, self.batch_size) if j.id == job.id]
                if not claimed:
                    continue
                try:
                    with conn.transaction():
                        handler(conn, claimed)
                        job_store.update_jobs_done(conn, [job.id])
                    done += 1
                except Exception as exc:
                    delay = backoff_seconds(job.attempts + 1)
                    log.warning("%s: job %d (%s %s) failed, retry in %.0fs: %s", self.name, job.id, kind, job.key,
                                delay, exc)
                    job_store.update_job_failed(conn, job.id, f"{type(exc).__name__}: {exc}", delay)
        return done

    def run_periodic(self) -> None:
        for task in self.periodic:
            try:
                task(self.db)
            except Exception:
                log.exception("%s: periodic task %s failed", self.name, getattr(task, "__name__", task))

    def drain(self) -> int:
        """Run batches until no job is due; return how many were done."""
        total = 0
        while True:
            n = self.run_once()
            if n == 0:
                return total
            total += n

    def due_jobs_left(self) -> bool:
        """Whether jobs of this worker's kinds are due: after a drain, ones another session had
        locked when they were claimed (a plain read sees a locked row; SKIP LOCKED does not)."""
        with self.db.connection() as conn:
            return job_store.due_jobs_exist(conn, list(self.handlers))

    def run_forever(self, stop: threading.Event) -> None:
        """Process jobs until ``stop`` is set; wakes on NOTIFY, polls every ``poll_seconds`` anyway."""
        url = self.db.resolve_url()
        log.info("%s: started (%s)", self.name, ", ".join(self.handlers))
        with psycopg.connect(url, autocommit=True) as listen_conn:
            listen(listen_conn, JOBS_CHANNEL)
            next_periodic = 0.0
            retry = self.retry_seconds
            while not stop.is_set():
                if self.periodic and time.monotonic() >= next_periodic:
                    self.run_periodic()
                    next_periodic = time.monotonic() + self.periodic_seconds
                wait = self.poll_seconds
                try:
                    self.drain()
                    if self.due_jobs_left():  # skipped, locked: no NOTIFY will come when they are free
                        wait, retry = min(retry, self.poll_seconds), min(retry * 2, self.poll_seconds)
                    else:
                        retry = self.retry_seconds
                except Exception:
                    log.exception("%s: unexpected error; continuing", self.name)
                    stop.wait(self.poll_seconds)
                # wait for a NOTIFY, the poll interval or (jobs were left locked) the retry
                ready, _, _ = select.select([listen_conn.fileno()], [], [], wait)
                if ready:
                    for _ in listen_conn.notifies(timeout=0, stop_after=100):
                        pass
        log.info("%s: stopped", self.name)
