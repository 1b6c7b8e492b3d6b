"""Fuzzing the API: schemathesis against our own OpenAPI document (valid requests keep the documented
statuses and schemas; requests that break the schema get no server error), then the nasty values of
``tests.web.nasty`` in every parameter and the JSON bodies Python reads badly, through the real
matching service. Bounded in examples so it stays fast in CI; the inputs sent are counted."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.web.nasty import NASTY, app_routes, encoded
from web.app import create_app
from web.db.pool import Database
from web.interchange.importer import load_files
from web.jobs.embed import embed_profiles_handler
from web.jobs.worker import Worker
from web.services.accounts import create_token, create_user
from web.services.profiles import import_records
from web.settings import Settings
from web.store.jobs import EMBED_JOB

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def api_app(database: Database, settings: Settings) -> Iterator[tuple[Any, str]]:
    from fastapi.testclient import TestClient

    from tests.conftest import truncate_all

    truncate_all(database)
    import_records(database, load_files([DATA / "small.json"]))
    Worker(database, {EMBED_JOB: embed_profiles_handler(settings)}).drain()
    create_user(database, "fuzz@x.example", "officer", "a-long-password")
    token = create_token(database, "fuzz@x.example")[1]
    app = create_app(settings, database=database)
    with TestClient(app) as client:  # runs the lifespan: database, matching index
        deadline = time.monotonic() + 30
        while not app.state.matching.ready and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.get("/readyz").status_code == 200
        yield app, token


CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# generated requests per operation: schema-valid ones, then ones that break the schema
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 40}


def _generated(operation: Any, mode: GenerationMode, token: str) -> int:
    """Send ``operation`` the requests schemathesis generates in ``mode``; returns how many."""
    checks = CHECKS if mode is GenerationMode.POSITIVE else [not_a_server_error]
    sent = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES[mode], deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: Any) -> None:
        nonlocal sent
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        sent += 1
        case.validate_response(response, checks=checks)

    run()
    return sent


@pytest.mark.slow
def test_api_has_no_server_errors_and_keeps_its_schema(api_app: tuple[Any, str]) -> None:
    """Every operation of /api/v1/openapi.json, with generated valid and invalid requests
    (schemathesis strategies): valid ones keep the documented statuses and schemas, none is a 5xx."""
    app, token = api_app
    api_schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 6
    sent = sum(_generated(operation, mode, token) for mode in EXAMPLES for operation in operations)
    print(f"\napi fuzz (schemathesis): {sent} generated requests to {len(operations)} operations")
    assert sent >= 300


# the JSON bodies Python's json module reads badly (issue 12): each refused as invalid input
_RECORD = {"kind": "startup", "name": "X", "country": "VN", "description": "Chip design."}
BAD_BODIES = [
    json.dumps(_RECORD)[:-1] + ', "offers": "a \\ud800 b"}',
    json.dumps(_RECORD)[:-1] + ', "documents": ' + "[" * 5000 + "]" * 5000 + "}",
    json.dumps(_RECORD)[:-1] + ', "employees": ' + "9" * 4301 + "}",
    json.dumps(_RECORD)[:-1] + ', "employees": ' + "1" + "0" * 400 + "}",
    json.dumps(_RECORD)[:-1] + ', "partner_type": "investor"}',
    json.dumps(_RECORD)[:-1] + ', "offers": "a \\u0000 b"}',
    json.dumps(_RECORD)[:-1] + ', "website": "' + "x" * 100_000 + '"}',
    "[" * 100_000, '{"a": ' * 3000, "1" * 5000, "\ufeff{}", "null", "[]", "",
]


def _api_operations(app: Any) -> Iterator[tuple[str, str, list[str], list[str]]]:
    """(method, path, path parameters, query parameters) of every /api/v1 route."""
    for path, route in app_routes(app):
        if path.startswith("/api/v1/") and "openapi" not in path:
            query = [p.alias for p in route.dependant.query_params]
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield method, path, [p.alias for p in route.dependant.path_params], query


@pytest.mark.slow
def test_api_answers_nasty_parameters_and_bodies_without_a_server_error(api_app: tuple[Any, str]) -> None:
    """Every nasty value in every path and query parameter of every operation, and the bad bodies
    to PUT /profiles and POST /score: no 5xx, no traceback; the bodies are refused (4xx)."""
    from fastapi.testclient import TestClient

    app, token = api_app
    auth = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    sent = 0
    with TestClient(app, raise_server_exceptions=False) as client:
        operations = list(_api_operations(app))
        assert len(operations) >= 6
        for method, path, path_params, query in operations:
            for name in [*path_params, *query]:
                for value in NASTY:
                    text = encoded(value if len(value) < 2000 else value[:2000])
                    url = path
                    for p in path_params:
                        url = url.replace("{" + p + "}", text if p == name else "vn-chipviet")
                    if name in query:
                        url += f"?{name}={text}" + ("&q=chip" if name != "q" and "q" in query else "")
                    r = client.request(method, url, headers=auth | {"Content-Type": "application/json"},
                                       content=json.dumps({"a": "vn-chipviet", "b": "kr-hanpack"}))
                    sent += 1
                    if r.status_code >= 500 or "Traceback" in r.text:
                        failures.append(f"{method} {path} {name}={value[:40]!r}: {r.status_code} {r.text[:200]}")
        for body in BAD_BODIES:
            for method, path in (("PUT", "/api/v1/profiles/vn-fuzz"), ("POST", "/api/v1/score")):
                r = client.request(method, path, content=body.encode("utf-8", "surrogatepass"),
                                   headers=auth | {"Content-Type": "application/json"})
                sent += 1
                if not 400 <= r.status_code < 500:
                    failures.append(f"{method} {path} {body[:60]!r}: {r.status_code} {r.text[:200]}")
    print(f"\napi fuzz (nasty values): {sent} requests")
    assert sent >= 300
    assert not failures, "\n".join(failures[:30])
