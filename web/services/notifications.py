"""In-app notifications: the count in the header, the list, marking read. Each one is an alert of
a saved search, shown through ``web.services.alerts.alert_views`` (anonymous profiles masked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from web.db.pool import Database
from web.services import alerts
from web.store import notifications as store
from web.store import saved_searches as search_store
from web.store.users import UserRow

PAGE_SIZE = 30


@dataclass
class NotificationView:
    id: int
    created_at: datetime
    read: bool
    search_id: int
    search_name: str
    alert: alerts.AlertView


@dataclass
class NotificationPage:
    items: list[NotificationView]
    unread: int
    page: int
    pages: int


def unread_count(db: Database, user: UserRow) -> int:
    with db.connection() as conn:
        return store.count_unread(conn, user.id)


def notification_page(db: Database, user: UserRow, locale: str, page: int = 1) -> NotificationPage:
    """One page of ``user``'s notifications, newest first (those of a profile no longer published
    are left out)."""
    with db.connection() as conn:
        total = store.count_notifications(conn, user.id)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        rows = store.list_notifications(conn, user.id, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        found = search_store.list_alerts_by_ids(conn, [r.alert_id for r in rows if r.alert_id is not None])
        names = {s.id: s.name for s in search_store.list_saved_searches(conn, user.id)}
        unread = store.count_unread(conn, user.id)
    by_id = {a.id: a for a in found}
    shown = alerts.alert_views(db, user, found, locale)
    items = []
    for r in rows:
        a = by_id.get(r.alert_id or 0)
        if a is not None and a.id in shown:
            items.append(NotificationView(r.id, r.created_at, r.read_at is not None, a.saved_search_id,
                                          names.get(a.saved_search_id, ""), shown[a.id]))
    return NotificationPage(items, unread, page, pages)


def mark_read(db: Database, user: UserRow, notification_id: int | None = None) -> int:
    """Mark one notification of ``user`` read (None: all of them); how many changed."""
    with db.connection() as conn:
        return store.update_read(conn, user.id, notification_id)
