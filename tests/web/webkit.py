"""Helpers for the web app's HTTP tests: a client on the test database, CSRF tokens, sign-in."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.web.fakes import FakeMatching
from web.app import create_app
from web.db.pool import Database
from web.interchange.importer import load_files
from web.services.accounts import create_user
from web.services.profiles import import_records
from web.settings import Settings
from web.store import users as user_store
from web.store.users import UserRow

DATA = Path(__file__).parent / "data"
PASSWORD = "correct-horse-battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def web_client(settings: Settings, db: Database, matching: Any = None, **kwargs: Any) -> Iterator[TestClient]:
    app = create_app(settings, database=db, matching=matching if matching is not None else FakeMatching(db))
    with TestClient(app, **kwargs) as client:
        yield client


def load_small(db: Database) -> None:
    import_records(db, load_files([DATA / "small.json"]))


def member(db: Database, email: str, owns: tuple[str, ...] = (), role: str = "member") -> UserRow:
    user = create_user(db, email, role, PASSWORD).user
    with db.connection() as conn:
        for pid in owns:
            user_store.insert_owner(conn, user.id, pid)
    return user


def csrf(client: TestClient, path: str = "/login") -> str:
    """The session's CSRF token, read from a page's form."""
    match = _CSRF.search(client.get(path).text)
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def post(client: TestClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST a form (list values repeat a field) with the session's CSRF token, not following redirects."""
    body = {**(data or {}), "csrf_token": csrf(client, "/")}
    return client.post(path, data=body, follow_redirects=False, **kwargs)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    r = post(client, "/login", {"email": email, "password": password})
    assert r.status_code == 303, r.text[:500]
    return r


def scalar(db: Database, sql: str, params: dict[str, Any] | None = None) -> Any:
    """The first column of the first row of a query (tests only)."""
    with db.connection() as conn:
        row = conn.execute(sql, params or {}).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return row[0]


def wait_until(predicate: Callable[[], object], seconds: float = 30.0) -> bool:
    """Whether ``predicate()`` became true within ``seconds`` (checked every 0.1 s)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@contextmanager
def database_with(settings: Settings, **changes: Any) -> Iterator[tuple[Settings, Database]]:
    """The test database under settings with ``changes`` (e.g. a rate limit), as a second pool:
    services read their limits from ``db.settings``."""
    changed = settings.model_copy(update=changes)
    db = Database(changed).open(migrate=False)
    try:
        yield changed, db
    finally:
        db.close()


def cli_runner() -> CliRunner:
    """A CliRunner that keeps stderr apart from stdout (click < 8.2 needs asking; later versions do)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def file_writer(folder: Path) -> Callable[[str, str], str]:
    """``write(name, text)``: the UTF-8 file ``folder/name`` with ``text``; returns its path."""

    def write(name: str, text: str) -> str:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write
