"""The exposure-aware re-ranking over HTTP: an officer switches it on with a strength on
/officer/exposure, and a member's /matches is then re-ordered as ``matcher.exposure.exposure_rerank``
says from the counts stored in the database (not one process's memory); off restores the engine's
order; members cannot change it; a bad strength is refused naming the field and stores nothing."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

import numpy as np
import pytest

from matcher.exposure import exposure_rerank
from matcher.learning import LearnedModel
from matcher.results import Match
from tests.web.fakes import FakeMatching
from tests.web.webkit import load_small, member, post, scalar, sign_in, web_client
from web.db.pool import Database
from web.errors import Unavailable
from web.i18n import Renderer
from web.services import exposure
from web.services import exposure_rerank as rerank
from web.services.learning import SHORTLIST
from web.settings import Settings
from web.store import exposure as exposure_store

# the engine's order for vn-chipviet (fixed scores) and the exposure the last audit counted
ENGINE = {"kr-hanpack": 3.0, "sg-lionfund": 2.9, "fi-nordic-hub": 2.8, "vn-agrisense": 2.7, "vn-hatch-hcm": 2.6}
COUNTS = {"kr-hanpack": 40, "sg-lionfund": 4, "fi-nordic-hub": 4, "vn-agrisense": 4, "vn-hatch-hcm": 0, "vn-chipviet": 8}


class _FixedMatching(FakeMatching):
    """Every other profile of the small ecosystem, at ``ENGINE``'s scores, best first; ``depths``:
    the ``k`` of each call."""

    depths: list[int]

    def rank(self, profile_id: str, k: int = 10, filters: dict | None = None,
             exclude: Iterable[str] | None = None, blocking: bool = True) -> list[Match]:
        self.depths = [*getattr(self, "depths", []), k]
        return [Match(pid, s, 50.0, {"sectors": s}) for pid, s in ENGINE.items() if pid not in set(exclude or ())][:k]


def seed_counts(db: Database) -> None:
    with db.connection() as conn, conn.transaction():
        exposure_store.replace_counts(conn, list(COUNTS.items()), datetime(2026, 12, 1, 9, 0, tzinfo=UTC))


def expected(strength: float) -> list[str]:
    ids = list(ENGINE)
    order = exposure_rerank([ENGINE[i] for i in ids], [COUNTS[i] for i in ids],
                            float(np.mean(list(COUNTS.values()))), strength, SHORTLIST)
    return [ids[i] for i in order]


def shown(page: str) -> list[str]:
    return re.findall(r'<article class="card" id="match-([\w-]+)"', page)


def test_an_officer_turns_it_on_and_a_members_matches_follow_the_stored_counts(
        db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "o@x.example", role="officer")
    member(db, "m@x.example", owns=("vn-chipviet",))
    seed_counts(db)
    assert expected(1.0) != list(ENGINE)  # the re-ranking has something to change here
    matching = _FixedMatching(db)
    with web_client(settings, db, matching) as officer, web_client(settings, db, matching) as m:
        sign_in(m, "m@x.example")
        assert shown(m.get("/matches").text) == list(ENGINE)
        assert matching.depths == [20]  # off: no deeper ranking asked for
        sign_in(officer, "o@x.example")
        page = officer.get("/officer/exposure").text
        assert 'action="/officer/exposure/reranking"' in page and 'name="csrf_token"' in page
        # the first visit computed an audit (and stored its counts): put the test's counts back
        assert exposure.audits(matching).wait(60)
        seed_counts(db)
        r = post(officer, "/officer/exposure/reranking", {"enabled": "on", "strength": "1,0"})
        assert r.status_code == 303 and r.headers["location"] == "/officer/exposure#reranking"
        assert shown(m.get("/matches").text) == expected(1.0)
        assert matching.depths[-1] == SHORTLIST
        post(officer, "/officer/exposure/reranking", {"enabled": "on", "strength": "0.25"})
        assert shown(m.get("/matches").text) == expected(0.25)
        page = officer.get("/officer/exposure").text
        state = re.search(r'<p id="reranking-state">.*?</p>', page, re.S)
        assert state and "Đang bật" in state.group() and "0,25" in state.group()
        assert "Dùng số lần hiển thị do lần kiểm tra lúc" in page and "(6 hồ sơ)" in page  # the stored audit
        post(officer, "/officer/exposure/reranking", {"strength": "0.25"})  # the box unticked: off
        assert shown(m.get("/matches").text) == list(ENGINE)
    audit = scalar(db, "SELECT count(*) FROM audit_log WHERE entity = 'exposure-reranking' AND actor = 'web'")
    assert audit == 3
    assert scalar(db, "SELECT details->>'enabled' FROM audit_log WHERE entity = 'exposure-reranking'"
                      " ORDER BY id DESC LIMIT 1") == "false"


class _UnfinishedAudit(_FixedMatching):
    """The audit that the page's first visit starts never completes: its first ranking waits until
    ``release``, then fails as a loading index does (so it stores no counts). Without this the
    audit of the small ecosystem could finish before the page read the counts (a CI failure)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.release = threading.Event()

    def rank(self, profile_id: str, k: int = 10, filters: dict | None = None,
             exclude: Iterable[str] | None = None, blocking: bool = True) -> list[Match]:
        self.release.wait(60)
        raise Unavailable("the audit is held by the test")


def test_switched_on_without_any_audit_it_changes_nothing_and_says_so(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "o@x.example", role="admin")
    member(db, "m@x.example", owns=("vn-chipviet",))
    renderer = Renderer()
    held = _UnfinishedAudit(db)
    try:
        with web_client(settings, db, held) as c:
            sign_in(c, "o@x.example")
            assert post(c, "/officer/exposure/reranking", {"enabled": "on", "strength": "1"}).status_code == 303
            page = c.get("/officer/exposure").text
            assert exposure.audits(held).state().running  # the visit began one; it is not done
            assert renderer.gettext("vi", "No audit has been run yet: until one is, the re-ranking has no effect.") in page
    finally:
        held.release.set()
        assert exposure.audits(held).wait(60)
    assert scalar(db, "SELECT count(*) FROM profile_exposure") == 0
    with web_client(settings, db, _FixedMatching(db)) as m:
        sign_in(m, "m@x.example")
        assert shown(m.get("/matches").text) == list(ENGINE)


def test_a_completed_audit_replaces_the_stored_counts(db: Database, settings: Settings) -> None:
    load_small(db)
    seed_counts(db)
    with db.connection() as conn, conn.transaction():  # a stale row of a profile the audit counts anew
        conn.execute("UPDATE profile_exposure SET shown_in = 999 WHERE profile_id = 'kr-hanpack'")
    fake = FakeMatching(db)
    audit = exposure.compute(db, fake)
    with db.connection() as conn:
        stored = exposure_store.list_counts(conn, [p.id for p in audit.profiles])
        summary = exposure_store.get_counts_summary(conn)
    assert stored == {p.id: p.count for p in audit.profiles} and stored["kr-hanpack"] != 999
    assert summary.computed_at == audit.computed_at and summary.profiles == len(audit.profiles)


def test_members_cannot_change_it(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "m@x.example", owns=("vn-chipviet",))
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        assert post(c, "/officer/exposure/reranking", {"enabled": "on", "strength": "0.5"}).status_code == 403
    assert scalar(db, "SELECT count(*) FROM exposure_reranking") == 0


def test_the_form_needs_the_csrf_token(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "o@x.example", role="officer")
    with web_client(settings, db) as c:
        sign_in(c, "o@x.example")
        r = c.post("/officer/exposure/reranking", data={"enabled": "on", "strength": "0.5"}, follow_redirects=False)
        assert r.status_code == 403
    assert scalar(db, "SELECT count(*) FROM exposure_reranking") == 0


@pytest.mark.parametrize("strength", ["", "abc", "0", "0.05", "1.5", "-1", "nan", "inf", "1e400"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_bad_strength_names_the_field_and_stores_nothing(db: Database, settings: Settings,
                                                            strength: str, lang: str) -> None:
    load_small(db)
    member(db, "o@x.example", role="officer")
    with web_client(settings, db) as c:
        sign_in(c, "o@x.example")
        post(c, "/locale", {"lang": lang})
        r = post(c, "/officer/exposure/reranking", {"enabled": "on", "strength": strength})
    assert r.status_code == 422
    message = Renderer().gettext(lang, "Strength: enter a number from 0.1 to 1.0.")
    assert re.search(r'<p class="error" id="strength-error">' + re.escape(message) + "</p>", r.text)
    assert 'aria-describedby="strength-error"' in r.text
    assert scalar(db, "SELECT count(*) FROM exposure_reranking") == 0
    assert scalar(db, "SELECT count(*) FROM audit_log WHERE entity = 'exposure-reranking'") == 0


def test_after_a_learned_ranking_it_re_orders_the_learned_scores_not_the_engines(db: Database) -> None:
    """With every count at the mean nothing moves: the learned order stays, and an over-exposed
    profile then goes down from its learned place (a sort on the engine's scores would undo it)."""
    load_small(db)
    model = LearnedModel({"modes": 1.0}, {}, max_delta=1.0)
    engine = [Match("kr-hanpack", 3.0, 50.0, {"sectors": 3.0}), Match("sg-lionfund", 2.9, 50.0, {"modes": 2.9}),
              Match("fi-nordic-hub", 2.5, 50.0, {"modes": 2.5})]
    learned = model.rerank(engine)
    assert [m.id for m in learned] == ["sg-lionfund", "fi-nordic-hub", "kr-hanpack"]
    with db.connection() as conn, conn.transaction():
        exposure_store.replace_counts(conn, [(m.id, 5) for m in engine], datetime(2026, 12, 1, tzinfo=UTC))
    even = rerank.Active(1.0, 5.0)
    assert [m.id for m in rerank.apply(db, even, model, learned, 3)] == [m.id for m in learned]
    with db.connection() as conn, conn.transaction():
        exposure_store.replace_counts(conn, [("sg-lionfund", 60), ("fi-nordic-hub", 0), ("kr-hanpack", 5)],
                                      datetime(2026, 12, 2, tzinfo=UTC))
    moved = [m.id for m in rerank.apply(db, rerank.Active(1.0, 5.0), model, learned, 3)]
    assert moved == ["fi-nordic-hub", "sg-lionfund", "kr-hanpack"]
    assert [m.id for m in rerank.apply(db, None, model, learned, 2)] == ["sg-lionfund", "fi-nordic-hub"]


def test_the_api_orders_matches_as_the_members_page_does(db: Database, settings: Settings) -> None:
    from web.services.accounts import create_token

    load_small(db)
    member(db, "o@x.example", role="officer")
    member(db, "m@x.example", owns=("vn-chipviet",))
    seed_counts(db)
    headers = {"Authorization": f"Bearer {create_token(db, 'm@x.example')[1]}"}
    with web_client(settings, db, _FixedMatching(db)) as c:
        def api_order() -> list[str]:
            r = c.get("/api/v1/profiles/vn-chipviet/matches?top=5", headers=headers)
            assert r.status_code == 200, r.text
            return [m["id"] for m in r.json()["matches"]]

        assert api_order() == list(ENGINE)  # off: the engine's order
        sign_in(c, "o@x.example")
        assert post(c, "/officer/exposure/reranking", {"enabled": "on", "strength": "1"}).status_code == 303
        assert api_order() == expected(1.0) != list(ENGINE)
        post(c, "/officer/exposure/reranking", {"strength": "1"})  # off again
        assert api_order() == list(ENGINE)


def test_the_directory_search_follows_the_switch_too(db: Database, settings: Settings) -> None:
    """The directory's search results (and so what saved-search alerts read) are re-ordered within
    the best 30 like a match list; off, the search's own order."""
    from web.services.directory import DirectoryQuery, search_hits

    load_small(db)
    member(db, "o@x.example", role="officer")
    seed_counts(db)
    matching = _FixedMatching(db)
    hits = [Match(pid, s, 50.0, {}) for pid, s in ENGINE.items()]
    matching.search = lambda text, k=20, filters=None: hits  # type: ignore[method-assign]
    query = DirectoryQuery.parse({"q": ["packaging"]})
    assert [h.id for h in search_hits(db, matching, query)] == list(ENGINE)
    with web_client(settings, db, matching) as c:
        sign_in(c, "o@x.example")
        assert post(c, "/officer/exposure/reranking", {"enabled": "on", "strength": "1"}).status_code == 303
        assert [h.id for h in search_hits(db, matching, query)] == expected(1.0) != list(ENGINE)
        page = c.get("/directory?q=packaging").text
        order = [pid for pid in re.findall(r'href="/profiles/([\w-]+)"', page) if pid in ENGINE]
        assert list(dict.fromkeys(order)) == expected(1.0)
