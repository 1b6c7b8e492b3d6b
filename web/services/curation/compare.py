"""Two runs of one list side by side: pairs added and removed, the objective change, and every
participant whose meetings changed."""

from __future__ import annotations

from dataclasses import dataclass

from web.db.pool import Database
from web.services.curation.lists import load
from web.services.curation.runs import load_run
from web.services.curation.views import PairView, lenient_instance, pair_view
from web.store import runs as store
from web.store.match_lists import MatchListRow
from web.store.runs import RunRow


@dataclass
class Change:
    """How one participant's pairs differ between two runs."""

    id: str
    name: str
    side: str
    before: int
    after: int
    fit_before: float
    fit_after: float
    gained: list[str]
    lost: list[str]


@dataclass
class Comparison:
    row: MatchListRow
    left: RunRow
    right: RunRow
    added: list[PairView]
    removed: list[PairView]
    kept: int
    changes: list[Change]
    runs: list[RunRow]

    @property
    def delta(self) -> float:
        return self.right.objective - self.left.objective


def compare(db: Database, list_id: int, left_id: int, right_id: int) -> Comparison:
    """Pairs added and removed from run ``left_id`` to run ``right_id``, the objective change, and
    every participant whose pairs changed."""
    with db.connection() as conn:
        row = load(conn, list_id)
        left, right = load_run(conn, list_id, left_id), load_run(conn, list_id, right_id)
        inst = lenient_instance(conn, row)
        lp = {(p.a_id, p.b_id): pair_view(p, inst) for p in store.list_run_pairs(conn, left_id)}
        rp = {(p.a_id, p.b_id): pair_view(p, inst) for p in store.list_run_pairs(conn, right_id)}
        runs = store.list_runs(conn, list_id)
    added = [rp[k] for k in sorted(rp.keys() - lp.keys())]
    removed = [lp[k] for k in sorted(lp.keys() - rp.keys())]
    names = {p.profile_id: p.name for p in (*inst.a, *inst.b)}
    for v in (*lp.values(), *rp.values()):
        names.update({v.a_id: v.a_name, v.b_id: v.b_name})
    changes = []
    for pid in sorted({x for k in (added + removed) for x in (k.a_id, k.b_id)}, key=lambda i: names[i].lower()):
        side = "a" if any(k[0] == pid for k in (*lp, *rp)) else "b"
        idx = 0 if side == "a" else 1
        before = {k: v for k, v in lp.items() if k[idx] == pid}
        after = {k: v for k, v in rp.items() if k[idx] == pid}
        other = 1 - idx
        changes.append(Change(pid, names[pid], side, len(before), len(after),
                              sum(v.fit for v in before.values()), sum(v.fit for v in after.values()),
                              sorted(names[k[other]] for k in after.keys() - before.keys()),
                              sorted(names[k[other]] for k in before.keys() - after.keys())))
    return Comparison(row, left, right, added, removed, len(lp.keys() & rp.keys()), changes, runs)

