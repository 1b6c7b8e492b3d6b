"""Brokered introductions (issue 16, the Enterprise Europe Network model): a request to or from an
anonymous profile waits with the programme office; the recipient knows nothing of it until an
officer forwards it, then sees the anonymous side only under its generated label (and its words
redacted) until it accepts; an officer may decline instead. Over HTTP, on the real database, and
through the outbox: no page or mail a member gets names the anonymous side before acceptance."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.webkit import DATA, member, post, sign_in, web_client
from web.db.pool import Database
from web.errors import NotFound
from web.i18n import Renderer
from web.interchange.importer import load_files
from web.services import anonymity, brokering
from web.services import introductions as intros
from web.services.introductions import Party
from web.services.mail import Mailer
from web.services.profiles import import_records
from web.settings import Settings
from web.store import users as user_store
from web.store.users import UserRow

ANON = "kr-hanpack"
LABEL_VI = "Một doanh nghiệp lĩnh vực bán dẫn, vi mạch tại Hàn Quốc, sẵn sàng chuyển giao công nghệ"
LABEL_EN = "A semiconductors company in South Korea, open to technology transfer"


def anonymous_small(db: Database) -> dict[str, Any]:
    """The small sample with HanPack anonymous (and a website and a titled document to hide)."""
    records = load_files([DATA / "small.json"])
    for r in records:
        if r["id"] == ANON:
            r.update(visibility="anonymous", website="https://www.hanpack.example/en",
                     documents=[{"title": "FC-BGA Line 7 brochure", "text": "Flip-chip ball grid array packaging."}])
            hidden = r
    import_records(db, records)
    return hidden


@pytest.fixture
def world(db: Database, settings: Settings) -> dict[str, Any]:
    """ChipViệt's founder (a), HanPack's representative (b), an officer, a mailer, HanPack's terms."""
    record = anonymous_small(db)
    a = member(db, "a@chipviet.example", owns=("vn-chipviet",))
    b = member(db, "b@hanpack.example", owns=(ANON,))
    officer = member(db, "officer@x.example", role="officer")
    return {"a": a, "b": b, "officer": officer, "mailer": Mailer(settings, Renderer()),
            "terms": anonymity.identifying_terms(record), "alias": anonymity.alias(ANON, settings.resolved_secret_key())}


def leaks(text: str, terms: list[str]) -> list[str]:
    return [t for t in terms if t.lower() in text.lower()]


def mails(db: Database, recipient: str | None = None) -> list[tuple[str, str, str]]:
    """``(recipient, kind, subject + body)`` of the outbox, oldest first."""
    with db.connection() as conn:
        rows = conn.execute("SELECT recipient, kind, subject || E'\\n' || body FROM outbox"
                            " WHERE %(r)s::text IS NULL OR recipient = %(r)s ORDER BY id", {"r": recipient}).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def audit_actions(db: Database) -> list[str]:
    with db.connection() as conn:
        return [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE entity = 'introduction' ORDER BY id")]


def set_locale(db: Database, user: UserRow, locale: str) -> None:
    with db.connection() as conn:
        user_store.update_user_locale(conn, user.id, locale)


def test_a_request_to_an_anonymous_partner_goes_through_the_office_and_names_appear_on_acceptance(
        db: Database, settings: Settings, world: dict[str, Any]) -> None:
    """The startup asks by the partner's alias; HanPack sees nothing until the officer forwards;
    the startup sees only the label until HanPack accepts, then the name and contacts."""
    terms, alias = world["terms"], world["alias"]
    with web_client(settings, db) as a, web_client(settings, db) as b, web_client(settings, db) as o:
        sign_in(a, "a@chipviet.example")
        sign_in(b, "b@hanpack.example")
        sign_in(o, "officer@x.example")
        r = post(a, "/introductions", {"from_profile": "vn-chipviet", "to_profile": alias,
                                       "message": "Xin chào, chúng tôi cần đóng gói chip."})
        assert r.status_code == 303
        url = r.headers["location"]
        page = a.get(url).text
        assert "Đang chờ văn phòng chương trình" in page and LABEL_VI in page and f"/profiles/{alias}" in page
        assert leaks(page, terms) == [] and ANON not in page and leaks(a.get("/introductions").text, terms) == []
        # the recipient knows nothing yet: not in its list, its page is not found, no mail
        assert "ChipViệt" not in b.get("/introductions").text and b.get(url).status_code == 404
        assert b.get(url + "/outcomes").status_code == 404
        assert url + "/withdraw" in a.get(url).text  # the requester may withdraw while it waits
        outcomes_page = a.get(url + "/outcomes").text
        assert LABEL_VI in outcomes_page and leaks(outcomes_page, terms) == [] and ANON not in outcomes_page
        assert intros.states_for(db, ANON) == {} and intros.states_for(db, "vn-chipviet") == {ANON: "brokering"}
        assert [(m[0], m[1]) for m in mails(db)] == [("officer@x.example", "introduction_brokering")]
        queue = o.get("/officer/introductions").text
        assert "HanPack Semiconductor" in queue and "ChipViệt" in queue and "chúng tôi cần đóng gói chip" in queue
        assert LABEL_VI in queue and 'href="/officer/introductions"' in o.get("/officer/lists").text

        intro_id = int(url.rsplit("/", 1)[1])
        assert post(o, f"/officer/introductions/{intro_id}/forward",
                    {"note": "A serious startup; worth a call."}).status_code == 303
        assert f'id="broker-{intro_id}"' not in o.get("/officer/introductions").text
        page = b.get(url).text
        assert "A serious startup; worth a call." in page and "/accept" in page and "ChipViệt" in page
        page = a.get(url).text
        assert "Đang chờ họ trả lời" in page and leaks(page, terms) == []
        assert url + "/withdraw" in page and url + "/withdraw" not in b.get(url).text
        # nothing a member got so far names HanPack, except the mail to HanPack itself: the
        # requester's one mail (the request was passed on) names it by its label
        assert [leaks(m[2], terms) for m in mails(db) if m[0] == "a@chipviet.example"] == [[]]
        assert post(b, url + "/accept").status_code == 303
        page = a.get(url).text
        assert "HanPack Semiconductor" in page and "bd@hanpack.example" in page and f"/profiles/{ANON}" in page
        assert "hello@chipviet.example" in b.get(url).text
    accepted = mails(db, "a@chipviet.example")
    assert [m[1] for m in accepted] == ["introduction_forwarded", "introduction_accepted"]
    assert LABEL_VI in accepted[0][2] and "HanPack Semiconductor" in accepted[1][2]
    assert audit_actions(db) == ["introduction-requested", "introduction-forwarded", "introduction-accepted"]


def test_the_officer_declines_and_only_the_requester_hears_with_the_reason_redacted(
        db: Database, settings: Settings, world: dict[str, Any]) -> None:
    a, b, mailer = Party.of(db, world["a"]), Party.of(db, world["b"]), world["mailer"]
    iid = intros.request(db, mailer, a, "vn-chipviet", world["alias"], "")
    with web_client(settings, db) as c:
        sign_in(c, "officer@x.example")
        r = post(c, f"/officer/introductions/{iid}/decline", {"reason": "HanPack is not taking partners in 2026."})
        assert r.status_code == 303
        assert post(c, f"/officer/introductions/{iid}/forward").status_code == 409  # already decided
    seen = intros.get_for(db, a, iid)
    assert seen.row.state == "declined" and seen.declined_by_office
    assert seen.reason == f"{anonymity.MASK} is not taking partners in 2026." and seen.other_name == LABEL_VI
    with pytest.raises(NotFound):
        intros.get_for(db, b, iid)
    assert intros.list_for(db, b) == []
    (mail,) = mails(db, "a@chipviet.example")
    assert mail[1] == "introduction_not_forwarded" and leaks(mail[2], world["terms"]) == []
    assert "is not taking partners in 2026" in mail[2] and LABEL_VI in mail[2]
    assert mails(db, "b@hanpack.example") == []
    assert audit_actions(db) == ["introduction-requested", "introduction-declined"]


def test_an_anonymous_requester_stays_a_label_to_a_public_recipient_until_it_accepts(
        db: Database, settings: Settings, world: dict[str, Any]) -> None:
    """HanPack asks ChipViệt, whose founder reads English: the forwarded request, its mail and its
    page show the English label and the message with HanPack's name redacted."""
    a, b, mailer = Party.of(db, world["a"]), Party.of(db, world["b"]), world["mailer"]
    set_locale(db, world["a"], "en")
    iid = intros.request(db, mailer, b, ANON, "vn-chipviet", "HanPack Semiconductor would like to license your IP.")
    assert intros.list_for(db, a) == [] and mails(db, "a@chipviet.example") == []
    brokering.forward(db, mailer, world["officer"], iid)
    view = intros.get_for(db, a, iid, "en")
    assert view.can_answer and view.other_name == LABEL_EN and view.other == world["alias"]
    assert view.row.message == f"{anonymity.MASK} would like to license your IP."
    (mail,) = mails(db, "a@chipviet.example")
    assert mail[1] == "introduction_requested" and LABEL_EN in mail[2] and leaks(mail[2], world["terms"]) == []
    with web_client(settings, db) as c:
        sign_in(c, "a@chipviet.example")
        page = c.get(f"/introductions/{iid}").text
        assert LABEL_EN in page and leaks(page, world["terms"]) == [] and ANON not in page
        assert post(c, f"/introductions/{iid}/decline", {"reason": "Not now", "share_reason": "on"}).status_code == 303
    assert leaks(intros.get_for(db, a, iid).row.from_name, world["terms"]) == []  # declined: still a label
    iid = intros.request(db, mailer, b, ANON, "vn-chipviet", "")
    brokering.forward(db, mailer, world["officer"], iid)
    intros.accept(db, mailer, a, iid)
    assert intros.get_for(db, a, iid).other_name == "HanPack Semiconductor"


def test_a_request_by_the_raw_id_of_an_anonymous_profile_is_not_found(db: Database, world: dict[str, Any]) -> None:
    """The alias is the only way in: an id is often the company's name, and guessing it must not work."""
    with pytest.raises(NotFound):
        intros.request(db, world["mailer"], Party.of(db, world["a"]), "vn-chipviet", ANON, "")
    with pytest.raises(NotFound):
        intros.request(db, world["mailer"], Party.of(db, world["a"]), "vn-chipviet", "anon-000000000000", "")


def test_only_officers_reach_the_queue(db: Database, settings: Settings, world: dict[str, Any]) -> None:
    iid = intros.request(db, world["mailer"], Party.of(db, world["a"]), "vn-chipviet", world["alias"], "")
    with web_client(settings, db) as c:
        sign_in(c, "b@hanpack.example")
        assert c.get("/officer/introductions").status_code == 403
        assert post(c, f"/officer/introductions/{iid}/forward").status_code == 403
        assert post(c, f"/officer/introductions/{iid}/decline").status_code == 403
    with pytest.raises(NotFound):  # the recipient cannot skip the office: for it, the request does not exist yet
        intros.accept(db, world["mailer"], Party.of(db, world["b"]), iid)
    assert intros.get_for(db, Party.of(db, world["a"]), iid).row.state == "brokering"


def test_brokering_expires_and_a_withdrawal_is_not_told_to_a_recipient_never_asked(
        db: Database, world: dict[str, Any]) -> None:
    a, mailer = Party.of(db, world["a"]), world["mailer"]
    first = intros.request(db, mailer, a, "vn-chipviet", world["alias"], "")
    with db.connection() as conn:
        conn.execute("UPDATE introductions SET expires_at = now() - interval '1 second' WHERE id = %(i)s", {"i": first})
    assert intros.expire_due(db) == [first]
    assert brokering.queue(db, world["officer"], "vi") == []
    second = intros.request(db, mailer, a, "vn-chipviet", world["alias"], "")
    assert [i.row.id for i in brokering.queue(db, world["officer"], "en")] == [second]
    intros.withdraw(db, mailer, a, second)
    assert mails(db, "b@hanpack.example") == [] and intros.list_for(db, Party.of(db, world["b"])) == []
    assert audit_actions(db) == ["introduction-requested", "introduction-expired", "introduction-requested",
                                 "introduction-withdrawn"]
