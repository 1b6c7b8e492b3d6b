"""Saved searches and alerts on the real engine: the one-pass scores equal the directory search's,
a profile that enters a saved search's top 10 is alerted (and the real directory search then shows
it there), one that does not enter is not; facets, own profiles, anonymity, frequencies, digests
and the unsubscribe link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.web.demo_support import load_sample
from tests.web.webkit import csrf, member, post, scalar, sign_in, web_client
from web.cli.cache import seed_cache
from web.db.pool import Database
from web.errors import Unavailable
from web.i18n import Renderer
from web.interchange.samples import REPO_PROFILES
from web.jobs.embed import embed_profiles_handler
from web.jobs.worker import Worker
from web.matching import MatchingService
from web.matching.embedding import make_embedder
from web.services import alerts, alerts_mail
from web.services.alerts_demo import seed_saved_searches
from web.services.alerts_eval import AlertEvaluator
from web.services.alerts_matrix import profile_vectors
from web.services.curation.demo import MARK
from web.services.demo import ensure_demo_accounts
from web.services.mail import Mailer, message
from web.services.profiles import import_records
from web.settings import Settings
from web.store import outbox as outbox_store
from web.store import saved_searches as store
from web.store import users as user_store
from web.store.jobs import EMBED_JOB

QUERY = {"q": "edge AI inference chips for embedded devices", "side": ["foreign"]}
QS = urlencode(QUERY, doseq=True)
ENTERS = {
    "id": "kr-newcomer-npu", "kind": "partner", "partner_type": "corporation", "name": "Newcomer NPU Corp",
    "country": "KR", "sectors": ["semiconductors", "ai"], "cooperation_offered": ["technology_transfer"],
    "description": "We design edge AI inference chips (NPUs) for embedded devices and license the inference "
                   "runtime to developers.",
    "offers": "Edge AI inference chips for embedded devices; NPU evaluation boards; inference SDK.",
}
STAYS_OUT = {
    "id": "nl-tulip-logistics", "kind": "partner", "partner_type": "sme", "name": "Tulip Cold Chain BV",
    "country": "NL", "sectors": ["logistics"], "cooperation_offered": ["market_access"],
    "description": "Refrigerated trucking and cold storage for cut flowers between Europe and Asia.",
    "offers": "Cold-chain warehousing and flower export logistics.",
}


def _worker(settings: Settings, db: Database) -> Worker:
    return Worker(db, {EMBED_JOB: embed_profiles_handler(settings)})


@pytest.fixture
def indexed(db: Database, settings: Settings) -> Iterator[tuple[MatchingService, AlertEvaluator]]:
    """The sample ecosystem embedded (vectors from the shipped cache), the real matching service
    loaded, and an evaluator with its queue emptied (no saved search yet: no alert)."""
    load_sample(db)
    seed_cache(db, REPO_PROFILES / "ecosystem.vectors.npz", make_embedder(settings).name)
    _worker(settings, db).drain()
    matching = MatchingService(settings, db)
    matching.load()
    evaluator = AlertEvaluator(db, matching, Mailer(settings, Renderer()))
    assert evaluator.run_pending(limit=1000) == []
    assert scalar(db, "SELECT count(*) FROM alert_queue") == 0
    try:
        yield matching, evaluator
    finally:
        matching.stop()


def _arrive(settings: Settings, db: Database, matching: MatchingService, *records: dict[str, Any]) -> None:
    """Import, embed (the job queues the evaluation) and add to the index (what the listener does)."""
    import_records(db, [dict(r) for r in records])
    _worker(settings, db).drain()
    matching.refresh([r["id"] for r in records])


def _directory_top10(client: Any, qs: str) -> list[str]:
    return re.findall(r'<h3><a href="/profiles/([^"]+)">', client.get(f"/directory?{qs}").text)[:10]


def _save(client: Any, qs: str = QS, name: str = "Edge AI chips", frequency: str = "immediate") -> Any:
    return post(client, "/me/alerts", {"name": name, "query": qs, "frequency": frequency})


@pytest.mark.slow
def test_the_one_pass_scores_are_the_directory_search_scores(
        db: Database, settings: Settings, indexed: tuple[MatchingService, AlertEvaluator]) -> None:
    """For every stored profile, the matrix's score under three saved searches equals the score the
    engine's own search gives it (float32 rounding)."""
    matching, evaluator = indexed
    user = member(db, "scout@x.example")
    texts = ["edge AI inference chips", "nuôi tôm cảm biến độ mặn", "hydrogen electrolysers for green steel"]
    with db.connection() as conn:
        for i, text in enumerate(texts):
            store.insert_saved_search(conn, user.id, "search", f"s{i}", None, urlencode({"q": text}), None, "off")
    engine = matching.live.published
    assert engine is not None
    with db.connection() as conn:
        matrix = evaluator.matrix(engine, store.list_saved_searches(conn))
    assert len(matrix) == 3
    weights = engine.weights_.keep("dense_reciprocal", "lexical_reciprocal")
    for i, text in enumerate(texts):
        hits = {h.id: h.score for h in engine.search(text, k=5000)}
        sample = sorted(hits)[:: max(1, len(hits) // 40)]
        for pid in sample:
            got = matrix.scores(*profile_vectors(engine, pid), engine.stats_, weights)[i]
            assert got == pytest.approx(hits[pid], abs=1e-4), (text, pid)


@pytest.mark.slow
def test_a_profile_that_enters_the_top_10_is_alerted_and_the_directory_shows_it_there(
        db: Database, settings: Settings, indexed: tuple[MatchingService, AlertEvaluator]) -> None:
    matching, evaluator = indexed
    user = member(db, "scout@x.example")
    with web_client(settings, db, matching) as c:
        sign_in(c, "scout@x.example")
        before = _directory_top10(c, QS)
        assert len(before) == 10 and ENTERS["id"] not in before

        # the moment between a search's row and its first top results (another thread evaluating
        # queued profiles then): its top 10 are not new to it
        with db.connection() as conn:
            early = store.insert_saved_search(conn, user.id, "search", "early", None, QS, None, "immediate")
            store.insert_queue(conn, before)
        assert evaluator.run_pending() == []
        with db.connection() as conn:
            store.delete_saved_search(conn, early.id)

        assert _save(c).status_code == 303
        with db.connection() as conn:
            saved = store.list_saved_searches(conn)[0]
        assert saved.threshold is not None and saved.query == QS

        # profiles already in its top 10 (evaluated again, e.g. after an edit) do not enter it
        with db.connection() as conn:
            store.insert_queue(conn, before)
        assert evaluator.run_pending() == []

        _arrive(settings, db, matching, ENTERS, STAYS_OUT)
        new = evaluator.run_pending()
        assert [(a.profile_id, a.saved_search_id) for a in new] == [(ENTERS["id"], saved.id)]
        after = _directory_top10(c, QS)
        assert ENTERS["id"] in after and after.index(ENTERS["id"]) + 1 == new[0].rank
        assert STAYS_OUT["id"] not in re.findall(r'/profiles/([^"]+)"', c.get(f"/directory?{QS}").text)

        # the notification: a count in the header, the list, marked read
        assert '>1</span>' in c.get("/notifications/badge").text
        page = c.get("/notifications").text
        assert "Newcomer NPU Corp" in page and "Edge AI chips" in page
        note = re.search(r'name="id" value="(\d+)"', page)
        assert note
        assert post(c, "/notifications/read", {"id": note.group(1)}).status_code == 303
        assert c.get("/notifications/badge").text.strip() == ""
        assert "Newcomer NPU Corp" in c.get("/me/alerts").text

    # the mail, with its unsubscribe link; evaluating again alerts nothing twice
    body = scalar(db, "SELECT body FROM outbox WHERE kind = 'saved_search_alert' AND recipient = 'scout@x.example'")
    assert "Newcomer NPU Corp" in body and "/alerts/unsubscribe/" in body and "@" not in body
    _arrive(settings, db, matching, {**ENTERS, "description": ENTERS["description"] + " Now with a 4-bit mode."})
    assert evaluator.run_pending() == []


@pytest.mark.slow
def test_facets_own_profiles_and_anonymity(
        db: Database, settings: Settings, indexed: tuple[MatchingService, AlertEvaluator]) -> None:
    """A saved search for Vietnamese profiles gets no foreign newcomer; a subscriber's own profile
    is never an alert; an anonymous newcomer is named by its label in the alert, the page and the mail."""
    matching, evaluator = indexed
    vn_only = member(db, "vn@x.example")
    owner = member(db, "owner@x.example")
    watcher = member(db, "watcher@x.example")
    with web_client(settings, db, matching) as c:
        for user, qs in ((vn_only, urlencode({"q": QUERY["q"], "side": "vn"})), (owner, QS), (watcher, QS)):
            sign_in(c, user.email)
            assert _save(c, qs).status_code == 303
            post(c, "/logout")
    secret = {**ENTERS, "visibility": "anonymous"}
    import_records(db, [secret])
    with db.connection() as conn:
        conn.execute("INSERT INTO profile_owners (user_id, profile_id) VALUES (%(u)s, %(p)s)",
                     {"u": owner.id, "p": secret["id"]})
    _worker(settings, db).drain()
    matching.refresh([secret["id"]])
    new = evaluator.run_pending()
    assert [a.user_id for a in new] == [watcher.id]
    body = scalar(db, "SELECT body FROM outbox WHERE kind = 'saved_search_alert'")
    assert "Newcomer" not in body and "/profiles/anon-" in body
    with web_client(settings, db, matching) as c:
        sign_in(c, watcher.email)
        page = c.get("/me/alerts").text
        assert "Newcomer" not in page and "/profiles/anon-" in page


@pytest.mark.slow
def test_a_busy_host_keeps_the_profile_queued_and_alerts_it_later(
        db: Database, settings: Settings, indexed: tuple[MatchingService, AlertEvaluator],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """When the real search that confirms a candidate is refused (request pool busy or too slow),
    the profile stays queued with nothing written, and the next pass alerts it once."""
    matching, evaluator = indexed
    member(db, "busy@x.example")
    with web_client(settings, db, matching) as c:
        sign_in(c, "busy@x.example")
        assert _save(c).status_code == 303
    _arrive(settings, db, matching, ENTERS)
    real = alerts.top_results

    def busy(*args: Any, **kwargs: Any) -> Any:
        raise Unavailable("busy")

    monkeypatch.setattr(alerts, "top_results", busy)
    assert evaluator.run_pending() == []
    assert scalar(db, "SELECT count(*) FROM alert_queue") == 1
    assert scalar(db, "SELECT count(*) FROM notifications") == 0
    monkeypatch.setattr(alerts, "top_results", real)
    assert [a.profile_id for a in evaluator.run_pending()] == [ENTERS["id"]]
    assert scalar(db, "SELECT count(*) FROM alert_queue") == 0
    assert evaluator.run_pending() == []


@pytest.mark.slow
def test_weekly_digest_and_unsubscribe(db: Database, settings: Settings,
                                       indexed: tuple[MatchingService, AlertEvaluator]) -> None:
    matching, evaluator = indexed
    member(db, "weekly@x.example")
    with web_client(settings, db, matching) as c:
        sign_in(c, "weekly@x.example")
        assert _save(c, frequency="weekly").status_code == 303
    _arrive(settings, db, matching, ENTERS)
    assert len(evaluator.run_pending()) == 1
    assert scalar(db, "SELECT count(*) FROM outbox") == 0  # weekly: nothing at once
    assert alerts_mail.send_due_digests(db) == []          # not due: saved less than a week ago
    with db.connection() as conn:
        conn.execute("UPDATE saved_searches SET created_at = now() - interval '8 days'")
    assert len(alerts_mail.send_due_digests(db)) == 1
    assert alerts_mail.send_due_digests(db) == []          # mailed once
    body = scalar(db, "SELECT body FROM outbox WHERE kind = 'saved_search_digest'")
    link = re.search(r"/alerts/unsubscribe/\d+/[0-9a-f]+", body)
    assert link and "Newcomer NPU Corp" in body
    with web_client(settings, db, matching) as anonymous:
        assert "Edge AI chips" in anonymous.get(link.group(0)).text
        tampered = link.group(0)[:-1] + ("0" if link.group(0)[-1] != "0" else "1")
        assert anonymous.get(tampered).status_code == 404
        assert anonymous.post(tampered, data={"csrf_token": csrf(anonymous, link.group(0))}).status_code == 404
        assert anonymous.get("/alerts/unsubscribe/99999999/abc").status_code == 404
        assert anonymous.get("/alerts/unsubscribe/x/abc").status_code in (404, 422)
        r = anonymous.post(link.group(0), data={"csrf_token": csrf(anonymous, link.group(0))})
        assert r.status_code == 200
    assert scalar(db, "SELECT frequency FROM saved_searches") == "off"


@pytest.mark.slow
def test_mail_clients_unsubscribe_in_one_click(db: Database, settings: Settings,
                                              indexed: tuple[MatchingService, AlertEvaluator]) -> None:
    """Alert mails carry List-Unsubscribe and List-Unsubscribe-Post (RFC 2369, RFC 8058): the
    immediate alert's names its saved search, the digest's stops every alert e-mail of the
    subscriber; a mail client's one-click POST works without a session, anything else still needs
    the CSRF token, and a tampered link is refused."""
    matching, evaluator = indexed
    user = member(db, "oneclick@x.example")
    with web_client(settings, db, matching) as c:
        sign_in(c, user.email)
        assert _save(c).status_code == 303
        assert _save(c, urlencode({"q": "edge AI chips"}), name="Weekly chips", frequency="weekly").status_code == 303
    _arrive(settings, db, matching, ENTERS)
    assert len(evaluator.run_pending()) == 2
    with db.connection() as conn:
        conn.execute("UPDATE saved_searches SET created_at = now() - interval '8 days'")
    assert len(alerts_mail.send_due_digests(db)) == 1
    with db.connection() as conn:
        rows = {r.kind: r for r in outbox_store.list_outbox(conn)}
    immediate, digest = rows["saved_search_alert"], rows["saved_search_digest"]
    base = settings.base_url.rstrip("/")
    one = re.fullmatch(rf"<{re.escape(base)}(/alerts/unsubscribe/\d+/[0-9a-f]+)>", immediate.headers["List-Unsubscribe"])
    every = re.fullmatch(rf"<{re.escape(base)}(/alerts/unsubscribe/all/{user.id}/[0-9a-f]+)>",
                         digest.headers["List-Unsubscribe"])
    assert one and every and one.group(1) in immediate.body
    assert immediate.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sent = message("from@x.example", immediate.recipient, immediate.subject, immediate.body, immediate.headers)
    assert sent["List-Unsubscribe"] == immediate.headers["List-Unsubscribe"]
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    click = {"List-Unsubscribe": "One-Click"}
    with web_client(settings, db, matching) as client:  # a mail client: no session, no CSRF token
        assert client.post(one.group(1)[:-1] + "x", data=click).status_code == 404
        assert client.post(one.group(1), data={"List-Unsubscribe": "One-Click", "x": "1"}).status_code == 403
        assert client.post(one.group(1), data=click).status_code == 200
        assert scalar(db, "SELECT frequency FROM saved_searches WHERE name = 'Edge AI chips'") == "off"
        assert scalar(db, "SELECT frequency FROM saved_searches WHERE name = 'Weekly chips'") == "weekly"
        assert "Weekly chips" not in client.get(every.group(1)).text  # the page asks about every e-mail
        assert client.post(every.group(1).replace(f"/{user.id}/", f"/{user.id + 1}/"), data=click).status_code == 404
        assert client.post(every.group(1), data=click).status_code == 200
    assert scalar(db, "SELECT count(*) FROM saved_searches WHERE frequency <> 'off'") == 0
    assert scalar(db, "SELECT count(*) FROM saved_searches") == 2  # the searches stay


@pytest.mark.slow
def test_new_partners_for_my_profile(db: Database, settings: Settings,
                                     indexed: tuple[MatchingService, AlertEvaluator]) -> None:
    """A startup follows new partners for its profile; a newcomer that enters its top 10 matches
    is alerted and is in its matches; one that does not is not."""
    matching, evaluator = indexed
    startup = "vn-hoalu-npu-silicon"
    user = member(db, "founder@x.example", owns=(startup,))
    with web_client(settings, db, matching) as c:
        sign_in(c, user.email)
        assert startup in c.get("/me/alerts").text
        assert post(c, "/me/alerts/profile", {"profile_id": startup, "frequency": "immediate"}).status_code == 303
        assert post(c, "/me/alerts/profile", {"profile_id": "kr-hanbit-semicon"}).status_code == 404
    _arrive(settings, db, matching, ENTERS, STAYS_OUT)
    new = evaluator.run_pending()
    top = [m.id for m in matching.rank(startup, k=10)]
    assert [a.profile_id for a in new] == ([ENTERS["id"]] if ENTERS["id"] in top else [])
    assert STAYS_OUT["id"] not in top and new, "the newcomer was expected to enter the startup's top 10"


def test_bad_input_is_named(db: Database, settings: Settings) -> None:
    member(db, "scout@x.example")
    with web_client(settings, db) as c:
        sign_in(c, "scout@x.example")
        r = _save(c, urlencode({"side": "vn"}))
        assert r.status_code == 422 and "Hãy nhập nội dung cần tìm" in r.text
        r = _save(c, name="   ")
        assert r.status_code == 422 and "Hãy đặt tên" in r.text
        r = _save(c, frequency="hourly")
        assert r.status_code == 422 and "Chọn cách nhận thông báo" in r.text
        assert post(c, "/me/alerts/999/delete").status_code == 404
        assert post(c, "/me/alerts/abc/delete").status_code in (404, 422)
        assert post(c, "/notifications/read", {"id": "x"}).status_code == 422
        assert c.post("/me/alerts", data={"name": "x", "query": QS}, follow_redirects=False).status_code == 403
        page = c.get(f"/me/alerts/new?{QS}").text
        assert 'value="edge AI inference chips for embedded devices"' in page
    with web_client(settings, db) as anonymous:
        assert anonymous.get("/me/alerts", follow_redirects=False).status_code == 303


@pytest.mark.slow
def test_demo_saved_searches_are_seeded_once_with_true_alerts(
        db: Database, indexed: tuple[MatchingService, AlertEvaluator]) -> None:
    matching, _ = indexed
    accounts = ensure_demo_accounts(db)
    first = seed_saved_searches(db, accounts, lambda: matching)
    assert first.searches == 3 and first.alerts >= 4
    again = seed_saved_searches(db, accounts, lambda: matching)
    assert (again.searches, again.alerts) == (0, 0)
    assert scalar(db, "SELECT programme FROM saved_searches WHERE programme IS NOT NULL").endswith(MARK)
    with db.connection() as conn:
        for saved in store.list_saved_searches(conn):
            viewer = user_store.get_user(conn, saved.user_id)
            assert viewer is not None
            top = [pid for pid, _ in alerts.top_results(db, matching, saved, viewer)]
            for a in store.list_recent_alerts(conn, [saved.id], 5):
                assert top.index(a.profile_id) + 1 == a.rank
    assert scalar(db, "SELECT count(*) FROM notifications") == first.alerts


def test_an_officer_saves_a_scouting_query_for_a_programme_and_a_member_cannot(
        db: Database, settings: Settings) -> None:
    member(db, "officer@x.example", role="officer")
    member(db, "scout@x.example")
    with web_client(settings, db) as c:
        sign_in(c, "officer@x.example")
        assert 'id="programme"' in c.get(f"/me/alerts/new?{QS}").text
        r = post(c, "/me/alerts", {"name": "AI chips", "query": QS, "programme": "Đoàn công tác Hàn Quốc"})
        assert r.status_code == 303
        page = c.get("/me/alerts").text
        assert "Đoàn công tác Hàn Quốc" in page and "AI chips" in page
        post(c, "/logout")
        sign_in(c, "scout@x.example")
        assert 'id="programme"' not in c.get(f"/me/alerts/new?{QS}").text
        r = post(c, "/me/alerts", {"name": "AI chips", "query": QS, "programme": "Mine"})
        assert r.status_code == 422 and scalar(db, "SELECT count(*) FROM saved_searches") == 1
        # someone else's saved search is as unknown as a missing one
        other = scalar(db, "SELECT id FROM saved_searches")
        assert post(c, f"/me/alerts/{other}/delete").status_code == 404
        assert post(c, f"/me/alerts/{other}/frequency", {"frequency": "off"}).status_code == 404
