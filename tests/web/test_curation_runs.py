"""Assignment runs of a stored list: constraints hold, the objective is the best possible, hand
edits change it by exactly the pairs' fit / 100, infeasible lists come back explained, runs compare."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from click.testing import CliRunner

from tests.web.curation_support import (
    PARTNERS,
    STARTUPS,
    FakeMatching,
    People,
    fake_fit,
    import_event,
    make_people,
)
from web.cli import main
from web.db.pool import Database
from web.errors import Conflict
from web.services.curation import compare, lists, runs, views
from web.services.curation.forms import parse_list_form
from web.services.curation.instance import ensure_scores, load_instance
from web.services.profiles import import_records
from web.settings import Settings

BASE = {"name": "Tech Days", "kind": "event", "min_a": "1", "max_a": "2", "min_b": "0", "max_b": "3"}


@pytest.fixture
def event(db: Database) -> tuple[People, FakeMatching, list[dict[str, Any]]]:
    records = import_event(db)
    return make_people(db), FakeMatching(records), records


def make_list(db: Database, people: People, members: list[str] | None = None, **form: str) -> int:
    list_id = lists.create_list(db, people.officer, parse_list_form(BASE | form))
    lists.add_by_hand(db, people.officer, list_id, members or STARTUPS + PARTNERS)
    return list_id


def fits(records: list[dict[str, Any]]) -> dict[tuple[str, str], float]:
    by_id = {r["id"]: r for r in records}
    return {(a, b): fake_fit(by_id[a], by_id[b]) for a in STARTUPS for b in PARTNERS}


def test_a_run_respects_every_capacity_and_rule(db: Database, event) -> None:
    people, matching, records = event
    list_id = make_list(db, people)
    lists.set_pair(db, people.officer, list_id, "vn-chipviet", "kr-daesung-osat", "blocked", "competitor")
    lists.set_pair(db, people.officer, list_id, "vn-tienviet", "de-sonnen-institut", "forced", "requested")
    run_id = runs.run_assignment(db, matching, people.officer, list_id)
    view = views.run_view(db, list_id, run_id)
    assert view.run.status == "optimal" and view.violations == []
    pairs = {(p.a_id, p.b_id) for p in view.pairs}
    assert ("vn-chipviet", "kr-daesung-osat") not in pairs and ("vn-tienviet", "de-sonnen-institut") in pairs
    for ld in view.a_loads:
        assert 1 <= ld.count <= 2
    for ld in view.b_loads:
        assert ld.count <= 3
    assert view.run.objective == pytest.approx(sum(p.fit for p in view.pairs) / 100)
    assert view.run.objective == pytest.approx(view.run.solver_objective)
    forced = next(p for p in view.pairs if p.a_id == "vn-tienviet" and p.b_id == "de-sonnen-institut")
    assert forced.source == "forced" and forced.reason and forced.bars


def _brute_force(fit: dict[tuple[str, str], float], a_ids: list[str], b_ids: list[str], a_cap: tuple[int, int],
                 b_max: int) -> float:
    best = -1.0
    pairs = [(a, b) for a in a_ids for b in b_ids]
    for mask in itertools.product((0, 1), repeat=len(pairs)):
        chosen = [p for p, m in zip(pairs, mask, strict=True) if m]
        if all(a_cap[0] <= sum(p[0] == a for p in chosen) <= a_cap[1] for a in a_ids) and \
                all(sum(p[1] == b for p in chosen) <= b_max for b in b_ids):
            best = max(best, sum(fit[p] for p in chosen))
    return best / 100


def test_the_objective_is_the_best_possible_on_a_small_list(db: Database, event) -> None:
    people, matching, records = event
    a_ids, b_ids = STARTUPS[:4], PARTNERS[:3]
    list_id = make_list(db, people, a_ids + b_ids, max_a="2", max_b="2")
    run_id = runs.run_assignment(db, matching, people.officer, list_id)
    best = _brute_force(fits(records), a_ids, b_ids, (1, 2), 2)
    assert views.run_view(db, list_id, run_id).run.objective == pytest.approx(best)


def test_scores_are_computed_once_and_again_only_for_an_edited_profile(db: Database, event) -> None:
    people, matching, records = event
    list_id = make_list(db, people)
    assert ensure_scores(db, matching, list_id) == 40 and len(matching.calls) == 1
    runs.run_assignment(db, matching, people.officer, list_id)
    assert len(matching.calls) == 1
    changed = next(r for r in records if r["id"] == "vn-tomsen")
    import_records(db, [dict(changed, description=changed["description"] + " Mới mở rộng sang miền Trung.")])
    assert ensure_scores(db, matching, list_id) == 5
    assert matching.calls[-1] == (["vn-tomsen"], PARTNERS)


def test_hand_edits_change_the_objective_by_the_pairs_fit(db: Database, event) -> None:
    people, matching, records = event
    fit = fits(records)
    list_id = make_list(db, people)
    run_id = runs.run_assignment(db, matching, people.officer, list_id)
    view = views.run_view(db, list_id, run_id)
    first = view.pairs[0]
    pinned = runs.edit_run(db, people.officer, list_id, run_id, "pin", first.a_id, first.b_id)
    assert pinned.delta == pytest.approx(0)
    removed = runs.edit_run(db, people.officer, list_id, run_id, "remove", first.a_id, first.b_id)
    assert removed.delta == pytest.approx(-fit[first.a_id, first.b_id] / 100)
    added = runs.edit_run(db, people.officer, list_id, run_id, "add", first.a_id, first.b_id)
    assert added.delta == pytest.approx(fit[first.a_id, first.b_id] / 100)
    # swap the partner of that pair for one the startup does not meet yet
    taken = {p.b_id for p in view.pairs if p.a_id == first.a_id}
    other = next(b for b in PARTNERS if b not in taken)
    swapped = runs.edit_run(db, people.officer, list_id, run_id, "swap", first.a_id, first.b_id, other)
    assert swapped.delta == pytest.approx((fit[first.a_id, other] - fit[first.a_id, first.b_id]) / 100)
    after = views.run_view(db, list_id, run_id)
    assert (first.a_id, other) in {(p.a_id, p.b_id) for p in after.pairs}
    assert after.run.objective == pytest.approx(view.run.objective + swapped.delta)
    assert [e.action for e in after.edits] == ["swap", "add", "remove", "pin"]
    assert after.run.solver_objective == pytest.approx(view.run.objective)


def test_edits_that_break_a_rule_are_shown_not_refused(db: Database, event) -> None:
    people, matching, _ = event
    list_id = make_list(db, people, max_b="2")
    run_id = runs.run_assignment(db, matching, people.officer, list_id)
    view = views.run_view(db, list_id, run_id)
    startup = view.a_loads[0]
    for p in startup.pairs:
        runs.edit_run(db, people.officer, list_id, run_id, "remove", p.a_id, p.b_id)
    broken = views.run_view(db, list_id, run_id).violations
    assert ("under_min", startup.p.profile_id) in {(v.kind, v.who) for v in broken}


def test_a_blocked_pair_cannot_be_added_by_hand(db: Database, event) -> None:
    people, matching, _ = event
    list_id = make_list(db, people)
    lists.set_pair(db, people.officer, list_id, "vn-chipviet", "kr-daesung-osat", "blocked", "competitor")
    run_id = runs.run_assignment(db, matching, people.officer, list_id)
    with pytest.raises(Conflict):
        runs.edit_run(db, people.officer, list_id, run_id, "add", "vn-chipviet", "kr-daesung-osat")


def test_a_rerun_keeps_pins_and_leaves_out_removed_pairs(db: Database, event) -> None:
    people, matching, _ = event
    list_id = make_list(db, people)
    run_id = runs.run_assignment(db, matching, people.officer, list_id)
    pairs = views.run_view(db, list_id, run_id).pairs
    keep, drop = pairs[0], pairs[-1]
    runs.edit_run(db, people.officer, list_id, run_id, "pin", keep.a_id, keep.b_id)
    runs.edit_run(db, people.officer, list_id, run_id, "remove", drop.a_id, drop.b_id)
    rerun = runs.run_assignment(db, matching, people.officer, list_id, parent_run=run_id)
    again = {(p.a_id, p.b_id): p for p in views.run_view(db, list_id, rerun).pairs}
    assert again[keep.a_id, keep.b_id].pinned and (drop.a_id, drop.b_id) not in again
    comparison = compare.compare(db, list_id, run_id, rerun)
    assert comparison.delta == pytest.approx(comparison.right.objective - comparison.left.objective)
    assert all((p.a_id, p.b_id) != (keep.a_id, keep.b_id) for p in comparison.added + comparison.removed)


def test_compare_lists_added_and_removed_pairs_and_who_changed(db: Database, event) -> None:
    people, matching, _ = event
    list_id = make_list(db, people)
    left = runs.run_assignment(db, matching, people.officer, list_id)
    right = runs.run_assignment(db, matching, people.officer, list_id)
    same = compare.compare(db, list_id, left, right)
    assert (same.added, same.removed, same.changes) == ([], [], []) and same.delta == pytest.approx(0)
    p = views.run_view(db, list_id, right).pairs[0]
    runs.edit_run(db, people.officer, list_id, right, "remove", p.a_id, p.b_id)
    diff = compare.compare(db, list_id, left, right)
    assert [(x.a_id, x.b_id) for x in diff.removed] == [(p.a_id, p.b_id)] and diff.added == []
    assert {c.id for c in diff.changes} == {p.a_id, p.b_id}
    startup = next(c for c in diff.changes if c.id == p.a_id)
    assert startup.after == startup.before - 1 and startup.lost == [p.b_name]


def test_an_infeasible_list_is_explained_and_the_suggestion_can_be_applied(db: Database, event) -> None:
    people, matching, _ = event
    # eight startups want at least one meeting each; five partners take one each
    list_id = make_list(db, people, max_b="1")
    run_id = runs.run_assignment(db, matching, people.officer, list_id)
    view = views.run_view(db, list_id, run_id)
    assert view.run.status == "infeasible"
    assert "Infeasible" in view.run.explanation
    kinds = {r.kind for r in view.relaxations}
    assert kinds <= {"capacity_short", "minimum_short"} and kinds
    assert sum(r.suggested - r.current for r in view.relaxations if r.kind == "capacity_short") + \
        sum(r.current - r.suggested for r in view.relaxations if r.kind == "minimum_short") == 3
    for r in view.relaxations:
        runs.apply_relaxation(db, people.officer, list_id, run_id, r.index)
    fixed = runs.run_assignment(db, matching, people.officer, list_id)
    assert views.run_view(db, list_id, fixed).run.status == "optimal"


def test_a_minimum_fit_that_leaves_a_startup_without_candidates_is_explained(db: Database, event) -> None:
    people, matching, records = event
    list_id = make_list(db, people, min_fit="60")
    best = {a: max(f for (x, _), f in fits(records).items() if x == a) for a in STARTUPS}
    stranded = sorted(a for a, f in best.items() if f < 60)
    assert stranded, "the fixture should leave someone below the minimum fit"
    run_id = runs.run_assignment(db, matching, people.officer, list_id)
    view = views.run_view(db, list_id, run_id)
    assert view.run.status == "infeasible"
    assert {r.who for r in view.relaxations if r.kind in ("too_few_candidates", "minimum_short")} >= set(stranded)


def test_the_diversity_rule_limits_one_group_per_partner(db: Database, event) -> None:
    people, matching, _ = event
    list_id = make_list(db, people, max_per_group="1", min_a="0", max_a="5", max_b="5")
    for a in STARTUPS:
        lists.update_participant(db, people.officer, list_id, a, "a", None, None, "hanoi" if a < "vn-m" else "south")
    run_id = runs.run_assignment(db, matching, people.officer, list_id)
    view = views.run_view(db, list_id, run_id)
    groups = {a: ("hanoi" if a < "vn-m" else "south") for a in STARTUPS}
    for ld in view.b_loads:
        labels = [groups[p.a_id] for p in ld.pairs]
        assert len(labels) == len(set(labels))
    assert view.violations == []


def caunoi_assign(settings: Settings, list_id: int) -> Any:
    return CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "--database-url",
                                     str(settings.database_url), "assign", str(list_id), "--json"])


def test_caunoi_assign_solves_a_stored_list(db: Database, event, settings: Settings) -> None:
    people, matching, _ = event
    list_id = make_list(db, people)
    run_id = runs.run_assignment(db, matching, people.officer, list_id)
    res = caunoi_assign(settings, list_id)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["objective"] == pytest.approx(views.run_view(db, list_id, run_id).run.solver_objective)
    assert load_instance(db, None, list_id).kwargs()["capacities"]["vn-chipviet"] == (1, 2)


def test_caunoi_assign_scores_an_unscored_list_with_a_loaded_service_then_stops_it(
        db: Database, event, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    people, matching, _ = event
    list_id = make_list(db, people)
    calls: list[str] = []
    matching.load = lambda: calls.append("load")
    matching.stop = lambda: calls.append("stop")
    monkeypatch.setattr("web.cli.context.MatchingService", lambda settings, db: matching)
    res = caunoi_assign(settings, list_id)
    assert res.exit_code == 0, res.output
    assert calls == ["load", "stop"] and matching.calls
    assert json.loads(res.stdout)["status"] == "optimal"
