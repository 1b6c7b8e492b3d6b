"""Brokered anonymity, the pure part: the generated label says what, where and open to what
without identifying; redaction finds the name however it is typed; the public record keeps
nothing that identifies."""

from __future__ import annotations

import json

from web.services.anonymity import MASK, generated_label, identifying_terms, public_record, redact

HIDDEN = {
    "id": "kr-anon-packaging", "kind": "partner", "partner_type": "corporation", "visibility": "anonymous",
    "name": "Hanbit Semiconductor Packaging Co., Ltd.", "country": "KR", "region": "Gyeonggi-do",
    "website": "https://www.hanbit-semi.example/en", "contact_email": "bd@hanbit-semi.example",
    "sectors": ["semiconductors"], "cooperation_offered": ["technology_transfer"],
    "description": "Hanbit is an OSAT company in Gyeonggi-do. HANBIT packages power ICs; hanbit-semi.example lists its plants.",
    "offers": "Hanbit Semiconductor Packaging transfers wire-bond know-how.",
    "documents": [{"title": "Hanbit wire-bond line audit 2025", "text": "The Hanbit line in Icheon passed.", "year": 2025}],
    "ip_assets": [{"title": "Fine-pitch wire bonding recipe", "reference": "KR 10-2345678", "transfer": ["licence"],
                   "description": "Recipe used on Hanbit lines since 2019."}],
}


def test_the_label_says_what_where_and_open_to_what_in_both_languages() -> None:
    assert generated_label(HIDDEN, "en") == "A semiconductors company in South Korea, open to licensing"
    assert generated_label(HIDDEN, "vi") == "Một doanh nghiệp lĩnh vực bán dẫn, vi mạch tại Hàn Quốc, sẵn sàng cấp phép công nghệ"
    assert "Hanbit" not in generated_label(HIDDEN, "en")


def test_redaction_finds_the_name_in_any_case_and_without_diacritics() -> None:
    assert redact("HANBIT and hanbit and Hanbit's plant", HIDDEN) == f"{MASK} and {MASK} and {MASK}'s plant"
    viet = {"name": "Công ty Sao Việt", "visibility": "anonymous"}
    assert redact("Cong ty Sao Viet lam chip; Công ty Sao Việt cũng vậy.", viet) == f"{MASK} lam chip; {MASK} cũng vậy."
    assert redact("Hanbitech is another firm.", HIDDEN) == "Hanbitech is another firm."   # whole words only
    assert "KR 10-2345678" in identifying_terms(HIDDEN)


def test_the_public_record_keeps_nothing_that_identifies() -> None:
    shown = public_record(HIDDEN, "en")
    text = json.dumps(shown, ensure_ascii=False).lower()
    for secret in ("hanbit", "gyeonggi", "hanbit-semi.example", "10-2345678", "wire-bond line audit"):
        assert secret not in text, secret
    assert shown["name"] == generated_label(HIDDEN, "en") and shown["id"] == HIDDEN["id"]
    assert shown["documents"] == [{"text": f"The {MASK} line in Icheon passed.", "year": 2025}]
    public = dict(HIDDEN, visibility="public")
    assert public_record(public, "en") == public


def test_an_alias_is_stable_secret_and_does_not_contain_the_id():
    from web.services.anonymity import alias
    a = alias("kr-anon-packaging", "key-1")
    assert a == alias("kr-anon-packaging", "key-1") and a.startswith("anon-") and len(a) == 17
    assert a != alias("kr-anon-packaging", "key-2") and "packaging" not in a


def test_a_query_that_names_an_anonymous_profile_is_recognised_however_typed():
    from web.services.anonymity import query_names
    viet = {"name": "Công ty Sao Việt", "visibility": "anonymous"}
    assert query_names("cong ty sao viet", viet)
    assert query_names("Sao Việt packaging", viet)
    assert not query_names("power semiconductor packaging", viet)
    assert not query_names("cong nghe dong goi", viet)  # "Công" is not what names it
    assert query_names("Sao", {"name": "Công ty TNHH Saoviet", "visibility": "anonymous"}) is False
    assert query_names("saoviet", {"name": "Công ty TNHH Saoviet", "visibility": "anonymous"})
