"""Match lists: settings, participants by filter, by hand and from a CSV of ids (bad lines
reported by number, nothing half-imported), capacities, blocked and forced pairs."""

from __future__ import annotations

import pytest

from tests.web.curation_support import STARTUPS, People, import_event, make_people
from web.db.pool import Database
from web.errors import Conflict, Invalid
from web.services.curation import lists
from web.services.curation.csvids import parse_ids
from web.services.curation.forms import parse_list_form
from web.store.directory import DirectoryFilter

FORM = {"name": "Vietnam–Korea Tech Days 2026", "kind": "event", "starts_on": "2026-05-12", "ends_on": "2026-05-13",
        "location": "Hà Nội", "description": "Brokerage day", "min_a": "1", "max_a": "3", "min_b": "0", "max_b": "3"}


@pytest.fixture
def people(db: Database) -> People:
    import_event(db)
    return make_people(db)


def new_list(db: Database, people: People, **changes: str) -> int:
    return lists.create_list(db, people.officer, parse_list_form(FORM | changes))


def ids(db: Database, list_id: int, side: str | None = None) -> list[str]:
    d = lists.detail(db, list_id)
    return sorted(p.profile_id for p in (d.a if side == "a" else d.b if side == "b" else d.a + d.b))


def test_the_list_form_reports_each_bad_field() -> None:
    form = parse_list_form(FORM | {"name": " ", "ends_on": "2026-05-01", "max_a": "x", "min_b": "4", "max_b": "2",
                                   "min_fit": "101", "kind": "party"})
    assert set(form.errors) == {"name", "ends_on", "max_a", "max_b", "min_fit", "kind"}
    ok = parse_list_form(FORM)
    assert ok.ok and ok.values["max_b"] == 3 and ok.values["max_per_group"] is None and ok.values["min_fit"] == 0


def test_a_list_starts_as_a_draft_with_its_settings(db: Database, people: People) -> None:
    list_id = new_list(db, people)
    row = lists.get_list(db, list_id)
    assert (row.state, row.name, row.min_a, row.max_a, row.max_b) == ("draft", FORM["name"], 1, 3, 3)
    assert str(row.starts_on) == "2026-05-12"


def test_filters_add_every_matching_profile_on_its_side(db: Database, people: People) -> None:
    list_id = new_list(db, people)
    count, preview = lists.preview_filter(db, list_id, DirectoryFilter(sector=["semiconductors"]))
    assert count == 3 and {p.id for p in preview} == {"vn-chipviet", "kr-daesung-osat", "kr-hanul-chips"}
    assert lists.add_by_filter(db, people.officer, list_id, DirectoryFilter(sector=["semiconductors"])) == 3
    assert ids(db, list_id, "a") == ["vn-chipviet"]
    assert ids(db, list_id, "b") == ["kr-daesung-osat", "kr-hanul-chips"]
    # adding again adds nothing; a kind filter adds the rest of the startups
    assert lists.add_by_filter(db, people.officer, list_id, DirectoryFilter(sector=["semiconductors"])) == 0
    assert lists.add_by_filter(db, people.officer, list_id, DirectoryFilter(kind=["startup"])) == 7
    assert ids(db, list_id, "a") == STARTUPS


def test_an_empty_filter_is_refused(db: Database, people: People) -> None:
    with pytest.raises(Invalid):
        lists.add_by_filter(db, people.officer, new_list(db, people), DirectoryFilter())


def test_hand_picked_profiles_can_go_on_either_side(db: Database, people: People) -> None:
    list_id = new_list(db, people)
    assert lists.add_by_hand(db, people.officer, list_id, ["sg-lionfund"]) == 1
    assert lists.add_by_hand(db, people.officer, list_id, ["vn-hocvui"], side="b") == 1
    assert ids(db, list_id, "b") == ["sg-lionfund", "vn-hocvui"]
    assert {p[0] for p in lists.find_profiles(db, list_id, "chip")} == {"vn-chipviet", "kr-hanul-chips"}
    assert "sg-lionfund" not in [p[0] for p in lists.find_profiles(db, list_id, "lion")]


def test_a_csv_of_ids_adds_participants_with_their_capacities(db: Database, people: People) -> None:
    list_id = new_list(db, people)
    data = b"id,side,min,max,group\nvn-chipviet,a,2,3,hanoi\nkr-hanul-chips,,,5,\n\nvn-tomsen\n"
    report = lists.import_csv(db, people.officer, list_id, data)
    assert (report.added, report.updated, report.errors) == (3, 0, [])
    d = lists.detail(db, list_id)
    chip = next(p for p in d.a if p.profile_id == "vn-chipviet")
    assert (chip.min_pairs, chip.max_pairs, chip.group_label, chip.added_via) == (2, 3, "hanoi", "csv")
    assert [p.profile_id for p in d.b] == ["kr-hanul-chips"] and d.b[0].max_pairs == 5


def test_a_plain_list_of_ids_needs_no_header(db: Database, people: People) -> None:
    list_id = new_list(db, people)
    report = lists.import_csv(db, people.officer, list_id, "\ufeffvn-chipviet\nsg-lionfund\n".encode())
    assert report.added == 2 and not report.errors


def test_bad_ids_are_reported_by_line_and_nothing_is_added(db: Database, people: People) -> None:
    list_id = new_list(db, people)
    data = (b"id,side,min,max\nvn-chipviet,a,,\nvn-nobody,a,,\nkr-hanul-chips,c,,\nvn-tomsen,a,x,\n"
            b"vn-chipviet,a,,\nsg-lionfund,b,3,1\n,a,,\n")
    report = lists.import_csv(db, people.officer, list_id, data)
    assert report.added == 0
    assert [(e.line, e.value) for e in report.errors] == [
        (3, "vn-nobody"), (4, "c"), (5, "x"), (6, "vn-chipviet"), (7, ""), (8, "")]
    assert "no published profile" in report.errors[0].message
    assert ids(db, list_id) == []


def test_a_file_that_is_not_utf8_is_one_error(db: Database, people: People) -> None:
    report = lists.import_csv(db, people.officer, new_list(db, people), "Chíp Viet".encode("latin-1"))
    assert len(report.errors) == 1 and "UTF-8" in report.errors[0].message


def test_the_csv_parser_reports_repeats_on_their_second_line() -> None:
    entries, errors = parse_ids("a1\nb2\na1\n")
    assert [e.profile_id for e in entries] == ["a1", "b2"] and [(e.line, e.value) for e in errors] == [(3, "a1")]


def test_capacities_sides_and_removal(db: Database, people: People) -> None:
    list_id = new_list(db, people)
    lists.add_by_hand(db, people.officer, list_id, ["vn-chipviet", "kr-hanul-chips"])
    lists.update_participant(db, people.officer, list_id, "kr-hanul-chips", "b", 1, 4, None)
    with pytest.raises(Invalid):
        lists.update_participant(db, people.officer, list_id, "kr-hanul-chips", "b", 5, 4, None)
    assert lists.detail(db, list_id).b[0].max_pairs == 4
    assert lists.remove_participants(db, people.officer, list_id, ["vn-chipviet"]) == 1
    assert ids(db, list_id) == ["kr-hanul-chips"]


def test_pairs_are_blocked_or_forced_between_the_two_sides(db: Database, people: People) -> None:
    list_id = new_list(db, people)
    lists.add_by_hand(db, people.officer, list_id, ["vn-chipviet", "vn-tomsen", "kr-hanul-chips"])
    lists.set_pair(db, people.officer, list_id, "vn-chipviet", "kr-hanul-chips", "blocked", "competitor", "same field")
    lists.set_pair(db, people.officer, list_id, "vn-tomsen", "kr-hanul-chips", "forced", "requested")
    with pytest.raises(Invalid):
        lists.set_pair(db, people.officer, list_id, "vn-chipviet", "vn-tomsen", "blocked")
    pairs = {(p.a_id, p.kind, p.reason) for p in lists.detail(db, list_id).pairs}
    assert pairs == {("vn-chipviet", "blocked", "competitor"), ("vn-tomsen", "forced", "requested")}
    # forcing a blocked pair replaces the block: a pair is one or the other
    lists.set_pair(db, people.officer, list_id, "vn-chipviet", "kr-hanul-chips", "forced")
    assert {p.kind for p in lists.detail(db, list_id).pairs} == {"forced"}
    lists.remove_pair(db, people.officer, list_id, "vn-chipviet", "kr-hanul-chips")
    assert len(lists.detail(db, list_id).pairs) == 1


def test_pairs_that_already_met_can_be_blocked_in_one_go(db: Database, people: People) -> None:
    list_id = new_list(db, people)
    lists.add_by_hand(db, people.officer, list_id, ["vn-chipviet", "vn-tomsen", "kr-daesung-osat", "no-fjord-aqua"])
    with db.connection() as conn:
        conn.execute("INSERT INTO introductions (from_profile, to_profile, state, expires_at)"
                     " VALUES ('kr-daesung-osat', 'vn-chipviet', 'accepted', now())")
    assert lists.block_already_met(db, people.officer, list_id) == 1
    (pair,) = lists.detail(db, list_id).pairs
    assert (pair.a_id, pair.b_id, pair.kind, pair.reason) == ("vn-chipviet", "kr-daesung-osat", "blocked", "already_met")
    assert lists.block_already_met(db, people.officer, list_id) == 0


def test_only_drafts_change(db: Database, people: People) -> None:
    list_id = new_list(db, people)
    with db.connection() as conn:
        conn.execute("UPDATE match_lists SET state = 'published' WHERE id = %(id)s", {"id": list_id})
    with pytest.raises(Conflict):
        lists.add_by_hand(db, people.officer, list_id, ["vn-chipviet"])
    with pytest.raises(Conflict):
        lists.update_list(db, people.officer, list_id, parse_list_form(FORM))

