"""Suggestions read from the description in the profile editor: offered for the fields the owner
left empty, in the owner's language, unticked; stored only when ticked and saved; refreshed for
the description being written; refused without the CSRF token."""

from __future__ import annotations

import re
from typing import Any

from tests.web.webkit import member, post, scalar, sign_in, web_client
from web.db.pool import Database
from web.services.profiles import import_records
from web.services.suggestions import MAX_CHARS, Suggestion, accept, suggest
from web.settings import Settings
from web.store import profiles as profile_store

# "nuôi tôm" and "thủy sản" are two mentions of agritech; one offer and one need sentence
DESCRIPTION = ("Nền tảng giám sát ao nuôi tôm cho nông dân Đồng bằng sông Cửu Long. Chúng tôi cung cấp cảm biến "
               "độ mặn cho nuôi trồng thủy sản. Chúng tôi cần đầu tư để mở rộng sang Indonesia.")
OFFER = "Chúng tôi cung cấp cảm biến độ mặn cho nuôi trồng thủy sản."
RECORD: dict[str, Any] = {"id": "vn-tomsach", "kind": "startup", "name": "Tôm Sạch", "country": "VN",
                          "description": DESCRIPTION}
FORM = {k: v for k, v in RECORD.items() if k != "id"}


def panel(page: str) -> str:
    """The suggestions fieldset of an editor page or fragment."""
    match = re.search(r'<fieldset id="suggestions".*?</fieldset>', page, re.S)
    assert match, "no suggestions panel"
    return match.group(0)


def own(db: Database, record: dict[str, Any]) -> None:
    import_records(db, [record])
    member(db, "m@x.example", owns=(record["id"],))


def stored(db: Database, profile_id: str) -> dict[str, Any]:
    with db.connection() as conn:
        row = profile_store.get_profile(conn, profile_id)
    assert row is not None
    return row.record


def test_suggest_offers_empty_fields_only_and_keeps_what_was_ticked() -> None:
    found = {s.field: s for s in suggest(RECORD)}
    assert found["sectors"] == Suggestion("sectors", ("agritech",), frozenset())
    assert found["offers"].values == (OFFER,) and found["cooperation_sought"].values == ("investment",)
    assert "sectors" not in {s.field for s in suggest({**RECORD, "sectors": ["iot"]})}
    # a ticked box stays, even once the description no longer gives it
    kept = {s.field: s for s in suggest({"description": "A software company."}, {"sectors": ["agritech"]})}
    assert kept == {"sectors": Suggestion("sectors", ("agritech",), frozenset({"agritech"}))}


def test_the_description_is_read_up_to_its_schema_limit() -> None:
    late = "x" * MAX_CHARS + " " + DESCRIPTION
    assert suggest({"description": late}) == []


def test_accept_adds_ticked_values_without_repeating_them() -> None:
    record = {"sectors": ["iot"], "offers": "Our own words."}
    out = accept(record, {"sectors": ["agritech", "iot"], "offers": [OFFER], "needs": [" "]})
    assert out["sectors"] == ["iot", "agritech"] and out["offers"] == f"Our own words.\n{OFFER}"
    assert "needs" not in out and record == {"sectors": ["iot"], "offers": "Our own words."}
    assert accept({"offers": OFFER}, {"offers": [OFFER]})["offers"] == OFFER


def test_an_owner_with_empty_tags_sees_suggestions_marked_and_unticked(db: Database, settings: Settings) -> None:
    own(db, RECORD)
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        page = c.get("/me/profiles/vn-tomsach").text
        vi = panel(page)
        assert "Gợi ý từ phần mô tả của bạn" in vi and "Nông nghiệp, thủy sản, thực phẩm" in vi
        assert '<input type="checkbox" name="accept_sectors" value="agritech">' in vi  # not ticked
        assert f'name="accept_offers" value="{OFFER}"' in vi and 'name="accept_cooperation_sought"' in vi
        assert 'hx-post="/me/profiles/suggestions"' in vi and "from:#f-description" in vi
        # the owner's own fields stay as they are: nothing is ticked for them
        assert 'name="sectors" value="agritech" checked' not in page
        post(c, "/locale", {"lang": "en"})
        en = panel(c.get("/me/profiles/vn-tomsach").text)
        assert "Suggested from your description" in en and "Agriculture, aquaculture and food" in en


def test_no_suggestion_for_a_field_the_owner_has_set(db: Database, settings: Settings) -> None:
    own(db, {**RECORD, "sectors": ["iot"], "offers": "Dữ liệu ao nuôi.", "cooperation_sought": ["market_access"]})
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        shown = panel(c.get("/me/profiles/vn-tomsach").text)
    assert "accept_sectors" not in shown and "accept_offers" not in shown and "accept_cooperation_sought" not in shown
    assert 'name="accept_needs"' in shown  # still empty, still suggested


def test_a_profile_with_nothing_to_suggest_has_the_panel_hidden(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        shown = panel(c.get("/me/profiles/new?kind=startup").text)
    assert shown.startswith('<fieldset id="suggestions" class="suggestions" aria-live="polite" hidden')
    assert "accept_" not in shown


def test_a_ticked_suggestion_is_stored_and_an_unticked_one_is_not(db: Database, settings: Settings) -> None:
    own(db, RECORD)
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        r = post(c, "/me/profiles/vn-tomsach", {**FORM, "accept_sectors": "agritech", "accept_offers": OFFER})
        assert r.status_code == 303
        after = c.get("/me/profiles/vn-tomsach").text
    record = stored(db, "vn-tomsach")
    assert record["sectors"] == ["agritech"] and record["offers"] == OFFER
    assert not {"needs", "technologies", "cooperation_sought", "cooperation_offered"} & set(record)
    shown = panel(after)  # accepted: no longer suggested; the rest still is
    assert "accept_sectors" not in shown and "accept_offers" not in shown and 'name="accept_needs"' in shown


def test_suggestions_follow_the_description_being_written(db: Database, settings: Settings) -> None:
    member(db, "m@x.example")
    chips = "We design chips. Our semiconductor team builds RISC-V cores. We are looking for investment."
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        r = post(c, "/me/profiles/suggestions", {"kind": "startup", "description": chips, "profile_id": "",
                                                 "accept_sectors": "agritech"}, headers={"HX-Request": "true"})
        assert r.status_code == 200 and r.text.lstrip().startswith('<fieldset id="suggestions"') and "<html" not in r.text
        assert 'name="accept_sectors" value="agritech" checked' in r.text  # ticked before: kept
        assert 'name="accept_sectors" value="semiconductors">' in r.text and "Bán dẫn, vi mạch" in r.text
        # without JavaScript nothing posts here; a stray post gets the whole editor, the ticked box added
        page = post(c, "/me/profiles/suggestions", {"kind": "startup", "description": chips,
                                                    "accept_sectors": "agritech"})
        assert "<html" in page.text and 'name="sectors" value="agritech" checked' in page.text
    assert scalar(db, "SELECT count(*) FROM profiles") == 0  # nothing saved


def test_suggestions_and_accepting_them_need_the_csrf_token(db: Database, settings: Settings) -> None:
    own(db, RECORD)
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        refresh = c.post("/me/profiles/suggestions", data={"description": DESCRIPTION},
                         headers={"HX-Request": "true"}, follow_redirects=False)
        save = c.post("/me/profiles/vn-tomsach", data={**FORM, "accept_sectors": "agritech"}, follow_redirects=False)
        assert refresh.status_code == 403 and save.status_code == 403
    assert "sectors" not in stored(db, "vn-tomsach")
