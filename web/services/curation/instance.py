"""The bridge from a stored match list to the assignment solver (``matcher.assign``).

Every (a, b) pair of the list's participants is scored once by the matching service
(``pair_scores``) and kept in ``match_list_scores`` with the profile revisions it was computed
from; an edited profile is simply rescored on the next run.

The solver's weight of a pair is its **fit / 100** (fit is the 0-100 figure officers see on every
page, so the objective is "total fit" in hundreds). Every a × b pair is given to the solver;
pairs the officer blocked and pairs below the list's minimum fit (unless forced or pinned) go in
as blocked pairs, so that a participant with too few candidates is reported by the solver
(``too_few_candidates``) rather than silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from matcher.results import Match
from web.db.pool import Database
from web.errors import Invalid, NotFound, Unavailable
from web.i18n import N_
from web.matching.contract import MatchingContract, Pair
from web.store import list_scores as score_store
from web.store import match_lists as list_store
from web.store.list_scores import ScoreRow
from web.store.match_lists import MatchListRow, ParticipantRow

SCORE_CHUNK = 40
SIDE_NAMES = ("startup", "partner")


def weight(fit: float) -> float:
    """The solver's weight of a pair of fit ``fit`` (0-100)."""
    return fit / 100.0


def jsonable(value: Any) -> Any:
    def default(obj: Any) -> Any:
        if hasattr(obj, "item"):
            return obj.item()
        if isinstance(obj, set | tuple | frozenset):
            return list(obj)
        return str(obj)

    return json.loads(json.dumps(value, default=default, ensure_ascii=False))


@dataclass
class Instance:
    """A list, its participants and the scores of all their pairs: everything the solver needs."""

    row: MatchListRow
    a: list[ParticipantRow]
    b: list[ParticipantRow]
    scores: dict[Pair, ScoreRow]
    blocked: set[Pair] = field(default_factory=set)
    forced: set[Pair] = field(default_factory=set)

    @property
    def participants(self) -> dict[str, ParticipantRow]:
        return {p.profile_id: p for p in (*self.a, *self.b)}

    def capacity(self, p: ParticipantRow) -> tuple[int, int | None]:
        """(min, max) of a participant: its own values, else the list's defaults for its side."""
        low_default, high_default = (self.row.min_a, self.row.max_a) if p.side == "a" else (self.row.min_b, self.row.max_b)
        return (low_default if p.min_pairs is None else p.min_pairs,
                high_default if p.max_pairs is None else p.max_pairs)

    def fit(self, a_id: str, b_id: str) -> float:
        return self.scores[a_id, b_id].fit

    def below_min_fit(self, a_id: str, b_id: str) -> bool:
        return self.fit(a_id, b_id) < self.row.min_fit

    def allowed(self, a_id: str, b_id: str) -> bool:
        """Whether the solver may propose the pair (forced pairs always are)."""
        if (a_id, b_id) in self.forced:
            return True
        return (a_id, b_id) not in self.blocked and not self.below_min_fit(a_id, b_id)

    def groups(self) -> dict[str, str]:
        """``{a id: group label}`` when the diversity rule is on; else empty."""
        if self.row.max_per_group is None:
            return {}
        return {p.profile_id: p.group_label for p in self.a if p.group_label}

    def kwargs(self, pins: Iterable[Pair] = (), removed: Iterable[Pair] = ()) -> dict[str, Any]:
        """Keyword arguments of ``matcher.assign.assign_pairs``: ``pins`` are forced as well,
        ``removed`` (pairs the officer took out of an earlier run) blocked unless forced."""
        forced = self.forced | set(pins)
        blocked = {p for p in self.scores if p not in forced
                   and (p in self.blocked or self.below_min_fit(*p) or p in set(removed))}
        groups = self.groups()
        out: dict[str, Any] = {
            "pairs": [(a, b, weight(s.fit)) for (a, b), s in sorted(self.scores.items())],
            "capacities": {p.profile_id: self.capacity(p) for p in (*self.a, *self.b)},
            "blocked": sorted(blocked),
            "forced": sorted(forced),
            "side_names": SIDE_NAMES,
        }
        if groups:
            out["groups"] = groups
            out["max_per_group"] = self.row.max_per_group
        return out


def _missing(participants: list[ParticipantRow], fresh: list[ScoreRow]) -> tuple[list[str], list[str], set[Pair]]:
    have = {(s.a_id, s.b_id) for s in fresh}
    a_ids = [p.profile_id for p in participants if p.side == "a"]
    b_ids = [p.profile_id for p in participants if p.side == "b"]
    missing = {(a, b) for a in a_ids for b in b_ids if (a, b) not in have}
    return a_ids, b_ids, missing


def unscored_pairs(db: Database, list_id: int) -> set[Pair]:
    """The (a, b) pairs of the list's participants that have no fresh score."""
    with db.connection() as conn:
        people = list_store.list_participants(conn, list_id)
        fresh = score_store.list_fresh_scores(conn, list_id)
    return _missing(people, fresh)[2]


def _score_row(a_id: str, b_id: str, revision: dict[str, int], match: Match | None) -> dict[str, Any]:
    """The ``match_list_scores`` row of a pair. A pair the service left out cannot be matched: fit
    0, no components, explanation JSON null (never stuck unscored)."""
    row: dict[str, Any] = {"a_id": a_id, "b_id": b_id, "a_revision": revision[a_id], "b_revision": revision[b_id]}
    if match is None:
        return {**row, "score": 0.0, "fit": 0.0, "components": {}, "explanation": None}
    return {**row, "score": match.score, "fit": match.fit, "components": jsonable(match.components),
            "explanation": jsonable(match.explanation.to_dict() if match.explanation is not None else {})}


def ensure_scores(db: Database, matching: MatchingContract | None, list_id: int) -> int:
    """Score every pair of the list that has no fresh score; returns how many were scored.
    ``matching`` may be None when every pair is known to be scored (``Unavailable`` otherwise)."""
    with db.connection() as conn:
        people = list_store.list_participants(conn, list_id)
        fresh = score_store.list_fresh_scores(conn, list_id)
    _, _, missing = _missing(people, fresh)
    if not missing:
        return 0
    if matching is None:
        raise Unavailable(N_("Matching is not available right now. Please try again in a minute."))
    revision = {p.profile_id: p.revision for p in people}
    miss_a = sorted({a for a, _ in missing})
    miss_b = sorted({b for _, b in missing})
    stored = 0
    for start in range(0, len(miss_a), SCORE_CHUNK):
        chunk = miss_a[start:start + SCORE_CHUNK]
        results = matching.pair_scores(chunk, miss_b)
        rows = [_score_row(a_id, b_id, revision, results.get((a_id, b_id)))
                for a_id in chunk for b_id in miss_b if (a_id, b_id) in missing]
        with db.connection() as conn, conn.transaction():
            score_store.upsert_scores(conn, list_id, rows)
        stored += len(rows)
    return stored


def rescore(db: Database, matching: MatchingContract, list_id: int) -> int:
    """Forget the list's scores and compute them again (after the matching model changed)."""
    with db.connection() as conn:
        score_store.delete_scores(conn, list_id)
    return ensure_scores(db, matching, list_id)


def build_instance(conn: psycopg.Connection, row: MatchListRow) -> Instance:
    """The instance of a list whose pairs are all scored (``ensure_scores``)."""
    people = list_store.list_participants(conn, row.id)
    a = [p for p in people if p.side == "a"]
    b = [p for p in people if p.side == "b"]
    if not a or not b:
        raise Invalid(N_("Add participants on both sides (A and B) first."))
    fresh = score_store.list_fresh_scores(conn, row.id)
    _, _, missing = _missing(people, fresh)
    if missing:
        raise Unavailable(N_("Some pairs of this list are not scored yet. Please try again in a minute."))
    pairs = list_store.list_pairs(conn, row.id)
    return Instance(row, a, b, {(s.a_id, s.b_id): s for s in fresh},
                    {(p.a_id, p.b_id) for p in pairs if p.kind == "blocked"},
                    {(p.a_id, p.b_id) for p in pairs if p.kind == "forced"})


def load_instance(db: Database, matching: MatchingContract | None, list_id: int) -> Instance:
    """Score what is missing (``ensure_scores``), then build the instance."""
    ensure_scores(db, matching, list_id)
    with db.connection() as conn:
        row = list_store.get_match_list(conn, list_id)
        if row is None:
            raise NotFound(N_("This match list does not exist."))
        return build_instance(conn, row)
