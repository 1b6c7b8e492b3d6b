"""``caunoi learn``: the ranking learned from members' feedback (``web.services.learning``)."""

from __future__ import annotations

from typing import Any

import click

from web.cli.context import CliError, Context, emit_json, pass_ctx
from web.errors import DomainError
from web.services import learning
from web.services.learning import Version


def _version(v: Version) -> dict[str, Any]:
    return {"version": v.id, "created_at": v.row.created_at.isoformat(), "status": v.summary.status,
            "active": v.row.active, "summary": v.summary.to_dict()}


def _echo(v: Version) -> None:
    s = v.summary
    click.echo(f"version {v.id}: {s.status}{' (active)' if v.row.active else ''}; {s.n_events} events from "
               f"{s.n_accounts} accounts on {s.n_queries} profiles")
    if s.heldout_gain is not None:
        click.echo(f"  held-out pairwise accuracy: engine {s.heldout_engine:.3f}, learned {s.heldout_learned:.3f} "
                   f"(gain {s.heldout_gain:+.3f} ± {s.heldout_se:.3f})")
    for c in s.components:
        if c.change != "unchanged":
            click.echo(f"  {c.name}: weight x{c.multiplier:.2f} ({c.change})")


@click.group("learn")
def learn() -> None:
    """The ranking learned from members' feedback: fit, status, switch off, roll back, demo log."""


@learn.command("fit")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def fit_cmd(ctx: Context, as_json: bool) -> None:
    """Fit a new version on the impression log; it becomes active only if it beats the engine."""
    version = learning.fit(ctx.db)
    if as_json:
        emit_json(_version(version))
    else:
        _echo(version)


@learn.command("status")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def status_cmd(ctx: Context, as_json: bool) -> None:
    """The log's size, the settings and every version."""
    o = learning.overview(ctx.db)
    if as_json:
        emit_json({"impressions": o.impressions, "views": o.views, "events": o.events, "demo_impressions": o.demo,
                   "min_events": o.min_events, "enabled": o.enabled,
                   "active": o.active.id if o.active else None, "versions": [_version(v) for v in o.versions]})
        return
    click.echo(f"{o.impressions} impressions in {o.views} views ({o.demo} demo), {o.events} feedback events; "
               f"fits need {o.min_events}; learning {'on' if o.enabled else 'off (CAUNOI_LEARNING_ENABLED)'}")
    for v in o.versions:
        _echo(v)


@learn.command("off")
@pass_ctx
def off_cmd(ctx: Context) -> None:
    """Switch the learned ranking off: members see the engine's order."""
    was = learning.switch_off(ctx.db, None)
    click.echo("switched off" if was else "no version was active")


@learn.command("use")
@click.argument("version", type=int)
@pass_ctx
def use_cmd(ctx: Context, version: int) -> None:
    """Make an earlier version active again (a roll-back)."""
    try:
        learning.activate(ctx.db, None, version)
    except DomainError as exc:
        raise CliError(exc.message) from exc
    click.echo(f"version {version} is active")


@learn.command("demo")
@click.option("--views", type=click.IntRange(1, 100_000), default=800, show_default=True)
@click.option("--clear", is_flag=True, help="Only remove the demo log.")
@pass_ctx
def demo_cmd(ctx: Context, views: int, clear: bool) -> None:
    """Write a simulated impression/feedback log (marked demo) over the stored profiles."""
    from web.services.learning_demo import seed_demo_log
    from web.store import impressions as log_store

    if clear:
        with ctx.connection() as conn:
            click.echo(f"removed {log_store.delete_demo_log(conn)} demo impressions")
        return
    with ctx.matching() as service:
        result = seed_demo_log(ctx.db, service(), views=views)
    click.echo(f"demo log: {result.views} views of {result.profiles} profiles, {result.events} events")


COMMANDS = [learn]
