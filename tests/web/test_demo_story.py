"""The demo story: on an empty database, `caunoi demo`'s seeding gives every demo account activity
on the pages it opens first (real HTTP, real PostgreSQL), and seeding again duplicates nothing."""

from __future__ import annotations

import re

from tests.web.demo_support import account, demo_database, seed
from tests.web.webkit import scalar, sign_in, web_client
from web.db.pool import Database
from web.services.curation.demo import MARK
from web.services.demo import ADMIN_EMAIL, OFFICER_EMAIL, PARTNER_EMAIL, STARTUP_EMAIL
from web.settings import Settings

TABLES = ("users", "profile_owners", "introductions", "introduction_messages", "match_lists",
          "match_list_participants", "match_list_pairs", "match_list_scores", "assignment_runs", "run_pairs",
          "meetings", "outcomes", "outbox", "audit_log", "event_plans", "event_days", "event_slots", "event_tables",
          "event_presence")
EMPTY = ("No requests received yet.", "You have not requested any introduction yet.",
         "No meeting has been proposed to your organisation yet.", "No match list yet.",
         "No list has been published yet.", "No outcome recorded yet.", "No outcomes recorded yet.",
         "No event has days and time slots yet.")


def counts(db: Database) -> dict[str, int]:
    return {t: scalar(db, f"SELECT count(*) FROM {t}") for t in TABLES}  # noqa: S608 - fixed names


def page(client, path: str) -> str:  # type: ignore[no-untyped-def]
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    for message in EMPTY:
        assert message not in r.text, (path, message)
    return str(r.text)


def test_the_demo_story_fills_every_first_page_of_every_demo_account(db: Database, settings: Settings) -> None:
    accounts = demo_database(db)
    english = settings.model_copy(update={"default_locale": "en"})
    assert set(scalar(db, "SELECT array_agg(DISTINCT state) FROM introductions")) == {
        "requested", "accepted", "declined", "withdrawn", "expired"}
    assert set(scalar(db, "SELECT array_agg(DISTINCT state) FROM meetings")) >= {"confirmed", "declined", "proposed"}
    assert scalar(db, "SELECT count(DISTINCT date_trunc('month', occurred_on)) FROM outcomes") >= 4
    assert scalar(db, "SELECT count(*) FROM match_lists WHERE state = 'published' AND starts_on < now()") == 1
    past = scalar(db, "SELECT list_id FROM event_plans WHERE schedule_state = 'final' AND published_at < now()")
    with db.connection() as conn:
        day = dict(conn.execute("SELECT coalesce(attendance, 'none'), count(*) FROM meetings"
                                " WHERE list_id = %(l)s AND state = 'confirmed' GROUP BY 1", {"l": past}).fetchall())
    # most meetings held, one participant who did not come, one cancellation, one walk-in (held too)
    assert day == {"held": day["held"], "no_show": 1, "cancelled": 1} and day["held"] >= 5
    assert scalar(db, "SELECT count(*) FROM meetings WHERE walk_in AND attendance = 'held'") == 1
    assert scalar(db, "SELECT array_agg(mode ORDER BY mode) FROM event_presence WHERE absent_from IS NULL") == [
        "remote", "slots"]
    # what followed a meeting followed one that took place
    assert scalar(db, "SELECT count(*) FROM outcomes o JOIN meetings m ON m.id = o.meeting_id"
                      " WHERE m.attendance IS DISTINCT FROM 'held'") == 0
    assert scalar(db, "SELECT count(*) FROM outbox WHERE kind = 'agenda_published'") >= day["held"]
    for email in (STARTUP_EMAIL, PARTNER_EMAIL):
        with web_client(english, db) as client:
            sign_in(client, email, account(accounts, email).password)
            intros = page(client, "/introductions")
            assert len(re.findall(r'class="card intro-item"', intros)) >= 3
            meetings = page(client, "/meetings")
            assert MARK in meetings and len(re.findall(r'class="card meeting-item"', meetings)) >= 2
    for email in (OFFICER_EMAIL, ADMIN_EMAIL):
        with web_client(english, db) as client:
            sign_in(client, email, account(accounts, email).password)
            listing = page(client, "/officer/lists")
            assert len(re.findall(r'<tr id="list-\d+"', listing)) == 3 and MARK in listing  # event, delegation, targets
            board = page(client, "/officer/dashboard")
            total = re.search(r'<div class="stat"><b>(\d+)</b><span>Outcomes</span>', board)
            assert total and int(total.group(1)) >= 8
            row = re.search(rf'<tr id="event-day-{past}">(.*?)</tr>', board, re.S)
            assert row and f"/officer/lists/{past}/timetable" in row.group(1)
            cells = [c.strip() for c in re.findall(r'<td class="num">(\d+)</td>', row.group(1))]
            assert cells == [str(day["held"] + 2), str(day["held"]), "1", "1", "1"]
            for chart in ("time", "type", "event", "sector", "country"):
                svg = client.get(f"/officer/dashboard/charts/{chart}.svg")
                assert svg.status_code == 200 and "No outcomes recorded yet." not in svg.text
                assert svg.text.count("<path") > 5 or svg.text.count("<rect") > 1, chart


def test_seeding_the_demo_twice_adds_nothing(db: Database) -> None:
    demo_database(db)
    before = counts(db)
    story = seed(db)
    assert (story.introductions, story.lists, story.meetings, story.outcomes) == (0, 0, 0, 0)
    assert counts(db) == before
