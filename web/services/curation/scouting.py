"""Technology scouting for a target list: the engine ranks foreign profiles by the buyer's needs
over what they offer and their ``ip_assets`` (filtered by asset type, transfer mode and TRL), and
the explanation cites the asset that answers; the officer adds a proposal as a target in one
click. Also the officer's search for a company by name, with its assets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matcher.domain import IP_ASSET_TYPES, IP_TRANSFER_MODES
from matcher.evidence import AssetRef
from matcher.results import Match
from web.db.pool import Database
from web.errors import Pending, Unavailable
from web.i18n import N_
from web.matching.contract import MatchingContract
from web.services.curation.targets import buyer_of, load_targets_list
from web.store import match_lists as list_store
from web.store import targets as store

N_PROPOSALS = 10
TRLS = tuple(str(n) for n in range(1, 10))


@dataclass(frozen=True)
class ProposalFilter:
    """What the officer narrows the engine's proposals to: an asset type, a transfer mode, a TRL."""

    ip_asset_type: str = ""
    ip_transfer: str = ""
    min_trl: str = ""

    @classmethod
    def of(cls, ip_asset_type: str = "", ip_transfer: str = "", min_trl: str = "") -> ProposalFilter:
        """From the officer's choices; unknown values are ignored (no filter)."""
        return cls(ip_asset_type if ip_asset_type in IP_ASSET_TYPES else "",
                   ip_transfer if ip_transfer in IP_TRANSFER_MODES else "", min_trl if min_trl in TRLS else "")

    def engine(self) -> dict[str, Any]:
        """The filters of ``MatchingContract.rank``: foreign profiles, and the asset conditions set."""
        out: dict[str, Any] = {"side": "foreign"}
        out.update({k: v for k, v in vars(self).items() if v})
        return out


@dataclass
class Proposal:
    """A foreign profile the engine proposes for the buyer, and the asset its explanation cites."""

    profile_id: str
    name: str
    country: str
    fit: float
    asset: AssetRef | None
    need: str
    offer: str
    taken: bool


@dataclass
class Proposals:
    buyer_id: str
    filters: ProposalFilter
    items: list[Proposal]
    problem: str = ""           # a msgid when the engine could not answer now


def cited_asset(match: Match) -> tuple[AssetRef | None, str, str]:
    """(the candidate's asset the explanation cites, the buyer's need, the candidate's offer)."""
    evidence = match.explanation.evidence if match.explanation is not None else []
    for e in evidence:
        if e.offer.asset is not None and e.offer.profile == match.id:
            return e.offer.asset, e.need.text, e.offer.text
    if evidence:
        return None, evidence[0].need.text, evidence[0].offer.text
    return None, "", ""


def proposals(db: Database, matching: MatchingContract | None, list_id: int, buyer_id: str,
              filters: ProposalFilter) -> Proposals:
    """The engine's best foreign targets for the buyer, under ``filters``; those the buyer already
    has (the same company and asset) are marked ``taken``."""
    with db.connection() as conn:
        buyer = buyer_of(conn, list_id, buyer_id)
        have = {(t.profile_id, t.asset_index) for t in store.list_targets(conn, list_id) if t.buyer_id == buyer}
    out = Proposals(buyer, filters, [])
    if matching is None:
        out.problem = N_("Matching is not available right now. Please try again in a minute.")
        return out
    try:
        matches = matching.rank(buyer, k=N_PROPOSALS, filters=filters.engine())
    except (Pending, Unavailable):
        out.problem = N_("Matching is not available right now. Please try again in a minute.")
        return out
    with db.connection() as conn:
        records = store.list_target_records(conn, [m.id for m in matches])
    for m in matches:
        record = records.get(m.id)
        if record is None:
            continue
        asset, need, offer = cited_asset(m)
        index = asset.index if asset is not None else None
        out.items.append(Proposal(m.id, str(record.get("name", m.id)), str(record.get("country", "")), m.fit, asset,
                                  need, offer, (m.id, index) in have))
    return out


@dataclass
class Company:
    """A profile found by name, with its assets as ``(index, title)``."""

    profile_id: str
    name: str
    kind: str
    country: str
    assets: list[tuple[int, str]]


def find_companies(db: Database, list_id: int, text: str, limit: int = 10) -> list[Company]:
    """Published profiles not on the list whose name or id contains ``text``, with their assets."""
    text = text.strip()[:100]
    if len(text) < 2:
        return []
    with db.connection() as conn:
        load_targets_list(conn, list_id)
        found = list_store.find_profiles(conn, text, list_id, limit)
        records = store.list_target_records(conn, [f[0] for f in found])
    return [Company(pid, name, kind, country,
                    [(i, str(a.get("title", ""))) for i, a in enumerate(records.get(pid, {}).get("ip_assets") or [])])
            for pid, name, kind, country in found]
