"""The officers' exposure audit: how often each published profile appears in the other profiles'
default top 10, by province, organisation type, sector, kind and country against each group's
share of the profiles, the Gini coefficient of that exposure, and the profiles never shown with
the likely reasons read from their records.

The rankings are the matching service's own (``MatchingContract.rank(id, k=10)``: no filters, no
exclusions, what a member's matches page and ``GET /api/v1/profiles/{id}/matches`` start from;
served from the stored default rankings once they are warm). Ranking every profile takes seconds,
so an audit is computed in a background thread on an officer's request and kept in memory, one per
matching service (each web process has its own; a restart forgets it): the page shows the last one
with its time and a button to recompute.

Profiles record no incubator membership (``matcher/schema/profile.schema.json``); the breakdown by
organisation type (``partner_type`` for partners, the kind otherwise) shows incubators as a group.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from matcher.exposure import GroupShare, exposure_counts, gini, group_shares, lorenz
from matcher.text import language_of
from web.db.pool import Database
from web.errors import Conflict, NotFound, Pending, Unavailable
from web.i18n import N_
from web.matching.contract import MatchingContract
from web.store import exposure as exposure_store
from web.store import profiles as profile_store

log = logging.getLogger(__name__)

TOP = 10  # the default match list's length: what "shown" means here
SHORT_DESCRIPTION = 12  # words; below this a description gives the engine little to go on
REASONS = {
    "not_embedded": N_("Not embedded yet, so in no ranking"),
    "no_needs": N_("States no needs"),
    "no_english": N_("No text in English"),
    "unique_sector": N_("A sector no other profile has"),
    "no_sectors": N_("No sector chosen"),
    "short_description": N_("A very short description"),
    "outranked": N_("None of these: other profiles fit better"),
}
GROUPINGS = {
    "region": N_("Province or region"),
    "type": N_("Organisation type"),
    "sector": N_("Sector"),
    "kind": N_("Kind of profile"),
    "country": N_("Country"),
}
CSV_COLUMNS = ("id", "name", "kind", "country", "region", "sectors", "exposure", "never_shown_reasons")


@dataclass(frozen=True)
class ProfileExposure:
    """One published profile: in how many other profiles' top ``TOP`` it appears, whether it has a
    ranking of its own (it is in the index), and, when it is never shown, the likely reasons."""

    id: str
    name: str
    kind: str
    country: str
    region: str
    sectors: tuple[str, ...]
    count: int
    ranked: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Audit:
    computed_at: datetime
    seconds: float
    profiles: list[ProfileExposure]
    gini: float
    breakdowns: dict[str, list[GroupShare]]      # GROUPINGS key -> its groups
    lorenz: tuple[list[float], list[float]]      # (share of profiles, share of exposure)

    @property
    def never_shown(self) -> list[ProfileExposure]:
        return [p for p in self.profiles if p.count == 0]

    @property
    def ranked(self) -> int:
        return sum(p.ranked for p in self.profiles)

    @property
    def total(self) -> int:
        return sum(p.count for p in self.profiles)


def group_keys(grouping: str, record: dict[str, Any]) -> list[str]:
    """The groups of ``grouping`` a record belongs to ("" for a province not stated)."""
    if grouping == "region":
        return [record.get("region") or ""]
    if grouping == "type":
        return [record.get("partner_type") or record["kind"]]
    if grouping == "sector":
        return list(record.get("sectors") or [])
    if grouping in ("kind", "country"):
        return [record[grouping]]
    raise ValueError(f"unknown grouping {grouping!r}; choose one of {sorted(GROUPINGS)}")


def reasons(record: dict[str, Any], sector_holders: Counter[str], ranked: bool) -> tuple[str, ...]:
    """Why a profile may never be shown, read from its record (``REASONS`` keys, "outranked" when
    none applies); ``sector_holders`` counts the published profiles of each sector."""
    out = [] if ranked else ["not_embedded"]
    texts = [t for t in (record.get(f) or "" for f in ("description", "offers", "needs")) if t.strip()]
    if not (record.get("needs") or "").strip():
        out.append("no_needs")
    if not any(language_of(t) == "en" for t in texts):
        out.append("no_english")
    sectors = set(record.get("sectors") or [])
    if not sectors:
        out.append("no_sectors")
    elif any(sector_holders[s] <= 1 for s in sectors):
        out.append("unique_sector")
    if len((record.get("description") or "").split()) < SHORT_DESCRIPTION:
        out.append("short_description")
    return tuple(out) or ("outranked",)


def build(records: Sequence[dict[str, Any]], rankings: dict[str, list[str]], seconds: float = 0.0,
          now: datetime | None = None) -> Audit:
    """The audit of ``records`` (the published profiles) from ``rankings`` (each ranked profile's
    top ids; a profile missing from it had no ranking)."""
    counts = exposure_counts(rankings, [r["id"] for r in records])
    holders = Counter(s for r in records for s in set(r.get("sectors") or []))
    profiles = [ProfileExposure(r["id"], r["name"], r["kind"], r["country"], r.get("region") or "",
                                tuple(r.get("sectors") or ()), int(n), r["id"] in rankings,
                                () if n else reasons(r, holders, r["id"] in rankings))
                for r, n in zip(records, counts, strict=True)]
    breakdowns = {g: group_shares([group_keys(g, r) for r in records], counts) for g in GROUPINGS}
    x, y = lorenz(counts)
    return Audit(now or datetime.now(UTC), seconds, profiles, gini(counts), breakdowns,
                 ([float(v) for v in x], [float(v) for v in y]))


def compute(db: Database, matching: MatchingContract, top: int = TOP) -> Audit:
    """Rank every published profile through the matching service and audit the result, its
    counts stored for the exposure-aware re-ranking; ``Unavailable`` while the index loads."""
    started = time.monotonic()
    with db.connection() as conn:
        records = profile_store.list_published_records(conn)
    rankings: dict[str, list[str]] = {}
    for record in records:
        try:
            rankings[record["id"]] = [m.id for m in matching.rank(record["id"], k=top)]
        except (Pending, NotFound):  # not embedded yet, or deleted since the list was read
            continue
    audit = build(records, rankings, time.monotonic() - started)
    with db.connection() as conn, conn.transaction():  # every host re-ranks from these (exposure_rerank)
        exposure_store.replace_counts(conn, [(p.id, p.count) for p in audit.profiles], audit.computed_at)
    return audit


def csv_rows(audit: Audit) -> list[tuple[Any, ...]]:
    """One row per profile in ``CSV_COLUMNS`` order, the least exposed first."""
    ordered = sorted(audit.profiles, key=lambda p: (p.count, p.id))
    return [(p.id, p.name, p.kind, p.country, p.region, "; ".join(p.sectors), p.count, "; ".join(p.reasons))
            for p in ordered]


@dataclass(frozen=True)
class AuditState:
    """What the page shows: the last audit (None before the first), whether one is being computed,
    and why the last attempt failed (a message id, None when it did not)."""

    audit: Audit | None
    running: bool
    error: str | None = None


@dataclass
class Audits:
    """The last audit of one matching service, and at most one computation at a time, in a
    background thread so that no request waits for it."""

    _audit: Audit | None = None
    _error: str | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def state(self) -> AuditState:
        with self._lock:
            running = self._thread is not None and self._thread.is_alive()
            return AuditState(self._audit, running, self._error)

    def latest(self) -> Audit:
        """The last audit; ``Conflict`` before the first is done."""
        audit = self.state().audit
        if audit is None:
            raise Conflict(N_("The exposure audit has not been computed yet."))
        return audit

    def start(self, db: Database, matching: MatchingContract) -> bool:
        """Begin computing a new audit unless one is under way; returns whether it began."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            self._thread = threading.Thread(target=self._run, args=(db, matching), name="exposure-audit", daemon=True)
            self._thread.start()
            return True

    def wait(self, seconds: float) -> bool:
        """Wait for the computation under way (if any); returns whether none is running now."""
        thread = self._thread
        if thread is not None:
            thread.join(seconds)
        return not self.state().running

    def _run(self, db: Database, matching: MatchingContract) -> None:
        try:
            audit, error = compute(db, matching), None
        except Unavailable:
            audit, error = None, N_("The matching index is still loading. Try again in a minute.")
        except Exception:  # the page says so; the log has the details
            log.exception("exposure audit failed")
            audit, error = None, N_("The audit could not be computed. The server log has the details.")
        with self._lock:
            self._audit = audit or self._audit
            self._error = error


_AUDITS: weakref.WeakKeyDictionary[Any, Audits] = weakref.WeakKeyDictionary()
_AUDITS_LOCK = threading.Lock()


def audits(matching: MatchingContract) -> Audits:
    """The audits of ``matching`` (one matching service per app, so one cache per app)."""
    with _AUDITS_LOCK:
        found = _AUDITS.get(matching)
        if found is None:
            found = _AUDITS[matching] = Audits()
        return found
