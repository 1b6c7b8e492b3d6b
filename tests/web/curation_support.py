"""Shared pieces of the curation tests: the small event ecosystem, a test double of the matching
service's ``pair_scores`` (hand-checkable fits), and users."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.evidence import Evidence, Quote
from matcher.explain import Explanation
from matcher.results import Match
from web.db.pool import Database
from web.interchange.importer import load_files
from web.matching.contract import Pair
from web.services.accounts import add_owner, create_user
from web.services.profiles import import_records
from web.store.users import UserRow

DATA = Path(__file__).parent / "data"
EVENT = DATA / "event.json"
STARTUPS = ["vn-chipviet", "vn-hocvui", "vn-khambenh", "vn-mattran-vision", "vn-nangxanh", "vn-robokho",
            "vn-tienviet", "vn-tomsen"]
PARTNERS = ["de-sonnen-institut", "kr-daesung-osat", "kr-hanul-chips", "no-fjord-aqua", "sg-lionfund"]
PASSWORD = "a-long-password"


def fake_fit(a: dict[str, Any], b: dict[str, Any]) -> float:
    """10, +30 for a shared sector, +25 when b offers what a seeks, +20 when a offers what b seeks,
    plus 0-9 from a hash of the two ids (so that ties are rare and results deterministic)."""
    fit = 10.0
    fit += 30 * bool(set(a.get("sectors", [])) & set(b.get("sectors", [])))
    fit += 25 * bool(set(a.get("cooperation_sought", [])) & set(b.get("cooperation_offered", [])))
    fit += 20 * bool(set(a.get("cooperation_offered", [])) & set(b.get("cooperation_sought", [])))
    fit += int(hashlib.sha256(f"{a['id']}|{b['id']}".encode()).hexdigest(), 16) % 10
    return fit


class FakeMatching:
    """Stands in for ``web.matching.MatchingService`` in tests: only ``pair_scores`` (and counts calls)."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = {r["id"]: r for r in records}
        self.calls: list[tuple[list[str], list[str]]] = []

    def pair_scores(self, a_ids: list[str], b_ids: list[str]) -> dict[Pair, Match]:
        self.calls.append((list(a_ids), list(b_ids)))
        out: dict[Pair, Match] = {}
        for a in a_ids:
            for b in b_ids:
                fit = fake_fit(self.records[a], self.records[b])
                components = {"sector": 0.3, "needs_offers": 0.25, "offers_needs": 0.2}
                need = Quote(a, "needs", self.records[a].get("needs", ""))
                offer = Quote(b, "offers", self.records[b].get("offers", ""))
                why = Explanation(a, b, self.records[b]["name"], fit / 100, fit, components,
                                  evidence=[Evidence("your_need", 0.5, need, offer)])
                out[a, b] = Match(b, fit / 100, fit, components, why)
        return out

    # the pages call these through other services; harmless defaults
    def rank(self, *args: Any, **kwargs: Any) -> list[Match]:
        return []

    def search(self, *args: Any, **kwargs: Any) -> list[Match]:
        return []


def event_records() -> list[dict[str, Any]]:
    return load_files([EVENT])


def import_event(db: Database) -> list[dict[str, Any]]:
    records = event_records()
    import_records(db, records)
    return records


@dataclass
class People:
    officer: UserRow
    member: UserRow          # owns vn-chipviet
    partner: UserRow         # owns kr-daesung-osat


def make_people(db: Database) -> People:
    officer = create_user(db, "officer@caunoi.example", "officer", PASSWORD).user
    member = create_user(db, "chip@chipviet.example", "member", PASSWORD).user
    partner = create_user(db, "bd@daesung.example", "member", PASSWORD).user
    add_owner(db, member.id, "vn-chipviet")
    add_owner(db, partner.id, "kr-daesung-osat")
    return People(officer, member, partner)


def csv_bytes(text: str) -> bytes:
    return text.encode("utf-8")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)
