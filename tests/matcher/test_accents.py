"""Unaccented Vietnamese: detected, its diacritics restored, everything else kept as typed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from matcher.accents import (
    crf_label,
    is_unaccented_vietnamese,
    restore_diacritics,
    restore_if_unaccented,
    strip_marks,
)


def test_strip_marks_keeps_case():
    assert strip_marks("Đào tạo Kỹ sư ở Hà Nội") == "Dao tao Ky su o Ha Noi"


def test_crf_label_names_vowel_mark_and_tone_like_pyvi():
    assert [crf_label(c) for c in "aấưẹđ"] == ["L", "Lms", "Lw", "Lj", "Lm"]


@pytest.mark.parametrize(
    "text",
    [
        "cong ty chung toi cung cap giai phap AI cho nong nghiep",
        "chung toi can doi tac chuyen giao cong nghe vi mach",
        "startup IoT can tim nha dau tu",
        "Tieu de co dau.\nphan mo ta khong dau cua cong ty chung toi o Da Nang",
    ],
)
def test_unaccented_vietnamese_is_detected(text):
    assert is_unaccented_vietnamese(text)


@pytest.mark.parametrize(
    "text",
    [
        "We design AI chips and need a partner in Vietnam.",
        "Tom can go to the bank at 10 am on Monday.",
        "Hanbit packages ICs with wire-bond QFN/QFP and flip-chip BGA, 1.1 billion units a year.",
        "Công ty chúng tôi cung cấp giải pháp AI cho nông nghiệp",
        "Our office is in Ha Noi, near Bac Ninh.",
        "",
    ],
)
def test_english_and_accented_text_are_not_detected(text):
    assert not is_unaccented_vietnamese(text)


@pytest.mark.parametrize(
    ("typed", "restored"),
    [
        ("chuyen giao cong nghe", "chuyển giao công nghệ"),
        ("vi mach", "vi mạch"),
        ("dao tao ky su", "đào tạo kỹ sư"),
        ("tri tue nhan tao", "trí tuệ nhân tạo"),
        ("nong nghiep", "nông nghiệp"),
        ("doi tac", "đối tác"),
        ("chung toi can doi tac", "chúng tôi cần đối tác"),
    ],
)
def test_domain_phrases_are_restored(typed, restored):
    assert restore_diacritics(typed) == restored


def test_english_acronyms_numbers_punctuation_and_case_are_kept():
    typed = "Cong ty cung cap giai phap AI, IoT cho 20 nong trai (startup) o  Ha Noi.\nLien he: a@b.com"
    restored = restore_diacritics(typed)
    assert restored.startswith("Công ty cung cấp giải pháp AI, IoT cho 20 nông trại (startup) ở  Hà Nội.\n")
    assert restored.endswith("Liên hệ: a@b.com")
    assert re.sub(r"\w", "x", strip_marks(restored)) == re.sub(r"\w", "x", typed)
    assert strip_marks(restored) == typed


def test_accented_text_passes_through_unchanged():
    text = "Chúng tôi cần đối tác cho dự án vi mạch; anh ta nói con cho ra ngoài."
    assert restore_diacritics(text) == text
    assert restore_if_unaccented(text) == text


def test_restoration_is_idempotent():
    once = restore_diacritics("chung toi dao tao ky su ban dan. Cong nghe cao")
    assert restore_diacritics(once) == once


def test_english_is_left_alone_by_restore_if_unaccented():
    text = "We make the best chips in Asia and can ship them to you."
    assert restore_if_unaccented(text) == text


def test_an_english_sentence_in_an_unaccented_vietnamese_text_stays_as_typed():
    """The text is restored, its English sentence is not ("to" and "on" are Vietnamese spellings
    too: it read "We want tổ partner ổn chips" before); a code-switched Vietnamese sentence (English
    terms, acronyms and numbers among its syllables) still is."""
    text = ("Cong ty chung toi phat trien phan mem quan ly cho doanh nghiep. "
            "We want to partner on chips in Ha Noi and can offer a team. "
            "Chung toi can goi von seed 500k USD, team 12 nguoi, da co san pham MVP.")
    restored = restore_if_unaccented(text)
    assert restored.startswith("Công ty chúng tôi phát triển phần mềm quản lý cho doanh nghiệp. "
                               "We want to partner on chips in Ha Noi and can offer a team. ")
    assert restored.endswith("Chúng tôi cần gọi vốn seed 500k USD, team 12 người, đã có sản phẩm MVP.")


def test_a_form_the_crf_ranks_low_is_restored_when_the_model_has_seen_it_beside_its_neighbour():
    """"chẩn" is not among the CRF's MAX_CANDIDATES forms of "chan" (it read "chân đoàn"), but the
    counted text has "chẩn đoán": it enters the search and wins (``Restorer.beside``)."""
    import numpy as np

    from matcher.accents import MAX_CANDIDATES, _restorer

    restorer = _restorer()
    forms = restorer.forms["chan"]
    crf_top = {forms[i] for i in np.argsort(-restorer.crf.scores("chan", forms, "", "doan", True))[:MAX_CANDIDATES]}
    assert "chẩn" not in crf_top
    assert restore_diacritics("chan doan hinh anh y te") == "chẩn đoán hình ảnh y tế"


def test_restore_if_unaccented_restores_unaccented_vietnamese():
    assert restore_if_unaccented("chung toi can doi tac") == "chúng tôi cần đối tác"


def test_the_first_restorations_of_a_process_from_several_threads_agree():
    """A server's first restorations come from several threads at once (the index's load, the
    request pools' warm-up); the restorer's load must not fail or differ for any of them. In a
    fresh interpreter, so that nothing is loaded yet."""
    program = """
import threading
from matcher.accents import restore_if_unaccented
texts = ["cong ty chung toi can doi tac chuyen giao cong nghe", "giai phap nong nghiep thong minh cho Dong bang"]
out, errors = [], []
def work():
    try:
        out.append(tuple(restore_if_unaccented(t) for t in texts))
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=work) for _ in range(6)]
for t in threads: t.start()
for t in threads: t.join()
print(errors, len(out), len(set(out)))
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "[] 6 1", done.stdout + done.stderr


def test_the_crf_weights_are_read_without_crfsuite_dump_in_this_process(monkeypatch: pytest.MonkeyPatch):
    """crfsuite's ``Tagger.dump`` closes its file descriptor twice; in a server the second close
    hit another thread's socket (its listening socket: connections refused for good). The dump
    must run in a process of its own, never in ours."""
    import pycrfsuite

    from matcher.accents import CrfWeights

    class Refusing:
        def open(self, *args: object) -> None:
            pass

        def dump(self, *args: object) -> None:
            raise AssertionError("Tagger.dump called in the server's process")

    monkeypatch.setattr(pycrfsuite, "Tagger", Refusing)
    weights = CrfWeights.from_pyvi()
    assert "L" in weights.label_index and weights.transitions.shape[0] == len(weights.label_index)


def test_a_restorer_put_in_use_restores_only_inside_its_block():
    """bench/quality.py measures with a model that has not read the text (``restorer_in_use``)."""
    from matcher.accents import Counts, CrfWeights, Restorer, restorer_in_use

    text = "cong nghe vi mach cho nong nghiep"
    shipped = restore_diacritics(text)
    assert shipped == "công nghệ vi mạch cho nông nghiệp"
    # a model that knows only "công nghẹ" (not "nghệ"): inside the block it is the one used
    odd = Restorer(Counts({"công": 5, "nghẹ": 5, "cho": 5}, {("công", "nghẹ"): 5}, frozenset(), {}),
                   CrfWeights.from_pyvi())
    with restorer_in_use(odd):
        assert restore_diacritics(text).startswith("công nghẹ")
    assert restore_diacritics(text) == shipped


def test_a_sentence_typed_with_some_marks_gets_the_others_restored():
    """Half the words typed without marks: those are restored, the marked ones kept as typed (and
    read as context); before, any mark made the whole sentence count as accented."""
    text = "Toi khong biết boi và cô ấy cũng khong biết."
    assert is_unaccented_vietnamese(text)
    restored = restore_if_unaccented(text)
    assert restored.startswith("Tôi không biết ")
    assert restored.endswith(" và cô ấy cũng không biết.")
    assert restore_if_unaccented("Công ty chúng tôi cung cap giai phap AI cho nong nghiep.") == (
        "Công ty chúng tôi cung cấp giải pháp AI cho nông nghiệp.")


@pytest.mark.parametrize("text", [
    "Anh ấy cho tôi xin tin nhắn.",  # bare syllables that are words as typed: cho, xin, tin
    "Tom không biết bơi ở Boston.",  # names
    "Chơi nhạc thật to và xem có gì chuyển động ko?",  # "to" is a word, "ko" an abbreviation
    "Chúng tôi dùng machine learning cho nông nghiệp.",  # English terms
    # English naming a Vietnamese city: "on" and "them" are not "ổn" and "thêm"
    "AirSense deploys low-cost PM2.5, NO2 and ozone sensors on schools, bus stops and rooftops across Hà Nội, "
    "calibrates them",
])
def test_text_typed_with_its_marks_is_not_taken_for_partly_stripped(text):
    assert not is_unaccented_vietnamese(text)
    assert restore_if_unaccented(text) == text
