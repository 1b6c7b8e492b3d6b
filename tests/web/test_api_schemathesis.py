"""Property-based API testing with schemathesis against our own OpenAPI document: no server errors,
responses conform to the documented schemas. Bounded in examples so it stays fast in CI."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from web.app import create_app
from web.db import Database
from web.embedding import embed_profiles_handler
from web.importer import load_files
from web.services.accounts import create_token, create_user
from web.services.profiles import EMBED_JOB, import_records
from web.settings import Settings
from web.worker import Worker

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


@pytest.mark.slow
def test_api_has_no_server_errors_and_keeps_its_schema(api_app: tuple[Any, str]) -> None:
    """Every operation of /api/v1/openapi.json, 25 generated requests each (schemathesis strategies)."""
    app, token = api_app
    api_schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            case.validate_response(response, checks=CHECKS)

        run()
