"""The demo's saved searches: the demo startup follows a directory search and new partners for its
profile, the demo officer scouts for a delegation; each gets its first alerts and notifications.

The alerts are true: they are the searches' current best results, at the place the real search
gives them (``alerts.top_results``), as if those profiles had just arrived. Marked as demo data
(names end in ``MARK``); running it again adds nothing (a user's search of that name is kept).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from web.db.pool import Database
from web.errors import DomainError
from web.matching.contract import MatchingContract
from web.services import alerts
from web.services.curation.demo import MARK
from web.services.demo import OFFICER_EMAIL, STARTUP_EMAIL, DemoAccount
from web.store import notifications as note_store
from web.store import saved_searches as store
from web.store import users as user_store
from web.store.saved_searches import SavedSearchRow
from web.store.users import UserRow

ALERTS_PER_SEARCH = 2
STARTUP_SEARCH = (f"Chip AI cho thiết bị biên {MARK}", "q=edge+AI+inference+chips+for+embedded+devices&side=foreign")
OFFICER_SEARCH = (f"Đóng gói bán dẫn — đoàn Hàn Quốc {MARK}",
                  "q=semiconductor+packaging+and+testing&side=foreign", f"Đoàn công tác Hàn Quốc {MARK}")


@dataclass
class SeededAlerts:
    searches: int = 0
    alerts: int = 0

    def summary(self) -> str:
        return f"saved searches: {self.searches} new, {self.alerts} alerts"


def seed_saved_searches(db: Database, accounts: list[DemoAccount],
                        matching: Callable[[], MatchingContract]) -> SeededAlerts:
    """Saved searches for the demo startup and officer (``accounts``: ``ensure_demo_accounts``) and
    their first alerts; ``matching()`` gives the matching service (called only when something is
    new)."""
    out = SeededAlerts()
    by_email = {a.email: a for a in accounts}
    with db.connection() as conn:
        startup = user_store.get_user_by_email(conn, STARTUP_EMAIL)
        officer = user_store.get_user_by_email(conn, OFFICER_EMAIL)
    plans: list[tuple[UserRow, str, str, str, str | None]] = []
    if startup is not None:
        plans.append((startup, "search", *STARTUP_SEARCH, None))
        pid = by_email[STARTUP_EMAIL].profile_id if STARTUP_EMAIL in by_email else None
        if pid:
            plans.append((startup, "profile", "", "", pid))
    if officer is not None:
        name, query, programme = OFFICER_SEARCH
        plans.append((officer, "search", name, query, None))
        programmes = {name: programme}
    else:
        programmes = {}
    for user, kind, name, query, pid in plans:
        saved = _ensure(db, matching, user, kind, name, query, pid, programmes.get(name, ""))
        if saved is not None:
            out.searches += 1
            out.alerts += _first_alerts(db, matching(), saved, user)
    return out


def _ensure(db: Database, matching: Callable[[], MatchingContract], user: UserRow, kind: str, name: str, query: str,
            profile_id: str | None, programme: str) -> SavedSearchRow | None:
    """The saved search, created now (None when the user has it already)."""
    with db.connection() as conn:
        mine = store.list_saved_searches(conn, user.id)
    if any((s.kind == "profile" and s.profile_id == profile_id) if kind == "profile" else s.name == name
           for s in mine):
        return None
    try:
        if kind == "profile":
            assert profile_id is not None
            return alerts.subscribe_profile(db, matching(), user, profile_id, "weekly")
        return alerts.create_search(db, matching(), user, name, query, "immediate", programme)
    except DomainError:  # e.g. the startup's profile is not published in this data
        return None


def _first_alerts(db: Database, matching: MatchingContract, saved: SavedSearchRow, user: UserRow) -> int:
    try:
        results = alerts.top_results(db, matching, saved, user, user.locale or "vi")
    except DomainError:
        return 0
    n = 0
    with db.connection() as conn, conn.transaction():
        for rank, (pid, score) in enumerate(results[:ALERTS_PER_SEARCH], start=1):
            alert_id = store.insert_alert(conn, saved.id, pid, rank, score)
            if alert_id is not None:
                store.update_alerts_mailed(conn, [alert_id])  # the demo sends no mail
                note_store.insert_notification(conn, saved.user_id, alert_id)
                n += 1
    return n
