"""``caunoi serve`` and ``caunoi demo``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from web.cli.cache import seed_cache
from web.cli.context import CliError, Context, pass_ctx
from web.interchange.importer import ImportFailed, load_files
from web.interchange.samples import REPO_PROFILES, sample_files
from web.services.profiles import import_records
from web.store import jobs as job_store
from web.store import profiles as store

if TYPE_CHECKING:
    from web.services.demo import DemoAccount


def _run_server(ctx: Context, host: str, port: int, workers: int) -> None:
    import uvicorn

    # the parent process must not hold pool connections the workers don't need; it stays attached
    # to the embedded server until it exits (SIGTERM included: web.db), so the server outlives no one
    ctx.db.close(keep_server=True)
    uvicorn.run("web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=ctx.settings.log_level.lower(), proxy_headers=True, timeout_graceful_shutdown=5)


@click.command("serve")
@click.option("--host", default=None, help="Bind address [default: 127.0.0.1, env CAUNOI_HOST].")
@click.option("--port", type=int, default=None, help="Port [default: 8000, env CAUNOI_PORT].")
@click.option("--workers", type=int, default=None, help="Worker processes [default: 1, env CAUNOI_WORKERS].")
@pass_ctx
def serve_cmd(ctx: Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web app and the /api/v1 JSON API."""
    ctx.db.resolve_url()  # start the database and migrate once, before the workers start
    _run_server(ctx, host or ctx.settings.host, port or ctx.settings.port, workers or ctx.settings.workers)


def _embed_before_serving(ctx: Context, folder: Path) -> None:
    """Seed the vector cache from the shipped file, then embed whatever is still missing."""
    from web.jobs.embed import build_worker
    from web.matching.embedding import make_embedder

    seed = folder / "ecosystem.vectors.npz"
    if seed.exists():
        n = seed_cache(ctx.db, seed, make_embedder(ctx.settings).name)
        if n:
            click.echo(f"seeded the embedding cache with {n} vectors from {seed.name}")
    with ctx.connection() as conn:
        pending = job_store.count_jobs(conn)["queued"]
    if pending:
        click.echo(f"embedding {pending} profiles (only texts not in the cache are sent to the model)...")
        done = build_worker(ctx.settings, ctx.db).drain()
        click.echo(f"{done} profiles ready")


def _seed_story(ctx: Context, accounts: list[DemoAccount]) -> None:
    """The demo's activity (``web.services.curation.demo``). Its mail stays in the outbox, whatever the SMTP
    settings; a matching service is loaded only when the event's pairs still need scores."""
    from web.i18n import Renderer
    from web.services.curation.demo import seed_story
    from web.services.mail import Mailer

    mailer = Mailer(ctx.settings.model_copy(update={"smtp_host": None}), Renderer())
    from web.services import learning
    from web.services.alerts_demo import seed_saved_searches
    from web.services.learning_demo import seed_demo_log

    with ctx.matching() as matching:
        click.echo(seed_story(ctx.db, mailer, accounts, matching).summary())
        click.echo(seed_saved_searches(ctx.db, accounts, matching).summary())
        if not learning.overview(ctx.db).demo:  # feedback for the learned ranking (issue 15), once
            log = seed_demo_log(ctx.db, matching())
            version = learning.fit(ctx.db)
            click.echo(f"feedback log: {log.views} simulated views, {log.events} events; learned ranking "
                       f"version {version.id}: {version.summary.status}")


@click.command("demo")
@click.option("--profiles", "folder", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder with the sample ecosystem [default: the repository's profiles/].")
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option("--no-serve", is_flag=True, help="Load the data and accounts, then exit.")
@pass_ctx
def demo_cmd(ctx: Context, folder: Path | None, host: str | None, port: int | None, no_serve: bool) -> None:
    """Load the sample ecosystem into an empty database, create demo accounts, and serve."""
    folder = folder or (REPO_PROFILES if REPO_PROFILES.is_dir() else Path("profiles"))
    files = sample_files(folder)
    if not files:
        raise CliError(f"no ecosystem*.jsonl files in {folder}")
    with ctx.connection() as conn:
        empty = store.count_profiles(conn) == 0
    if empty:
        try:
            records = load_files(files)
        except ImportFailed as exc:
            raise CliError("the sample data is invalid:\n" + "\n".join(map(str, exc.problems))) from None
        counts = import_records(ctx.db, records, actor="demo")
        click.echo(f"loaded the sample ecosystem: imported {counts.imported} profiles from {len(files)} files")
    else:
        click.echo("the database already holds profiles; not loading the sample again")
    _embed_before_serving(ctx, folder)
    from web.services.demo import ensure_demo_accounts

    accounts = ensure_demo_accounts(ctx.db)
    _seed_story(ctx, accounts)
    host = host or ctx.settings.host
    port = port or ctx.settings.port
    click.echo(f"\nCầu Nối demo: http://{host}:{port}/\n\nDemo accounts (email / password / role):")
    for acc in accounts:
        click.echo(f"  {acc.email:<34} {acc.password:<22} {acc.role:<8} {acc.note}")
    click.echo("")
    if not no_serve:
        _run_server(ctx, host, port, ctx.settings.workers)


COMMANDS = [serve_cmd, demo_cmd]
