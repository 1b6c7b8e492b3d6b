"""What the officer's run pages show: pairs with their explanations, each participant's load,
the partners × startups grid, broken constraints after hand edits, and the solver's suggested
changes in participants' names. Comparing two runs is in ``compare``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from matcher.evidence import Evidence
from matcher.explain import Explanation
from web.db.pool import Database
from web.services.curation.instance import Instance
from web.services.curation.lists import load
from web.services.curation.runs import GROUP_KINDS, MAX_KINDS, MIN_KINDS, load_run
from web.services.matches import Bar, bars, headline
from web.store import list_scores as score_store
from web.store import match_lists as list_store
from web.store import runs as store
from web.store.match_lists import MatchListRow, ParticipantRow
from web.store.runs import RunEditRow, RunPairRow, RunRow

N_OPTIONS = 6


@dataclass
class PairView:
    a_id: str
    b_id: str
    a_name: str
    b_name: str
    a_country: str
    b_country: str
    fit: float
    score: float
    pinned: bool
    source: str
    bars: list[Bar] = field(default_factory=list)
    reason: Evidence | None = None                  # the need ↔ offer pair (``services.matches.headline``)
    explanation: Explanation | None = None          # the engine's, as stored with the list's scores

    @property
    def key(self) -> str:
        """A stable element id / form value for the pair."""
        return f"{self.a_id}|{self.b_id}"

    def summary(self, lang: str) -> str:
        """The engine's explanation in words, in ``lang`` ("" without one)."""
        return self.explanation.render(lang) if self.explanation is not None else ""


@dataclass
class Load:
    """One participant with its pairs in a run, its capacity and its best other candidates."""

    p: ParticipantRow
    low: int
    high: int | None
    pairs: list[PairView]
    options: list[tuple[str, str, float]] = field(default_factory=list)   # (id, name, fit)

    @property
    def count(self) -> int:
        return len(self.pairs)

    @property
    def total_fit(self) -> float:
        return sum(p.fit for p in self.pairs)

    @property
    def state(self) -> str:
        if self.count < self.low:
            return "under"
        if self.high is not None and self.count > self.high:
            return "over"
        return "ok"


@dataclass(frozen=True)
class Cell:
    fit: float | None
    state: str          # assigned, pinned, forcedin (forced, present), blocked, forced (missing), low, open


@dataclass(frozen=True)
class Violation:
    kind: str           # over_max, under_min, blocked_pair, low_fit, forced_missing, group_over
    who: str
    other: str | None
    current: int
    limit: int


@dataclass(frozen=True)
class RelaxView:
    index: int
    kind: str
    side: str | None
    who: str | None
    partner: str | None
    group: str | None
    current: int
    suggested: int
    fixable: bool


@dataclass
class RunView:
    row: MatchListRow
    run: RunRow
    runs: list[RunRow]
    pairs: list[PairView]
    a_loads: list[Load]
    b_loads: list[Load]
    grid: list[tuple[Load, list[Cell]]]        # one row per b-side participant, columns as a_loads
    violations: list[Violation]
    relaxations: list[RelaxView]
    edits: list[RunEditRow]
    names: dict[str, str]

    @property
    def editable(self) -> bool:
        return self.row.state == "draft"

    @property
    def mean_fit(self) -> float:
        return sum(p.fit for p in self.pairs) / len(self.pairs) if self.pairs else 0.0

    @property
    def pinned(self) -> int:
        return sum(p.pinned for p in self.pairs)


def stored_explanation(stored: Any) -> Explanation | None:
    """A pair's explanation as ``match_list_scores`` keeps it (``Explanation.to_dict()``; empty or
    null for a pair the matching service left out)."""
    return Explanation.from_dict(stored) if stored else None


def pair_view(p: RunPairRow, inst: Instance | None) -> PairView:
    score = inst.scores.get((p.a_id, p.b_id)) if inst else None
    explanation = stored_explanation(score.explanation) if score else None
    return PairView(p.a_id, p.b_id, p.a_name, p.b_name, p.a_country, p.b_country, p.fit, p.score, p.pinned,
                    p.source, bars(score.components) if score else [], headline(explanation), explanation)


def _cell(inst: Instance, assigned: dict[tuple[str, str], PairView], a_id: str, b_id: str) -> Cell:
    score = inst.scores.get((a_id, b_id))
    fit = score.fit if score else None
    pair = assigned.get((a_id, b_id))
    if pair is not None:
        state = "forcedin" if (a_id, b_id) in inst.forced else "pinned" if pair.pinned else "assigned"
        return Cell(fit if fit is not None else pair.fit, state)
    if (a_id, b_id) in inst.blocked:
        return Cell(fit, "blocked")
    if (a_id, b_id) in inst.forced:
        return Cell(fit, "forced")
    if fit is not None and fit < inst.row.min_fit:
        return Cell(fit, "low")
    return Cell(fit, "open")


def _options(inst: Instance, who: ParticipantRow, taken: set[str], others: list[ParticipantRow]) -> list[tuple[str, str, float]]:
    out = []
    for o in others:
        pair = (who.profile_id, o.profile_id) if who.side == "a" else (o.profile_id, who.profile_id)
        if o.profile_id in taken or pair not in inst.scores or pair in inst.blocked:
            continue
        out.append((o.profile_id, o.name, inst.scores[pair].fit))
    out.sort(key=lambda x: (-x[2], x[1]))
    return out[:N_OPTIONS]


def violations(inst: Instance, pairs: list[PairView], loads: list[Load]) -> list[Violation]:
    """What the current pairs break: capacities, blocked or low-fit pairs, missing forced pairs,
    the diversity limit."""
    out: list[Violation] = []
    for ld in loads:
        if ld.state == "under":
            out.append(Violation("under_min", ld.p.profile_id, None, ld.count, ld.low))
        elif ld.state == "over":
            out.append(Violation("over_max", ld.p.profile_id, None, ld.count, ld.high or 0))
    present = {(p.a_id, p.b_id) for p in pairs}
    for a_id, b_id in sorted(present):
        if (a_id, b_id) in inst.blocked:
            out.append(Violation("blocked_pair", a_id, b_id, 1, 0))
        elif (a_id, b_id) in inst.scores and not inst.allowed(a_id, b_id):
            out.append(Violation("low_fit", a_id, b_id, round(inst.scores[a_id, b_id].fit), inst.row.min_fit))
    out += [Violation("forced_missing", a, b, 0, 1) for a, b in sorted(inst.forced - present)]
    groups = inst.groups()
    if groups and inst.row.max_per_group:
        count: dict[tuple[str, str], int] = defaultdict(int)
        for a_id, b_id in present:
            if a_id in groups:
                count[b_id, groups[a_id]] += 1
        out += [Violation("group_over", b, g, n, inst.row.max_per_group)
                for (b, g), n in sorted(count.items()) if n > inst.row.max_per_group]
    return out


def _relaxations(run: RunRow) -> list[RelaxView]:
    out = []
    for i, r in enumerate(run.relaxations):
        kind = str(r.get("kind"))
        fixable = kind in MIN_KINDS or kind in MAX_KINDS or kind in GROUP_KINDS
        out.append(RelaxView(i, kind, r.get("side"), _str(r.get("who")), _str(r.get("partner")), _str(r.get("group")),
                             int(r.get("current") or 0), int(r.get("suggested") or 0), fixable))
    return out


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def lenient_instance(conn: Any, row: MatchListRow) -> Instance:
    """The list's instance with whatever scores are fresh (a run stays viewable after profiles change)."""
    people = list_store.list_participants(conn, row.id)
    pairs = list_store.list_pairs(conn, row.id)
    fresh = score_store.list_fresh_scores(conn, row.id)
    return Instance(row, [p for p in people if p.side == "a"], [p for p in people if p.side == "b"],
                    {(s.a_id, s.b_id): s for s in fresh},
                    {(p.a_id, p.b_id) for p in pairs if p.kind == "blocked"},
                    {(p.a_id, p.b_id) for p in pairs if p.kind == "forced"})


def run_view(db: Database, list_id: int, run_id: int) -> RunView:
    with db.connection() as conn:
        row = load(conn, list_id)
        run = load_run(conn, list_id, run_id)
        inst = lenient_instance(conn, row)
        pairs = [pair_view(p, inst) for p in store.list_run_pairs(conn, run_id)]
        edits = store.list_run_edits(conn, run_id)
        runs = store.list_runs(conn, list_id)
    by_id: dict[str, list[PairView]] = defaultdict(list)
    for p in pairs:
        by_id[p.a_id].append(p)
        by_id[p.b_id].append(p)

    def loads(side_rows: list[ParticipantRow], others: list[ParticipantRow]) -> list[Load]:
        out = []
        for p in side_rows:
            mine = by_id.get(p.profile_id, [])
            taken = {x.b_id if p.side == "a" else x.a_id for x in mine}
            out.append(Load(p, *inst.capacity(p), mine, _options(inst, p, taken, others)))
        return out

    a_loads, b_loads = loads(inst.a, inst.b), loads(inst.b, inst.a)
    assigned = {(p.a_id, p.b_id): p for p in pairs}
    grid = [(bl, [_cell(inst, assigned, al.p.profile_id, bl.p.profile_id) for al in a_loads]) for bl in b_loads]
    names = {p.profile_id: p.name for p in (*inst.a, *inst.b)}
    names.update({p.a_id: p.a_name for p in pairs} | {p.b_id: p.b_name for p in pairs})
    return RunView(row, run, runs, pairs, a_loads, b_loads, grid, violations(inst, pairs, a_loads + b_loads),
                   _relaxations(run), edits, names)
