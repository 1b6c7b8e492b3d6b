"""The profile coach on the owner's editor and in the API: the few changes that would most improve a
profile's matches, each with its effect measured by re-scoring an edited copy (``matcher.coach``,
through ``MatchingContract.coach``).

A change that fills a field is applied in one click: the editor's form is sent back with the field
filled (``apply``) and shown again, unsaved; only the owner's save stores it. Partners are counted,
never named: the coach lists no profile, so no anonymous one can be told apart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from matcher import coach as coaching
from web.db.pool import Database
from web.errors import Forbidden, Invalid, NotFound, Unavailable
from web.i18n import N_
from web.matching.contract import MatchingContract
from web.services import editor, profiles
from web.store import profiles as profile_store
from web.store.users import UserRow

log = logging.getLogger(__name__)

ACTION = "coach_"  # the editor form's action of a one-click apply: coach_needs, coach_sectors, ...
# what each change asks of the owner (msgids; both languages in the catalogue)
TITLES = {
    "needs": N_("State what you need in its own field"),
    "offers": N_("State what you offer in its own field"),
    "sectors": N_("Add the sectors your description names"),
    "cooperation_sought": N_("Add the kinds of cooperation you are looking for"),
    "cooperation_offered": N_("Add the kinds of cooperation you can offer"),
    "technologies": N_("Add the technologies your description names"),
    "stage": N_("Set the stage your description states"),
    "languages": N_("Add English to your working languages: you already write in English"),
    "english_summary": N_("Add an English summary to your description"),
}


@dataclass(frozen=True)
class Advice:
    """One suggestion as the editor and the API show it."""

    key: str
    title: str  # msgid
    field: str | None  # the field a one-click apply fills (None: the owner writes it)
    values: tuple[str, ...]
    before: coaching.Reach
    after: coaching.Reach | None
    share: float | None
    fitting: int

    @property
    def gained(self) -> int:
        return 0 if self.after is None else self.after.in_top - self.before.in_top

    @property
    def share_percent(self) -> int | None:
        return None if self.share is None else round(100 * self.share)

    def to_dict(self) -> dict[str, Any]:
        """The API's shape of one suggestion (numbers only, no partner named)."""
        after = self.after
        return {"change": self.key, "field": self.field, "values": list(self.values),
                "in_top_before": self.before.in_top, "in_top_after": None if after is None else after.in_top,
                "gained": self.gained, "own_fit_before": self.before.own_fit,
                "own_fit_after": None if after is None else after.own_fit,
                "english_share": self.share, "fitting_partners": self.fitting if self.share is not None else None}


@dataclass
class CoachView:
    """The coach for one version of a profile: ``state`` is ``ready``, ``busy`` (the matching
    service could not answer in time or is loading), or ``empty`` (not rankable yet: no
    description, kind or country)."""

    state: str
    before: coaching.Reach | None = None
    advice: list[Advice] = field(default_factory=list)
    seconds: float = 0.0
    top: int = coaching.TOP


def _advice(suggestion: coaching.Suggestion) -> Advice:
    change = suggestion.change
    return Advice(change.key, TITLES[change.key], change.field, change.values, suggestion.before,
                  suggestion.after, suggestion.share, suggestion.fitting)


def for_record(matching: MatchingContract, record: dict[str, Any], profile_id: str | None) -> CoachView:
    """The coach for the editor's record (the stored one, or the form as being edited)."""
    rec, errors = editor.check_form(dict(record, id=profile_id or "draft-coach"))
    if "description" in errors or "kind" in errors or "country" in errors:
        return CoachView("empty")
    if not profile_id:
        rec.pop("id", None)
    try:
        result = matching.coach(rec)
    except Unavailable:
        return CoachView("busy")
    except Exception:  # the coach is advice; an unrankable draft must not break the editor
        log.exception("coach failed")
        return CoachView("busy")
    return CoachView("ready", result.before, [_advice(s) for s in result.suggestions], result.seconds)


def apply(record: dict[str, Any], action: str) -> tuple[dict[str, Any], str]:
    """``(record with the change filled in, the change's key)`` for an editor action
    ``coach_<key>``, read from the record as the form sent it; ``Invalid`` when the record gives
    that change no more (the owner filled it meanwhile) or the key is unknown."""
    key = action.removeprefix(ACTION)
    try:
        change = coaching.change_for(record, key)
    except ValueError:
        raise Invalid(N_("This suggestion no longer applies to your profile.")) from None
    if change.field is None:
        raise Invalid(N_("This suggestion no longer applies to your profile."))
    return coaching.apply_change(record, change), key


def for_profile(db: Database, matching: MatchingContract, user: UserRow, profile_id: str) -> CoachView:
    """The coach of a stored profile for its owner, an officer or an admin (``Forbidden`` for anyone
    else, ``NotFound`` for no such profile, as deleting one); ``Unavailable`` when the matching
    service cannot answer now (503)."""
    with db.connection() as conn:
        row = profile_store.get_profile(conn, profile_id)
        if row is None:
            raise NotFound(f"no profile with id {profile_id!r}")
        if not profiles.may_edit(conn, user, profile_id):
            raise Forbidden(f"only the owners of profile {profile_id}, officers and admins may see its coach")
    view = for_record(matching, row.record, profile_id)
    if view.state == "busy":
        raise Unavailable("the matching service is busy or loading; try again in a few seconds")
    if view.state == "empty":
        raise Invalid(f"profile {profile_id} cannot be ranked: it needs a description, a kind and a country")
    return view
