"""Introductions, double opt-in: the state machine and its checks (web.services.introductions), and
what each side sees over HTTP — contact details only after acceptance, a decline reason only if shared."""

from __future__ import annotations

import pytest

from tests.web.webkit import load_small, member, post, sign_in, web_client
from web.db.pool import Database
from web.errors import Conflict, Forbidden, NotFound, RateLimited
from web.i18n import Renderer
from web.services import introductions as intros
from web.services.introductions import Party
from web.services.mail import Mailer
from web.settings import Settings


@pytest.fixture
def pair(db: Database, settings: Settings) -> tuple[Party, Party, Mailer]:
    """ChipViệt's founder, HanPack's representative, and a mailer."""
    load_small(db)
    a = member(db, "a@chipviet.example", owns=("vn-chipviet",))
    b = member(db, "b@hanpack.example", owns=("kr-hanpack",))
    return Party.of(db, a), Party.of(db, b), Mailer(settings, Renderer())


def audit_actions(db: Database) -> list[str]:
    with db.connection() as conn:
        rows = conn.execute("SELECT action FROM audit_log WHERE entity = 'introduction' ORDER BY id").fetchall()
    return [r[0] for r in rows]


def test_request_then_accept_reveals_contacts_to_both_and_audits(db: Database, pair: tuple[Party, Party, Mailer]) -> None:
    a, b, mailer = pair
    iid = intros.request(db, mailer, a, "vn-chipviet", "kr-hanpack", "Let us talk about packaging.")
    assert intros.get_for(db, a, iid).contact is None and intros.get_for(db, b, iid).can_answer
    intros.accept(db, mailer, b, iid)
    seen_by_a, seen_by_b = intros.get_for(db, a, iid), intros.get_for(db, b, iid)
    assert seen_by_a.contact == {"contact_email": "bd@hanpack.example", "emails": ["b@hanpack.example"]}
    assert seen_by_b.contact == {"contact_email": "hello@chipviet.example", "emails": ["a@chipviet.example"]}
    intros.post_message(db, b, iid, "Welcome!")
    assert [m.body for m in intros.get_for(db, a, iid).messages] == ["Welcome!"]
    assert audit_actions(db) == ["introduction-requested", "introduction-accepted", "introduction-message"]
    with db.connection() as conn:
        mails = conn.execute("SELECT recipient, kind FROM outbox ORDER BY id").fetchall()
        subject, body = conn.execute("SELECT subject, body FROM outbox ORDER BY id LIMIT 1").fetchone() or ("", "")
    assert mails == [("b@hanpack.example", "introduction_requested"), ("a@chipviet.example", "introduction_accepted")]
    assert subject == "ChipViệt muốn được giới thiệu"  # the recipient's language (the default, Vietnamese)
    assert "Let us talk about packaging." in body and "/introductions" in body


def test_a_decline_reason_reaches_the_requester_only_when_shared(db: Database, pair: tuple[Party, Party, Mailer]) -> None:
    a, b, mailer = pair
    first = intros.request(db, mailer, a, "vn-chipviet", "kr-hanpack", "")
    intros.decline(db, mailer, b, first, "Our capacity is full this year", share_reason=False)
    assert intros.get_for(db, a, first).reason is None and intros.get_for(db, a, first).contact is None
    assert intros.get_for(db, b, first).reason == "Our capacity is full this year"
    second = intros.request(db, mailer, a, "vn-chipviet", "kr-hanpack", "Try again?")
    intros.decline(db, mailer, b, second, "Too early for us", share_reason=True)
    assert intros.get_for(db, a, second).reason == "Too early for us"
    with db.connection() as conn:
        bodies = [r[0] for r in conn.execute("SELECT body FROM outbox WHERE kind = 'introduction_declined' ORDER BY id")]
    assert "capacity" not in bodies[0] and "Too early for us" in bodies[1]


def test_only_the_right_side_may_answer_withdraw_or_write(db: Database, pair: tuple[Party, Party, Mailer]) -> None:
    a, b, mailer = pair
    stranger = Party.of(db, member(db, "s@x.example", owns=("vn-agrisense",)))
    iid = intros.request(db, mailer, a, "vn-chipviet", "kr-hanpack", "")
    with pytest.raises(Forbidden):
        intros.accept(db, mailer, a, iid)  # the requester cannot accept its own request
    with pytest.raises(NotFound):
        intros.accept(db, mailer, stranger, iid)
    with pytest.raises(NotFound):
        intros.get_for(db, stranger, iid)
    with pytest.raises(Conflict):
        intros.post_message(db, a, iid, "hello?")  # not accepted yet
    with pytest.raises(Forbidden):
        intros.withdraw(db, mailer, b, iid)
    intros.withdraw(db, mailer, a, iid)
    with pytest.raises(Conflict):
        intros.accept(db, mailer, b, iid)
    with pytest.raises(Forbidden):
        intros.request(db, mailer, stranger, "vn-chipviet", "kr-hanpack", "")


def test_one_open_introduction_per_pair_and_a_daily_limit(db: Database, settings: Settings,
                                                          pair: tuple[Party, Party, Mailer]) -> None:
    a, b, mailer = pair
    intros.request(db, mailer, a, "vn-chipviet", "kr-hanpack", "")
    with pytest.raises(Conflict):
        intros.request(db, mailer, b, "kr-hanpack", "vn-chipviet", "")  # the reverse direction too
    with pytest.raises(NotFound):
        intros.request(db, mailer, a, "vn-chipviet", "no-such-profile", "")
    limited = settings.model_copy(update={"introduction_daily_limit": 2})
    db.settings = limited
    try:
        intros.request(db, mailer, a, "vn-chipviet", "sg-lionfund", "")
        with pytest.raises(RateLimited):
            intros.request(db, mailer, a, "vn-chipviet", "fi-nordic-hub", "")
    finally:
        db.settings = settings


def test_unanswered_requests_expire_on_read_and_by_the_worker_function(db: Database,
                                                                        pair: tuple[Party, Party, Mailer]) -> None:
    a, b, mailer = pair
    first = intros.request(db, mailer, a, "vn-chipviet", "kr-hanpack", "")
    second = intros.request(db, mailer, a, "vn-chipviet", "sg-lionfund", "")
    with db.connection() as conn:
        conn.execute("UPDATE introductions SET expires_at = now() - interval '1 second' WHERE id = %(i)s",
                     {"i": first})
    assert [v.row.state for v in intros.list_for(db, b)] == ["expired"]  # lazily, on read
    with pytest.raises(Conflict):
        intros.accept(db, mailer, b, first)
    with db.connection() as conn:
        conn.execute("UPDATE introductions SET expires_at = now() - interval '1 second' WHERE id = %(i)s",
                     {"i": second})
    assert intros.expire_due(db) == [second]
    assert intros.expire_due(db) == []
    assert audit_actions(db).count("introduction-expired") == 2
    intros.request(db, mailer, a, "vn-chipviet", "kr-hanpack", "a new one is allowed after expiry")


def test_the_pages_show_each_side_what_it_may_see(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "a@chipviet.example", owns=("vn-chipviet",))
    member(db, "b@hanpack.example", owns=("kr-hanpack",))
    with web_client(settings, db) as a, web_client(settings, db) as b:
        sign_in(a, "a@chipviet.example")
        sign_in(b, "b@hanpack.example")
        r = post(a, "/introductions", {"from_profile": "vn-chipviet", "to_profile": "kr-hanpack",
                                       "message": "Xin chào HanPack"})
        url = r.headers["location"]
        assert "Đang chờ họ trả lời" in a.get(url).text and "bd@hanpack.example" not in a.get(url).text
        assert post(a, "/introductions", {"from_profile": "vn-chipviet", "to_profile": "kr-hanpack"}).status_code == 409
        listing = b.get("/introductions").text
        assert "ChipViệt" in listing and "Trả lời" in listing
        page = b.get(url).text
        assert "Xin chào HanPack" in page and "/accept" in page and "hello@chipviet.example" not in page
        assert post(b, url + "/accept").status_code == 303
        assert "hello@chipviet.example" in b.get(url).text and "a@chipviet.example" in b.get(url).text
        assert "bd@hanpack.example" in a.get(url).text and "b@hanpack.example" in a.get(url).text
        assert "bd@hanpack.example" in a.get("/profiles/kr-hanpack").text
        r = post(a, url + "/messages", {"body": "Hẹn gặp tuần sau"}, headers={"HX-Request": "true"})
        assert r.text.lstrip().startswith('<section id="thread"') and "Hẹn gặp tuần sau" in r.text
        assert post(b, url + "/messages", {"body": "  "}).status_code == 422
        assert a.get("/introductions/999999").status_code == 404
