"""Needs, offers and tags read out of one free-text description: tiny hand-checkable texts."""

from __future__ import annotations

import pytest

from matcher.freetext import FreeText, InferredTags, fill_free_text, infer_tags, split_description
from matcher.messy import strip_marks


def test_english_cues_file_needs_and_offers_and_leave_the_rest():
    text = "Acme builds drones for farms. We offer spraying drones and pilot training. We are looking for a distributor in Japan."
    assert split_description(text) == FreeText(
        needs=("We are looking for a distributor in Japan.",),
        offers=("We offer spraying drones and pilot training.",),
        other=("Acme builds drones for farms.",),
    )


def test_vietnamese_cues_work_with_and_without_diacritics():
    text = "Công ty làm phần mềm nông nghiệp. Chúng tôi cung cấp cảm biến độ mặn. Chúng tôi cần đối tác Nhật Bản."
    for variant in (text, strip_marks(text)):
        found = split_description(variant)
        assert [strip_marks(s) for s in found.needs] == ["Chung toi can doi tac Nhat Ban."]
        assert [strip_marks(s) for s in found.offers] == ["Chung toi cung cap cam bien do man."]
        assert len(found.other) == 1


def test_sentences_come_back_as_written():
    found = split_description("chung toi dang tim kiem nha dau tu thien than")
    assert found.needs == ("chung toi dang tim kiem nha dau tu thien than",)


@pytest.mark.parametrize("sentence", [
    "We need no investment.",  # negated: filing it as a need would match it with investors
    "We do not need funding at this stage.",
    "Chúng tôi không cần vốn.",
    "Chung toi chua can von.",
    "Our app serves the needs of farmers in the Mekong Delta.",  # "needs" as a noun is no cue
    "Ứng dụng đáp ứng nhu cầu của nông dân.",
    "Farmers looking for credit use our app.",  # "looking for" is about the farmers here
    "Chúng tôi mong muốn chia sẻ công nghệ.",  # a wish to give is not a need
])
def test_tricky_sentences_are_no_needs(sentence):
    assert split_description(sentence).needs == ()


def test_english_can_is_not_vietnamese_need():
    """Bare "can" is "cần" (need) only after a Vietnamese subject: "we can provide" is an offer."""
    found = split_description("We can provide test boards.")
    assert found.offers == ("We can provide test boards.",) and found.needs == ()


def test_a_sentence_with_both_cues_stays_other():
    found = split_description("We offer sensors and we need investors.")
    assert found.other == ("We offer sensors and we need investors.",)


def test_a_list_after_a_heading_belongs_to_it_and_ends_with_the_bullets():
    text = "We need:\n- seed money\n- mentors\nWe were founded in 2019."
    found = split_description(text)
    assert found.needs == ("We need:", "seed money", "mentors")
    assert found.other == ("We were founded in 2019.",)


def test_semicolon_lists_and_also_continue_a_cued_sentence():
    found = split_description("Chúng tôi cần vốn; chuyên gia AI. Ngoài ra, một phòng thí nghiệm. Công ty có 10 người.")
    assert found.needs == ("Chúng tôi cần vốn;", "chuyên gia AI.", "Ngoài ra, một phòng thí nghiệm.")
    assert found.other == ("Công ty có 10 người.",)


def test_a_heading_inside_a_line_starts_a_section():
    found = split_description("Công ty phần mềm Nhu cầu: đối tác Hàn Quốc. Năng lực: 20 kỹ sư")
    assert found == FreeText(("Nhu cầu: đối tác Hàn Quốc.",), ("Năng lực: 20 kỹ sư",), ("Công ty phần mềm",))


def test_an_uncued_sentence_after_a_cued_one_is_not_taken():
    found = split_description("We are looking for investors. The company was founded in 2020.")
    assert found.other == ("The company was founded in 2020.",)


def test_fill_free_text_fills_only_missing_fields_and_names_them():
    record = {"id": "vn-a", "description": "Chung toi cung cap cam bien. Chung toi can von."}
    filled, inferred = fill_free_text(record)
    assert filled == {**record, "offers": "Chung toi cung cap cam bien.", "needs": "Chung toi can von."}
    assert inferred == {"needs": "description", "offers": "description"}
    assert "offers" not in record  # the input is left alone


def test_fill_free_text_keeps_records_that_have_the_fields():
    record = {"id": "vn-a", "description": "We need money.", "needs": "Money.", "offers": "Code."}
    assert fill_free_text(record) == (record, {})
    half, inferred = fill_free_text({"id": "vn-b", "description": "We need money. We offer code.", "needs": "Money."})
    assert half["needs"] == "Money." and half["offers"] == "We offer code." and inferred == {"offers": "description"}


def test_fill_free_text_names_nothing_when_nothing_is_found():
    assert fill_free_text({"id": "vn-a", "description": "A software company."})[1] == {}


def test_infer_tags_reads_sectors_in_both_languages_with_and_without_diacritics():
    text = "Chúng tôi làm nông nghiệp thông minh và nuôi tôm. We offer computer vision for shrimp farms."
    for variant in (text, strip_marks(text)):
        tags = infer_tags(variant)
        assert tags.sectors == ("agritech",)


def test_infer_tags_needs_two_mentions_by_default():
    assert infer_tags("A logistics company.").sectors == ()
    assert infer_tags("A logistics company.", min_mentions=1).sectors == ("logistics",)
    with pytest.raises(ValueError, match="min_mentions"):
        infer_tags("x", min_mentions=0)


def test_infer_tags_modes_follow_the_side_of_the_sentence():
    tags = infer_tags("We offer technology transfer and training. We are looking for investment.")
    assert isinstance(tags, InferredTags)
    assert tags.cooperation_offered == ("technology_transfer", "training_talent")
    assert tags.cooperation_sought == ("investment",)


def test_infer_tags_technologies_are_display_names():
    tags = infer_tags("Computer vision on the edge; thị giác máy tính cho camera.")
    assert tags.technologies == ("computer vision",)
