"""A stand-in for ``web.matching.MatchingService`` in tests (same methods, same result shapes).

It scores by shared sectors and complementary cooperation modes over the stored records, and
searches by words in common: for tests that need predictable rankings without the embedding model.
Always ready, with nothing precomputed.
"""

from __future__ import annotations

import re
from typing import Any

from web.db import Database
from web.matching import WouldBlock
from web.store import profiles as profile_store
from web.warm import WarmRankings


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 2}


def _passes(record: dict[str, Any], filters: dict[str, Any] | None) -> bool:
    if not filters:
        return True

    def wanted(key: str) -> set[str]:
        value = filters.get(key)
        return set([value] if isinstance(value, str) else value or [])

    checks = [
        ("kind", {record.get("kind")}),
        ("country", {record.get("country")}),
        ("stage", {record.get("stage")}),
        ("sector", set(record.get("sectors", []))),
        ("mode", set(record.get("cooperation_offered", [])) | set(record.get("cooperation_sought", []))),
    ]
    return all(not wanted(k) or (wanted(k) & have) for k, have in checks)


class FakeMatching:
    ready = True  # nothing to load

    def __init__(self, db: Database) -> None:
        self.db = db
        self.refreshed: list[str] = []
        self.calls: list[tuple[str, Any]] = []
        self.warm = WarmRankings(0)  # depth 0: no default ranking is stored

    @property
    def size(self) -> int:
        return len(self._records())

    def _records(self) -> list[dict[str, Any]]:
        with self.db.connection() as conn:
            return profile_store.list_records(conn)

    def _score(self, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        sectors = len(set(a.get("sectors", [])) & set(b.get("sectors", [])))
        modes = len(set(a.get("cooperation_sought", [])) & set(b.get("cooperation_offered", []))) + len(
            set(b.get("cooperation_sought", [])) & set(a.get("cooperation_offered", [])))
        text = len(_words(a.get("needs", "") + " " + a.get("description", ""))
                   & _words(b.get("offers", "") + " " + b.get("description", "")))
        components = {"sectors": 0.2 * sectors, "modes": 0.25 * modes, "dense_reciprocal": 0.05 * min(text, 6)}
        if a.get("cooperation_sought") and set(a["cooperation_sought"]) & set(b.get("cooperation_sought", [])):
            components["competition"] = -0.05
        score = sum(components.values())
        # the shape of matcher.explain.Explanation.to_dict()
        explanation = {"evidence": [{"direction": "your_need",
                                     "need": {"field": "needs", "text": a.get("needs") or a.get("description", "")},
                                     "offer": {"field": "offers", "text": b.get("offers") or b.get("description", "")}}],
                       "shared_sectors": sorted(set(a.get("sectors", [])) & set(b.get("sectors", []))),
                       "shared_technologies": [], "competitor": "competition" in components,
                       "summary": {"vi": f"Phù hợp với {b['name']}.", "en": f"A match with {b['name']}."}}
        return {"id": b["id"], "score": score, "fit": max(0, min(100, round(100 * score))),
                "components": components, "explanation": explanation}

    def rank_record(self, record: dict[str, Any], k: int = 10, filters: dict | None = None) -> list[dict[str, Any]]:
        self.calls.append(("rank_record", record.get("id")))
        side = record.get("country") == "VN"
        out = [self._score(record, other) for other in self._records()
               if other["id"] != record.get("id") and (other.get("country") == "VN") != side
               and _passes(other, filters)]
        out = [r for r in out if r["score"] > 0]
        return sorted(out, key=lambda r: (-r["score"], r["id"]))[:k]

    def rank(self, profile_id: str, k: int = 10, filters: dict | None = None,
             exclude: set[str] | None = None, blocking: bool = True) -> list[dict[str, Any]]:
        if not blocking:  # this double reads the database on every call, like an index miss
            raise WouldBlock
        self.calls.append(("rank", profile_id))
        records = {r["id"]: r for r in self._records()}
        results = self.rank_record(records[profile_id], k=k + len(exclude or ()), filters=filters)
        return [r for r in results if r["id"] not in (exclude or set())][:k]

    def warm_json(self, profile_id: str, top: int) -> bytes | None:
        return None  # nothing precomputed: every request goes through rank()

    def search(self, text: str, k: int = 20, filters: dict | None = None) -> list[dict[str, Any]]:
        self.calls.append(("search", text))
        query = _words(text)
        hits = []
        for rec in self._records():
            body = " ".join(str(rec.get(f, "")) for f in ("name", "description", "offers", "needs"))
            n = len(query & _words(body))
            if n and _passes(rec, filters):
                hits.append({"id": rec["id"], "score": n / max(1, len(query))})
        return sorted(hits, key=lambda h: (-h["score"], h["id"]))[:k]

    def explain_text(self, a_id: str, b_id: str, lang: str) -> str:
        return f"{a_id} ↔ {b_id} ({lang})"

    def refresh(self, profile_ids: list[str]) -> None:
        self.refreshed.extend(profile_ids)
