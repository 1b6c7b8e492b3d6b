"""The serving state kept in the process (``web.services.serving``): read once, and read again on
the next request after any change of the learned model switched on, the exposure re-ranking or the
anonymous set, written through another host (another pool on the same database) included; a profile's
existence answers with the token; emptied tables (no token row) are read on every request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.web.webkit import DATA, load_small
from web.db.pool import Database
from web.interchange.importer import load_files
from web.services import serving
from web.services.profiles import import_records
from web.settings import Settings
from web.store import exposure as exposure_store
from web.store import learning as model_store

MODEL = {"coef": {"sectors": 1.0}, "feature_coef": {}, "max_delta": 1.0}


@pytest.fixture
def other(db: Database, settings: Settings) -> Iterator[Database]:
    """A second host's pool on the same database."""
    second = Database(settings).open(migrate=False)
    try:
        yield second
    finally:
        second.close()


def state(db: Database, profile_id: str | None = None) -> tuple[serving.Serving, bool]:
    with db.connection() as conn:
        return serving.current(db, conn, profile_id)


def test_nothing_changed_the_state_read_before_is_served(db: Database) -> None:
    load_small(db)
    first, _ = state(db)
    again, _ = state(db)
    assert first.token is not None and again is first


def test_a_change_through_another_host_counts_on_the_next_request(db: Database, other: Database) -> None:
    load_small(db)
    before, _ = state(db)
    assert before.model is None and before.exposure is None and before.anonymous == frozenset()

    with other.connection() as conn, conn.transaction():  # learning: a version switched on
        version = model_store.insert_model(conn, None, "used", {}, MODEL)
        assert model_store.activate(conn, version)
    learned, _ = state(db)
    assert learned.token != before.token and learned.model is not None and learned.model.coef == {"sectors": 1.0}

    with other.connection() as conn, conn.transaction():  # exposure: an audit's counts, then the switch
        exposure_store.replace_counts(conn, [("vn-chipviet", 4), ("kr-hanpack", 8)], datetime(2026, 12, 6, tzinfo=UTC))
        exposure_store.upsert_reranking(conn, True, 0.5, None)
    on, _ = state(db)
    assert on.exposure is not None and (on.exposure.strength, on.exposure.mean) == (0.5, 6.0)
    with other.connection() as conn:
        exposure_store.upsert_reranking(conn, True, 0.8, None)
    assert state(db)[0].exposure == type(on.exposure)(0.8, 6.0)

    record = {**load_files([DATA / "small.json"])[0]}
    import_records(other, [{**record, "visibility": "anonymous"}])  # a profile turns anonymous
    hidden, _ = state(db)
    assert hidden.anonymous == frozenset({record["id"]})
    import_records(other, [{**record, "visibility": "public"}])  # and back
    assert state(db)[0].anonymous == frozenset()

    with other.connection() as conn:  # switched off
        model_store.deactivate_all(conn)
    assert state(db)[0].model is None


def test_an_edit_that_keeps_the_anonymous_set_keeps_the_token(db: Database) -> None:
    load_small(db)
    before, _ = state(db)
    record = load_files([DATA / "small.json"])[0]
    import_records(db, [{**record, "description": record["description"] + " Thêm một câu."}])
    assert state(db)[0] is before


def test_the_profile_asked_for_is_looked_up_with_the_token(db: Database) -> None:
    load_small(db)
    record = load_files([DATA / "small.json"])[0]
    assert state(db, record["id"])[1] is True
    assert state(db, "no-such-profile")[1] is False
    assert state(db, None)[1] is False


def test_emptied_tables_are_read_on_every_request_until_the_next_change(db: Database) -> None:
    with db.connection() as conn:
        conn.execute("DELETE FROM serving_generation")
    first, _ = state(db)
    assert first.token is None and state(db)[0] is not first  # nothing to trust: read again
    load_small(db)
    record = load_files([DATA / "small.json"])[0]
    import_records(db, [{**record, "visibility": "anonymous"}])  # the next change writes a token
    kept, _ = state(db)
    assert kept.token is not None and kept.anonymous == frozenset({record["id"]}) and state(db)[0] is kept
