"""Explanations that are true: quotes from the right side and field, the need sentence that matched
each card, and component labels that read true for the sign of their contribution."""

from __future__ import annotations

import pytest

from matcher.engine import Engine
from matcher.evidence import Evidence
from matcher.explain import asks
from matcher.labels import COMPONENTS, COMPONENTS_LOWERING, LANGS, component_label
from matcher.render import render_explanation
from matcher.rules import wanted_availability
from matcher.text import split_sentences

from .conftest import make_profile

PROVIDE = {"offers", "description", "documents", "ip_assets"}

ASKER = make_profile(
    "vn-camchip", "VN", "startup",
    description="Vietnamese startup designing camera chips.",
    needs="Chip packaging and testing lines for our camera chips. Seed investment to hire engineers, "
          "and university partners to train chip designers.",
    offers="Camera chip designs and a local engineering team in Hanoi.",
)
PACKAGER = make_profile(
    "kr-packlab", description="Korean lab running chip packaging and testing lines for fabless firms.",
    offers="Chip packaging and testing lines, with process know-how.", needs="A local engineering team in Vietnam.",
)
FUND = make_profile(
    "sg-seedfund", "SG", description="Singapore fund for hardware startups.",
    offers="Seed investment for hardware startups that hire engineers.", needs="Vietnamese deep-tech startups.",
)
UNIVERSITY = make_profile(
    "jp-techuni", "JP", description="Japanese technical university.",
    offers="A programme that trains chip designers, open to university partners.", needs="Industry internships.",
)
FILLERS = [
    make_profile("de-paygate", "DE", description="German payments company.",
                 offers="Payment gateway and card processing for online shops.",
                 needs="Vietnamese e-commerce merchants as pilot customers."),
    make_profile("vn-farmapp", "VN", "startup", description="Farm management app for farmers.",
                 offers="A farm management app used by 5,000 farmers.", needs="Investment for growing our farm app."),
]


def engine_with(*profiles: dict, fake_embedder) -> Engine:  # type: ignore[no-untyped-def]
    return Engine(embedder=fake_embedder).fit([ASKER, *profiles, *FILLERS])


def evidence(engine: Engine, a: str, b: str, direction: str) -> Evidence | None:
    return next((e for e in engine.explain(a, b).evidence if e.direction == direction), None)


def test_need_cues_in_english_and_vietnamese_with_and_without_diacritics():
    for sentence in ("We are looking for a packaging partner.", "The company is seeking investors.",
                     "It wants a partner in Vietnam.", "Chúng tôi cần chuyển giao công nghệ đóng gói.",
                     "Chung toi can chuyen giao cong nghe dong goi.", "Công ty đang tìm nhà đầu tư.",
                     "Cong ty dang tim nha dau tu.", "Mong muốn hợp tác với viện nghiên cứu."):
        assert asks(sentence), sentence
    for sentence in ("We offer chip packaging and testing.", "We can transfer our process to a partner.",
                     "Hỗ trợ doanh nghiệp tiếp cận thị trường Hàn Quốc.", "Chúng tôi cung cấp dịch vụ kiểm thử.",
                     "Our platform meets the needs of 5,000 farmers."):
        assert not asks(sentence), sentence


@pytest.mark.parametrize("asking", [
    "We are looking for chip packaging and testing lines for our camera chips.",
    "Chúng tôi cần dây chuyền chip packaging and testing lines cho camera chips.",
    "Chung toi can day chuyen chip packaging and testing lines cho camera chips.",
])
def test_they_offer_never_quotes_a_need_sentence_of_the_description(fake_embedder, asking):
    """A description that also says what the giver looks for (its needs and offers fields are
    filled too, so the description is matched as written): the quote is the sentence that offers,
    even though the asking one shares more words with our need."""
    rival = make_profile("jp-mixed", "JP", description=f"{asking} Our lab designs image sensors with 20 engineers.",
                         needs="Industry internships.", offers="Sensor evaluation boards.")
    offer = evidence(engine_with(rival, fake_embedder=fake_embedder), "vn-camchip", "jp-mixed", "your_need")
    assert offer is not None
    assert offer.offer.field == "description"
    assert offer.offer.text == "Our lab designs image sensors with 20 engineers."


def test_they_offer_never_comes_from_their_needs(fake_embedder):
    """A competitor needing exactly what we need: "they offer" quotes its offers, "they need" its needs."""
    rival = make_profile("jp-rival", "JP", description="Japanese startup designing camera chips.",
                         needs=ASKER["needs"], offers="Camera chip designs.")
    engine = engine_with(rival, fake_embedder=fake_embedder)
    ours, theirs = evidence(engine, "vn-camchip", "jp-rival", "your_need"), evidence(engine, "vn-camchip", "jp-rival",
                                                                                     "their_need")
    assert ours and theirs
    assert ours.offer.profile == "jp-rival" and ours.offer.field in PROVIDE
    assert ours.offer.text not in split_sentences(rival["needs"])
    assert ours.need.profile == "vn-camchip" and ours.need.field == "needs"
    assert theirs.need.profile == "jp-rival" and theirs.need.field == "needs"
    assert theirs.offer.profile == "vn-camchip" and theirs.offer.field in PROVIDE
    assert theirs.offer.text not in split_sentences(ASKER["needs"])


def test_a_giver_that_only_asks_gets_no_offer_quote(fake_embedder):
    """Nothing the giver wrote offers anything: no "they offer" quote rather than a false one."""
    seeker = make_profile("sg-seeker", "SG", description="We are looking for chip packaging and testing lines.")
    engine = engine_with(seeker, fake_embedder=fake_embedder)
    assert evidence(engine, "vn-camchip", "sg-seeker", "your_need") is None
    for e in engine.explain("vn-camchip", "sg-seeker").evidence:  # what they need may still be quoted
        assert e.direction == "their_need" and e.offer.profile == "vn-camchip"


def test_each_card_cites_the_need_its_offer_answers(fake_embedder):
    """Three needs (one sentence, then a list of two in one sentence), three partners each
    answering one: each card quotes its own need sentence or list item, never the whole field."""
    engine = engine_with(PACKAGER, FUND, UNIVERSITY, fake_embedder=fake_embedder)
    cited = {pid: evidence(engine, "vn-camchip", pid, "your_need").need.text  # type: ignore[union-attr]
             for pid in ("kr-packlab", "sg-seedfund", "jp-techuni")}
    assert cited == {"kr-packlab": "Chip packaging and testing lines for our camera chips.",
                     "sg-seedfund": "Seed investment to hire engineers …",
                     "jp-techuni": "… university partners to train chip designers."}
    ranked = {m.id: m.explanation.evidence[0].need.text for m in engine.rank("vn-camchip")
              if m.id in cited and m.explanation and m.explanation.evidence[0].direction == "your_need"}
    assert ranked == {pid: cited[pid] for pid in ranked} and len(set(ranked.values())) == len(ranked) >= 2


def test_explanation_keeps_its_published_keys(fake_embedder):
    d = engine_with(PACKAGER, fake_embedder=fake_embedder).explain("vn-camchip", "kr-packlab").to_dict()
    assert {"profile_id", "candidate_id", "candidate_name", "score", "fit", "components", "evidence",
            "shared_sectors", "shared_technologies", "modes", "competitor", "countries", "shared_languages",
            "stage", "summary"} <= set(d)
    assert set(d["evidence"][0]) == {"direction", "similarity", "need", "offer"}


def test_every_component_has_a_label_that_reads_true_when_it_lowers_the_fit():
    assert set(COMPONENTS_LOWERING) == set(COMPONENTS)
    for key in COMPONENTS:
        for lang in LANGS:
            assert component_label(key, -0.5, lang) == COMPONENTS_LOWERING[key][LANGS.index(lang)].strip() != ""
            assert component_label(key, 0.5, lang) == COMPONENTS[key][LANGS.index(lang)]
    assert component_label("modes", -0.3, "en") == "Cooperation modes do not complement each other"
    assert component_label("modes", -0.3, "vi") == "Hình thức hợp tác không bổ sung cho nhau"
    # only the competition label names what lowers the fit in both readings
    same = [k for k in COMPONENTS if COMPONENTS[k] == COMPONENTS_LOWERING[k]]
    assert same == ["competition"]


# -- technology scouting: an IP asset that answers a need is cited, with what a buyer filters on --

SCOUT = make_profile(
    "vn-powerchip", "VN", "startup", description="Vietnamese maker of power electronics for electric scooters.",
    needs="We want to license a proven sintered silver die attach packaging process for SiC power modules.",
    offers="Assembly lines for scooter motor controllers.",
)
OWNER = make_profile(
    "de-sinterwerk", "DE", description="German engineering firm serving the automotive industry.",
    offers="Engineering services for car makers.", needs="Assembly partners in South-East Asia.",
    ip_assets=[{"title": "Sintered silver die attach process for SiC power modules", "asset_type": "know_how",
                "trl": 8, "transfer": ["licence", "joint_development"],
                "description": "Pressure sintering of silver paste for die attach in SiC power module packaging."},
               {"title": "Battery recycling dataset", "asset_type": "dataset", "trl": 4}],
)


def test_the_asset_that_answers_a_need_is_cited_with_its_type_trl_and_transfer_modes(fake_embedder):
    engine = Engine(embedder=fake_embedder).fit([SCOUT, OWNER, *FILLERS])
    found = evidence(engine, "vn-powerchip", "de-sinterwerk", "your_need")
    assert found is not None and found.offer.field == "ip_assets"
    assert found.offer.asset is not None
    assert found.offer.asset.title == "Sintered silver die attach process for SiC power modules"
    assert (found.offer.asset.trl, found.offer.asset.transfer, found.offer.asset.index) == (8, ("licence", "joint_development"), 0)
    # the quote is the asset's own words; its title travels in the reference, not in the text
    assert found.offer.text == "Pressure sintering of silver paste for die attach in SiC power module packaging."
    again = Evidence.from_dict(found.to_dict())
    assert again == found
    text = render_explanation(engine.explain("vn-powerchip", "de-sinterwerk"), "en")
    assert "technology asset “Sintered silver die attach process for SiC power modules”" in text
    assert "TRL 8" in text and "licence, joint development" in text
    vi = render_explanation(engine.explain("vn-powerchip", "de-sinterwerk"), "vi")
    assert "tài sản công nghệ" in vi and "cấp phép" in vi


def test_scouting_filters_keep_profiles_with_an_asset_of_the_mode_type_and_readiness(fake_embedder):
    """``ip_transfer``, ``ip_asset_type`` and ``min_trl`` filter on the profile's assets (any asset)."""
    engine = Engine(embedder=fake_embedder).fit([SCOUT, OWNER, PACKAGER, *FILLERS])

    def found(**filters):  # type: ignore[no-untyped-def]
        return {m.id for m in engine.rank("vn-powerchip", k=20, filters=filters)}

    assert found(ip_transfer="licence") == {"de-sinterwerk"}
    assert found(ip_transfer="sale") == set()
    assert found(ip_asset_type=["dataset", "patent"]) == {"de-sinterwerk"}
    assert found(min_trl="8") == {"de-sinterwerk"} and found(min_trl="9") == set()
    with pytest.raises(ValueError, match="min_trl"):
        engine.rank("vn-powerchip", filters={"min_trl": "10"})


# -- experts ----------------------------------------------------------------------------------

def expert(pid: str, country: str, availability: list[str], text: str) -> dict:
    return make_profile(pid, country, "expert", description=text, offers=text, availability=availability,
                        needs="A Vietnamese team to work with.")


FOUNDER_SEEKER = make_profile(
    "vn-edgeai", "VN", "startup", description="Vietnamese startup building edge AI cameras for factories.",
    needs="We are looking for a technical co-founder with experience in embedded machine vision.",
    offers="Factory pilots in Binh Duong.",
)
EXPERTS = [
    expert("us-dr-tran", "US", ["advisory"], "Embedded machine vision engineer, twenty years in industrial cameras."),
    expert("de-dr-nguyen", "DE", ["co_founding", "relocation"], "Machine vision researcher, embedded vision systems."),
    expert("jp-dr-sato", "JP", ["teaching"], "Embedded machine vision professor."),
]


def test_an_expert_is_never_proposed_to_an_expert(fake_embedder):
    engine = Engine(embedder=fake_embedder, cross_border=False).fit([FOUNDER_SEEKER, *EXPERTS, *FILLERS])
    ids = {m.id for m in engine.rank("us-dr-tran", k=20)}
    assert "vn-edgeai" in ids and not ids & {"de-dr-nguyen", "jp-dr-sato"}


def test_a_startup_seeking_a_co_founder_sees_the_experts_open_to_it_first(fake_embedder):
    engine = Engine(embedder=fake_embedder).fit([FOUNDER_SEEKER, *EXPERTS, *FILLERS])
    ranked = [m.id for m in engine.rank("vn-edgeai", k=20)]
    experts = [pid for pid in ranked if pid in {e["id"] for e in EXPERTS}]
    assert experts[0] == "de-dr-nguyen" and len(experts) == 3
    plain = dict(FOUNDER_SEEKER, id="vn-edgeai-2", needs="Embedded machine vision expertise.")
    assert wanted_availability(plain) == () and wanted_availability(FOUNDER_SEEKER) == ("co_founding",)
    assert wanted_availability({"needs": "Chung toi tim dong sang lap ky thuat"}) == ("co_founding",)
