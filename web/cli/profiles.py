"""``caunoi import``, ``export``, ``profiles list|show|delete`` and ``stats``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from web.cli.context import CliError, Context, emit_json, pass_ctx
from web.errors import NotFound
from web.interchange.importer import FORMATS, ImportFailed, export_lines, load_files
from web.services.profiles import delete_profile, import_records
from web.services.visibility import OPERATOR, record_for, records_for
from web.store import profiles as store

KINDS = ("startup", "incubator", "cluster", "partner")


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Force a format (default: from the file name, then the content).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_ctx
def import_cmd(ctx: Context, files: tuple[Path, ...], fmt: str | None, as_json: bool) -> None:
    """Upsert profiles by id from JSON arrays, JSON Lines or CSV, all in ONE transaction.

    CSV list fields are separated by ';'. If any record is invalid nothing is written, each
    problem is printed (file, record or line, id, field, reason) and the exit status is 1.
    """
    try:
        records = load_files(list(files), fmt)
    except ImportFailed as exc:
        for problem in exc.problems:
            click.echo(f"caunoi: {problem}", err=True)
        raise CliError(f"{len(exc.problems)} problem(s) found; nothing was imported") from None
    counts = import_records(ctx.db, records, actor="cli", progress=len(records) >= 500)
    if as_json:
        emit_json({"imported": counts.imported, "updated": counts.updated, "unchanged": counts.unchanged})
    else:
        click.echo(f"imported {counts.imported}, updated {counts.updated}, unchanged {counts.unchanged}")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS), help="Only these kinds (repeatable).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="Write to FILE instead of stdout.")
@click.option("--excel-safe", is_flag=True,
              help="CSV for a spreadsheet: text starting like a formula (= + - @) gets a leading apostrophe. "
                   "Not for importing again.")
@pass_ctx
def export_cmd(ctx: Context, fmt: str, kinds: tuple[str, ...], output: Path | None, excel_safe: bool) -> None:
    """Write profiles in the import format (export → import → export is byte-identical).

    With --excel-safe (CSV only) the file is meant for a spreadsheet: no cell runs as a formula.
    """
    if excel_safe and fmt != "csv":
        raise click.UsageError("--excel-safe applies to --format csv")
    with ctx.connection() as conn:
        records = records_for(conn, OPERATOR, store.list_records(conn, list(kinds) or None))
    chunks = export_lines(records, fmt, excel_safe=excel_safe)
    if output is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()
    else:
        with output.open("w", encoding="utf-8", newline="") as fh:
            for chunk in chunks:
                fh.write(chunk)
        click.echo(f"exported {len(records)} profiles to {output}", err=True)


@click.group("profiles")
def profiles_group() -> None:
    """List, show and delete stored profiles."""


@profiles_group.command("list")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS))
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def profiles_list(ctx: Context, kinds: tuple[str, ...], as_json: bool) -> None:
    """One line per profile: id, kind, country, name."""
    with ctx.connection() as conn:
        rows = store.list_profiles(conn, list(kinds) or None)
    if as_json:
        emit_json([{"id": r.id, "kind": r.kind, "country": r.country, "name": r.name,
                    "revision": r.revision, "updated_at": r.updated_at.isoformat()} for r in rows])
        return
    for r in rows:
        click.echo(f"{r.id:<40} {r.kind:<10} {r.country}  {r.name}")
    click.echo(f"{len(rows)} profiles", err=True)


@profiles_group.command("show")
@click.argument("profile_id")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def profiles_show(ctx: Context, profile_id: str, as_json: bool) -> None:
    """The full record of one profile (the import format)."""
    with ctx.connection() as conn:
        row = store.get_profile(conn, profile_id)
        if row is None:
            raise CliError(f"no profile with id {profile_id!r}")
        record = record_for(conn, OPERATOR, row.record)
    if as_json:
        emit_json({**record, "_revision": row.revision, "_updated_at": row.updated_at.isoformat()})
        return
    for key, value in record.items():
        if key == "documents":
            for i, doc in enumerate(value):
                click.echo(f"document[{i}]: {doc.get('title', '')} — {doc['text'][:200]}")
        else:
            click.echo(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    click.echo(f"revision: {row.revision}  updated: {row.updated_at:%Y-%m-%d %H:%M}")


@profiles_group.command("delete")
@click.argument("profile_id")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def profiles_delete(ctx: Context, profile_id: str, as_json: bool) -> None:
    """Delete one profile (and its texts, ownership and matches)."""
    try:
        delete_profile(ctx.db, profile_id, None, actor="cli")
    except NotFound as exc:
        raise CliError(exc.message) from None
    if as_json:
        emit_json({"deleted": profile_id})
    else:
        click.echo(f"deleted {profile_id}")


@click.command("stats")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def stats_cmd(ctx: Context, as_json: bool) -> None:
    """Counts by kind, side, country, sector and working language."""
    with ctx.connection() as conn:
        stats = store.profile_stats(conn)
        total = store.count_profiles(conn)
    if as_json:
        emit_json({"total": total, **stats})
        return
    click.echo(f"profiles: {total}")
    for name, counts in stats.items():
        click.echo(f"\nby {name}:")
        for key, n in counts.items():
            click.echo(f"  {key:<28} {n:>6}")


COMMANDS = [import_cmd, export_cmd, profiles_group, stats_cmd]
