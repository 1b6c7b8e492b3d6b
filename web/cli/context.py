"""What every ``caunoi`` command shares: the ``Context`` (settings, database, matching service),
the user-facing error, and JSON output. Command modules import this module, never the group."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from web.db.pool import Database
from web.db.server import DatabaseError
from web.matching.service import MatchingService
from web.settings import Settings


class CliError(click.ClickException):
    """A user-facing failure: message to stderr, exit status 1 (or ``exit_code``)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file: Any = None) -> None:
        click.echo(f"caunoi: error: {self.format_message()}", err=True)


class Context:
    """What every command gets: the settings, the database opened on first use, and the matching
    service for the commands that need one (``matching``)."""

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

    @contextmanager
    def matching(self) -> Iterator[Callable[[], MatchingService]]:
        """Within the block, a function giving the matching service of the settings. It is built
        and loaded (fitted on every embedded profile: seconds to minutes) on its first call only,
        so a command that finds every score stored pays nothing; it is stopped when the block ends."""
        built: list[MatchingService] = []

        def service() -> MatchingService:
            if not built:
                built.append(MatchingService(self.settings, self.db))
                built[0].load()
            return built[0]

        try:
            yield service
        finally:
            for started in built:
                started.stop()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


pass_ctx = click.make_pass_decorator(Context)


def emit_json(obj: Any) -> None:
    """Write one JSON document to stdout (UTF-8, not ASCII-escaped)."""
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))
