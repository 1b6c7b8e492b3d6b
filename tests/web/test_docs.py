"""Docs that cannot drift: every setting and every CLI command is in the README."""

from __future__ import annotations

from pathlib import Path

import click

from web.cli import main
from web.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "caunoi") -> list[str]:
    out = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            out.extend(command_paths(command, path))
        else:
            out.append(path)
    return out


def test_every_setting_is_in_the_configuration_table() -> None:
    missing = [name for name in Settings.model_fields if f"`CAUNOI_{name.upper()}`" not in README]
    assert not missing, f"document these settings in the README: {missing}"


def test_every_cli_command_is_in_the_cli_reference() -> None:
    missing = []
    for path in command_paths(main):
        *group, leaf = path.split(" ")
        head = " ".join(group)
        # a row may list sibling sub-commands as `caunoi users list|set-role ...`
        if f"`{path}" not in README and not any(
            f"`{head} " in line and leaf in line for line in README.splitlines() if line.startswith("|")
        ):
            missing.append(path)
    assert not missing, f"document these commands in the README: {missing}"


def test_every_command_has_help() -> None:
    for path in command_paths(main):
        command = main
        for part in path.split(" ")[1:]:
            command = command.commands[part]  # type: ignore[attr-defined]
        assert command.help or command.short_help, f"{path} has no help text"
