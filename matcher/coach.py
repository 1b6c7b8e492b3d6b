"""The profile coach: the few changes that would most improve a profile's matches, each measured.

Every candidate change is read from the profile itself (never invented): a need or offer written
into the description moved into its own field (``matcher.freetext.fill_free_text``), sectors,
technologies and cooperation modes the description names when those fields are empty
(``infer_tags``), the stage a startup's description states, English among the working languages
when the profile writes English. Each is applied to a copy of the profile and the copy re-scored
against the fitted index:

``in_top``  in how many partners' top ``top`` the profile appears, partners being the profiles that
            may be proposed it (the other side of the border, alive, no expert to an expert). The
            partner sees ``score(partner -> profile)`` (``Engine.scores_towards``, one exhaustive
            pass for every partner at once), and the profile is in its top ``top`` when that beats
            the ``top``-th best score among the partner's other candidates (``partner_thresholds``,
            computed once per profile: the changes do not move it).
``own_fit`` the mean display fit of the profile's own top ``top`` (``Engine.rank``).

A profile that writes no English while most of the partners of its sectors do is told that share
(``english_share``): its effect is a measured share, not a re-score, since writing the summary is
the owner's work (no machine translation is presented as theirs).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.domain import KINDS, stages_mentioned
from matcher.freetext import fill_free_text, infer_tags
from matcher.rules import cross_border_mask
from matcher.scoring import fit_percent
from matcher.text import language_of

if TYPE_CHECKING:
    from matcher.engine import Engine

TOP = 10  # the default match list's length: what a partner sees first
MAX_SUGGESTIONS = 5
ENGLISH_SHARE = 0.5  # the English summary is suggested when more than this share of fitting partners write English
TEXT_FIELDS = ("needs", "offers")
TAG_FIELDS = ("sectors", "cooperation_sought", "cooperation_offered", "technologies")
# what each change is called: its key is also what the editor's one-click apply names
CHANGES = ("needs", "offers", *TAG_FIELDS, "stage", "languages", "english_summary")


@dataclass(frozen=True)
class Change:
    """One change to a profile: ``field`` gets ``values`` (a text field its one text; a list field
    these values added; ``stage`` its one key). ``field`` is None for advice the owner must write
    themselves (``english_summary``)."""

    key: str
    field: str | None
    values: tuple[str, ...]


@dataclass(frozen=True)
class Reach:
    """How a version of the profile does: of ``partners`` candidate partners, in how many top
    ``top`` lists it appears (``in_top``, and which: ``partner_ids``), and the mean fit of its own
    top ``top`` (``own_fit``, 0-100)."""

    partners: int
    in_top: int
    own_fit: float
    partner_ids: frozenset[str] = field(default=frozenset(), repr=False)


@dataclass(frozen=True)
class Suggestion:
    """A change and its measured effect: ``after`` is the profile with the change applied (None for
    advice measured otherwise); ``share`` and ``fitting``: for ``english_summary``, the share of the
    ``fitting`` partners (those sharing a sector with it) that write English."""

    change: Change
    before: Reach
    after: Reach | None = None
    share: float | None = None
    fitting: int = 0

    @property
    def key(self) -> str:
        return self.change.key

    @property
    def gained(self) -> int:
        """Partners' top lists it would enter, less those it would leave."""
        return 0 if self.after is None else self.after.in_top - self.before.in_top

    @property
    def entered(self) -> frozenset[str]:
        return frozenset() if self.after is None else self.after.partner_ids - self.before.partner_ids

    @property
    def left(self) -> frozenset[str]:
        return frozenset() if self.after is None else self.before.partner_ids - self.after.partner_ids

    @property
    def fit_gain(self) -> float:
        return 0.0 if self.after is None else round(self.after.own_fit - self.before.own_fit, 1)


@dataclass(frozen=True)
class Coaching:
    """The coach's answer for one profile: how it does now, the suggestions (best first) and the
    time the computation took."""

    profile_id: str
    before: Reach
    suggestions: tuple[Suggestion, ...]
    seconds: float


def _texts(record: Mapping[str, Any]) -> list[str]:
    return [t for t in (str(record.get(f) or "") for f in ("description", "offers", "needs")) if t.strip()]


def writes_english(record: Mapping[str, Any]) -> bool:
    """Whether any of the record's description, offers and needs reads as English (``language_of``)."""
    return any(language_of(t) == "en" for t in _texts(record))


def candidate_changes(record: Mapping[str, Any]) -> list[Change]:
    """The changes read from ``record`` itself, at most one per ``CHANGES`` key, in that order."""
    out: list[Change] = []
    filled, inferred = fill_free_text(dict(record))
    out.extend(Change(f, f, (filled[f],)) for f in TEXT_FIELDS if f in inferred)
    description = str(record.get("description") or "")
    if description.strip():
        tags = infer_tags(description)
        for name in TAG_FIELDS:
            found = getattr(tags, name)
            if found and not record.get(name):
                out.append(Change(name, name, tuple(found)))
    if record.get("kind") == "startup" and not record.get("stage"):
        stated = stages_mentioned(" ".join(_texts(record)))
        if len(stated) == 1:  # one stage named; several ("seed to series A") leave the choice to the owner
            out.append(Change("stage", "stage", tuple(stated)))
    languages = [str(v).lower() for v in record.get("languages") or []]
    if languages and "en" not in languages and writes_english(record):
        out.append(Change("languages", "languages", ("en",)))
    return out


def apply_change(record: Mapping[str, Any], change: Change) -> dict[str, Any]:
    """A copy of ``record`` with ``change`` applied: a text field empty so far takes the text, one
    with text keeps it and gets the new text on a new line; a list field gains the values it lacks;
    ``stage`` is set. Advice (no field) returns an equal copy."""
    out = dict(record)
    name = change.field
    if name is None:
        return out
    if name in TEXT_FIELDS:
        own = str(out.get(name) or "").strip()
        text = change.values[0]
        out[name] = own if text in own else "\n".join(filter(None, (own, text)))
    elif name == "stage":
        out[name] = change.values[0]
    else:
        out[name] = list(dict.fromkeys([*(out.get(name) or []), *change.values]))
    return out


def partner_ids(engine: Engine, record: Mapping[str, Any]) -> list[str]:
    """Ids of the fitted profiles that may be proposed ``record`` (alive, across the border when
    the engine applies it, no expert to an expert, not the profile itself), in index order."""
    cols = engine.index_.profiles
    mask = np.asarray(cols["alive"], dtype=bool).copy()
    country = record.get("country")
    if engine.cross_border and country:
        mask &= cross_border_mask(str(country).upper() == "VN", cols["is_vn"])
    if record.get("kind") == "expert":
        mask &= cols["kind"] != KINDS.index("expert")
    own = engine.index_.row_of.get(str(record.get("id") or ""))
    if own is not None:
        mask[own] = False
    return [engine.index_.ids[r] for r in np.flatnonzero(mask)]


def partner_thresholds(engine: Engine, profile_id: str | None, partners: Sequence[str],
                       top: int = TOP) -> dict[str, float]:
    """For each of ``partners``: the score a profile must beat to enter its top ``top``, i.e. the
    ``top``-th best score among its candidates other than ``profile_id`` (``-inf`` when it has
    fewer). One ranking per partner: the slow part; a caller holding the partners' stored
    rankings (``web.matching.warm``) passes their thresholds to ``coach`` instead."""
    out = {}
    for pid in partners:
        ranked = [m.score for m in engine.rank(pid, k=top + 1, explain=False) if m.id != profile_id]
        out[pid] = float(ranked[top - 1]) if len(ranked) >= top else -np.inf
    return out


def measure(engine: Engine, record: Mapping[str, Any], partners: Sequence[str], thresholds: Mapping[str, float],
            top: int = TOP) -> Reach:
    """How ``record`` (a fitted profile's current or edited version) does against the index."""
    ids, scores = engine.scores_towards(dict(record))
    towards = dict(zip(ids.tolist(), scores.tolist(), strict=True))
    entered = frozenset(p for p in partners if p in towards and towards[p] > thresholds.get(p, -np.inf))
    own = engine.rank(dict(record), k=top, explain=False)
    own_fit = float(np.mean([fit_percent(m.score) for m in own])) if own else 0.0
    return Reach(len(partners), len(entered), round(own_fit, 1), entered)


def english_share(engine: Engine, record: Mapping[str, Any], partners: Sequence[str]) -> tuple[float, int]:
    """``(share, fitting)``: of the ``partners`` that share a sector with ``record`` (its own
    sectors, else those its description names; every partner when it has none), how many there
    are and the share of them that write English (``writes_english``)."""
    sectors = set(record.get("sectors") or ()) or set(infer_tags(str(record.get("description") or "")).sectors)
    fitting = []
    for pid in partners:
        other = engine.index_.meta[engine.index_.row_of[pid]]
        if other is None:
            continue
        rec = other[0]
        if not sectors or sectors & set(rec.get("sectors") or ()):
            fitting.append(rec)
    if not fitting:
        return 0.0, 0
    return sum(writes_english(r) for r in fitting) / len(fitting), len(fitting)


def coach(engine: Engine, record: Mapping[str, Any], thresholds: Mapping[str, float] | None = None,
          top: int = TOP, limit: int = MAX_SUGGESTIONS) -> Coaching:
    """The changes that would most improve ``record``'s matches, measured (see the module).

    Parameters
    ----------
    engine : a fitted Engine
    record : the profile (normalised record; a fitted one or an edited copy, with its id if it has one)
    thresholds : partner id -> score to beat to enter its top ``top`` (``partner_thresholds``);
        computed here for the partners missing from it
    top : length of the top lists measured
    limit : most suggestions returned

    Returns
    -------
    Coaching: the suggestions that gain partners or own fit, most partners gained first (then own
    fit gained, then ``CHANGES`` order), then the English advice when it applies; at most ``limit``.
    """
    started = time.monotonic()
    partners = partner_ids(engine, record)
    known = dict(thresholds or {})
    missing = [p for p in partners if p not in known]
    if missing:
        known.update(partner_thresholds(engine, str(record.get("id") or "") or None, missing, top))
    before = measure(engine, record, partners, known, top)
    measured = []
    for change in candidate_changes(record):
        after = measure(engine, apply_change(record, change), partners, known, top)
        suggestion = Suggestion(change, before, after)
        if suggestion.gained > 0 or (suggestion.gained == 0 and suggestion.fit_gain > 0):
            measured.append(suggestion)
    measured.sort(key=lambda s: (-s.gained, -s.fit_gain, CHANGES.index(s.key)))
    if not writes_english(record):
        share, fitting = english_share(engine, record, partners)
        if fitting and share > ENGLISH_SHARE:
            measured.append(Suggestion(Change("english_summary", None, ()), before, share=round(share, 3),
                                       fitting=fitting))
    return Coaching(str(record.get("id") or ""), before, tuple(measured[:limit]), time.monotonic() - started)


def change_for(record: Mapping[str, Any], key: str) -> Change:
    """The change ``key`` (a ``CHANGES`` key) read from ``record`` now; ``ValueError`` naming the
    valid keys when the key is unknown or the record gives no such change (any more)."""
    if key not in CHANGES:
        raise ValueError(f"unknown change {key!r}; valid changes: {', '.join(CHANGES)}")
    for change in candidate_changes(record):
        if change.key == key:
            return change
    raise ValueError(f"the profile gives no change {key!r} now")


__all__ = ["CHANGES", "Change", "Coaching", "Reach", "Suggestion", "apply_change", "candidate_changes",
           "change_for", "coach", "english_share", "measure", "partner_ids", "partner_thresholds"]
