"""SQL for the demo story (``web.services.curation.demo``): setting the times of what it created through
the services, since a story needs time to have passed (an expired request, meetings of a past
event). Nothing else writes times by hand."""

from __future__ import annotations

from datetime import datetime

import psycopg


def update_introduction_times(conn: psycopg.Connection, intro_id: int, created_at: datetime,
                              expires_at: datetime, decided_at: datetime | None) -> None:
    conn.execute(
        "UPDATE introductions SET created_at = %(c)s, expires_at = %(e)s, decided_at = %(d)s WHERE id = %(id)s",
        {"id": intro_id, "c": created_at, "e": expires_at, "d": decided_at},
    )


def update_message_time(conn: psycopg.Connection, message_id: int, created_at: datetime) -> None:
    conn.execute("UPDATE introduction_messages SET created_at = %(c)s WHERE id = %(id)s",
                 {"id": message_id, "c": created_at})


def update_list_times(conn: psycopg.Connection, list_id: int, created_at: datetime,
                      published_at: datetime | None) -> None:
    """A list's creation and publication times, its participants' and runs' with them."""
    conn.execute(
        "WITH l AS (UPDATE match_lists SET created_at = %(c)s, updated_at = coalesce(%(p)s, %(c)s),"
        "   published_at = CASE WHEN published_at IS NULL THEN NULL ELSE %(p)s END WHERE id = %(id)s),"
        " p AS (UPDATE match_list_participants SET added_at = %(c)s WHERE list_id = %(id)s)"
        " UPDATE assignment_runs SET created_at = coalesce(%(p)s, %(c)s) - interval '1 hour' WHERE list_id = %(id)s",
        {"id": list_id, "c": created_at, "p": published_at},
    )


def update_meeting_times(conn: psycopg.Connection, list_id: int, created_at: datetime,
                         answered_at: datetime) -> None:
    """When a list's meetings were proposed and (those answered) answered."""
    conn.execute(
        "UPDATE meetings SET created_at = %(c)s,"
        " a_answered_at = CASE WHEN a_answered_at IS NULL THEN NULL ELSE %(a)s END,"
        " b_answered_at = CASE WHEN b_answered_at IS NULL THEN NULL ELSE %(a)s + interval '1 day' END"
        " WHERE list_id = %(id)s",
        {"id": list_id, "c": created_at, "a": answered_at},
    )


def update_event_day_times(conn: psycopg.Connection, list_id: int, scheduled_at: datetime, published_at: datetime,
                           on_the_day: datetime) -> None:
    """An event's timetable: scheduled and published before its day, its meetings placed when it was
    scheduled, and its walk-ins asked for and placed on the day."""
    conn.execute(
        "WITH p AS (UPDATE event_plans SET scheduled_at = %(s)s, published_at = %(p)s, updated_at = %(p)s"
        "   WHERE list_id = %(id)s)"
        " UPDATE meetings SET placed_at = CASE WHEN walk_in THEN %(d)s ELSE %(s)s END,"
        " created_at = CASE WHEN walk_in THEN %(d)s ELSE created_at END"
        " WHERE list_id = %(id)s AND (placed_at IS NOT NULL OR walk_in)",
        {"id": list_id, "s": scheduled_at, "p": published_at, "d": on_the_day},
    )
