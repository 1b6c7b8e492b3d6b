"""E-mails about agendas, through the outbox: each owner of a participant gets their own meetings
(time, table, partner) when the agenda is published and again when a change concerns them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import psycopg

from web.services.eventday.event import Event
from web.services.mail import Mailer
from web.store import users as user_store


def _items(ev: Event, profile_id: str) -> list[dict[str, Any]]:
    out = []
    for m in sorted((m for m in ev.meetings if m.slot is not None and profile_id in (m.a_id, m.b_id)),
                    key=lambda m: m.slot or 0):
        slot = ev.slots[m.slot or 0]
        end = slot.starts_at + timedelta(minutes=slot.minutes)
        out.append({"when": f"{slot.starts_at:%Y-%m-%d %H:%M}–{end:%H:%M}", "table": m.table_name,
                    "remote": m.remote, "other": m.b_name if m.a_id == profile_id else m.a_name})
    return out


def _mail(conn: psycopg.Connection, mailer: Mailer, ev: Event, template: str, profiles: Iterable[str]) -> list[int]:
    names = {p: n for m in ev.meetings for p, n in ((m.a_id, m.a_name), (m.b_id, m.b_name))}
    queued = []
    for profile_id in sorted(set(profiles)):
        items = _items(ev, profile_id)
        for email in user_store.list_owner_emails(conn, profile_id):
            owner = user_store.get_user_by_email(conn, email)
            queued.append(mailer.queue(conn, email, template, owner.locale if owner else None,
                                       {"list_name": ev.row.name, "list_id": ev.row.id, "timezone": ev.plan.timezone,
                                        "profile_name": names.get(profile_id, profile_id), "items": items,
                                        "count": len(items)}))
    return queued


def published(conn: psycopg.Connection, mailer: Mailer, ev: Event) -> list[int]:
    """Every participant with a placed meeting: their agenda."""
    placed: dict[str, int] = defaultdict(int)
    for m in ev.meetings:
        if m.slot is not None:
            placed[m.a_id] += 1
            placed[m.b_id] += 1
    return _mail(conn, mailer, ev, "agenda_published", placed)


def changed(conn: psycopg.Connection, mailer: Mailer, ev: Event, meeting_ids: Iterable[int]) -> list[int]:
    """Both sides of each changed meeting: their agenda as it is now (``ev`` read after the change)."""
    people = {p for mid in meeting_ids if (m := ev.by_id.get(mid)) is not None for p in (m.a_id, m.b_id)}
    return _mail(conn, mailer, ev, "agenda_changed", people)
