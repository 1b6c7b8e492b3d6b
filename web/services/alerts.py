"""Saved searches and subscriptions: create, list with their recent alerts, change, delete; and the
top results a saved search has now, whose k-th score is the threshold a newcomer must beat.

A member saves a directory search (its text and facets, as ``/directory`` encodes them in its
query string) or subscribes to new partners for one of their profiles; an officer saves a scouting
query labelled with a programme. New profiles are evaluated against all of them at once by
``web.services.alerts_eval``; mail is ``web.services.alerts_mail``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs

from web.db.pool import Database
from web.errors import Conflict, Invalid, NotFound, Unavailable
from web.i18n import N_
from web.matching.contract import MatchingContract
from web.services import masking
from web.services.directory import SEARCH_RELATIVE_FLOOR, DirectoryQuery, search_hits
from web.store import directory as directory_store
from web.store import saved_searches as store
from web.store import users as user_store
from web.store.directory import DirectoryRow
from web.store.saved_searches import SavedSearchRow
from web.store.users import UserRow

#: a saved search alerts when a profile enters its top ``TOP_K`` results
TOP_K = 10
FREQUENCIES = ("immediate", "weekly", "off")
MAX_SAVED = 50          # per account: each one is evaluated against every new profile
NAME_MAX = 120


def parse_query(query: str) -> DirectoryQuery:
    """A stored ``/directory`` query string as the directory reads it."""
    return DirectoryQuery.parse(parse_qs(query.lstrip("?"), keep_blank_values=False))


def check_frequency(frequency: str) -> str:
    if frequency not in FREQUENCIES:
        raise Invalid(N_("Choose how often to be told: at once, in a weekly digest, or only here."), field="frequency")
    return frequency


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Invalid(N_("Give the saved search a name."), field="name")
    if len(name) > NAME_MAX:
        raise Invalid(N_("The name is too long (at most 120 characters)."), field="name")
    return name


def _room(db: Database, user: UserRow) -> None:
    with db.connection() as conn:
        if len(store.list_saved_searches(conn, user.id)) >= MAX_SAVED:
            raise Conflict(N_("You have 50 saved searches, the most one account may keep. Delete one first."))


def create_search(db: Database, matching: MatchingContract, user: UserRow, name: str, query: str,
                  frequency: str = "immediate", programme: str = "") -> SavedSearchRow:
    """Save the directory search ``query`` (a ``/directory`` query string; it needs a text) and
    compute its threshold now (later, if the index is still loading)."""
    parsed = parse_query(query)
    if not parsed.q.strip():
        raise Invalid(N_("Type what you are looking for before saving: alerts follow the top results of a search."),
                      field="q")
    name, frequency = _check_name(name), check_frequency(frequency)
    programme = " ".join(programme.split())
    if programme and user.role not in ("officer", "admin"):
        raise Invalid(N_("Only programme officers label a search with a programme."), field="programme")
    if len(programme) > NAME_MAX:
        raise Invalid(N_("The programme name is too long (at most 120 characters)."), field="programme")
    _room(db, user)
    with db.connection() as conn:
        saved = store.insert_saved_search(conn, user.id, "search", name, programme or None,
                                          parsed.query_string(), None, frequency)
    refresh_threshold(db, matching, saved, user)
    return saved


def subscribe_profile(db: Database, matching: MatchingContract, user: UserRow, profile_id: str,
                      frequency: str = "immediate") -> SavedSearchRow:
    """New partners for one of ``user``'s profiles: a profile that enters its top matches."""
    frequency = check_frequency(frequency)
    with db.connection() as conn:
        if not user_store.is_owner(conn, user.id, profile_id):
            raise NotFound(N_("You can subscribe only for a profile you own."), field="profile_id")
        existing = store.find_profile_subscription(conn, user.id, profile_id)
        names = directory_store.list_profile_names(conn, [profile_id])
    if existing is not None:
        raise Conflict(N_("You already follow new partners for this profile."), field="profile_id")
    if not names:
        raise Invalid(N_("Publish the profile first: only published profiles have matches."), field="profile_id")
    _room(db, user)
    with db.connection() as conn:
        saved = store.insert_saved_search(conn, user.id, "profile", _check_name(names[0].name), None, "",
                                          profile_id, frequency)
    refresh_threshold(db, matching, saved, user)
    return saved


def own_search(db: Database, user: UserRow, search_id: int) -> SavedSearchRow:
    """One of ``user``'s saved searches (anyone else's is as unknown as a missing one)."""
    with db.connection() as conn:
        saved = store.get_saved_search(conn, search_id)
    if saved is None or saved.user_id != user.id:
        raise NotFound(N_("This saved search does not exist."))
    return saved


def set_frequency(db: Database, user: UserRow, search_id: int, frequency: str) -> None:
    own_search(db, user, search_id)
    with db.connection() as conn:
        store.update_frequency(conn, search_id, check_frequency(frequency))


def delete_search(db: Database, user: UserRow, search_id: int) -> None:
    own_search(db, user, search_id)
    with db.connection() as conn:
        store.delete_saved_search(conn, search_id)


def top_results(db: Database, matching: MatchingContract, saved: SavedSearchRow, viewer: UserRow,
                locale: str = "vi") -> list[tuple[str, float]]:
    """The first ``TOP_K`` results of the saved search as ``viewer`` sees them now, ``(id, score)``
    best first: for a directory search, the page ``web.services.directory.browse`` shows (engine
    search with its facets, the relative floor, the other facets and masking in SQL); for a
    profile, its default matches."""
    if saved.kind == "profile":
        assert saved.profile_id is not None
        return [(m.id, float(m.score)) for m in matching.rank(saved.profile_id, k=TOP_K)]
    query = parse_query(saved.query)
    filters = query.filters
    scores = {h.id: float(h.score) for h in search_hits(db, matching, query)}  # in the directory's order
    with db.connection() as conn:
        hidden = masking.masks(conn, viewer, None, locale, masking.secret(db))
        filters.ids = [i for i in scores if not hidden.names(query.q, i)]
        filters.masked = sorted(hidden.records)
        rows = directory_store.list_directory(conn, filters, TOP_K, 0)
    return [(r.id, scores[r.id]) for r in rows]


def threshold_of(results: list[tuple[str, float]], floor: float | None = None) -> float | None:
    """The score a newcomer must beat: the k-th result's; with fewer results, ``floor`` (None:
    any score)."""
    return results[TOP_K - 1][1] if len(results) >= TOP_K else floor


def search_floor(results: list[tuple[str, float]]) -> float:
    """The least score a directory search still shows (``SEARCH_RELATIVE_FLOOR`` of its best, and
    above 0): what a newcomer must beat when the search has fewer than k results."""
    best = max((s for _, s in results), default=0.0)
    return SEARCH_RELATIVE_FLOOR * best if best > 0 else 0.0


def refresh_threshold(db: Database, matching: MatchingContract, saved: SavedSearchRow, viewer: UserRow
                      ) -> list[tuple[str, float]] | None:
    """Recompute and store ``saved``'s threshold from its top results now (None while the index
    is loading: it stays stale, and is refreshed later)."""
    try:
        results = top_results(db, matching, saved, viewer, viewer.locale or "vi")
    except (Unavailable, NotFound, Conflict):  # loading, or its profile is being embedded or gone
        return None
    floor = search_floor(results) if saved.kind == "search" else None
    with db.connection() as conn:
        store.update_threshold(conn, saved.id, threshold_of(results, floor), [pid for pid, _ in results])
    return results


@dataclass
class AlertView:
    id: int
    profile_id: str        # the id the viewer may use in a link (an alias for a masked profile)
    name: str              # its name, or the label it is shown under
    rank: int
    created_at: datetime


@dataclass
class SavedSearchView:
    row: SavedSearchRow
    query: DirectoryQuery | None
    subject: str = ""      # a profile subscription: the profile's name
    alerts: list[AlertView] = field(default_factory=list)


def alert_views(db: Database, viewer: UserRow, alerts: list[store.AlertRow], locale: str) -> dict[int, AlertView]:
    """Alerts by id as ``viewer`` may see them: anonymous profiles under their label and alias
    (``web.services.masking``), unpublished ones left out."""
    ids = sorted({a.profile_id for a in alerts})
    with db.connection() as conn:
        rows: dict[str, DirectoryRow] = {r.id: r for r in directory_store.list_profile_names(conn, ids)}
        hidden = masking.masks(conn, viewer, ids, locale, masking.secret(db))
    out = {}
    for a in alerts:
        if a.profile_id in rows:
            shown = hidden.row(rows[a.profile_id])
            out[a.id] = AlertView(a.id, shown.id, shown.name, a.rank, a.created_at)
    return out


def my_searches(db: Database, user: UserRow, locale: str, per_search: int = 5) -> list[SavedSearchView]:
    """``user``'s saved searches, newest first, each with its ``per_search`` latest alerts."""
    with db.connection() as conn:
        rows = store.list_saved_searches(conn, user.id)
        alerts = store.list_recent_alerts(conn, [r.id for r in rows], per_search)
        subjects = {p.id: p.name for p in directory_store.list_profile_names(
            conn, [r.profile_id for r in rows if r.profile_id])}
    shown = alert_views(db, user, alerts, locale)
    views = {r.id: SavedSearchView(r, parse_query(r.query) if r.kind == "search" else None,
                                   subjects.get(r.profile_id or "", "")) for r in rows}
    for a in alerts:
        if a.id in shown:
            views[a.saved_search_id].alerts.append(shown[a.id])
    return list(views.values())


def subscribable_profiles(db: Database, user: UserRow) -> list[DirectoryRow]:
    """``user``'s published profiles that have no subscription yet."""
    with db.connection() as conn:
        owned = user_store.list_owned_profile_ids(conn, user.id)
        followed = {r.profile_id for r in store.list_saved_searches(conn, user.id) if r.kind == "profile"}
        return sorted((p for p in directory_store.list_profile_names(conn, owned) if p.id not in followed),
                      key=lambda p: p.name.lower())
