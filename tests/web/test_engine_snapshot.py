"""The fitted index saved beside the data (``web.matching.persisted``): a process that starts loads
it instead of fitting, brought up to the database's profiles; other code or settings refit."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from matcher.persist import SnapshotMismatch, load_engine, save_engine
from tests.web.demo_support import load_sample
from web.cli.cache import seed_cache
from web.db.pool import Database
from web.interchange.samples import REPO_PROFILES
from web.jobs.embed import embed_profiles_handler
from web.jobs.worker import Worker
from web.matching import MatchingService
from web.matching.embedding import make_embedder
from web.matching.persisted import snapshot_path
from web.services.profiles import import_records
from web.settings import Settings
from web.store.jobs import EMBED_JOB


def _loaded(settings: Settings, db: Database) -> MatchingService:
    service = MatchingService(settings, db)
    service.load()
    return service


def _top(service: MatchingService, pid: str) -> list[tuple[str, float]]:
    return [(m.id, round(m.score, 4)) for m in service.rank(pid, k=10)]


def _embedded_sample(db: Database, settings: Settings) -> None:
    load_sample(db)
    seed_cache(db, REPO_PROFILES / "ecosystem.vectors.npz", make_embedder(settings).name)
    Worker(db, {EMBED_JOB: embed_profiles_handler(settings)}).drain()


@pytest.mark.slow
def test_a_restart_loads_the_saved_index_with_what_changed_meanwhile(
        db: Database, settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    """The process that kept running (fit, then the changes applied as they came) and the one
    that starts after them (the saved fit, the changes applied at load) rank alike."""
    saving = settings.model_copy(update={"engine_snapshot_min_profiles": 0})
    path = snapshot_path(saving, make_embedder(saving).name)
    path.unlink(missing_ok=True)
    _embedded_sample(db, saving)
    running = _loaded(saving, db)
    try:
        assert path.exists()
        assert running.live.published is not None
        size = len(running.live.published.index_)
        # one profile rewritten, one new, one deleted (the embedding worker does its part)
        changed: dict[str, Any] = {
            "id": "vn-senvang-ic-design", "kind": "startup", "name": "Sen Vang IC Design", "country": "VN",
            "description": "Rice straw pellets for biomass boilers in the Mekong Delta.",
            "offers": "Pellet supply.", "needs": "A boiler maker.", "sectors": ["agritech"]}
        newcomer = {"id": "kr-newcomer-test", "kind": "partner", "name": "Newcomer Test Co.", "country": "KR",
                    "description": "Analog IC design services and tape-out reviews for power-management chips.",
                    "offers": "Design reviews.", "needs": "A Vietnamese design team.", "sectors": ["semiconductors"]}
        import_records(db, [changed, newcomer])
        with db.connection() as conn:
            conn.execute("DELETE FROM profiles WHERE id = 'kr-hanbit-semicon'")
        Worker(db, {EMBED_JOB: embed_profiles_handler(saving)}).drain()
        running.refresh(["vn-senvang-ic-design", "kr-newcomer-test", "kr-hanbit-semicon"])

        with caplog.at_level(logging.INFO, logger="web.matching.persisted"):
            started = _loaded(saving, db)
        try:
            assert "the saved engine loaded" in caplog.text and "(2 changed, 1 gone)" in caplog.text
            engine = started.live.published
            assert engine is not None and len(engine.index_) == size
            assert "kr-hanbit-semicon" not in engine.index_.row_of and "kr-newcomer-test" in engine.index_.row_of
            for pid in ("vn-senvang-ic-design", "no-fjord-ras-aquatech", "kr-newcomer-test", "vn-kinhbac-wirebond"):
                assert _top(started, pid) == _top(running, pid), pid
        finally:
            started.stop()
    finally:
        running.stop()


@pytest.mark.slow
def test_a_file_of_other_settings_or_code_is_not_used(db: Database, settings: Settings,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    saving = settings.model_copy(update={"engine_snapshot_min_profiles": 0})
    path = snapshot_path(saving, make_embedder(saving).name)
    path.unlink(missing_ok=True)
    _embedded_sample(db, saving)
    _loaded(saving, db).stop()
    other = saving.model_copy(update={"shortlist": saving.shortlist + 1})
    with caplog.at_level(logging.INFO, logger="web.matching.persisted"):
        _loaded(other, db).stop()
    assert "the saved engine is not used" in caplog.text and "fingerprint" in caplog.text
    # the fit just done under the other settings replaced the file: it loads under them only
    assert load_engine(path, make_embedder(other), None, _fingerprint_of(other, db))[0] is not None
    path.write_bytes(b"not a pickle")
    with pytest.raises(SnapshotMismatch, match="not an engine file"):
        load_engine(path, make_embedder(other))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="web.matching.persisted"):
        service = _loaded(other, db)
    try:  # a damaged file: fitted, served, saved again
        assert "not an engine file" in caplog.text and service.live.published is not None
        assert load_engine(path, make_embedder(other), None, _fingerprint_of(other, db))[0] is not None
    finally:
        service.stop()


def test_below_the_threshold_nothing_is_saved(db: Database, settings: Settings) -> None:
    small = settings.model_copy(update={"engine_snapshot_min_profiles": 100_000})
    path = snapshot_path(small, make_embedder(small).name)
    path.unlink(missing_ok=True)
    import_records(db, [{"id": "vn-one", "kind": "startup", "name": "One", "country": "VN",
                         "description": "Rice straw pellets.", "needs": "A boiler maker."}])
    Worker(db, {EMBED_JOB: embed_profiles_handler(small)}).drain()
    _loaded(small, db).stop()
    assert not path.exists()


def _fingerprint_of(settings: Settings, db: Database) -> str:
    from web.matching.engine_config import build_engine
    from web.matching.persisted import fingerprint

    return fingerprint(build_engine(settings, db))


def test_save_engine_writes_atomically(tmp_path: Any) -> None:
    """A failed write leaves the previous file whole and no temporary file behind."""
    from matcher.engine import Engine

    class Broken:
        def __reduce__(self) -> Any:
            raise RuntimeError("cannot pickle")

    path = tmp_path / "engine.pkl"
    path.write_bytes(b"previous")
    engine = Engine.__new__(Engine)
    engine.__dict__.update({"index_": [], "embedder_": make_embedder(Settings(data_dir=tmp_path)), "broken": Broken()})
    with pytest.raises(RuntimeError, match="cannot pickle"):
        save_engine(engine, path)
    assert path.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["engine.pkl"]
