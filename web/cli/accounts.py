"""``caunoi users add|list|set-role|disable|enable`` and ``caunoi tokens create|list|revoke``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from web.cli.context import CliError, Context, emit_json, pass_ctx
from web.errors import DomainError
from web.services import accounts
from web.store import users as user_store
from web.store.users import ROLES


def _call(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return fn(*args, **kwargs)
    except DomainError as exc:
        raise CliError(exc.message) from None


@click.group("users")
def users_group() -> None:
    """User accounts (shared with the web app)."""


@users_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (else one is generated and printed once).")
@click.option("--name", "display_name", default=None, help="Display name.")
@click.option("--owns", "owns", multiple=True, help="Profile id this member owns (repeatable).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def users_add(ctx: Context, email: str, role: str, password_stdin: bool, display_name: str | None,
              owns: tuple[str, ...], as_json: bool) -> None:
    """Create a user."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    new = _call(accounts.create_user, ctx.db, email, role, password, display_name, actor="cli")
    for profile_id in owns:
        _call(accounts.add_owner, ctx.db, new.user.id, profile_id)
    if as_json:
        emit_json({"id": new.user.id, "email": new.user.email, "role": new.user.role,
                   "password": new.password, "owns": list(owns)})
        return
    click.echo(f"created user {new.user.email} (id {new.user.id}, role {new.user.role})")
    if new.password:
        click.echo(f"password (shown once): {new.password}")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def users_list(ctx: Context, as_json: bool) -> None:
    """All users with role, state and owned profiles."""
    with ctx.connection() as conn:
        users = user_store.list_users(conn)
        owned = {u.id: user_store.list_owned_profile_ids(conn, u.id) for u in users}
    if as_json:
        emit_json([{"id": u.id, "email": u.email, "role": u.role, "disabled": u.disabled,
                    "created_at": u.created_at.isoformat(), "profiles": owned[u.id]} for u in users])
        return
    for u in users:
        state = "disabled" if u.disabled else "active"
        click.echo(f"{u.id:>5}  {u.email:<36} {u.role:<8} {state:<8} {', '.join(owned[u.id])}")


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@pass_ctx
def users_set_role(ctx: Context, email: str, role: str) -> None:
    """Change a user's role."""
    user = _call(accounts.set_role, ctx.db, email, role)
    click.echo(f"{user.email} is now {user.role}")


@users_group.command("disable")
@click.argument("email")
@pass_ctx
def users_disable(ctx: Context, email: str) -> None:
    """Disable a user (cannot log in, web sessions end at once; API tokens stop working within 10 s)."""
    user = _call(accounts.set_disabled, ctx.db, email, True)
    click.echo(f"{user.email} is disabled")


@users_group.command("enable")
@click.argument("email")
@pass_ctx
def users_enable(ctx: Context, email: str) -> None:
    """Enable a disabled user again."""
    user = _call(accounts.set_disabled, ctx.db, email, False)
    click.echo(f"{user.email} is enabled")


@click.group("tokens")
def tokens_group() -> None:
    """API bearer tokens (stored hashed; shown once)."""


@tokens_group.command("create")
@click.argument("email")
@click.option("--name", default="", help="A label for the token.")
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None,
              help="Refuse the token this many days from now (default: valid until revoked).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def tokens_create(ctx: Context, email: str, name: str, expires_days: int | None, as_json: bool) -> None:
    """Create a token for EMAIL and print it once."""
    token_id, token = _call(accounts.create_token, ctx.db, email, name, expires_days=expires_days)
    if as_json:
        emit_json({"id": token_id, "token": token, "email": email, "name": name, "expires_days": expires_days})
    else:
        click.echo(token)
        click.echo(f"token id {token_id} for {email}; store it now, it is not shown again", err=True)


@tokens_group.command("list")
@click.option("--email", default=None, help="Only this user's tokens.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def tokens_list(ctx: Context, email: str | None, as_json: bool) -> None:
    """Tokens (never their values)."""
    user_id = _call(accounts.require_user, ctx.db, email).id if email else None
    with ctx.connection() as conn:
        tokens = user_store.list_tokens(conn, user_id)
    if as_json:
        emit_json([{"id": t.id, "user_id": t.user_id, "name": t.name, "created_at": t.created_at.isoformat(),
                    "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                    "expires_at": t.expires_at.isoformat() if t.expires_at else None,
                    "revoked": t.revoked_at is not None} for t in tokens])
        return
    now = datetime.now(UTC)
    for t in tokens:
        state = "revoked" if t.revoked_at else "expired" if t.expires_at and t.expires_at <= now else "active"
        until = f"until {t.expires_at:%Y-%m-%d %H:%M}" if t.expires_at else ""
        click.echo(f"{t.id:>5}  user {t.user_id:<5} {state:<8} {until:<22} {t.name}")


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@pass_ctx
def tokens_revoke(ctx: Context, token_id: int) -> None:
    """Revoke a token by its id."""
    _call(accounts.revoke_token, ctx.db, token_id)
    click.echo(f"token {token_id} revoked")


COMMANDS = [users_group, tokens_group]
