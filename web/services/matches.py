"""My matches: ranked proposals for one of the user's profiles, shaped for display, and feedback.

The matching service's explanation dict comes from the engine; it is read defensively here
(components as ``{name: contribution}``, and the best need ↔ offer pair wherever it appears).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matcher.labels import component_label
from web.db import Database
from web.errors import Invalid, NotFound, Pending, Unavailable
from web.i18n import N_
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
    id: str
    profile: DirectoryRow
    fit: int
    bars: list[Bar]
    pair: dict[str, str] | None
    verdict: str | None = None
    intro_state: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def bars(components: Any, positive: int = 4, negative: int = 1) -> list[Bar]:
    """The largest components that raise the fit, then the largest that lower it (a picture to
    glance at, not a full account), with widths on the fixed scale ``BAR_FULL``."""
    if not isinstance(components, dict):
        return []
    items = [(str(k), float(v)) for k, v in components.items() if isinstance(v, int | float) and abs(v) > 1e-9]
    items.sort(key=lambda kv: (-abs(kv[1]), kv[0]))
    shown = [kv for kv in items if kv[1] > 0][:positive] + [kv for kv in items if kv[1] < 0][:negative]
    return [Bar(k, v, max(3, min(100, round(100 * abs(v) / BAR_FULL))), v < 0) for k, v in shown]


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("text", "sentence", "passage", "body"):
            if isinstance(value.get(key), str):
                return value[key]
    return None


def best_pair(explanation: Any, depth: int = 0) -> dict[str, str] | None:
    """The first ``{need, offer}`` pair of texts found in an explanation (any nesting), or None."""
    if depth > 4:
        return None
    if isinstance(explanation, dict):
        need_key = next((k for k in explanation if "need" in str(k).lower() and _text(explanation[k])), None)
        offer_key = next((k for k in explanation if "offer" in str(k).lower() and _text(explanation[k])), None)
        if need_key and offer_key:
            pair = {"need": _text(explanation[need_key]) or "", "offer": _text(explanation[offer_key]) or ""}
            direction = explanation.get("direction")
            if isinstance(direction, str):
                pair["direction"] = direction
            for side in (need_key, offer_key):
                doc = explanation[side].get("document") if isinstance(explanation[side], dict) else None
                if isinstance(doc, dict) and isinstance(doc.get("title"), str):
                    pair["document"] = doc["title"]
            return pair
        children: list[Any] = list(explanation.values())
    elif isinstance(explanation, list):
        children = explanation
    else:
        return None
    for child in children:
        found = best_pair(child, depth + 1)
        if found:
            return found
    return None


def extras(explanation: Any) -> dict[str, Any]:
    """Optional parts of an engine explanation worth showing: shared technology tags, a competitor flag."""
    if not isinstance(explanation, dict):
        return {}
    techs = explanation.get("shared_technologies")
    return {
        "technologies": [str(t) for t in techs][:4] if isinstance(techs, list) else [],
        "competitor": bool(explanation.get("competitor")),
    }


def fit_of(result: dict[str, Any]) -> int:
    fit = result.get("fit")
    if isinstance(fit, int | float):
        return max(0, min(100, round(fit)))
    return max(0, min(100, round(100 * float(result.get("score") or 0))))


def shape(results: list[dict[str, Any]], rows: list[DirectoryRow]) -> list[MatchView]:
    """Matching results joined with the public columns of their profiles (unknown ids dropped)."""
    by_id = {r.id: r for r in rows}
    out = []
    for res in results:
        row = by_id.get(str(res.get("id")))
        if row is None:
            continue
        expl = res.get("explanation")
        out.append(MatchView(row.id, row, fit_of(res), bars(res.get("components")), best_pair(expl),
                             extra=extras(expl)))
    return out


def owned_profiles(db: Database, user: UserRow) -> list[DirectoryRow]:
    with db.connection() as conn:
        ids = user_store.list_owned_profile_ids(conn, user.id)
        rows = directory_store.list_profile_names(conn, ids) if ids else []
    return sorted(rows, key=lambda r: r.name.lower())


def for_profile(db: Database, matching: Any, user: UserRow, profile_id: str,
                k: int = 20) -> tuple[list[MatchView], bool]:
    """Ranked, explained proposals for ``profile_id`` (owned by ``user``), hidden ones left out, and
    whether they are still pending (the profile is being embedded or the index is loading)."""
    with db.connection() as conn:
        if not user_store.is_owner(conn, user.id, profile_id):
            raise NotFound(N_("This profile does not exist or is not yours."))
        verdicts = feedback_store.list_feedback(conn, user.id, profile_id)
        states = intro_store.list_introduction_states(conn, profile_id)
    hidden = {t for t, v in verdicts.items() if v == "hidden"}
    try:
        results = matching.rank(profile_id, k=k, exclude=hidden | {profile_id})
    except (Pending, Unavailable):  # the profile is still being embedded, or the index is loading
        return [], True
    ids = [str(r.get("id")) for r in results]
    with db.connection() as conn:
        rows = directory_store.list_profile_names(conn, ids) if ids else []
    views = shape(results, rows)
    for view in views:
        view.verdict = verdicts.get(view.id)
        view.intro_state = states.get(view.id)
    return views, False


def set_feedback(db: Database, user: UserRow, profile_id: str, target_id: str, verdict: str) -> None:
    """Save or hide ``target_id`` for one of the user's profiles; ``verdict="clear"`` forgets it."""
    if verdict not in (*VERDICTS, "clear"):
        raise Invalid(N_("Unknown choice."))
    with db.connection() as conn, conn.transaction():
        if not user_store.is_owner(conn, user.id, profile_id):
            raise NotFound(N_("This profile does not exist or is not yours."))
        if profile_store.get_profile(conn, target_id) is None:
            raise NotFound(N_("This profile does not exist."))
        if verdict == "clear":
            feedback_store.delete_feedback(conn, user.id, profile_id, target_id)
        else:
            feedback_store.upsert_feedback(conn, user.id, profile_id, target_id, verdict)


def explain_results(db: Database, results: list[dict[str, Any]]) -> list[MatchView]:
    """``shape`` with the profiles' public columns looked up."""
    ids = [str(r.get("id")) for r in results]
    with db.connection() as conn:
        rows = directory_store.list_profile_names(conn, ids) if ids else []
    return shape(results, rows)
