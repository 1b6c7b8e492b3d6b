"""Assignment runs: solve a list, store the result, and let the officer pin, add, remove or swap
pairs by hand, each edit recomputing the objective (the sum of the pairs' fit / 100).

A re-run from an edited run keeps its pinned pairs (forced) and leaves out the pairs the officer
removed (blocked), so that the solver fills the gaps around the officer's decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from matcher.assign import assign_pairs
from web.db.pool import Database
from web.errors import Conflict, Invalid, NotFound
from web.i18n import N_
from web.matching.contract import MatchingContract, Pair
from web.params import whole_number
from web.services.curation.instance import Instance, build_instance, ensure_scores, jsonable
from web.services.curation.lists import audit, load, load_draft
from web.store import match_lists as list_store
from web.store import runs as store
from web.store.runs import RunRow
from web.store.users import UserRow

N_ALTERNATES = 5
EDIT_ACTIONS = ("pin", "unpin", "add", "remove", "swap", "toggle")
# relaxation kinds and what applying them changes
MIN_KINDS = ("min_above_max", "minimum_short", "too_few_candidates")
MAX_KINDS = ("capacity_short", "forced_over_capacity")
GROUP_KINDS = ("group_limit_short", "forced_over_group_limit")


@dataclass(frozen=True)
class EditResult:
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


def load_run(conn: psycopg.Connection, list_id: int, run_id: int) -> RunRow:
    run = store.get_run(conn, run_id)
    if run is None or run.list_id != list_id:
        raise NotFound(N_("This assignment run does not exist."))
    return run


def parent_run(value: str) -> int | None:
    """The run a new run starts from, from a form's ``parent`` field (empty: none)."""
    try:
        return whole_number(value, low=1)
    except ValueError:
        raise NotFound(N_("This assignment run does not exist.")) from None


def carried_over(conn: psycopg.Connection, run_id: int) -> tuple[set[Pair], set[Pair]]:
    """(pinned pairs, pairs the officer removed and did not put back) of a run."""
    current = {(p.a_id, p.b_id): p for p in store.list_run_pairs(conn, run_id)}
    pins = {k for k, p in current.items() if p.pinned}
    removed = set()
    for edit in store.list_run_edits(conn, run_id):
        if edit.action in ("remove", "swap") and (edit.a_id, edit.b_id) not in current:
            removed.add((edit.a_id, edit.b_id))
    return pins, removed


def _parameters(inst: Instance, pins: set[Pair], removed: set[Pair], parent: int | None) -> dict[str, Any]:
    row = inst.row
    return {"fairness": row.fairness, "min_fit": row.min_fit, "min_a": row.min_a, "max_a": row.max_a,
            "min_b": row.min_b, "max_b": row.max_b, "max_per_group": row.max_per_group, "n_a": len(inst.a),
            "n_b": len(inst.b), "weight": "fit/100", "pins": sorted(map(list, pins)),
            "removed": sorted(map(list, removed)), "parent": parent}


def run_assignment(db: Database, matching: MatchingContract, user: UserRow | None, list_id: int,
                   parent_run: int | None = None) -> int:
    """Solve the list (scoring missing pairs first) and store the run; returns its id. An
    infeasible list is stored too: its explanation says which constraints bind."""
    ensure_scores(db, matching, list_id)
    with db.connection() as conn:
        row = load(conn, list_id)
        if row.state != "draft":
            raise Conflict(N_("This list is published or closed; make a new list to plan again."))
        inst = build_instance(conn, row)
        pins, removed = carried_over(conn, load_run(conn, list_id, parent_run).id) if parent_run else (set(), set())
    result = assign_pairs(**inst.kwargs(pins, removed), fairness=row.fairness, n_alternates=N_ALTERNATES)
    chosen = [(str(a), str(b)) for a, b, _ in result.pairs]
    rows = [{"a_id": a, "b_id": b, "score": inst.scores[a, b].score, "fit": inst.scores[a, b].fit,
             "pinned": (a, b) in pins,
             "source": "forced" if (a, b) in inst.forced else "officer" if (a, b) in pins else "solver"}
            for a, b in chosen]
    data = result.to_dict()
    with db.connection() as conn, conn.transaction():
        load_draft(conn, list_id)
        run_id = store.insert_run(conn, list_id, parent_run, _parameters(inst, pins, removed, parent_run),
                                  result.status, result.objective, result.explanation, jsonable(data["relaxations"]),
                                  {str(k): [str(x) for x in v] for k, v in result.alternates.items()},
                                  jsonable(data["info"]), user.id if user else None)
        store.insert_run_pairs(conn, run_id, rows)
        store.update_run_objective(conn, run_id)
        audit(conn, user, "assignment-run", list_id,
              {"run": run_id, "status": result.status, "objective": result.objective, "pairs": len(rows)})
    return run_id


def _editable(conn: psycopg.Connection, list_id: int, run_id: int) -> tuple[Instance, dict[Pair, Any]]:
    row = load_draft(conn, list_id)
    load_run(conn, list_id, run_id)
    inst = build_instance(conn, row)
    return inst, {(p.a_id, p.b_id): p for p in store.list_run_pairs(conn, run_id)}


def _check_new(inst: Instance, current: dict[Pair, Any], pair: Pair) -> None:
    a_id, b_id = pair
    people = inst.participants
    if people.get(a_id) is None or people[a_id].side != "a" or people.get(b_id) is None or people[b_id].side != "b":
        raise Invalid(N_("Choose one participant of side A and one of side B."))
    if pair in current:
        raise Conflict(N_("This pair is already in the run."))
    if pair in inst.blocked:
        raise Conflict(N_("This pair is blocked (a conflict of interest). Clear the block first."))


def edit_run(db: Database, user: UserRow, list_id: int, run_id: int, action: str, a_id: str, b_id: str,
             other: str | None = None) -> EditResult:
    """One hand edit of a draft list's run.

    ``pin``/``unpin`` a pair of the run; ``add`` a pair (pinned: the officer chose it); ``remove``
    a pair; ``swap`` the pair (a, b) for (a, other) when ``other`` is on side b, or for (other, b)
    when it is on side a; ``toggle`` removes the pair if it is in the run, else adds it. Returns
    the objective before and after.
    """
    if action not in EDIT_ACTIONS:
        raise Invalid(N_("Unknown change."))
    pair = (a_id, b_id)
    new: Pair | None = None
    with db.connection() as conn, conn.transaction():
        inst, current = _editable(conn, list_id, run_id)
        before = store.update_run_objective(conn, run_id)
        if action == "toggle":
            action = "remove" if pair in current else "add"
        if action != "add" and pair not in current:
            raise NotFound(N_("This pair is not in the run."))
        if action in ("pin", "unpin"):
            store.update_run_pair_pinned(conn, run_id, a_id, b_id, action == "pin")
        elif action == "remove":
            store.delete_run_pair(conn, run_id, a_id, b_id)
        else:
            if action == "add":
                new = pair
            else:
                side = inst.participants.get(other or "")
                if side is None:
                    raise Invalid(N_("Choose who to swap with."))
                new = (a_id, side.profile_id) if side.side == "b" else (side.profile_id, b_id)
                store.delete_run_pair(conn, run_id, a_id, b_id)
                current.pop(pair)
            _check_new(inst, current, new)
            score = inst.scores[new]
            store.insert_run_pairs(conn, run_id, [{"a_id": new[0], "b_id": new[1], "score": score.score,
                                                   "fit": score.fit, "pinned": True, "source": "officer"}])
        after = store.update_run_objective(conn, run_id)
        swapped = new if action == "swap" else None
        store.insert_run_edit(conn, run_id, action, a_id, b_id, swapped[0] if swapped else None,
                              swapped[1] if swapped else None, before, after, user.id)
    return EditResult(before, after)


def apply_relaxation(db: Database, user: UserRow, list_id: int, run_id: int, index: int) -> None:
    """Make the ``index``-th change the solver suggested for an infeasible run: lower a minimum,
    raise a maximum, or raise the list's diversity limit."""
    with db.connection() as conn, conn.transaction():
        row = load_draft(conn, list_id)
        run = load_run(conn, list_id, run_id)
        if not 0 <= index < len(run.relaxations):
            raise NotFound(N_("This suggestion does not exist."))
        relax = run.relaxations[index]
        kind, suggested = relax.get("kind"), int(relax.get("suggested") or 0)
        if kind in GROUP_KINDS:
            list_store.update_list_group_limit(conn, list_id, max(suggested, row.max_per_group or 1))
        elif kind in MIN_KINDS or kind in MAX_KINDS:
            inst = build_instance(conn, row)
            who = inst.participants.get(str(relax.get("who")))
            if who is None:
                raise NotFound(N_("This participant is not on the list."))
            low, high = inst.capacity(who)
            if kind in MIN_KINDS:
                low = suggested
            else:
                high = suggested
            list_store.update_participant_capacity(conn, list_id, who.profile_id, low, high)
        else:
            raise Invalid(N_("This suggestion cannot be applied automatically; change the forced pairs by hand."))
        audit(conn, user, "match-list-relaxed", list_id, {"run": run_id, "change": relax})
