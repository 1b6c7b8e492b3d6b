"""My matches: ranked proposals with fit, component bars and the best need ↔ offer pair; save and
hide (stored as feedback); a selector for users owning several profiles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from matcher.evidence import DocumentRef, Evidence, Quote
from matcher.explain import Explanation
from matcher.results import Match
from tests.web.fakes import FakeMatching
from tests.web.webkit import load_small, member, post, sign_in, web_client
from web.db.pool import Database
from web.errors import Pending, Unavailable
from web.services.matches import BAR_FULL, bars, headline
from web.settings import Settings

# their need ↔ our offer, quoted from one of our documents
THEIR_NEED = Evidence("their_need", 0.7, Quote("kr-hanpack", "needs", "Chip design engineers."),
                      Quote("vn-chipviet", "documents", "20 engineers design chips.", DocumentRef(0, "Team sheet")))
YOUR_NEED = Evidence("your_need", 0.6, Quote("vn-chipviet", "needs", "Chip packaging."),
                     Quote("kr-hanpack", "offers", "Packaging lines."))


def _why(candidate: str, evidence: list[Evidence], **fields: Any) -> Explanation:
    return Explanation("vn-chipviet", candidate, candidate, 1.0, 50.0, {}, evidence=evidence, **fields)


def test_bars_show_the_largest_raising_components_then_the_largest_lowering_one() -> None:
    assert [b.key for b in bars({"modes": 0.5, "sectors": 0.25, "competition": -0.1, "zero": 0.0})] == [
        "modes", "sectors", "competition"]
    many = {f"c{i}": 1.0 - i / 10 for i in range(6)} | {"n1": -0.3, "n2": -0.1}
    assert [b.key for b in bars(many)] == ["c0", "c1", "c2", "c3", "n1"]
    assert bars({"a": 1.0, "b": -0.5})[1].negative
    assert bars({}) == []


def test_the_pair_a_card_shows_is_the_first_evidence_of_the_explanation() -> None:
    assert headline(_why("kr-hanpack", [THEIR_NEED, YOUR_NEED])) == THEIR_NEED
    assert headline(_why("kr-hanpack", [YOUR_NEED, THEIR_NEED])) == YOUR_NEED
    assert headline(_why("sg-lionfund", [])) is None
    assert headline(None) is None


class _EvidenceMatching(FakeMatching):
    """A proposal quoting their need and our document, one explained without evidence, one unexplained."""

    def rank(self, profile_id: str, k: int = 10, filters: dict | None = None,
             exclude: Iterable[str] | None = None, blocking: bool = True) -> list[Match]:
        return [
            Match("kr-hanpack", 5.0, 87.6, {"sectors": 1.5}, _why("kr-hanpack", [THEIR_NEED], shared_technologies=["OSAT"])),
            Match("sg-lionfund", 1.0, 13.0, {"sectors": 1.5}, _why("sg-lionfund", [], competitor=True)),
            Match("vn-agrisense", 0.5, 8.0, {"sectors": 1.5}),
        ]


def test_cards_show_the_need_and_offer_of_the_evidence_and_no_pair_without_one(
        db: Database, settings: Settings) -> None:
    """The card quotes the evidence's need and offer passages under the labels of its direction
    (with the document's title), shows the fit of the match rounded; a match explained without
    evidence, or not explained, shows no pair."""
    load_small(db)
    member(db, "a@x.example", owns=("vn-chipviet",))
    english = settings.model_copy(update={"default_locale": "en"})
    with web_client(english, db, _EvidenceMatching(db)) as c:
        sign_in(c, "a@x.example")
        page = c.get("/matches").text
    cards = {m.group(1): m.group(2) for m in re.finditer(r'<article class="card" id="match-([\w-]+)"(.*?)</article>',
                                                           page, re.S)}
    quoted = cards["kr-hanpack"]
    assert 'class="pair"' in quoted and ">88</text>" in quoted
    assert re.search(r'<div class="need"><b>They need</b>\s*Chip design engineers\.</div>', quoted)
    assert re.search(r'<div class="offer"><b>You offer · Team sheet</b>\s*20 engineers design chips\.</div>', quoted)
    assert '<li class="chip chip-gold">OSAT</li>' in quoted and "competitors" not in quoted
    for bare in (cards["sg-lionfund"], cards["vn-agrisense"]):
        assert 'class="pair"' not in bare and "Matched on sectors and cooperation modes." in bare
    assert "they may be competitors" in cards["sg-lionfund"]


def test_matches_show_fit_bars_and_the_best_pair_with_actions(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "a@x.example", owns=("vn-chipviet",))
    with web_client(settings, db) as c:
        sign_in(c, "a@x.example")
        page = c.get("/matches").text
    assert 'id="match-kr-hanpack"' in page and 'class="gauge"' in page and 'class="bars"' in page
    assert "Hình thức hợp tác bổ sung" in page  # a component label, in Vietnamese
    assert "Chuyển giao công nghệ đóng gói" in page and "Technology transfer of advanced chip packaging" in page
    assert 'action="/introductions"' in page and 'value="hidden"' in page and 'value="saved"' in page
    assert "bd@hanpack.example" not in page


def test_hiding_and_saving_are_remembered(db: Database, settings: Settings) -> None:
    load_small(db)
    user = member(db, "a@x.example", owns=("vn-agrisense",))
    matching = FakeMatching(db)
    with web_client(settings, db, matching) as c:
        sign_in(c, "a@x.example")
        assert 'id="match-sg-lionfund"' in c.get("/matches").text
        r = post(c, "/matches/feedback", {"profile": "vn-agrisense", "target": "sg-lionfund", "verdict": "saved"},
                 headers={"HX-Request": "true"})
        assert r.text.lstrip().startswith('<span id="fb-sg-lionfund"') and 'value="clear"' in r.text
        assert 'id="match-sg-lionfund"' in c.get("/matches?show=saved").text
        r = post(c, "/matches/feedback", {"profile": "vn-agrisense", "target": "sg-lionfund", "verdict": "hidden"})
        assert r.status_code == 303
        assert 'id="match-sg-lionfund"' not in c.get("/matches").text
        assert post(c, "/matches/feedback", {"profile": "vn-agrisense", "target": "sg-lionfund",
                                             "verdict": "bogus"}).status_code == 422
        assert post(c, "/matches/feedback", {"profile": "vn-agrisense", "target": "nobody",
                                             "verdict": "saved"}).status_code == 404
    with db.connection() as conn:
        rows = conn.execute("SELECT user_id, profile_id, target_id, verdict FROM feedback").fetchall()
    assert rows == [(user.id, "vn-agrisense", "sg-lionfund", "hidden")]
    assert ("rank", "vn-agrisense") in matching.calls


def test_a_user_with_several_profiles_picks_one_and_one_without_is_guided(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "two@x.example", owns=("vn-chipviet", "vn-agrisense"))
    member(db, "none@x.example")
    with web_client(settings, db) as c:
        sign_in(c, "two@x.example")
        page = c.get("/matches?profile=vn-chipviet").text
        assert '<select id="profile" name="profile">' in page and 'value="vn-chipviet" selected' in page
        assert 'id="match-kr-hanpack"' in page
        assert 'id="match-sg-lionfund"' in c.get("/matches?profile=vn-agrisense").text
        post(c, "/logout")
        sign_in(c, "none@x.example")
        assert 'href="/me/profiles"' in c.get("/matches").text


class _NotYetMatching(FakeMatching):
    """A matching service that cannot answer yet, with ``error``."""

    def __init__(self, db: Database, error: Exception) -> None:
        super().__init__(db)
        self.error = error

    def rank(self, profile_id: str, k: int = 10, filters: dict | None = None,
             exclude: Iterable[str] | None = None, blocking: bool = True) -> list[Match]:
        raise self.error


def test_matches_page_says_so_and_polls_while_the_index_loads_or_the_profile_is_embedded(
        db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "a@x.example", owns=("vn-chipviet",))
    for error in (Unavailable("the matching index is still loading"), Pending("vn-chipviet is being embedded")):
        with web_client(settings, db, matching=_NotYetMatching(db, error)) as c:
            sign_in(c, "a@x.example")
            r = c.get("/matches")
            assert r.status_code == 200 and "đang được phân tích" in r.text, error
            assert 'hx-trigger="load delay:3s"' in r.text


def test_bars_share_one_fixed_scale_across_cards() -> None:
    """Equal contributions draw equal bars on every card, whatever else the card shows; a bar is
    full at BAR_FULL and never fuller; a negative one keeps its size and is marked negative."""
    strong = bars({"dense_reciprocal": 2 * BAR_FULL, "sectors": BAR_FULL / 2})
    weak = bars({"sectors": BAR_FULL / 2, "languages": BAR_FULL / 30})
    assert [b.width for b in strong] == [100, 50] and [b.width for b in weak] == [50, 3]
    lowering = bars({"modes": -BAR_FULL / 4, "kinds": BAR_FULL / 4})
    assert [(b.key, b.width, b.negative) for b in lowering] == [("kinds", 25, False), ("modes", 25, True)]


def test_component_labels_read_true_for_the_sign_of_the_contribution() -> None:
    up, down = bars({"modes": 0.5, "sectors": 1.0}), bars({"modes": -0.5, "sectors": 1.0})
    assert up[1].label("en") == "Complementary cooperation modes"
    assert down[1].label("en") == "Cooperation modes do not complement each other"
    assert down[1].label("vi") == "Hình thức hợp tác không bổ sung cho nhau"
    assert down[0].label("vi") == "Ngành"


class _FixedMatching(FakeMatching):
    """Two proposals with known components: one strong, one weak whose modes lower the fit."""

    def rank(self, profile_id: str, k: int = 10, filters: dict | None = None,
             exclude: Iterable[str] | None = None, blocking: bool = True) -> list[Match]:
        return [
            Match("kr-hanpack", 7.5, 65, {"dense_reciprocal": 6.0, "sectors": 1.5}, _why("kr-hanpack", [YOUR_NEED])),
            Match("sg-lionfund", 1.1, 13, {"sectors": 1.5, "modes": -0.4}),
        ]


def test_matches_page_draws_bars_on_one_scale_with_true_labels(db: Database, settings: Settings) -> None:
    """The same sectors contribution draws the same bar on a strong and a weak card; a negative
    modes contribution reads "do not complement", never "complementary ... (lowers the fit)"."""
    load_small(db)
    member(db, "a@x.example", owns=("vn-chipviet",))
    for locale, lowering, wrong in (
        ("vi", "Hình thức hợp tác không bổ sung cho nhau", "Hình thức hợp tác bổ sung"),
        ("en", "Cooperation modes do not complement each other", "Complementary cooperation modes"),
    ):
        local = settings.model_copy(update={"default_locale": locale})
        with web_client(local, db, _FixedMatching(db)) as c:
            sign_in(c, "a@x.example")
            page = c.get("/matches").text
        cards = {m.group(1): m.group(2) for m in re.finditer(r'<article class="card" id="match-([\w-]+)"(.*?)</article>',
                                                               page, re.S)}
        widths = {pid: re.findall(r'<rect class="fill" width="(\d+)"', body) for pid, body in cards.items()}
        assert widths == {"kr-hanpack": ["100", "50"], "sg-lionfund": ["50", "13"]}
        assert lowering in cards["sg-lionfund"] and wrong not in page
        assert 'class="neg"' in cards["sg-lionfund"] and 'aria-label="−13%"' in cards["sg-lionfund"]
