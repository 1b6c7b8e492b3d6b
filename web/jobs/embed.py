"""The embedding job and the production worker.

The job embeds a profile's passages (``web.matching.embedding.embed_records``) inside the worker's
transaction, then tells every process's live index that the profile is ready (``caunoi_index``).
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg

from web.jobs.worker import Handler, Worker
from web.matching.embedding import embed_records, make_embedder
from web.services.alerts_eval import queue_evaluation
from web.services.alerts_mail import send_due_digests
from web.services.introductions import expire_due
from web.settings import Settings
from web.store import profiles as store
from web.store.events import notify_index
from web.store.jobs import EMBED_JOB, JobRow

log = logging.getLogger(__name__)


def embed_profiles_handler(settings: Settings) -> Handler:
    embedder = make_embedder(settings)

    def handle(conn: psycopg.Connection, jobs: list[JobRow]) -> None:
        read = {}
        for job in jobs:
            row = store.get_profile(conn, job.key)
            if row is not None:  # deleted since: nothing to embed
                read[row.id] = row
        records = [row.record for row in read.values()]
        n = embed_records(conn, embedder, records)
        # A save that landed while we embedded found this job claimed (still queued, locked) and
        # queued none of its own: lock the rows (a later save waits for our commit, then queues
        # its own job) and embed what is stored now where it is not what we read.
        stored = store.share_lock_revisions(conn, list(read))
        edited = [store.get_profile(conn, pid) for pid, rev in stored.items() if rev != read[pid].revision]
        if edited:
            n += embed_records(conn, embedder, [row.record for row in edited if row is not None])
        log.info("embedded %d texts for %d profiles (%d saved again meanwhile)", n, len(records), len(edited))
        notify_index(conn, [r["id"] for r in records])
        queue_evaluation(conn, [r["id"] for r in records])  # saved-search alerts, once the index has them

    return handle


def build_worker(settings: Settings, db: Any, batch_size: int = 16) -> Worker:
    """The production worker: embedding jobs, plus expiring unanswered introductions and sending due
    saved-search digests every minute."""
    return Worker(db, {EMBED_JOB: embed_profiles_handler(settings)}, batch_size=batch_size,
                  periodic=[expire_due, send_due_digests])
