"""Shared pieces of the expert-list and target-list tests: the small event ecosystem with two
experts and IP assets on two foreign partners, and a matching double whose rankings cite an asset."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from matcher.evidence import AssetRef, Evidence, Quote
from matcher.explain import Explanation
from matcher.results import Match
from tests.web.curation_support import FakeMatching, event_records, fake_fit
from web.db.pool import Database
from web.services.profiles import import_records

BUYER = "vn-chipviet"
PACKAGING = "kr-daesung-osat"           # assets: 0 fan-out packaging process (TRL 7), 1 test software (TRL 5)
SOLAR = "de-sonnen-institut"            # asset 0: perovskite patent
EXPERTS = ["xp-le-minh-anh", "xp-sara-kim"]
ASSETS = {
    PACKAGING: [
        {"title": "=HYPERLINK(\"http://evil.example\") fan-out wafer-level packaging process", "asset_type": "know_how",
         "trl": 7, "transfer": ["licence", "joint_development"], "reference": "KR-PKG-7"},
        {"title": "Final-test scheduling software", "asset_type": "software", "trl": 5, "transfer": ["sale"]},
    ],
    SOLAR: [{"title": "Perovskite tandem cell patent", "asset_type": "patent", "trl": 6, "transfer": ["licence"],
             "reference": "EP1234567"}],
}
EXPERT_RECORDS = [
    {"id": "xp-le-minh-anh", "kind": "expert", "name": "Lê Minh Anh", "country": "DE", "overseas_vietnamese": True,
     "affiliation": "TU Dresden", "availability": ["remote_collaboration", "co_founding"], "languages": ["vi", "de"],
     "description": "Chuyên gia đóng gói vi mạch, 15 năm tại châu Âu.",
     "offers": "Chip packaging process design and reliability testing.", "sectors": ["semiconductors"],
     "cooperation_offered": ["expert_exchange", "training_talent"]},
    {"id": "xp-sara-kim", "kind": "expert", "name": "Sara Kim", "country": "KR", "affiliation": "KAIST",
     "availability": ["advisory", "short_visit"], "languages": ["en", "ko"],
     "description": "Researcher in agricultural IoT sensing.", "offers": "Advice on sensor networks for aquaculture.",
     "sectors": ["agritech", "iot"], "cooperation_offered": ["expert_exchange"]},
]


def target_records() -> list[dict[str, Any]]:
    records = copy.deepcopy(event_records())
    for r in records:
        if r["id"] in ASSETS:
            r["ip_assets"] = copy.deepcopy(ASSETS[r["id"]])
    return records + copy.deepcopy(EXPERT_RECORDS)


def import_targets(db: Database) -> list[dict[str, Any]]:
    records = target_records()
    import_records(db, records)
    return records


class ScoutingMatching(FakeMatching):
    """``FakeMatching`` whose ``rank`` ranks the foreign profiles by ``fake_fit`` and cites their
    best asset passing the filters (highest TRL first), as the engine does for a buyer's need."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        super().__init__(records)
        self.ranked: list[dict[str, Any] | None] = []

    def rank(self, profile_id: str, k: int = 10, filters: dict[str, Any] | None = None,
             exclude: Iterable[str] | None = None, blocking: bool = True, **kwargs: Any) -> list[Match]:
        self.ranked.append(filters)
        me, filters = self.records[profile_id], filters or {}
        out = []
        for other in self.records.values():
            if other["country"] == "VN" or other["kind"] == "expert":
                continue
            assets = [(i, a) for i, a in enumerate(other.get("ip_assets") or [])
                      if (not filters.get("ip_asset_type") or a.get("asset_type") == filters["ip_asset_type"])
                      and (not filters.get("ip_transfer") or filters["ip_transfer"] in a.get("transfer", []))
                      and (not filters.get("min_trl") or a.get("trl", 0) >= int(filters["min_trl"]))]
            if any(filters.get(f) for f in ("ip_asset_type", "ip_transfer", "min_trl")) and not assets:
                continue
            fit = fake_fit(me, other)
            asset = None
            if assets:
                i, a = max(assets, key=lambda x: (x[1].get("trl", 0), -x[0]))
                asset = AssetRef(i, a["title"], a.get("asset_type"), a.get("reference"), a.get("trl"),
                                 tuple(a.get("transfer") or ()))
            offer = Quote(other["id"], "ip_assets" if asset else "offers", asset.title if asset else other.get("offers", ""),
                          asset=asset)
            why = Explanation(profile_id, other["id"], other["name"], fit / 100, fit, {"dense": fit / 100},
                              evidence=[Evidence("your_need", 0.6, Quote(profile_id, "needs", me.get("needs", "")), offer)])
            out.append(Match(other["id"], fit / 100, fit, {"dense": fit / 100}, why))
        return sorted(out, key=lambda m: (-m.score, m.id))[:k]
