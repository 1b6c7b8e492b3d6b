"""The ranking learned from feedback over HTTP: what members are shown is logged (page and API),
a fit below the minimum of events is refused, a log that beats the engine gives an active version
that re-orders members' matches, switching off and rolling back restore the orders, and only
officers see what it learned and only admins change it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from fastapi.testclient import TestClient

from matcher.results import Match
from tests.web.fakes import FakeMatching
from tests.web.webkit import cli_runner, load_small, member, post, scalar, sign_in, web_client
from web.cli import main
from web.db.pool import Database
from web.services import learning, learning_log
from web.services.accounts import create_token
from web.services.learning_demo import seed_demo_log
from web.settings import Settings
from web.store import impressions as log_store
from web.store import learning as model_store
from web.store.impressions import ShownRow

QUERY = "vn-agrisense"  # the fake engine proposes sg-lionfund (0.6), then fi-nordic-hub and kr-hanpack (0.05 each)
VN = ("vn-chipviet", "vn-agrisense", "vn-hatch-hcm")
FOREIGN = ("kr-hanpack", "sg-lionfund", "fi-nordic-hub")
# a model that turns the fake engine's order round: every component's weight times (1 - 5), so
# the scores become -4 times the engine's (the two equal ones keep the engine's order)
REVERSING = {"coef": {"sectors": -5.0, "modes": -5.0, "dense_reciprocal": -5.0, "competition": -5.0},
             "feature_coef": {}, "max_delta": 100.0}
ENGINE = ["sg-lionfund", "fi-nordic-hub", "kr-hanpack"]
REVERSED = ["fi-nordic-hub", "kr-hanpack", "sg-lionfund"]


def engine_order(db: Database) -> list[str]:
    return [m.id for m in FakeMatching(db).rank(QUERY, k=10)]


def page_order(client: TestClient) -> list[str]:
    html = client.get(f"/matches?profile={QUERY}").text
    return list(dict.fromkeys(re.findall(r'<article class="card" id="match-([a-z0-9-]+)"', html)))


def store_version(db: Database, model: dict | None = REVERSING, status: str = "used", active: bool = True) -> int:
    with db.connection() as conn, conn.transaction():
        version = model_store.insert_model(conn, None, status, {"status": status, "n_events": 0, "n_impressions": 0,
                                                                "n_accounts": 0, "n_queries": 0}, model)
        if active:
            model_store.deactivate_all(conn)
            assert model_store.activate(conn, version)
    return version


def seed_log(db: Database, views: int = 500, seed: int = 0) -> None:
    """Simulated views of three candidates across the border with random components; members
    value the cooperation modes 5 times as much as the engine: of what they examine (rank r
    with probability 1/r) they accept the best by their utility and hide the worst."""
    rng = np.random.RandomState(seed)
    with db.connection() as conn, conn.transaction():
        for _ in range(views):
            q = (VN + FOREIGN)[rng.randint(6)]
            cands = FOREIGN if q in VN else VN
            X = rng.normal(size=(3, 4))
            score = X.sum(1)
            utility = score + 4.0 * X[:, 1]
            order = np.argsort(-score)
            rows = []
            for rank, i in enumerate(order, start=1):
                action = None
                if rng.rand() <= 1.0 / rank:
                    action = "accept" if i == np.argmax(utility) else "hide" if i == np.argmin(utility) else None
                comps = dict(zip(("sectors", "modes", "dense_reciprocal", "stage"), map(float, X[i]), strict=True))
                rows.append(ShownRow(cands[i], rank, float(score[i]), comps, action))
            log_store.insert_view(conn, None, q, rows, "demo")


@contextmanager
def signed_in(db: Database, settings: Settings, role: str, email: str | None = None) -> Iterator[TestClient]:
    email = email or f"{role}@x.example"
    member(db, email, owns=(QUERY,) if role == "member" else (), role=role)
    with web_client(settings, db) as client:
        sign_in(client, email)
        yield client


def test_a_page_view_and_an_api_answer_log_what_was_shown(db: Database, settings: Settings) -> None:
    load_small(db)
    with signed_in(db, settings, "member", "owner@x.example") as client:
        assert client.get(f"/matches?profile={QUERY}").status_code == 200
        learning_log.flush(db)
        shown = engine_order(db)
        with db.connection() as conn:
            rows = conn.execute("SELECT target_id, rank, source, components, user_id FROM impressions"
                                " ORDER BY rank").fetchall()
        assert [r[0] for r in rows] == shown and [r[1] for r in rows] == list(range(1, len(shown) + 1))
        assert {r[2] for r in rows} == {"page"} and all(r[4] is not None for r in rows)
        assert "sectors" in rows[0][3]
        token = {"Authorization": f"Bearer {create_token(db, 'owner@x.example')[1]}"}
        r = client.get(f"/api/v1/profiles/{QUERY}/matches", headers=token)
        assert r.status_code == 200
        learning_log.flush(db)
    assert scalar(db, "SELECT count(*) FROM impressions WHERE source = 'api'") == len(shown)
    assert scalar(db, "SELECT count(DISTINCT view_id) FROM impressions") == 2


def test_a_view_that_cannot_be_logged_costs_only_itself(db: Database) -> None:
    """A batch is written in one transaction; one bad view (a component no JSON column takes) makes
    the writer write the batch again view by view, and only that view is lost."""
    load_small(db)
    uid = member(db, "viewer@x.example").id
    good = [Match("sg-lionfund", 0.6, 50.0, {"sectors": 0.6}), Match("kr-hanpack", 0.05, 5.0, {"sectors": 0.05})]
    bad = [Match("fi-nordic-hub", 0.1, 10.0, {"sectors": float("nan")})]
    learning_log._writer(db)._write([(uid, QUERY, good, "page"), (uid, QUERY, bad, "page"),
                                     (uid, "vn-chipviet", good, "api")])
    with db.connection() as conn:
        rows = conn.execute("SELECT profile_id, target_id, source FROM impressions ORDER BY view_id, rank").fetchall()
    assert rows == [(QUERY, "sg-lionfund", "page"), (QUERY, "kr-hanpack", "page"),
                    ("vn-chipviet", "sg-lionfund", "api"), ("vn-chipviet", "kr-hanpack", "api")]


def test_a_fit_below_the_minimum_of_events_is_refused(db: Database, settings: Settings) -> None:
    load_small(db)
    seed_log(db, views=5)
    with signed_in(db, settings, "admin") as client:
        assert post(client, "/admin/learning/fit").status_code == 303
        page = client.get("/admin/learning").text
    assert scalar(db, "SELECT status FROM learned_models") == "too_few_events"
    assert scalar(db, "SELECT count(*) FROM learned_models WHERE active") == 0
    assert "Quá ít sự kiện, chưa học gì" in page and "Cần ít nhất 200 phản hồi để học" in page


def test_a_log_that_beats_the_engine_is_used_and_says_what_it_learned(db: Database, settings: Settings) -> None:
    load_small(db)
    seed_log(db)
    with signed_in(db, settings.model_copy(update={"learning_min_events": 50}), "admin") as client:
        assert post(client, "/admin/learning/fit").status_code == 303
        vietnamese = client.get("/officer/learning").text
        post(client, "/locale", {"lang": "en"})
        page = client.get("/officer/learning").text
    version = learning.overview(db).active
    assert version is not None and version.summary.used
    assert version.summary.heldout_gain is not None and version.summary.heldout_gain > 0
    assert version.summary.components[0].name == "modes" and version.summary.components[0].change == "gained"
    assert f"Version {version.id}" in page and "Complementary cooperation modes" in page and "gained weight" in page
    assert "Hình thức hợp tác bổ sung" in vietnamese and "Complementary cooperation modes" not in vietnamese


def test_the_active_version_reorders_members_matches_and_the_api(db: Database, settings: Settings) -> None:
    load_small(db)
    engine = engine_order(db)
    assert engine == ENGINE
    with signed_in(db, settings, "member", "owner@x.example") as client:
        assert page_order(client) == engine
        store_version(db)
        assert page_order(client) == REVERSED
        token = {"Authorization": f"Bearer {create_token(db, 'owner@x.example')[1]}"}
        api = client.get(f"/api/v1/profiles/{QUERY}/matches", headers=token).json()
        assert [m["id"] for m in api["matches"]] == REVERSED
        learning_log.flush(db)


def test_switching_off_and_rolling_back_restore_the_orders(db: Database, settings: Settings) -> None:
    load_small(db)
    engine = engine_order(db)
    assert engine == ENGINE
    reversing = store_version(db, active=False)
    neutral = store_version(db, {"coef": {}, "feature_coef": {}, "max_delta": 1.0})
    refused = store_version(db, None, status="not_better", active=False)
    member(db, "owner@x.example", owns=(QUERY,))
    with signed_in(db, settings, "admin") as admin, web_client(settings, db) as owner:
        sign_in(owner, "owner@x.example")
        assert page_order(owner) == engine
        assert post(admin, f"/admin/learning/{reversing}/use").status_code == 303
        assert page_order(owner) == REVERSED
        assert post(admin, "/admin/learning/off").status_code == 303
        assert page_order(owner) == engine
        assert scalar(db, "SELECT count(*) FROM learned_models WHERE active") == 0
        r = post(admin, f"/admin/learning/{refused}/use")
        assert r.status_code == 422 and "Chỉ dùng được phiên bản đã vượt bộ máy" in r.text
        assert post(admin, f"/admin/learning/{neutral}/use").status_code == 303
        assert scalar(db, "SELECT id FROM learned_models WHERE active") == neutral
        assert post(admin, "/admin/learning/999/use").status_code == 404
        with db.connection() as conn:
            actions = [r[0] for r in conn.execute(
                "SELECT action FROM audit_log WHERE entity = 'learned-model' ORDER BY id").fetchall()]
        assert actions == ["activate", "switch-off", "activate"]
        learning_log.flush(db)


@pytest.mark.parametrize("role", ["member", "officer"])
def test_only_admins_change_it_and_only_officers_read_it(db: Database, settings: Settings, role: str) -> None:
    load_small(db)
    version = store_version(db)
    with signed_in(db, settings, role) as client:
        assert client.get("/officer/learning").status_code == (403 if role == "member" else 200)
        assert client.get("/admin/learning").status_code == 403
        for path in ("/admin/learning/fit", "/admin/learning/off", f"/admin/learning/{version}/use"):
            assert post(client, path).status_code == 403, path
        # without the CSRF token even an allowed form is refused
        assert client.post("/admin/learning/off", follow_redirects=False).status_code in (400, 403)
    assert scalar(db, "SELECT count(*) FROM learned_models WHERE active") == 1
    with web_client(settings, db) as anonymous:
        assert anonymous.get("/officer/learning", follow_redirects=False).status_code in (303, 401)


def test_the_cli_fits_reports_switches_and_refuses_unknown_versions(db: Database, settings: Settings) -> None:
    load_small(db)
    seed_log(db)
    base = ["--data-dir", str(settings.data_dir), "--database-url", str(settings.database_url), "learn"]
    runner = cli_runner()
    fitted = runner.invoke(main, [*base, "fit", "--json"], env={"CAUNOI_LEARNING_MIN_EVENTS": "50"})
    assert fitted.exit_code == 0, fitted.output
    out = json.loads(fitted.stdout)
    assert out["status"] == "used" and out["active"] and out["summary"]["components"][0]["name"] == "modes"
    status = json.loads(runner.invoke(main, [*base, "status", "--json"]).stdout)
    assert status["active"] == out["version"] and status["events"] == out["summary"]["n_events"] > 50
    assert "switched off" in runner.invoke(main, [*base, "off"]).stdout
    assert scalar(db, "SELECT count(*) FROM learned_models WHERE active") == 0
    unknown = runner.invoke(main, [*base, "use", "999"])
    assert unknown.exit_code == 1 and "does not exist" in unknown.stderr
    assert runner.invoke(main, [*base, "use", str(out["version"])]).exit_code == 0
    assert scalar(db, "SELECT id FROM learned_models WHERE active") == out["version"]


def test_the_demo_log_is_marked_and_stays_out_of_members_feedback(db: Database) -> None:
    load_small(db)
    result = seed_demo_log(db, FakeMatching(db), views=200)
    assert result.views == 200 and result.events > 0 and result.profiles >= 2
    assert scalar(db, "SELECT count(*) FROM impressions WHERE source <> 'demo'") == 0
    assert scalar(db, "SELECT count(*) FROM impressions WHERE demo_action IS NOT NULL") == result.events
    assert scalar(db, "SELECT count(*) FROM feedback") == 0 and scalar(db, "SELECT count(*) FROM introductions") == 0
    assert learning.overview(db).events == result.events
    seed_demo_log(db, FakeMatching(db), views=50)  # replaces, never adds up
    assert scalar(db, "SELECT count(DISTINCT view_id) FROM impressions") == 50
