"""Text handling: NFC, folding, Vietnamese diacritics, sentences, passages, tags, glossary."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from matcher.glossary import CONCEPTS, concepts
from matcher.text import fold, normalise_tag, split_passages, split_sentences, strip_diacritics, truncate


def test_fold_makes_decomposed_vietnamese_equal_to_composed():
    decomposed = unicodedata.normalize("NFD", "Vi Mạch  Bán Dẫn")
    assert fold(decomposed) == "vi mạch bán dẫn"


def test_strip_diacritics_folds_d_stroke_too():
    assert strip_diacritics("Đà Nẵng, nuôi trồng THỦY SẢN") == "da nang, nuoi trong thuy san"


def test_sentences_split_at_punctuation_lines_and_bullets_not_abbreviations():
    text = "Chúng tôi ở TP. Hồ Chí Minh, e.g. gần cảng. Cần:\n- đầu tư vòng hạt giống;\n- chuyển giao công nghệ. Dr. Lee (J. Park) leads."
    assert split_sentences(text) == [
        "Chúng tôi ở TP. Hồ Chí Minh, e.g. gần cảng.",
        "Cần:",
        "đầu tư vòng hạt giống;",
        "chuyển giao công nghệ.",
        "Dr. Lee (J. Park) leads.",
    ]


def test_passages_respect_the_word_budget_and_keep_sentences_whole():
    text = " ".join(f"Sentence number {i} has six words." for i in range(10))
    passages = split_passages(text, max_words=13)
    assert all(len(p.split()) <= 13 for p in passages)
    assert len(passages) == 5 and passages[0] == "Sentence number 0 has six words. Sentence number 1 has six words."


def test_an_overlong_sentence_is_cut_at_word_boundaries():
    passages = split_passages("word " * 250, max_words=100)
    assert [len(p.split()) for p in passages] == [100, 100, 50]


@given(st.text(max_size=400))
def test_passages_never_lose_words(text):
    passages = split_passages(text, max_words=7, max_chars=60)
    assert all(p.strip() for p in passages)
    assert " ".join(passages).split() == " ".join(split_sentences(text)).split()


def test_tags_are_normalised():
    assert normalise_tag(" Computer_Vision ") == "computer vision"
    assert normalise_tag("RISC-V") == "risc-v"
    assert normalise_tag("LoRaWAN/NB-IoT") == "lorawan nb-iot"


def test_truncate_cuts_at_a_word():
    assert truncate("alpha beta gamma delta", 12) == "alpha beta…"


def test_glossary_maps_vietnamese_and_english_terms_to_one_concept():
    assert "semiconductor" in concepts("Thiết bị vi mạch") and "semiconductor" in concepts("integrated circuits")
    assert concepts("chuyển giao công nghệ") == concepts("technology transfer") == ["technology_transfer"]
    assert concepts("nuôi trồng thủy sản") == concepts("aquaculture") == ["aquaculture"]
    assert concepts("tin chi carbon") == concepts("carbon credits") == ["carbon_credit"]


def test_glossary_acronyms_are_case_sensitive():
    assert "ai" in concepts("AI for farms")
    assert "ai" not in concepts("ai cũng có thể tham gia")  # Vietnamese "ai" = who


def test_glossary_covers_every_sector_and_mode_with_both_languages():
    assert 120 <= len(CONCEPTS) <= 300
    for mode in ("technology_transfer", "joint_rnd", "investment", "market_access", "licensing_ip", "acquisition",
                 "training_talent", "expert_exchange", "pilot_customer", "platform_infrastructure",
                 "incubation_acceleration", "standards"):
        forms = CONCEPTS[mode].split("|")
        assert any(f.isascii() for f in forms) and any(not f.isascii() for f in forms), mode
