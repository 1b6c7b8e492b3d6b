"""My matches: ranked proposals for one of the user's profiles, shaped for display, and feedback.

The matching service answers with ``matcher.results.Match``; a card reads its fields: the fit, the
components as bars, the first evidence of its ``Explanation`` as the need ↔ offer pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from matcher.evidence import Evidence
from matcher.explain import Explanation
from matcher.labels import component_label
from matcher.results import Match
from web.db.pool import Database
from web.errors import Invalid, NotFound, Pending, Unavailable
from web.i18n import N_
from web.matching.contract import MatchingContract
from web.services import exposure_rerank, learning, learning_log, masking, serving
from web.store import directory as directory_store
from web.store import feedback as feedback_store
from web.store import introductions as intro_store
from web.store import profiles as profile_store
from web.store import users as user_store
from web.store.directory import DirectoryRow
from web.store.feedback import VERDICTS
from web.store.users import UserRow

# The contribution that fills a bar, in score units (``matcher.scoring.Weights``: one unit is one
# standard deviation of text match), the same on every card so that equal bars mean equal
# contributions. 3.0 is about the 99th percentile of single-component contributions among the
# top-10 matches of the sample ecosystem: a bar fills only for exceptional evidence (and no further).
BAR_FULL = 3.0


@dataclass
class Bar:
    key: str
    value: float        # the contribution to the score, negative when it lowers the fit
    width: int          # 0-100: |value| as a share of BAR_FULL (at least 3, to stay visible)
    negative: bool

    def label(self, lang: str) -> str:
        """The component's name in ``lang``, worded to read true for the sign of ``value``."""
        return component_label(self.key, self.value, lang)


@dataclass
class MatchView:
    """One card: the proposed profile, its fit (0-100), bars, the need ↔ offer ``pair`` (the
    explanation's first evidence; None without one), shared technologies, the competitor note."""

    id: str
    profile: DirectoryRow
    fit: int
    bars: list[Bar]
    pair: Evidence | None
    technologies: list[str] = field(default_factory=list)
    competitor: bool = False
    verdict: str | None = None
    intro_state: str | None = None


def bars(components: Mapping[str, float], positive: int = 4, negative: int = 1) -> list[Bar]:
    """The largest components that raise the fit, then the largest that lower it (a picture to
    glance at, not a full account), with widths on the fixed scale ``BAR_FULL``."""
    items = [(k, float(v)) for k, v in components.items() if abs(v) > 1e-9]
    items.sort(key=lambda kv: (-abs(kv[1]), kv[0]))
    shown = [kv for kv in items if kv[1] > 0][:positive] + [kv for kv in items if kv[1] < 0][:negative]
    return [Bar(k, v, max(3, min(100, round(100 * abs(v) / BAR_FULL))), v < 0) for k, v in shown]


def headline(explanation: Explanation | None) -> Evidence | None:
    """The need ↔ offer pair a card shows: the explanation's first evidence (your need ↔ their
    offer when there is one, else their need ↔ your offer); None without evidence."""
    return explanation.evidence[0] if explanation is not None and explanation.evidence else None


def view(match: Match, row: DirectoryRow) -> MatchView:
    """The card of ``match``, whose profile's public columns are ``row``."""
    card = MatchView(row.id, row, round(match.fit), bars(match.components), headline(match.explanation))
    if match.explanation is not None:
        card.technologies = match.explanation.shared_technologies[:4]
        card.competitor = match.explanation.competitor
    return card


def shape(results: list[Match], rows: list[DirectoryRow]) -> list[MatchView]:
    """Matching results joined with the public columns of their profiles (unknown ids dropped)."""
    by_id = {r.id: r for r in rows}
    return [view(m, by_id[m.id]) for m in results if m.id in by_id]


def owned_profiles(db: Database, user: UserRow) -> list[DirectoryRow]:
    with db.connection() as conn:
        ids = user_store.list_owned_profile_ids(conn, user.id)
        rows = directory_store.list_profile_names(conn, ids) if ids else []
    return sorted(rows, key=lambda r: r.name.lower())


def for_profile(db: Database, matching: MatchingContract, user: UserRow, profile_id: str,
                k: int = 20, locale: str = "vi") -> tuple[list[MatchView], bool]:
    """Ranked, explained proposals for ``profile_id`` (owned by ``user``), hidden ones left out,
    anonymous ones as ``user`` may see them (``web.services.masking``), and whether they are still
    pending (the profile is being embedded or the index is loading)."""
    with db.connection() as conn:
        if not user_store.is_owner(conn, user.id, profile_id):
            raise NotFound(N_("This profile does not exist or is not yours."))
        verdicts = feedback_store.list_feedback(conn, user.id, profile_id)
        states = intro_store.list_introduction_states(conn, profile_id)
        state, _ = serving.current(db, conn)
    model = state.model  # the ranking learned from feedback, if one is active
    exposure = state.exposure  # the officers' exposure-aware re-ranking, if on
    hidden = {t for t, v in verdicts.items() if v == "hidden"}
    try:
        results = matching.rank(profile_id, k=exposure_rerank.depth(exposure, learning.depth(model, k)),
                                exclude=hidden | {profile_id})
    except (Pending, Unavailable):  # the profile is still being embedded, or the index is loading
        return [], True
    results = learning.apply(model, results, exposure_rerank.depth(exposure, k))
    results = exposure_rerank.apply(db, exposure, model, results, k)
    learning_log.record(db, user.id, profile_id, results, "page")
    views, real = _shown(db, results, user, locale)
    for view in views:
        view.verdict = verdicts.get(real[view.id])
        view.intro_state = states.get(real[view.id])
    return views, False


def set_feedback(db: Database, user: UserRow, profile_id: str, target_id: str, verdict: str) -> None:
    """Save or hide ``target_id`` for one of the user's profiles; ``verdict="clear"`` forgets it."""
    if verdict not in (*VERDICTS, "clear"):
        raise Invalid(N_("Unknown choice."))
    with db.connection() as conn, conn.transaction():
        if not user_store.is_owner(conn, user.id, profile_id):
            raise NotFound(N_("This profile does not exist or is not yours."))
        target = masking.shown_id(conn, user, target_id, masking.secret(db))  # a card names a masked one by alias
        if target is None or profile_store.get_profile(conn, target) is None:
            raise NotFound(N_("This profile does not exist."))
        target_id = target
        if verdict == "clear":
            feedback_store.delete_feedback(conn, user.id, profile_id, target_id)
        else:
            feedback_store.upsert_feedback(conn, user.id, profile_id, target_id, verdict)


def explain_results(db: Database, results: list[Match], viewer: UserRow | None = None,
                    locale: str = "vi") -> list[MatchView]:
    """``shape`` with the profiles' public columns looked up, anonymous ones as ``viewer`` may see
    them (without a viewer, every anonymous one under its label)."""
    return _shown(db, results, viewer, locale)[0]


def _shown(db: Database, results: list[Match], viewer: UserRow | None,
           locale: str) -> tuple[list[MatchView], dict[str, str]]:
    """The cards of ``results`` as ``viewer`` may see them, and the real id of each card's ``id``
    (the alias of an anonymous profile the viewer knows only under its label)."""
    ids = [m.id for m in results]
    with db.connection() as conn:
        rows = directory_store.list_profile_names(conn, ids) if ids else []
        hidden = masking.masks(conn, viewer, ids, locale, masking.secret(db))
    views = shape([hidden.match(m) for m in results], [hidden.row(r) for r in rows])
    return views, {hidden.public_id(i): i for i in ids}
