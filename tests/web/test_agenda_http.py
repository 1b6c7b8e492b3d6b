"""A participant's agenda over HTTP: before the timetable is published they say when they are
present; after it, their meetings by time and table with partner, brief and reason, a print view
and an ``.ics`` calendar; nobody sees an agenda that is not theirs; the officer prints anyone's;
the meeting pages show time and table once published; all of it in Vietnamese too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import icalendar
import pytest
from fastapi.testclient import TestClient

from tests.web.curation_support import PASSWORD, FakeMatching, People, import_event, make_people
from tests.web.test_eventday import published_event
from tests.web.test_web_a11y import Controls
from tests.web.test_web_i18n import english_leaks, leaks_in, page_segments, user_texts
from tests.web.webkit import PASSWORD as WEB_PASSWORD
from tests.web.webkit import member, post, scalar, sign_in, web_client
from web.db.pool import Database
from web.i18n import Renderer
from web.services.curation import lists
from web.services.curation.forms import parse_list_form
from web.services.eventday import agenda, timetable
from web.services.introductions import Party
from web.services.mail import Mailer
from web.settings import Settings
from web.store import match_lists as list_store
from web.store import users as user_store


@dataclass
class Event:
    people: People
    mailer: Mailer
    list_id: int

    def publish(self, db: Database, *, scheduled: bool = False) -> agenda.Agenda:
        """Schedule (unless ``scheduled``) and publish the timetable; the member's agenda as the
        service sees it."""
        if not scheduled:
            timetable.schedule(db, self.people.officer, self.list_id)
        timetable.publish(db, self.mailer, self.people.officer, self.list_id)
        return agenda.agenda_for(db, Party.of(db, self.people.member), self.list_id)


@pytest.fixture(autouse=True)
def quick_solves(monkeypatch: pytest.MonkeyPatch) -> None:
    """A solve of this small event is cut short at 3 s (a feasible timetable is all these tests
    need), so that each test stays well under 15 s on a busy machine."""
    monkeypatch.setattr(timetable, "SOLVE_SECONDS", 3.0)


@pytest.fixture
def event(db: Database, settings: Settings) -> Event:
    """A published event list (meetings proposed) with a plan: 2026-05-12, slots of 30 minutes
    from 09:00 to 12:30 around a break at 10:00, four tables, one video room, Asia/Ho_Chi_Minh."""
    records = import_event(db)
    people = make_people(db)
    mailer = Mailer(settings, Renderer())
    return Event(people, mailer, published_event(db, people, FakeMatching(records), mailer))


@pytest.fixture
def browser(db: Database, settings: Settings) -> Iterator[TestClient]:
    with web_client(settings, db) as c:
        yield c


def signed_in(client: TestClient, email: str, lang: str = "en", password: str = PASSWORD) -> TestClient:
    sign_in(client, email, password)
    post(client, "/locale", {"lang": lang, "next": "/"})
    return client


MEMBER = "chip@chipviet.example"     # owns vn-chipviet (make_people)


def presence_of(db: Database, list_id: int, profile_id: str) -> tuple[str, list[int], str] | None:
    with db.connection() as conn:
        row = conn.execute("SELECT mode, slots, updated_by FROM event_presence WHERE list_id = %(l)s AND profile_id = %(p)s",
                           {"l": list_id, "p": profile_id}).fetchone()
    return (row[0], list(row[1]), row[2]) if row else None


def test_before_publishing_the_participant_states_presence_and_it_is_stored(db: Database, event: Event,
                                                                           browser: TestClient) -> None:
    c = signed_in(browser, MEMBER)
    page = c.get(f"/agenda/{event.list_id}")
    assert page.status_code == 200
    assert "not published yet" in page.text and f'action="/agenda/{event.list_id}/presence"' in page.text
    # six slots, grouped under the day, each labelled with its time range
    assert page.text.count('name="slots"') == 6 and "Day 1" in page.text
    starts = re.findall(r'name="slots" value="\d+">.*?>(\d\d:\d\d)</time>–', page.text)
    assert starts == ["09:00", "09:30", "10:30", "11:00", "11:30", "12:00"]   # none in the break
    assert ".ics" not in page.text   # no calendar before publishing

    r = post(c, f"/agenda/{event.list_id}/presence", {"profile_id": "vn-chipviet", "mode": "remote"})
    assert r.status_code == 303 and r.headers["location"] == f"/agenda/{event.list_id}#presence-vn-chipviet"
    assert presence_of(db, event.list_id, "vn-chipviet") == ("remote", [], "participant")
    again = c.get(f"/agenda/{event.list_id}").text
    assert re.search(r'value="remote" checked', again) and "Saved." in again

    r = post(c, f"/agenda/{event.list_id}/presence", {"profile_id": "vn-chipviet", "mode": "slots", "slots": ["0", "3"]})
    assert r.status_code == 303
    assert presence_of(db, event.list_id, "vn-chipviet") == ("slots", [0, 3], "participant")
    ticked = re.findall(r'name="slots" value="(\d+)" checked', c.get(f"/agenda/{event.list_id}").text)
    assert ticked == ["0", "3"]


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"mode": "slots", "slots": ["99"]}, "slots", "Choose time slots of this event."),
    ({"mode": "slots", "slots": ["1", "x"]}, "slots", "Choose time slots of this event."),
    ({"mode": "slots"}, "slots", "Tick at least one time slot, or choose the whole event."),
    ({"mode": "sometimes"}, "mode", "Choose the whole event, some time slots, or remote only."),
])
def test_a_bad_presence_is_refused_with_422_at_its_field(db: Database, event: Event, browser: TestClient,
                                                         form: dict[str, object], field: str, message: str) -> None:
    c = signed_in(browser, MEMBER)
    r = post(c, f"/agenda/{event.list_id}/presence", {"profile_id": "vn-chipviet", **form})
    assert r.status_code == 422
    assert message in r.text and f'agenda-{"modes" if field == "mode" else "slots"} has-error' in r.text
    assert presence_of(db, event.list_id, "vn-chipviet") is None


def test_presence_of_a_profile_not_ones_own_is_forbidden(db: Database, event: Event, browser: TestClient) -> None:
    c = signed_in(browser, MEMBER)
    r = post(c, f"/agenda/{event.list_id}/presence", {"profile_id": "kr-daesung-osat", "mode": "whole"})
    assert r.status_code == 403
    assert presence_of(db, event.list_id, "kr-daesung-osat") is None


def test_after_publishing_the_agenda_lists_meetings_with_time_table_partner_and_reason(
        db: Database, event: Event, browser: TestClient) -> None:
    mine = event.publish(db)
    assert mine.items
    c = signed_in(browser, MEMBER)
    page = c.get(f"/agenda/{event.list_id}").text
    assert "Asia/Ho_Chi_Minh" in page and 'name="mode"' not in page
    assert f'href="/agenda/{event.list_id}.ics"' in page and f'href="/agenda/{event.list_id}/print"' in page
    assert "Daesung Packaging &amp; Test" in page   # the pair the officer forced
    for item in mine.items:
        block = page.split(f'id="agenda-meeting-{item.meeting.id}-')[1].split("</li>")[0]
        assert item.starts_at is not None
        assert f"{item.starts_at:%H:%M}</time>" in block and f'href="/profiles/{item.other}"' in block
        assert ("Video call" if item.meeting.remote else f"Table {item.meeting.table_name}") in block
        assert f'href="/meetings/{item.meeting.id}"' in block
        assert ("Confirmed" if item.meeting.state == "confirmed" else "Waiting for answers") in block
        if item.reason is not None:
            assert "Why this match:" in block
    # presence is read-only now, and a late change is refused with the page saying whom to ask
    assert "contact the programme officers" in page
    r = post(c, f"/agenda/{event.list_id}/presence", {"profile_id": "vn-chipviet", "mode": "remote"})
    assert r.status_code == 409 and "ask the officers to change your presence" in r.text
    assert presence_of(db, event.list_id, "vn-chipviet") is None

    printed = c.get(f"/agenda/{event.list_id}/print")
    assert printed.status_code == 200 and "Agenda of ChipViệt" in printed.text
    assert all(f"{i.starts_at:%H:%M}</time>" for i in mine.items if i.starts_at)
    assert "<form" not in printed.text.split('<main id="main"')[1]   # nothing to press on paper


def test_the_meeting_pages_show_time_and_table_only_once_published(db: Database, event: Event,
                                                                  browser: TestClient) -> None:
    c = signed_in(browser, MEMBER)
    timetable.schedule(db, event.people.officer, event.list_id)   # preliminary: the officers' draft
    listing = c.get("/meetings").text
    assert f'href="/agenda/{event.list_id}"' in listing and "agenda-placed" not in listing
    mine = event.publish(db, scheduled=True)
    listing = c.get("/meetings").text
    first = mine.items[0]
    assert first.starts_at is not None
    assert listing.count('class="agenda-placed"') == len(mine.items)
    assert f"{first.starts_at:%H:%M}</time>" in listing.split(f'id="meeting-{first.meeting.id}"')[1].split("</li>")[0]
    detail = c.get(f"/meetings/{first.meeting.id}").text
    assert f"{first.starts_at:%H:%M}</time>" in detail and f'href="/agenda/{event.list_id}"' in detail
    assert ("Video call" if first.meeting.remote else f"Table {first.meeting.table_name}") in detail


def test_the_calendar_file_has_one_event_per_meeting_in_the_events_local_time(db: Database, event: Event,
                                                                              browser: TestClient) -> None:
    c = signed_in(browser, MEMBER)
    r = c.get(f"/agenda/{event.list_id}.ics")
    assert r.status_code == 409 and "not published yet" in r.text
    mine = event.publish(db)
    r = c.get(f"/agenda/{event.list_id}.ics")
    assert r.status_code == 200 and r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["content-disposition"] == f'attachment; filename="agenda-{event.list_id}.ics"'
    found = icalendar.Calendar.from_ical(r.content).walk("VEVENT")
    assert len(found) == len(mine.items) == len(
        [m for m in mine.event.meetings if m.slot is not None and "vn-chipviet" in (m.a_id, m.b_id)])
    by_start = {i.starts_at: i for i in mine.items}
    for ev in found:
        start = ev.decoded("dtstart")
        assert start.utcoffset().total_seconds() == 7 * 3600
        item = by_start[start.replace(tzinfo=None)]
        assert item.other_name in str(ev["summary"])
    assert any("Daesung Packaging & Test" in str(ev["summary"]) for ev in found)


def test_nobody_sees_an_agenda_that_is_not_theirs_and_visitors_are_sent_to_sign_in(
        db: Database, event: Event, browser: TestClient, settings: Settings) -> None:
    event.publish(db)
    paths = [f"/agenda/{event.list_id}", f"/agenda/{event.list_id}.ics", f"/agenda/{event.list_id}/print"]
    for path in paths:
        r = browser.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    member(db, "stranger@x.example")   # every profile of the event data is on the list: owns none
    c = signed_in(browser, "stranger@x.example", password=WEB_PASSWORD)
    for path in paths:
        r = c.get(path)
        assert r.status_code == 404 and "ChipViệt" not in r.text, path
    r = post(c, f"/agenda/{event.list_id}/presence", {"profile_id": "vn-chipviet", "mode": "remote"})
    assert r.status_code == 404
    assert c.get("/agenda/999999").status_code == 404


def test_an_event_not_planned_yet_says_so_and_still_hides_from_strangers(db: Database, settings: Settings,
                                                                        browser: TestClient) -> None:
    import_event(db)
    people = make_people(db)
    form = {"name": "Unplanned Days", "kind": "event", "min_a": "1", "max_a": "2", "max_b": "3"}
    list_id = lists.create_list(db, people.officer, parse_list_form(form))
    lists.add_by_hand(db, people.officer, list_id, ["vn-chipviet", "kr-daesung-osat"])
    c = signed_in(browser, MEMBER)
    assert c.get(f"/agenda/{list_id}").status_code == 404   # a draft list is the officers' work in progress
    with db.connection() as conn:
        assert list_store.update_match_list_state(conn, list_id, "draft", "published")
    page = c.get(f"/agenda/{list_id}")
    assert page.status_code == 200 and "have not planned this event" in page.text
    assert "Set up the event" not in page.text   # the officers' words, not the participant's
    assert c.get(f"/agenda/{list_id}/print").status_code == 200
    assert c.get(f"/agenda/{list_id}.ics").status_code == 409
    post(c, "/logout")
    member(db, "stranger@x.example")
    c = signed_in(browser, "stranger@x.example", password=WEB_PASSWORD)
    assert c.get(f"/agenda/{list_id}").status_code == 404


@pytest.mark.parametrize("path", ["/agenda/0", "/agenda/abc", "/agenda/1.5", "/agenda/abc.ics", "/agenda/0.ics",
                                  "/agenda/99999999999999999999.ics", "/agenda/abc/print"])
def test_ids_that_are_no_row_ids_are_invalid_input_not_errors(db: Database, browser: TestClient, path: str) -> None:
    member(db, "m@x.example")
    c = signed_in(browser, "m@x.example", password=WEB_PASSWORD)
    assert c.get(path).status_code == 422


def test_the_calendar_route_is_not_taken_by_the_page_route(db: Database, event: Event, browser: TestClient) -> None:
    event.publish(db)
    c = signed_in(browser, MEMBER)
    assert c.get(f"/agenda/{event.list_id}.ics").headers["content-type"].startswith("text/calendar")
    assert c.get(f"/agenda/{event.list_id}").headers["content-type"].startswith("text/html")


def test_the_print_view_has_one_block_per_profile_of_the_party(db: Database, event: Event, browser: TestClient) -> None:
    with db.connection() as conn:
        user_store.insert_owner(conn, event.people.member.id, "vn-hocvui")
    mine = event.publish(db)
    assert set(mine.profiles) == {"vn-chipviet", "vn-hocvui"}
    c = signed_in(browser, MEMBER)
    printed = c.get(f"/agenda/{event.list_id}/print").text
    assert printed.count('class="agenda-sheet"') == 2 and "Agenda of HọcVui EdTech" in printed
    sheet = printed.split('id="agenda-of-vn-hocvui"')[1]
    hocvui = [i for i in mine.items if i.mine == "vn-hocvui"]
    assert hocvui and all(f'id="agenda-meeting-{i.meeting.id}-' in sheet for i in hocvui)
    page = c.get(f"/agenda/{event.list_id}").text
    assert "For HọcVui EdTech" in page and "For ChipViệt" in page


def test_the_officer_prints_a_participants_agenda_and_a_member_may_not(db: Database, event: Event,
                                                                       browser: TestClient) -> None:
    timetable.schedule(db, event.people.officer, event.list_id)
    path = f"/officer/lists/{event.list_id}/agenda/vn-chipviet"
    c = signed_in(browser, MEMBER)
    assert c.get(path).status_code == 403
    post(c, "/logout")
    c = signed_in(browser, "officer@caunoi.example")
    r = c.get(path)
    assert r.status_code == 200 and "Preliminary timetable" in r.text and "Agenda of ChipViệt" in r.text
    first = scalar(db, "SELECT min(id) FROM meetings WHERE list_id = %(l)s AND slot IS NOT NULL"
                       " AND 'vn-chipviet' IN (a_id, b_id)", {"l": event.list_id})
    assert f'id="agenda-meeting-{first}-' in r.text
    assert c.get(f"/officer/lists/{event.list_id}/agenda/nobody").status_code == 404


def test_the_agenda_pages_are_accessible_and_fully_vietnamese(db: Database, event: Event, browser: TestClient) -> None:
    c = signed_in(browser, MEMBER, lang="vi")
    pages = [f"/agenda/{event.list_id}"]
    for path in pages:
        check_page(db, c, path)
    event.publish(db)
    for path in [f"/agenda/{event.list_id}", f"/agenda/{event.list_id}/print", "/meetings"]:
        check_page(db, c, path)
    assert "Lịch hẹn của tôi" in c.get(f"/agenda/{event.list_id}").text


def check_page(db: Database, client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and '<html lang="vi">' in r.text, path
    leaks = leaks_in(page_segments(r.text), english_leaks(), user_texts(db))
    assert not leaks, (path, leaks)
    parser = Controls()
    parser.feed(r.text)
    assert parser.main and parser.h1 == 1, path
    unlabeled = [(tag, id_) for tag, id_, wrapped in parser.controls
                 if not wrapped and (id_ is None or id_ not in parser.label_for)]
    assert not unlabeled, (path, unlabeled)


def test_publishing_mails_the_participant_their_agenda_in_their_language(db: Database, event: Event,
                                                                        settings: Settings) -> None:
    mine = event.publish(db)
    with db.connection() as conn:
        subject, body = conn.execute("SELECT subject, body FROM outbox WHERE recipient = %(r)s AND kind = 'agenda_published'",
                                     {"r": MEMBER}).fetchone()  # type: ignore[misc]
    assert settings.default_locale == "vi"
    assert subject == "Lịch hẹn của bạn tại Vietnam–Korea Tech Days"
    assert f"ChipViệt có {len(mine.items)} cuộc gặp" in body and "Asia/Ho_Chi_Minh" in body
    for item in mine.items:
        assert item.starts_at is not None and item.ends_at is not None
        where = "gọi video" if item.meeting.remote else f"bàn {item.meeting.table_name}"
        assert f"{item.starts_at:%Y-%m-%d %H:%M}–{item.ends_at:%H:%M} · {where} · {item.other_name}" in body
    assert f"{settings.base_url}/agenda/{event.list_id}" in body


@pytest.mark.parametrize("template", ["agenda_published", "agenda_changed"])
def test_the_agenda_mails_render_in_both_languages(template: str) -> None:
    renderer = Renderer()
    context = {"list_name": "Tech Days", "list_id": 7, "timezone": "Asia/Ho_Chi_Minh", "profile_name": "ChipViệt",
               "count": 2, "base_url": "https://caunoi.example",
               "items": [{"when": "2026-05-12 09:00–09:30", "table": "T1", "remote": False, "other": "Hanul AI Chips"},
                         {"when": "2026-05-12 10:30–11:00", "table": None, "remote": True, "other": "Lion City"}]}
    english = renderer.render_text("en", f"mail/{template}.txt", context)
    vietnamese = renderer.render_text("vi", f"mail/{template}.txt", context)
    assert "- 2026-05-12 09:00–09:30 · table T1 · Hanul AI Chips" in english
    assert "- 2026-05-12 09:00–09:30 · bàn T1 · Hanul AI Chips" in vietnamese
    assert "- 2026-05-12 10:30–11:00 · gọi video · Lion City" in vietnamese
    assert "https://caunoi.example/agenda/7" in vietnamese and "Asia/Ho_Chi_Minh" in vietnamese
    assert "Lịch hẹn của bạn tại Tech Days" in vietnamese.splitlines()[0]
    assert not re.search(r"meeting|timetable|agenda for|Times are", vietnamese)
