"""Exposure-aware re-ranking of members' matches: an officer's setting, served from the database.

When an officer switches it on (``/officer/exposure``), a member's match list is re-ordered within
the engine's shortlist (``learning.SHORTLIST``, after the learned ranking if one is active) by
``matcher.exposure.exposure_rerank``: profiles that the last exposure audit found in many other
profiles' top 10 go down a little, those rarely or never shown come up a little. The counts are
the ones the last completed audit wrote to the database (``web.store.exposure``), not one web
process's memory, so that every host re-ranks the same way; before any audit it has no effect.
The same re-ordering applies to the API's matches (``api_ranking``) and to the directory's search
results (``directory.search_hits``, which saved-search alerts also read).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import psycopg

from matcher.exposure import exposure_rerank
from matcher.learning import LearnedModel
from matcher.results import Match
from web.db.pool import Database
from web.errors import Invalid
from web.i18n import N_
from web.services.learning import SHORTLIST
from web.store import audit as audit_store
from web.store import exposure as store
from web.store.users import UserRow

STRENGTH_MIN, STRENGTH_MAX = 0.1, 1.0
DEFAULT_STRENGTH = 0.5


@dataclass(frozen=True)
class Active:
    """The re-ranking as a match list applies it: its strength and the audit's mean count."""

    strength: float
    mean: float


@dataclass(frozen=True)
class Overview:
    """What the officer's form shows: on or off, the strength, who changed it and when, and the
    stored audit's time (None: no audit yet, so switching it on has no effect)."""

    enabled: bool
    strength: float
    changed_by: int | None
    changed_at: datetime | None
    computed_at: datetime | None
    profiles: int


def active(db: Database, conn: psycopg.Connection | None = None) -> Active | None:
    """The re-ranking to apply to a match list; None when it is off or no audit is stored (one
    query, on ``conn`` when given)."""
    if conn is None:
        with db.connection() as own:
            return active(db, own)
    found = store.get_active_reranking(conn)
    return Active(*found) if found is not None else None


def depth(setting: Active | None, k: int) -> int:
    """How many of the (learned) ranking's best to keep to show ``k``: the shortlist when re-ranking."""
    return max(k, SHORTLIST) if setting is not None else k


def apply(db: Database, setting: Active | None, model: LearnedModel | None, matches: Sequence[Match],
          k: int) -> list[Match]:
    """The ``k`` best of ``matches`` (the engine's, or the learned ranking's shortlist) re-ordered
    by exposure; without a setting, the first ``k`` as given. The scores re-ordered are the ones
    that gave ``matches`` their order: the engine's plus the learned model's adjustment."""
    if setting is None or not matches:
        return list(matches)[:k]
    with db.connection() as conn:
        counts = store.list_counts(conn, [m.id for m in matches])
    scores = np.array([m.score for m in matches])
    if model is not None:
        scores = scores + model.deltas([m.components for m in matches])
    shown = np.array([counts.get(m.id, np.nan) for m in matches], dtype=np.float64)
    order = exposure_rerank(scores, shown, setting.mean, setting.strength, SHORTLIST)
    return [matches[i] for i in order[:k]]


def overview(db: Database) -> Overview:
    with db.connection() as conn:
        row = store.get_reranking(conn)
        counts = store.get_counts_summary(conn)
    if row is None:
        return Overview(False, DEFAULT_STRENGTH, None, None, counts.computed_at, counts.profiles)
    return Overview(row.enabled, row.strength, row.changed_by, row.changed_at, counts.computed_at, counts.profiles)


def parse_strength(text: str) -> float:
    """The strength typed in the form ("0.5" or, as Vietnamese writes it, "0,5"); ``Invalid``
    naming the field unless it is a number from ``STRENGTH_MIN`` to ``STRENGTH_MAX``."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        value = math.nan
    if not STRENGTH_MIN <= value <= STRENGTH_MAX:  # NaN fails too
        raise Invalid(N_("Strength: enter a number from 0.1 to 1.0."), field="strength")
    return round(value, 2)


def set_reranking(db: Database, officer: UserRow, enabled: bool, strength: str) -> Overview:
    """Switch the re-ranking on or off with the strength typed; written to the audit log. Nothing
    is stored when the strength is not valid."""
    value = parse_strength(strength)
    with db.connection() as conn, conn.transaction():
        store.upsert_reranking(conn, enabled, value, officer.id)
        audit_store.insert_audit(conn, "set", "exposure-reranking", None, {"enabled": enabled, "strength": value},
                                 actor="web", actor_id=officer.id)
    return overview(db)
