"""The messy sign-up generator: deterministic, ids kept, schema-valid, exactly the stated changes."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from matcher.messy import NEED_CUES, OFFER_CUES, TAG_FIELDS, messy_variant, plan_messy, strip_marks, with_cue
from matcher.profile import normalise_record, validate_record
from matcher.text import is_vietnamese

ROOT = Path(__file__).resolve().parents[2]


def _record(pid: str, vietnamese: bool) -> dict:
    return {
        "id": pid, "kind": "startup", "name": "Đông Á" if vietnamese else "East Co", "country": "VN",
        "languages": ["vi"], "stage": "seed",
        "description": "Công ty phát triển cảm biến độ mặn ở Đồng Tháp." if vietnamese else "A sensor maker.",
        "offers": "Cảm biến giá rẻ" if vietnamese else "Cheap sensors.",
        "needs": "Vốn hạt giống; chuyên gia." if vietnamese else "Seed money.",
        "sectors": ["agritech"], "technologies": ["cảm biến"], "cooperation_offered": ["pilot_customer"],
        "cooperation_sought": ["investment"],
        "documents": [{"title": "Báo cáo", "text": "Thử nghiệm ở Bến Tre."}],
    }


RECORDS = [_record(f"vn-{i:02d}", vietnamese=i % 3 != 0) for i in range(12)]


def test_strip_marks_keeps_case_and_turns_d_bar_into_d():
    assert strip_marks("Đà Nẵng, đường Lê Lợi") == "Da Nang, duong Le Loi"
    assert strip_marks("Ca\u0300 phe\u0302") == "Ca phe"  # decomposed input too


def test_same_seed_same_output_and_inputs_untouched():
    before = copy.deepcopy(RECORDS)
    assert messy_variant(RECORDS, random_state=3) == messy_variant(RECORDS, random_state=3)
    assert before == RECORDS
    assert messy_variant(RECORDS, random_state=3) != messy_variant(RECORDS, random_state=4)


def test_order_of_the_input_does_not_change_a_record():
    forward = {r["id"]: r for r in messy_variant(RECORDS)}
    backward = {r["id"]: r for r in messy_variant(RECORDS[::-1])}
    assert forward == backward


def test_ids_order_and_kept_fields_survive():
    out = messy_variant(RECORDS)
    assert [r["id"] for r in out] == [r["id"] for r in RECORDS]
    for new, old in zip(out, RECORDS, strict=True):
        assert not set(new) & {"offers", "needs", *TAG_FIELDS}
        assert set(new) == set(old) - {"offers", "needs", *TAG_FIELDS}
        assert {k: new[k] for k in ("kind", "country", "languages", "stage")} == \
            {k: old[k] for k in ("kind", "country", "languages", "stage")}


def test_half_of_the_vietnamese_records_lose_their_diacritics_everywhere():
    plans = plan_messy(RECORDS)
    vietnamese = [r["id"] for r in RECORDS if is_vietnamese(r["description"])]
    stripped = [pid for pid, p in plans.items() if p.strip]
    assert set(stripped) <= set(vietnamese) and len(stripped) == len(vietnamese) // 2
    for new, old in zip(messy_variant(RECORDS), RECORDS, strict=True):
        if plans[old["id"]].strip:
            assert new["name"] == strip_marks(old["name"]) and new["description"].isascii()
            assert new["documents"] == [{"title": "Bao cao", "text": "Thu nghiem o Ben Tre."}]
        else:
            assert new["name"] == old["name"] and new["documents"] == old["documents"]


def test_half_get_cue_phrases_in_their_language_the_others_bare_text():
    plans = plan_messy(RECORDS)
    assert sum(p.offer_cue is not None for p in plans.values()) == len(RECORDS) // 2
    for new, old in zip(messy_variant(RECORDS), RECORDS, strict=True):
        plan = plans[old["id"]]
        lang = "vi" if is_vietnamese(old["description"]) else "en"
        lines = new["description"].split("\n")
        assert len(lines) == 3
        assert lines[0] == (strip_marks(old["description"]) if plan.strip else old["description"])
        if plan.offer_cue is None or plan.need_cue is None:
            assert plan.need_cue is plan.offer_cue is None
            # a full stop is added where no sentence punctuation ended the text
            expected = [old["offers"].removesuffix(".") + ".", old["needs"]]
        else:
            assert plan.offer_cue in OFFER_CUES[lang] and plan.need_cue in NEED_CUES[lang]
            expected = [with_cue(old["offers"], plan.offer_cue), with_cue(old["needs"], plan.need_cue)]
        assert lines[1:] == ([strip_marks(x) for x in expected] if plan.strip else expected)


def test_a_cue_without_a_colon_lower_cases_an_ordinary_first_word():
    assert with_cue("Free kits", "We offer {}") == "We offer free kits."
    assert with_cue("Free kits", "We need: {}") == "We need: Free kits."
    assert with_cue("SDK and compiler", "We offer {}") == "We offer SDK and compiler."


def test_duplicate_ids_fail_loudly():
    with pytest.raises(ValueError, match="vn-00"):
        messy_variant([RECORDS[0], RECORDS[0]])


def test_the_sample_ecosystem_stays_schema_valid():
    records = [json.loads(line) for path in sorted(ROOT.glob("profiles/ecosystem-*.jsonl"))
               for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = messy_variant(records)
    assert [r["id"] for r in out] == [r["id"] for r in records]
    assert [e for r in out for e in validate_record(normalise_record(r))] == []
