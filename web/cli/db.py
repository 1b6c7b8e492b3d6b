"""``caunoi db migrate|status|backup|restore``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from web.cli.context import CliError, Context, emit_json, pass_ctx
from web.db.migrate import apply_migrations, migration_status
from web.db.server import DatabaseError, backup, restore


@click.group("db")
def db_group() -> None:
    """Database maintenance: migrations, backup and restore."""


def _url(ctx: Context) -> str:
    try:
        return ctx.db.resolve_url()
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc


@db_group.command("migrate")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def db_migrate(ctx: Context, as_json: bool) -> None:
    """Apply pending numbered migrations (also done automatically on start)."""
    try:
        done = apply_migrations(_url(ctx))
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    if as_json:
        emit_json({"applied": [f"{m.version:03d}_{m.name}" for m in done]})
    elif done:
        for m in done:
            click.echo(f"applied {m.version:03d}_{m.name}")
    else:
        click.echo("database is up to date")


@db_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def db_status(ctx: Context, as_json: bool) -> None:
    """Which migrations are applied, and where the database is."""
    url = _url(ctx)
    status = migration_status(url)
    where = "external" if ctx.settings.database_url else f"embedded ({ctx.settings.data_dir / 'pg'})"
    if as_json:
        emit_json({"database": where,
                   "migrations": [{"version": m.version, "name": m.name, "applied": ok} for m, ok in status]})
        return
    click.echo(f"database: {where}")
    for m, ok in status:
        click.echo(f"  {'applied' if ok else 'pending'}  {m.version:03d}_{m.name}")


@db_group.command("backup")
@click.argument("file", type=click.Path(path_type=Path))
@pass_ctx
def db_backup(ctx: Context, file: Path) -> None:
    """Write a backup (pg_dump custom format) to FILE."""
    try:
        backup(ctx.settings, _url(ctx), file)
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    click.echo(f"backup written to {file}")


@db_group.command("restore")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def db_restore(ctx: Context, file: Path, yes: bool) -> None:
    """Replace the database's contents with a backup made by `caunoi db backup`."""
    if not yes and sys.stdin.isatty():
        click.confirm("This replaces every table's contents. Continue?", abort=True, err=True)
    url = _url(ctx)
    ctx.close()
    try:
        restore(ctx.settings, url, file)
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    click.echo(f"restored from {file}")


COMMANDS = [db_group]
