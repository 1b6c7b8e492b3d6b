"""Rate limits in PostgreSQL: anonymous searches (API and directory) per client address, members per
account with a larger budget, 429 with Retry-After on pages and in the API, one budget shared by
every app instance on the database, exact counts under concurrency, windows that end and are pruned;
and API tokens that expire."""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner

from tests.web.webkit import database_with, load_small, member, scalar, sign_in, web_client
from web.cli import main
from web.db.pool import Database
from web.errors import RateLimited
from web.services import ratelimit
from web.services.accounts import create_token
from web.settings import Settings
from web.store import ratelimits as store

LIMITS = {"ratelimit_search_client": 2, "ratelimit_search_account": 4}


def test_anonymous_api_searches_are_limited_per_client_and_tokens_have_their_own_budget(
        db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "m@x.example")
    bearer = {"Authorization": f"Bearer {create_token(db, 'm@x.example')[1]}"}
    with database_with(settings, **LIMITS) as (limited, limited_db), web_client(limited, limited_db) as c:
        codes = [c.get("/api/v1/search", params={"q": "chip"}).status_code for _ in range(2)]
        r = c.get("/api/v1/search", params={"q": "chip"})
        assert codes == [200, 200] and r.status_code == 429
        assert r.headers["content-type"].startswith("application/problem+json")
        assert 0 < int(r.headers["retry-after"]) <= 60 and r.json()["title"] == "Too many requests"
        codes = [c.get("/api/v1/search", params={"q": "chip"}, headers=bearer).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 200, 429]
        assert c.get("/api/v1/profiles").status_code == 200  # only searches spend the budget


def test_directory_searches_are_limited_per_client_then_per_account(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "m@x.example")
    with database_with(settings, **LIMITS) as (limited, limited_db), web_client(limited, limited_db) as c:
        assert [c.get("/directory", params={"q": "chip"}).status_code for _ in range(3)] == [200, 200, 429]
        r = c.get("/directory", params={"q": "shrimp"})
        assert r.status_code == 429 and "retry-after" in r.headers and "Có quá nhiều lượt tìm kiếm" in r.text
        r = c.get("/directory", params={"q": "chip"}, headers={"HX-Request": "true"})
        assert r.status_code == 429 and r.headers["HX-Retarget"] == "#messages" and "retry-after" in r.headers
        assert c.get("/directory").status_code == 200 and c.get("/directory?q=").status_code == 200  # no search
        sign_in(c, "m@x.example")
        codes = [c.get("/directory", params={"q": "chip"}).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 200, 429]


def test_two_app_instances_on_one_database_share_the_budget(db: Database, settings: Settings) -> None:
    """Before: each worker process kept its own in-memory counter."""
    load_small(db)
    with database_with(settings, **LIMITS) as (limited, limited_db), \
            web_client(limited, limited_db) as one, web_client(limited, limited_db) as two:
        assert one.app is not two.app
        assert one.get("/api/v1/search", params={"q": "chip"}).status_code == 200
        assert two.get("/api/v1/search", params={"q": "chip"}).status_code == 200
        assert one.get("/api/v1/search", params={"q": "chip"}).status_code == 429
        assert two.get("/directory", params={"q": "chip"}).status_code == 429


def test_concurrent_hits_are_counted_exactly(db: Database) -> None:
    limit = ratelimit.Limit("test", 1000, 60)
    seen: list[int] = []
    lock = threading.Lock()

    def hit() -> None:
        for _ in range(10):
            with db.connection() as conn:
                count = store.hit_bucket(conn, ratelimit.bucket(limit, "k"), limit.seconds)
            with lock:
                seen.append(count.hits)

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(1, 41))


def test_a_window_ends_starts_again_and_is_pruned(db: Database) -> None:
    limit = ratelimit.Limit("test", 1, 60)
    with db.connection() as conn:
        ratelimit.spend(conn, limit, "Key@X", "no")
        assert scalar(db, "SELECT bucket FROM rate_limits").startswith("test:")
        assert "key@x" not in scalar(db, "SELECT bucket FROM rate_limits").lower()  # keys are hashed
        with pytest.raises(RateLimited) as refused:
            ratelimit.spend(conn, limit, " key@x ", "no")
        assert 0 < (refused.value.retry_after or 0) <= 60
        assert refused.value.headers["Retry-After"] == str(refused.value.retry_after)
        conn.execute("UPDATE rate_limits SET resets_at = now() - interval '1 second'")
        ratelimit.spend(conn, limit, "key@x", "no")  # a new window
        assert store.get_bucket(conn, ratelimit.bucket(limit, "key@x")).hits == 1  # type: ignore[union-attr]
        conn.execute("UPDATE rate_limits SET resets_at = now() - interval '1 second'")
        assert store.delete_ended_buckets(conn) == 1
    assert scalar(db, "SELECT count(*) FROM rate_limits") == 0


def test_an_expired_api_token_is_refused(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "m@x.example")
    bearer = {"Authorization": f"Bearer {create_token(db, 'm@x.example', expires_days=30)[1]}"}
    forever = {"Authorization": f"Bearer {create_token(db, 'm@x.example')[1]}"}
    with web_client(settings, db) as c:
        assert c.get("/api/v1/profiles/vn-chipviet/matches", headers=bearer).status_code == 200
        with db.connection() as conn:
            conn.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE expires_at IS NOT NULL")
        c.app.state.token_cache.clear()  # type: ignore[attr-defined]  # as after TOKEN_CACHE_SECONDS
        r = c.get("/api/v1/profiles/vn-chipviet/matches", headers=bearer)
        assert r.status_code == 401 and "expired" in r.json()["detail"]
        assert c.get("/api/v1/profiles/vn-chipviet/matches", headers=forever).status_code == 200


def test_the_command_line_creates_tokens_that_expire(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    args = ["--data-dir", str(settings.data_dir), "--database-url", str(settings.database_url)]
    runner = CliRunner()
    made = runner.invoke(main, [*args, "tokens", "create", "m@x.example", "--expires-days", "7", "--json"])
    assert made.exit_code == 0, made.output
    token = json.loads(made.stdout)["token"]
    assert scalar(db, "SELECT round(extract(epoch FROM expires_at - now()) / 86400) FROM api_tokens") == 7
    listed = json.loads(runner.invoke(main, [*args, "tokens", "list", "--json"]).stdout)
    assert listed[0]["expires_at"] is not None
    assert runner.invoke(main, [*args, "tokens", "create", "m@x.example", "--expires-days", "0"]).exit_code != 0
    with web_client(settings, db) as c:
        assert c.get("/api/v1/profiles", headers={"Authorization": f"Bearer {token}"}).status_code == 200
