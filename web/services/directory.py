"""The public directory: facet filters from the query string, semantic + lexical search through the
matching service, facet counts and pagination. Also the public view of one profile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from matcher.results import Match
from web.db.pool import Database
from web.errors import NotFound, Unavailable
from web.i18n import N_
from web.matching.contract import MatchingContract
from web.params import first, page_number
from web.services import anonymity, exposure_rerank, masking, serving, visibility
from web.store import directory as store
from web.store import introductions as intro_store
from web.store import profiles as profile_store
from web.store import users as user_store
from web.store.directory import FACETS, DirectoryFilter, DirectoryRow
from web.store.users import UserRow

PAGE_SIZE = 12
SEARCH_DEPTH = 200
# search ranks every profile; hits scoring under this fraction of the best one are left out (the
# scores decay smoothly, so a relative floor keeps a query's results about the query)
SEARCH_RELATIVE_FLOOR = 0.25
# the facets the matching service can filter on itself
_ENGINE_FILTERS = ("kind", "country", "sector", "mode", "stage")


@dataclass
class DirectoryQuery:
    q: str = ""
    page: int = 1
    filters: DirectoryFilter = field(default_factory=DirectoryFilter)

    @classmethod
    def parse(cls, params: Mapping[str, Sequence[str]]) -> DirectoryQuery:
        """From ``{name: [values]}`` query parameters; unknown names ignored, values trimmed."""
        def values(name: str) -> list[str]:
            return sorted({v.strip() for v in params.get(name, []) if v and v.strip()})[:50]

        page = page_number(first(params, "page"))
        return cls(first(params, "q")[:300], page, DirectoryFilter(**{name: values(name) for name in FACETS}))

    def query_string(self, **changes: Any) -> str:
        """This query as a URL query string, with ``changes`` applied (``page=2``, ``q=""``)."""
        pairs: list[tuple[str, str]] = []
        q = changes.get("q", self.q)
        if q:
            pairs.append(("q", q))
        for name in FACETS:
            pairs.extend((name, v) for v in getattr(self.filters, name))
        page = changes.get("page", 1)
        if page and page > 1:
            pairs.append(("page", str(page)))
        return urlencode(pairs)

    def toggled(self, facet: str, value: str) -> str:
        """The query string with ``value`` of ``facet`` switched on or off (back to page 1)."""
        current = list(getattr(self.filters, facet))
        new = [v for v in current if v != value] if value in current else [*current, value]
        other = DirectoryQuery(self.q, 1, DirectoryFilter(**{
            n: (new if n == facet else list(getattr(self.filters, n))) for n in FACETS}))
        return other.query_string()

    @property
    def active(self) -> list[tuple[str, str]]:
        return [(n, v) for n in FACETS for v in getattr(self.filters, n)]


@dataclass
class DirectoryPage:
    query: DirectoryQuery
    rows: list[DirectoryRow]
    total: int
    pages: int
    facets: dict[str, list[tuple[str, int]]]
    search_ready: bool = True


def browse(db: Database, matching: MatchingContract, query: DirectoryQuery, viewer: UserRow | None = None,
           locale: str = "vi") -> DirectoryPage:
    """One page of the directory for ``query``, as ``viewer`` may see it (anonymous profiles under
    their label: ``web.services.masking``): search-ranked when ``q`` is set, else by name."""
    filters = query.filters
    with db.connection() as conn:
        hidden = masking.masks(conn, viewer, None, locale, masking.secret(db))
    ids: list[str] | None = None
    searching = False
    if query.q:
        ids = _search(db, matching, query)
        searching = ids is not None
        # a search that names an anonymous profile must not find it
        ids = [i for i in ids or [] if not hidden.names(query.q, i)]
    filters.ids = ids
    filters.masked = sorted(hidden.records)
    with db.connection() as conn:
        total = store.count_directory(conn, filters)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(query.page, pages)
        query.page = page
        rows = store.list_directory(conn, filters, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        facet_rows = store.count_facets(conn, ids, filters.masked)
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    for facet, value, n in facet_rows:
        facets[facet].append((value, n))
    facets["region"] = facets["region"][:30]
    return DirectoryPage(query, [hidden.row(r) for r in rows], total, pages, facets,
                         search_ready=searching or not query.q)


def search_hits(db: Database, matching: MatchingContract, query: DirectoryQuery) -> list[Match]:
    """The search's hits in the directory's order: the matching service's search with the
    engine's facets, those within ``SEARCH_RELATIVE_FLOOR`` of the best, re-ordered by exposure
    when an officer switched that on (``exposure_rerank``). ``Unavailable`` while the index loads."""
    filters = query.filters
    engine = {name: getattr(filters, name) for name in _ENGINE_FILTERS if getattr(filters, name)}
    hits = matching.search(query.q, k=SEARCH_DEPTH, filters=engine or None)
    top = max((h.score for h in hits), default=0.0)
    kept = [h for h in hits if top > 0 and h.score >= SEARCH_RELATIVE_FLOOR * top]
    with db.connection() as conn:
        setting = serving.current(db, conn)[0].exposure
    return exposure_rerank.apply(db, setting, None, kept, len(kept)) if setting is not None else kept


def _search(db: Database, matching: MatchingContract, query: DirectoryQuery) -> list[str] | None:
    """Ids ranked by the matching service (None while its index is still loading)."""
    try:
        return [h.id for h in search_hits(db, matching, query)]
    except Unavailable:  # the index is still loading
        return None


def home_counts(db: Database) -> dict[str, int]:
    with db.connection() as conn:
        return store.count_published(conn)


@dataclass
class ProfilePage:
    record: dict[str, Any]          # public fields only, unless ``show_contact``; an anonymous one's
    show_contact: bool              # public record under its alias, unless the viewer may know it
    owned_by_viewer: bool
    viewer_profiles: list[DirectoryRow]
    intro_state: dict[str, str]     # my profile id -> state of its latest introduction with this one
    anonymous: bool = False         # the profile asks for anonymity (officers see a badge)
    masked: bool = False            # ... and this viewer sees it under its label
    label: str = ""                 # the label non-officers see it under


def profile_page(db: Database, viewer: UserRow | None, profile_id: str, locale: str = "vi") -> ProfilePage:
    """A profile as ``viewer`` may see it (contact details and identity as ``web.services.visibility``
    decides); ``profile_id`` is its id, or the alias of an anonymous one. The real id of a profile
    the viewer knows only by alias is as unknown as any other."""
    not_found = NotFound(N_("This profile does not exist."))
    key = masking.secret(db)
    with db.connection() as conn:
        real = masking.shown_id(conn, viewer, profile_id, key)
        row = profile_store.get_profile(conn, real) if real else None
        owned = frozenset(user_store.list_owned_profile_ids(conn, viewer.id)) if viewer else frozenset()
        if row is None or not (row.published or row.id in owned or (viewer and viewer.role == "admin")):
            raise not_found
        show = visibility.may_see_contact(conn, viewer, row.id)
        hidden = masking.masks(conn, viewer, [row.id], locale, key)
        mine = [p for p in store.list_profile_names(conn, sorted(owned)) if p.id != row.id] if owned else []
        states = {m.id: s for m in mine
                  if (s := intro_store.list_introduction_states(conn, m.id).get(row.id))}
    record = hidden.record(row.record if show else visibility.public_record(row.record))
    anonymous = anonymity.is_anonymous(row.record)
    label = anonymity.generated_label(row.record, locale) if anonymous else ""
    return ProfilePage(record, show, row.id in owned, mine, states, anonymous, row.id in hidden, label)
