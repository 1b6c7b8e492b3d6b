"""Alert mail through the outbox: one message per alert (frequency "immediate") or a weekly digest
per subscriber, in the subscriber's language, each with a signed one-click unsubscribe link.

A mail names a profile by what anyone may see of it: an anonymous profile by its generated label
and alias (``web.services.anonymity``), whoever the subscriber is; never contact details.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from typing import Any

import psycopg

from web.db.pool import Database
from web.errors import NotFound
from web.i18n import N_, Renderer
from web.services import anonymity
from web.services.alerts import parse_query
from web.services.mail import Mailer
from web.store import profiles as profile_store
from web.store import saved_searches as store
from web.store import users as user_store
from web.store.saved_searches import AlertRow, SavedSearchRow
from web.store.users import UserRow

DIGEST_DAYS = 7
_PURPOSE = "saved-search-unsubscribe"


def unsubscribe_token(saved: SavedSearchRow, key: str) -> str:
    """The token of ``saved``'s unsubscribe link: an HMAC of its id and owner under the server's secret."""
    message = f"{_PURPOSE}:{saved.id}:{saved.user_id}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:32]


def unsubscribe_path(saved: SavedSearchRow, key: str) -> str:
    return f"/alerts/unsubscribe/{saved.id}/{unsubscribe_token(saved, key)}"


def unsubscribe_all_token(user_id: int, key: str) -> str:
    """The token of a subscriber's link that stops every alert e-mail (the digests' header)."""
    return hmac.new(key.encode(), f"{_PURPOSE}:all:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_all_path(user_id: int, key: str) -> str:
    return f"/alerts/unsubscribe/all/{user_id}/{unsubscribe_all_token(user_id, key)}"


def list_headers(base_url: str, path: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: mail clients show an "Unsubscribe" button that POSTs
    ``List-Unsubscribe=One-Click`` to the link (accepted without a session: the link is signed)."""
    return {"List-Unsubscribe": f"<{base_url.rstrip('/')}{path}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def check_unsubscribe_all(db: Database, user_id: int, token: str) -> UserRow:
    """The subscriber a stop-everything link names, if its token is right (else ``NotFound``)."""
    with db.connection() as conn:
        user = user_store.get_user(conn, user_id)
    key = db.settings.resolved_secret_key()
    if user is None or not token.isascii() or not hmac.compare_digest(unsubscribe_all_token(user_id, key), token):
        raise NotFound(N_("This unsubscribe link is not valid, or its saved search was deleted."))
    return user


def unsubscribe_all(db: Database, user_id: int, token: str) -> int:
    """Stop every alert e-mail of the subscriber (their saved searches and alerts stay on the
    site); returns how many saved searches were mailing."""
    user = check_unsubscribe_all(db, user_id, token)
    with db.connection() as conn:
        return store.update_all_frequencies_off(conn, user.id)


def check_unsubscribe(db: Database, search_id: int, token: str) -> SavedSearchRow:
    """The saved search a link names, if its token is right (else ``NotFound``: a tampered link
    and a deleted search look the same)."""
    with db.connection() as conn:
        saved = store.get_saved_search(conn, search_id)
    key = db.settings.resolved_secret_key()
    if saved is None or not token.isascii() or not hmac.compare_digest(unsubscribe_token(saved, key), token):
        raise NotFound(N_("This unsubscribe link is not valid, or its saved search was deleted."))
    return saved


def unsubscribe(db: Database, search_id: int, token: str) -> SavedSearchRow:
    """Stop mail for the saved search (its alerts stay on the site)."""
    saved = check_unsubscribe(db, search_id, token)
    with db.connection() as conn:
        store.update_frequency(conn, saved.id, "off")
    return saved


def mailer_for(db: Database) -> Mailer:
    """A mailer for background work (the worker, the alert watcher)."""
    return Mailer(db.settings, Renderer())


def _shown(record: dict[str, Any], locale: str, key: str) -> dict[str, Any]:
    """What a mail may say of a profile: name (or label), kind, country, sectors, its public id."""
    anonymous = anonymity.is_anonymous(record)
    pid = str(record["id"])
    return {"id": anonymity.alias(pid, key) if anonymous else pid,
            "name": anonymity.generated_label(record, locale) if anonymous else str(record.get("name") or pid),
            "kind": record.get("kind") or "", "country": record.get("country") or "",
            "sectors": list(record.get("sectors") or [])[:3]}


def _entries(conn: psycopg.Connection, saved: SavedSearchRow, alerts: list[AlertRow], locale: str,
             key: str) -> dict[str, Any]:
    profiles = []
    for a in alerts:
        row = profile_store.get_profile(conn, a.profile_id)
        if row is not None and row.published:
            profiles.append({**_shown(row.record, locale, key), "rank": a.rank})
    query = parse_query(saved.query).query_string() if saved.kind == "search" else ""
    return {"name": saved.name, "kind": saved.kind, "programme": saved.programme or "", "query": query,
            "profile_id": saved.profile_id or "", "profiles": profiles,
            "unsubscribe": unsubscribe_path(saved, key)}


def queue_immediate(conn: psycopg.Connection, mailer: Mailer, saved: SavedSearchRow, alert: AlertRow,
                    key: str) -> int | None:
    """Queue the mail of one new alert (in the caller's transaction); None when there is nothing
    to say (the subscriber is disabled, the profile gone)."""
    user = user_store.get_user(conn, saved.user_id)
    if user is None or user.disabled:
        return None
    entry = _entries(conn, saved, [alert], user.locale or mailer.settings.default_locale, key)
    if not entry["profiles"]:
        return None
    store.update_alerts_mailed(conn, [alert.id])
    return mailer.queue(conn, user.email, "saved_search_alert", user.locale, {"s": entry, "p": entry["profiles"][0]},
                        list_headers(mailer.settings.base_url, entry["unsubscribe"]))


def send_due_digests(db: Database, mailer: Mailer | None = None) -> list[int]:
    """Mail each subscriber one digest of the unmailed alerts of their weekly saved searches whose
    last digest is ``DIGEST_DAYS`` old; returns the outbox ids. Safe to run from several workers:
    the searches are locked while their digest is written."""
    mailer = mailer or mailer_for(db)
    key = db.settings.resolved_secret_key()
    queued: list[int] = []
    with db.connection() as conn, conn.transaction():
        due = store.lock_due_digests(conn, DIGEST_DAYS)
        alerts = store.list_unmailed_alerts(conn, [s.id for s in due])
        by_search: dict[int, list[AlertRow]] = defaultdict(list)
        for a in alerts:
            by_search[a.saved_search_id].append(a)
        by_user: dict[int, list[SavedSearchRow]] = defaultdict(list)
        for s in due:
            by_user[s.user_id].append(s)
        for user_id, searches in by_user.items():
            user = user_store.get_user(conn, user_id)
            if user is not None and not user.disabled:
                locale = user.locale or mailer.settings.default_locale
                entries = [e for s in searches if (e := _entries(conn, s, by_search[s.id], locale, key))["profiles"]]
                if entries:
                    queued.append(mailer.queue(
                        conn, user.email, "saved_search_digest", user.locale,
                        {"searches": entries, "count": sum(len(e["profiles"]) for e in entries)},
                        list_headers(mailer.settings.base_url, unsubscribe_all_path(user.id, key))))
            store.update_alerts_mailed(conn, [a.id for s in searches for a in by_search[s.id]])
            store.update_digest_sent(conn, [s.id for s in searches])
    mailer.deliver(db, queued)
    return queued
