"""The public directory and profile pages: facets, search through the matching service, pagination,
htmx fragments and shareable URLs; only published profiles and public fields."""

from __future__ import annotations

import re

from tests.web.fakes import FakeMatching
from tests.web.webkit import load_small, web_client
from web.db.pool import Database
from web.services.directory import DirectoryQuery
from web.services.profiles import import_records
from web.settings import Settings


def names(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/profiles/([^"]+)">', html)


def test_query_strings_round_trip_and_toggle_facets() -> None:
    q = DirectoryQuery.parse({"q": [" chip "], "kind": ["startup", "partner"], "page": ["3"], "bogus": ["x"]})
    assert q.q == "chip" and q.filters.kind == ["partner", "startup"] and q.page == 3
    assert q.query_string(page=2) == "q=chip&kind=partner&kind=startup&page=2"
    assert q.toggled("kind", "partner") == "q=chip&kind=startup"
    assert q.toggled("sector", "iot") == "q=chip&kind=partner&kind=startup&sector=iot"
    assert DirectoryQuery.parse({"page": ["-1"]}).page == 1


def test_facets_filter_the_published_profiles(db: Database, settings: Settings) -> None:
    load_small(db)
    with web_client(settings, db) as c:
        assert len(names(c.get("/directory").text)) == 6
        assert names(c.get("/directory?kind=startup").text) == ["vn-agrisense", "vn-chipviet"]
        assert names(c.get("/directory?side=foreign&sector=semiconductors").text) == ["kr-hanpack"]
        assert names(c.get("/directory?mode=investment").text) == ["vn-agrisense", "sg-lionfund"]
        assert names(c.get("/directory?country=FI").text) == ["fi-nordic-hub"]
        assert names(c.get("/directory?region=C%E1%BA%A7n+Th%C6%A1").text) == ["vn-agrisense"]
        assert names(c.get("/directory?stage=seed&stage=mature").text) == ["vn-chipviet", "kr-hanpack"]
        page = c.get("/directory?kind=startup").text
        assert 'name="kind" value="startup" checked' in page and "Bán dẫn, vi mạch" in page
        with db.connection() as conn:
            conn.execute("UPDATE profiles SET published = false WHERE id = 'vn-chipviet'")
        assert names(c.get("/directory?kind=startup").text) == ["vn-agrisense"]
        assert c.get("/profiles/vn-chipviet").status_code == 404


def test_search_uses_the_matching_service_with_the_filters(db: Database, settings: Settings) -> None:
    load_small(db)
    matching = FakeMatching(db)
    with web_client(settings, db, matching) as c:
        assert names(c.get("/directory?q=shrimp+farms").text) == ["vn-agrisense"]
        assert names(c.get("/directory?q=semiconductor+packaging&side=vn").text) == []
        assert "kr-hanpack" in names(c.get("/directory?q=semiconductor+packaging").text)
    assert ("search", "shrimp farms") in matching.calls


def test_htmx_gets_the_results_fragment_and_the_facets_out_of_band(db: Database, settings: Settings) -> None:
    load_small(db)
    with web_client(settings, db) as c:
        r = c.get("/directory?kind=partner", headers={"HX-Request": "true"})
        assert r.text.lstrip().startswith('<section id="results"') and "<html" not in r.text
        assert 'id="facets"' in r.text and 'hx-swap-oob="true"' in r.text
        assert names(r.text) == ["kr-hanpack", "sg-lionfund"]
        page = c.get("/directory").text
        assert 'hx-get="/directory"' in page and 'hx-push-url="true"' in page and 'action="/directory"' in page


def test_pagination_keeps_the_filters(db: Database, settings: Settings) -> None:
    import_records(db, [{"id": f"vn-s{i:02d}", "kind": "startup", "name": f"Startup {i:02d}", "country": "VN",
                         "description": "Một công ty khởi nghiệp."} for i in range(30)])
    with web_client(settings, db) as c:
        first = c.get("/directory?kind=startup").text
        assert len(names(first)) == 12 and 'href="/directory?kind=startup&amp;page=2"' in first
        third = c.get("/directory?kind=startup&page=3").text
        assert names(third) == [f"vn-s{i:02d}" for i in range(24, 30)]
        assert names(c.get("/directory?kind=startup&page=99").text) == names(third)


def test_the_profile_page_shows_public_fields_only(db: Database, settings: Settings) -> None:
    load_small(db)
    with web_client(settings, db) as c:
        page = c.get("/profiles/vn-chipviet").text
        assert "ChipViệt" in page and "Chuyển giao công nghệ đóng gói" in page
        assert "Bằng sáng chế bộ điều khiển nguồn" in page and "RISC-V" in page
        assert "hello@chipviet.example" not in page and 'href="https://chipviet.example"' in page
        assert c.get("/profiles/nobody").status_code == 404


def test_home_shows_counts_and_a_search_box(db: Database, settings: Settings) -> None:
    load_small(db)
    with web_client(settings, db) as c:
        page = c.get("/").text
        assert 'action="/directory"' in page and 'name="q"' in page
        assert re.search(r"<b>6</b><span>tổ chức</span>", page)


def test_experts_are_found_by_what_they_are_available_for(db: Database, settings: Settings) -> None:
    """The directory's expert facet: availability counted and filtered (an expert's own field)."""
    load_small(db)
    import_records(db, [{"id": "fr-expert-le-an", "kind": "expert", "name": "Dr Lê An", "country": "FR",
                         "overseas_vietnamese": True, "availability": ["co_founding", "remote_collaboration"],
                         "description": "Power electronics researcher in Lyon, 15 years of GaN device work."}])
    with web_client(settings, db) as c:
        page = c.get("/directory").text
        assert 'name="availability" value="co_founding"' in page and "Chuyên gia sẵn sàng" in page
        assert names(c.get("/directory?availability=co_founding").text) == ["fr-expert-le-an"]
        assert names(c.get("/directory?availability=co_founding&kind=startup").text) == []
