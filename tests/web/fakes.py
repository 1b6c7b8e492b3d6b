"""A stand-in for ``web.matching.MatchingService`` in tests: it keeps ``MatchingContract`` (checked
by mypy at the bottom of this module) and answers with the same types.

It scores by shared sectors and complementary cooperation modes over the stored records, and
searches by words in common: for tests that need predictable rankings without the embedding model.
Always ready, with nothing precomputed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from matcher import coach as coaching
from matcher.evidence import Evidence, Quote
from matcher.explain import Explanation
from matcher.results import Match
from web.db.pool import Database
from web.matching import WouldBlock
from web.matching.warm import WarmRankings
from web.store import profiles as profile_store

if TYPE_CHECKING:
    from web.matching.contract import MatchingContract, Pair


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

    def _score(self, a: dict[str, Any], b: dict[str, Any]) -> Match:
        sectors = len(set(a.get("sectors", [])) & set(b.get("sectors", [])))
        modes = len(set(a.get("cooperation_sought", [])) & set(b.get("cooperation_offered", []))) + len(
            set(b.get("cooperation_sought", [])) & set(a.get("cooperation_offered", [])))
        text = len(_words(a.get("needs", "") + " " + a.get("description", ""))
                   & _words(b.get("offers", "") + " " + b.get("description", "")))
        components = {"sectors": 0.2 * sectors, "modes": 0.25 * modes, "dense_reciprocal": 0.05 * min(text, 6)}
        if a.get("cooperation_sought") and set(a["cooperation_sought"]) & set(b.get("cooperation_sought", [])):
            components["competition"] = -0.05
        score = sum(components.values())
        fit = max(0, min(100, round(100 * score)))
        need = Quote(a.get("id") or "", "needs" if a.get("needs") else "description",
                     a.get("needs") or a.get("description", ""))
        offer = Quote(b["id"], "offers" if b.get("offers") else "description", b.get("offers") or b.get("description", ""))
        explanation = Explanation(a.get("id") or "", b["id"], b["name"], score, fit, components,
                                  evidence=[Evidence("your_need", 1.0, need, offer)],
                                  shared_sectors=sorted(set(a.get("sectors", [])) & set(b.get("sectors", []))),
                                  competitor="competition" in components)
        return Match(b["id"], score, fit, components, explanation)

    def rank_record(self, record: dict[str, Any], k: int = 10, filters: dict | None = None) -> list[Match]:
        self.calls.append(("rank_record", record.get("id")))
        side = record.get("country") == "VN"
        out = [self._score(record, other) for other in self._records()
               if other["id"] != record.get("id") and (other.get("country") == "VN") != side
               and _passes(other, filters)]
        out = [m for m in out if m.score > 0]
        return sorted(out, key=lambda m: (-m.score, m.id))[:k]

    def rank(self, profile_id: str, k: int = 10, filters: dict | None = None,
             exclude: Iterable[str] | None = None, blocking: bool = True) -> list[Match]:
        if not blocking:  # this double reads the database on every call, like an index miss
            raise WouldBlock
        self.calls.append(("rank", profile_id))
        records = {r["id"]: r for r in self._records()}
        excluded = set(exclude or ())
        results = self.rank_record(records[profile_id], k=k + len(excluded), filters=filters)
        return [m for m in results if m.id not in excluded][:k]

    def coach(self, record: dict[str, Any]) -> coaching.Coaching:
        """``matcher.coach``'s measurements with this double's scores: every candidate change applied
        and the record's place in each partner's top 10 counted again."""
        self.calls.append(("coach", record.get("id")))
        stored = [r for r in self._records() if r["id"] != record.get("id")]

        def reach(rec: dict[str, Any]) -> coaching.Reach:
            side = rec.get("country") == "VN"
            partners = [o for o in stored if (o.get("country") == "VN") != side]
            inside = set()
            for o in partners:
                rivals = sorted((self._score(o, c).score for c in stored
                                 if c["id"] != o["id"] and (c.get("country") == "VN") != (o.get("country") == "VN")),
                                reverse=True)
                if len(rivals) < coaching.TOP or self._score(o, rec).score > rivals[coaching.TOP - 1]:
                    inside.add(o["id"])
            own = self.rank_record(rec)
            fit = round(sum(m.fit for m in own) / len(own), 1) if own else 0.0
            return coaching.Reach(len(partners), len(inside), fit, frozenset(inside))

        before = reach(record)
        out = [coaching.Suggestion(c, before, reach(coaching.apply_change(record, c)))
               for c in coaching.candidate_changes(record)]
        out = sorted((s for s in out if s.gained > 0 or s.fit_gain > 0), key=lambda s: (-s.gained, -s.fit_gain))
        return coaching.Coaching(str(record.get("id") or ""), before, tuple(out[:coaching.MAX_SUGGESTIONS]), 0.0)

    def warm_json(self, profile_id: str, top: int, filters: dict | None = None) -> bytes | None:
        return None  # nothing precomputed: every request goes through rank()

    def search(self, text: str, k: int = 20, filters: dict | None = None) -> list[Match]:
        self.calls.append(("search", text))
        query = _words(text)
        hits = []
        for rec in self._records():
            body = " ".join(str(rec.get(f, "")) for f in ("name", "description", "offers", "needs"))
            n = len(query & _words(body))
            if n and _passes(rec, filters):
                score = n / max(1, len(query))
                hits.append(Match(rec["id"], score, round(100 * score), {"lexical": score}))
        return sorted(hits, key=lambda h: (-h.score, h.id))[:k]

    def score(self, a: str, b: str) -> Match:
        records = {r["id"]: r for r in self._records()}
        return self._score(records[a], records[b])

    def pair_scores(self, a_ids: list[str], b_ids: list[str]) -> dict[Pair, Match]:
        records = {r["id"]: r for r in self._records()}
        return {(a, b): self._score(records[a], records[b]) for a in a_ids for b in b_ids if a != b}

    def explain_text(self, a_id: str, b_id: str, lang: str) -> str:
        return f"{a_id} ↔ {b_id} ({lang})"

    def refresh(self, profile_ids: Iterable[str]) -> None:
        self.refreshed.extend(profile_ids)


if TYPE_CHECKING:
    _KEEPS_THE_CONTRACT: type[MatchingContract] = FakeMatching  # checked by mypy (pyproject.toml lists this file)
