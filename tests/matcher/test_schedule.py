"""Event-day scheduling: hand-checkable examples, re-optimisation on the day, and properties on
small random events checked against rules re-derived here and an independent exact model."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from matcher.schedule import (
    DayChanges,
    Meeting,
    Pin,
    ScheduleProblem,
    Scheduler,
    ScheduleResult,
    Slot,
    Table,
    clashes,
)
from matcher.schedule.reasons import __doc__ as REASONS_DOC

PEOPLE = ["an", "binh", "chi", "dung", "em", "giang"]


def solve(problem: ScheduleProblem) -> ScheduleResult:
    return Scheduler(time_limit=20.0).fit(problem).result_


# -- the rules, re-derived from the problem's fields (not from its helpers) -----------------------

def attendees(problem: ScheduleProblem, m: Meeting) -> set[str]:
    out = {m.a, m.b}
    for side in (m.a, m.b):
        out |= set(problem.delegations.get(side, ()))
    return out


def seats(problem: ScheduleProblem, m: Meeting) -> int:
    return len({p for side in (m.a, m.b) for p in problem.delegations.get(side, (side,))})


def present(problem: ScheduleProblem, who: str, s: int) -> bool:
    return who not in problem.availability or s in problem.availability[who]


def close(problem: ScheduleProblem, s: int, t: int) -> bool:
    """Two slots too close for one person: the same one, or within the minimum gap on one day."""
    x, y = problem.slots[s], problem.slots[t]
    return s == t or (x.day == y.day and abs(x.index - y.index) <= problem.min_gap)


def broken_rules(problem: ScheduleProblem, result: ScheduleResult) -> list[str]:
    by_key = {m.key: m for m in problem.meetings}
    capacity = {t.name: t.capacity for t in problem.tables}
    out: list[str] = []
    keys = [p.key for p in result.placed]
    out += [f"placed twice: {k}" for k, c in Counter(keys).items() if c > 1]
    out += [f"placed and unplaced: {u.key}" for u in result.unplaced if u.key in set(keys)]
    if len(keys) + len(result.unplaced) != len(problem.meetings):
        out.append("a meeting is neither placed nor unplaced")
    for p in result.placed:
        m = by_key[p.key]
        out += [f"{who} absent in slot {p.slot}" for who in attendees(problem, m) if not present(problem, who, p.slot)]
        if m.remote != (p.table is None):
            out.append(f"{p.key}: remote {m.remote} but table {p.table}")
        if p.table is not None and (capacity[p.table] or 99) < seats(problem, m):
            out.append(f"{p.key} needs {seats(problem, m)} seats at {p.table}")
        pin = problem.pinned.get(p.key)
        if pin is not None and (pin.slot != p.slot or (pin.table is not None and pin.table != p.table)):
            out.append(f"pinned {p.key} moved to {p.slot}/{p.table}")
    out += [f"pinned {k} not placed" for k in problem.pinned if k not in set(keys)]
    for x in result.placed:
        for y in result.placed:
            if x.key < y.key:
                shared = attendees(problem, by_key[x.key]) & attendees(problem, by_key[y.key])
                if shared and close(problem, x.slot, y.slot):
                    out.append(f"{sorted(shared)[0]} double-booked: {x.key} {x.slot}, {y.key} {y.slot}")
                if x.table is not None and x.table == y.table and x.slot == y.slot:
                    out.append(f"table {x.table} twice in slot {x.slot}")
    video = Counter(p.slot for p in result.placed if p.table is None)
    if problem.video_rooms is not None:
        out += [f"{c} video meetings in slot {s}" for s, c in video.items() if c > problem.video_rooms]
    return out


def exact_most(problem: ScheduleProblem) -> int:
    """Most meetings any schedule can place: a separate CP-SAT model with a boolean per meeting,
    slot and table (or video room), no secondary objective."""
    model = cp_model.CpModel()
    y: dict[tuple[int, int, str], cp_model.IntVar] = {}
    for i, m in enumerate(problem.meetings):
        pin = problem.pinned.get(m.key)
        for s in range(len(problem.slots)):
            if not all(present(problem, who, s) for who in attendees(problem, m)) or (pin and pin.slot != s):
                continue
            for t in ["video"] if m.remote else [t.name for t in problem.tables]:
                cap = 99 if t == "video" else next(x.capacity for x in problem.tables if x.name == t) or 99
                if cap >= seats(problem, m) and (pin is None or pin.table in (None, t)):
                    y[i, s, t] = model.new_bool_var("")
        model.add(sum(v for k, v in y.items() if k[0] == i) <= 1)
        if pin is not None:
            model.add(sum(v for k, v in y.items() if k[0] == i) == 1)
    n = len(problem.slots)
    for t in [t.name for t in problem.tables]:
        for s in range(n):
            model.add(sum(v for k, v in y.items() if k[1:] == (s, t)) <= 1)
    if problem.video_rooms is not None:
        for s in range(n):
            model.add(sum(v for k, v in y.items() if k[1:] == (s, "video")) <= problem.video_rooms)
    for who in {p for m in problem.meetings for p in attendees(problem, m)}:
        mine = {i for i, m in enumerate(problem.meetings) if who in attendees(problem, m)}
        for s in range(n):
            for t in range(s, n):
                if close(problem, s, t):
                    model.add(sum(v for k, v in y.items() if k[0] in mine and k[1] in (s, t)) <= 1)
    model.maximize(sum(y.values()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return int(solver.objective_value)


# -- small random events ---------------------------------------------------------------------------

@st.composite
def events(draw) -> ScheduleProblem:
    n_people = draw(st.integers(3, 6))
    people = PEOPLE[:n_people]
    delegations = {}
    if draw(st.booleans()):
        delegations["team"] = tuple(draw(st.lists(st.sampled_from(people), min_size=2, max_size=3, unique=True)))
    parties = people + list(delegations)
    pairs = draw(st.lists(st.tuples(st.sampled_from(parties), st.sampled_from(parties)), min_size=1, max_size=10))
    pairs = list(dict.fromkeys((a, b) for a, b in pairs if a != b))
    assume(pairs)
    meetings = [Meeting(a, b, draw(st.sampled_from([0.0, 0.3, 0.6, 0.9])), remote=draw(st.booleans()) and draw(st.booleans()))
                for a, b in pairs]
    per_day = draw(st.integers(1, 4))
    # few slots and tables, so that they bind
    slots = Slot.grid(draw(st.integers(1, 4)), per_day)
    tables = [Table(f"T{i}", draw(st.sampled_from([None, 2, 3, 4]))) for i in range(draw(st.integers(0, 2)))]
    used = {p for m in meetings for p in {m.a, m.b} | set(delegations.get(m.a, ())) | set(delegations.get(m.b, ()))}
    availability = {who: draw(st.sets(st.integers(0, len(slots) - 1))) for who in sorted(used) if draw(st.booleans())}
    problem = ScheduleProblem.build(meetings, slots, tables, availability=availability, delegations=delegations,
                                    min_gap=draw(st.integers(0, 1)), video_rooms=draw(st.sampled_from([None, 0, 1, 2])))
    if draw(st.booleans()):
        m = draw(st.sampled_from(meetings))
        free = [s for s in range(len(slots)) if all(present(problem, p, s) for p in attendees(problem, m))]
        fits = [t.name for t in tables if (t.capacity or 99) >= seats(problem, m)]
        if free and ((m.remote and problem.video_rooms != 0) or (not m.remote and fits)):
            table = None if m.remote else draw(st.sampled_from([None, *fits]))
            problem = ScheduleProblem.build(meetings, slots, tables, availability=availability,
                                            delegations=delegations, min_gap=problem.min_gap,
                                            video_rooms=problem.video_rooms,
                                            pinned={m.key: Pin(draw(st.sampled_from(free)), table)})
    return problem


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(events())
def test_random_events_break_no_rule_and_place_as_many_as_the_exact_model(problem):
    result = solve(problem)
    assert broken_rules(problem, result) == []
    assert result.solver_status == "optimal"
    assert len(result.placed) == exact_most(problem) == result.bound
    assert result.status == ("complete" if not result.unplaced else "partial")
    assert all(f"``{u.reason}``" in (REASONS_DOC or "") for u in result.unplaced)
    assert {u.reason for u in result.unplaced} <= {"no_common_slot", "no_table", "no_video", "participant_full",
                                                   "min_gap", "tables_full", "video_full", "mixed"}


# -- examples ----------------------------------------------------------------------------------

def test_the_busy_partner_meets_the_two_best_fits_and_the_third_is_told_why():
    meetings = [Meeting("an", "kr-partner", 0.9), Meeting("binh", "kr-partner", 0.2), Meeting("chi", "kr-partner", 0.6)]
    result = solve(ScheduleProblem.build(meetings, Slot.grid(2), [Table("T1"), Table("T2")]))
    assert {p.a for p in result.placed} == {"an", "chi"}
    assert result.status == "partial" and result.solver_status == "optimal"
    (left,) = result.unplaced
    assert (left.a, left.reason, left.detail) == ("binh", "participant_full", "kr-partner's available slots are full")


@pytest.mark.parametrize("n_slots", [1, 2])
def test_one_table_is_one_meeting_per_slot(n_slots):
    meetings = [Meeting("an", "x"), Meeting("binh", "y"), Meeting("chi", "z")][: n_slots + 1]
    result = solve(ScheduleProblem.build(meetings, Slot.grid(n_slots), [Table("T1")]))
    assert len(result.placed) == n_slots and {p.table for p in result.placed} == {"T1"}
    assert result.unplaced[0].reason == "tables_full"


def test_people_never_present_together_are_told_so():
    problem = ScheduleProblem.build([Meeting("an", "x")], Slot.grid(4, 2), [Table("T1")],
                                    availability={"an": [0, 1], "x": [2, 3]})
    (left,) = solve(problem).unplaced
    assert (left.reason, left.detail) == ("no_common_slot", "an and x are never present at the same time")


def test_a_delegation_meeting_occupies_every_member_and_takes_the_big_room():
    problem = ScheduleProblem.build(
        [Meeting("vn-lua", "nl-mission", 0.5), Meeting("vn-tom", "nl-agri", 0.9), Meeting("vn-tom", "nl-water", 0.8)],
        Slot.grid(3), [Table("T1", 2), Table("T2", 2), Table("R1", 6)],
        delegations={"nl-mission": ("nl-agri", "nl-water", "nl-dairy")},
    )
    result = solve(problem)
    assert broken_rules(problem, result) == []
    group = next(p for p in result.placed if p.b == "nl-mission")
    assert group.table == "R1"
    assert all(p.slot != group.slot for p in result.placed if p.b in ("nl-agri", "nl-water"))
    assert result.status == "complete"
    two_slots = solve(replace(problem, slots=Slot.grid(2)))
    assert (two_slots.unplaced[0].b, two_slots.unplaced[0].reason) == ("nl-mission", "participant_full")


def test_remote_meetings_take_a_video_room_not_a_table():
    problem = ScheduleProblem.build([Meeting("an", "x", remote=True), Meeting("binh", "y", remote=True)],
                                    Slot.grid(1), [], video_rooms=1)
    result = solve(problem)
    assert [(p.table, p.remote) for p in result.placed] == [(None, True)]
    assert result.unplaced[0].reason == "video_full"


def test_the_minimum_gap_leaves_a_free_slot_between_meetings_and_a_break_counts():
    slots = (Slot(0, 0, "09:00"), Slot(0, 1, "09:30"), Slot(0, 3, "10:30"))  # a break at index 2
    problem = ScheduleProblem.build([Meeting("an", "x"), Meeting("an", "y")], slots, [Table("T1")], min_gap=1)
    result = solve(problem)
    assert sorted(p.slot for p in result.placed) in ([0, 2], [1, 2])
    assert result.placed[0].start in ("09:00", "09:30")


def test_a_pinned_meeting_keeps_its_slot_and_table():
    problem = ScheduleProblem.build([Meeting("an", "x", 0.1), Meeting("binh", "y", 0.9)], Slot.grid(2),
                                    [Table("T1"), Table("T2")], pinned={("an", "x"): Pin(1, "T2")})
    placed = {p.key: (p.slot, p.table) for p in solve(problem).placed}
    assert placed[("an", "x")] == (1, "T2")


def test_a_pin_that_breaks_a_rule_is_refused_by_name():
    with pytest.raises(ValueError, match=r"pinned meetings \('an', 'x'\) and \('an', 'y'\) both need 'an' in slot 0"):
        ScheduleProblem.build([Meeting("an", "x"), Meeting("an", "y")], Slot.grid(2), [Table("T1"), Table("T2")],
                              pinned={("an", "x"): Pin(0), ("an", "y"): Pin(0)})


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"availability": {"ghost": [0]}}, "availability names 'ghost', who is in no meeting"),
    ({"availability": {"an": [7]}}, "availability of 'an' names slot 7; slots are 0..1"),
    ({"pinned": {("an", "nobody"): Pin(0)}}, "pinned meeting ('an', 'nobody') is not among the meetings"),
    ({"pinned": {("an", "x"): Pin(0, "T9")}}, "names table 'T9': no such table"),
])
def test_unknown_names_fail_loudly(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ScheduleProblem.build([Meeting("an", "x")], Slot.grid(2), [Table("T1")], **kwargs)


def test_the_same_event_gives_the_same_schedule_and_its_json_has_the_promised_shape():
    meetings = [Meeting(a, b, (i % 5) / 5) for i, (a, b) in enumerate((a, b) for a in PEOPLE[:4] for b in "xyz")]
    problem = ScheduleProblem.build(meetings, Slot.grid(6, 3), [Table("T1"), Table("T2")])
    first, second = solve(problem).to_dict(), solve(problem).to_dict()
    first.pop("seconds"), second.pop("seconds")
    assert first == second
    assert {"status", "placed", "unplaced", "solver_status", "objective", "bound"} <= set(first)
    assert {"a", "b", "slot", "table"} <= set(first["placed"][0])


# -- re-optimisation on the day -----------------------------------------------------------------

def day_event() -> Scheduler:
    """Six slots, two tables, ten meetings of four startups with three partners: full enough that
    something is left out, small enough to check by hand."""
    meetings = [Meeting(a, b, 0.5) for a in ("an", "binh", "chi", "dung") for b in ("x", "y", "z")][:10]
    problem = ScheduleProblem.build(meetings, Slot.grid(6, 3), [Table("T1"), Table("T2")])
    return Scheduler(time_limit=20.0).fit(problem)


@pytest.mark.parametrize("hold_first", [True, False])
def test_frozen_slots_keep_every_meeting_exactly_after_cancellations(hold_first):
    sched = day_event()
    before = sched.result_
    victim = next(p.key for p in before.placed if p.slot >= 3)
    early = next(p.key for p in before.placed if p.slot in (1, 2))
    sched.refit(DayChanges(now=1, cancelled=(victim, early)), hold_first=hold_first)
    after = sched.result_
    keep = {(p.key, p.slot, p.table) for p in before.placed if p.slot in (1, 2) and p.key != early}
    assert keep <= {(p.key, p.slot, p.table) for p in after.placed}
    assert {d.key for d in after.dropped} == {victim, early} and after.moved == []
    assert broken_rules(sched.problem_, after) == []


@pytest.mark.parametrize("hold_first", [True, False])
def test_a_cancellation_frees_room_for_a_meeting_left_out_before(hold_first):
    problem = ScheduleProblem.build([Meeting("an", "x"), Meeting("binh", "y"), Meeting("chi", "z")],
                                    Slot.grid(3), [Table("T1")], availability={"chi": [2], "an": [2], "binh": [2]})
    sched = Scheduler().fit(problem)
    assert len(sched.result_.placed) == 1
    gone = sched.result_.placed[0].key
    sched.refit(DayChanges(now=0, cancelled=(gone,)), hold_first=hold_first)
    assert len(sched.result_.placed) == 1 and sched.result_.placed[0].key != gone


@pytest.mark.parametrize("hold_first", [True, False])
def test_a_walk_in_takes_the_first_slot_both_are_free_without_moving_anyone(hold_first):
    problem = ScheduleProblem.build([Meeting("an", "x"), Meeting("binh", "y")], Slot.grid(5),
                                    [Table("T1"), Table("T2")], pinned={("an", "x"): Pin(2, "T1"),
                                                                        ("binh", "y"): Pin(3, "T1")})
    sched = Scheduler().fit(problem)
    sched.refit(DayChanges(now=0, walk_ins=(Meeting("an", "y"),)), hold_first=hold_first)
    placed = {p.key: p.slot for p in sched.result_.placed}
    # slot 0 is under way; an is busy in 2, y in 3: slot 1 is the first both are free
    assert placed == {("an", "x"): 2, ("binh", "y"): 3, ("an", "y"): 1}
    assert sched.result_.moved == []


@pytest.mark.parametrize("hold_first", [True, False])
def test_a_no_show_loses_the_later_meetings_and_the_rest_stay(hold_first):
    sched = day_event()
    before = {p.key: (p.slot, p.table) for p in sched.result_.placed}
    sched.refit(DayChanges(now=2, no_shows=("x",)), hold_first=hold_first)
    after = sched.result_
    assert all(d.reason == "no_show" and "x" in d.key for d in after.dropped)
    assert {d.key for d in after.dropped} == {k for k, (s, _) in before.items() if "x" in k and s >= 2}
    assert all(before.get(p.key, (p.slot, p.table)) == (p.slot, p.table) for p in after.placed if p.slot < 4)
    assert broken_rules(sched.problem_, after) == []


@pytest.mark.parametrize("hold_first", [True, False])
def test_placing_more_beats_moving_less_and_the_move_is_reported(hold_first):
    """One table; an-x (high fit) took slot 2, where chi is only free, so chi-w was left out. When
    binh-y cancels slot 3, an-x moves there and chi-w gets slot 2: one move for one more meeting."""
    problem = ScheduleProblem.build(
        [Meeting("an", "x", 0.9), Meeting("binh", "y", 0.5), Meeting("chi", "w", 0.1)], Slot.grid(4), [Table("T1")],
        availability={"an": [2, 3], "binh": [3], "chi": [2]},
    )
    sched = Scheduler().fit(problem)
    assert {p.key: p.slot for p in sched.result_.placed} == {("an", "x"): 2, ("binh", "y"): 3}
    sched.refit(DayChanges(now=0, cancelled=(("binh", "y"),)), hold_first=hold_first)
    after = sched.result_
    assert {p.key: p.slot for p in after.placed} == {("an", "x"): 3, ("chi", "w"): 2}
    assert after.moved == [("an", "x")] and after.solver_status == "optimal" and after.status == "complete"


def test_unknown_changes_fail_loudly():
    sched = day_event()
    with pytest.raises(ValueError, match="cancelled meeting .* is not in the schedule's problem"):
        sched.refit(DayChanges(now=0, cancelled=(("ghost", "x"),)))
    with pytest.raises(RuntimeError, match="not fitted"):
        Scheduler().refit(DayChanges(now=0))


# -- hand moves: clash checks agree with the rules ------------------------------------------------

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(events(), st.data())
def test_a_hand_move_has_no_hard_clash_exactly_when_it_breaks_no_rule(problem, data):
    """``clashes`` (what the officer's move form checks) against the independent rule checker:
    moving one placed meeting anywhere is free of hard clashes iff the timetable after the move
    breaks no rule but, possibly, the minimum gap (a warning, reported as ``min_gap``)."""
    problem = replace(problem, pinned={})
    result = solve(problem)
    assume(result.placed)
    where = result.assignment()
    assert all(not clashes(problem, where, key, pin) for key, pin in where.items())
    moving = data.draw(st.sampled_from(result.placed))
    slot = data.draw(st.integers(0, len(problem.slots) - 1))
    table = data.draw(st.sampled_from([None, *[t.name for t in problem.tables]]))
    table = None if moving.remote else table   # as the move form does: a remote meeting has no table
    found = clashes(problem, where, moving.key, Pin(slot, table))
    moved = replace(moving, slot=slot, table=table)
    after = replace(result, placed=[moved if p.key == moving.key else p for p in result.placed])
    broken = broken_rules(replace(problem, min_gap=0), after)
    hard = [c for c in found if c.hard]
    assert (not hard) == (not broken), (found, broken)
    if not hard:
        assert bool(broken_rules(problem, after)) == any(c.code == "min_gap" for c in found), found
