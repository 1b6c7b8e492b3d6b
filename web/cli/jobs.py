"""``caunoi worker`` and ``caunoi jobs``."""

from __future__ import annotations

import signal
import threading
import time

import click

from web.cli.context import Context, emit_json, pass_ctx
from web.store import jobs as job_store


@click.command("worker")
@click.option("--once", is_flag=True, help="Process every due job, then exit.")
@click.option("--batch-size", type=int, default=16, show_default=True, help="Jobs claimed per transaction.")
@pass_ctx
def worker_cmd(ctx: Context, once: bool, batch_size: int) -> None:
    """Run the background worker (embedding jobs); stops cleanly on SIGTERM or Ctrl-C."""
    from web.jobs.embed import build_worker

    worker = build_worker(ctx.settings, ctx.db, batch_size)
    if once:
        started = time.monotonic()
        worker.run_periodic()
        n = worker.drain()
        click.echo(f"processed {n} jobs in {time.monotonic() - started:.1f} s")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        worker.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()


@click.command("jobs")
@click.option("--json", "as_json", is_flag=True)
@click.option("--recent", type=int, default=10, show_default=True, help="How many recent jobs to list.")
@click.option("--watch", is_flag=True, help="Show a progress bar until the queue is empty.")
@pass_ctx
def jobs_cmd(ctx: Context, as_json: bool, recent: int, watch: bool) -> None:
    """Background job progress: counts by state and the most recent jobs."""
    if watch:
        _watch(ctx)
        return
    with ctx.connection() as conn:
        counts = job_store.count_jobs(conn)
        age = job_store.oldest_pending_age_seconds(conn)
        jobs = job_store.list_recent_jobs(conn, recent)
    if as_json:
        emit_json({"counts": counts, "oldest_pending_seconds": age, "recent": jobs})
        return
    click.echo("  ".join(f"{k}: {v}" for k, v in counts.items()))
    if age is not None:
        click.echo(f"oldest pending job waited {age:.0f} s")
    for job in jobs:
        err = f"  error: {job['last_error'][:80]}" if job["last_error"] else ""
        click.echo(f"{job['id']:>7}  {job['kind']:<14} {job['key']:<36} {job['status']:<7} tries {job['attempts']}{err}")


def _watch(ctx: Context) -> None:
    from tqdm import tqdm

    with ctx.connection() as conn:
        counts = job_store.count_jobs(conn)
    pending = counts["queued"] + counts["running"]
    with tqdm(total=pending, unit="job", desc="embedding") as bar:
        while pending:
            time.sleep(1.0)
            with ctx.connection() as conn:
                counts = job_store.count_jobs(conn)
            now = counts["queued"] + counts["running"]
            bar.update(max(0, pending - now))
            pending = now


COMMANDS = [worker_cmd, jobs_cmd]
