"""Profile use cases shared by the CLI, the API and the web app."""

from __future__ import annotations

import sys
from typing import Any

import psycopg

from matcher.profile import normalise_record, validate_record
from web.db import Database
from web.errors import Forbidden, Invalid, NotFound
from web.store import jobs as job_store
from web.store import profiles as store
from web.store import users as user_store
from web.store.profiles import UpsertCounts
from web.store.users import UserRow

IMPORT_CHUNK = 1000
EMBED_JOB = "embed_profile"
INDEX_CHANNEL = "caunoi_index"
JOBS_CHANNEL = "caunoi_jobs"


def after_profiles_changed(conn: psycopg.Connection, changed_ids: list[str]) -> None:
    """Queue the embedding of changed profiles and wake the workers (inside the caller's transaction)."""
    if changed_ids:
        job_store.insert_jobs(conn, EMBED_JOB, changed_ids)
        conn.execute(f"NOTIFY {JOBS_CHANNEL}")


def notify_index(conn: psycopg.Connection, profile_ids: list[str]) -> None:
    """Tell every process's live index that these profiles changed (delivered at commit)."""
    for start in range(0, len(profile_ids), 500):
        payload = ",".join(profile_ids[start : start + 500])
        conn.execute("SELECT pg_notify(%(ch)s, %(p)s)", {"ch": INDEX_CHANNEL, "p": payload})


def import_records(db: Database, records: list[dict[str, Any]], *, actor: str = "cli",
                   actor_id: int | None = None, progress: bool = False) -> UpsertCounts:
    """Upsert validated canonical records in ONE transaction; audit it; return the counts."""
    chunks = [records[i : i + IMPORT_CHUNK] for i in range(0, len(records), IMPORT_CHUNK)]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(records), unit="profile", desc="importing", file=sys.stderr)
    imported = updated = unchanged = 0
    changed: list[str] = []
    with db.connection() as conn, conn.transaction():
        for chunk in chunks:
            counts, ids = store.upsert_profiles(conn, chunk)
            imported += counts.imported
            updated += counts.updated
            unchanged += counts.unchanged
            changed.extend(ids)
            after_profiles_changed(conn, ids)
            if bar is not None:
                bar.update(len(chunk))
        store.insert_audit(conn, "import", "profile", None,
                           {"imported": imported, "updated": updated, "unchanged": unchanged,
                            "changed_ids": changed[:1000]}, actor=actor, actor_id=actor_id)
    if bar is not None:
        bar.close()
    return UpsertCounts(imported, updated, unchanged)


class InvalidProfile(Invalid):
    """A profile failed validation; ``errors`` lists each field and reason."""

    def __init__(self, profile_id: str | None, errors: list[dict[str, str]]) -> None:
        first = errors[0]
        super().__init__(f"profile {profile_id or '(no id)'} is not valid: {first['field']}: {first['reason']}"
                         + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))
        self.errors = errors


def check_record(raw: dict[str, Any]) -> dict[str, Any]:
    """Normalise and validate one record; raise ``InvalidProfile`` listing every problem."""
    record = normalise_record(raw) if isinstance(raw, dict) else raw
    problems = validate_record(record)
    if problems:
        rid = record.get("id") if isinstance(record, dict) else None
        raise InvalidProfile(rid if isinstance(rid, str) else None,
                             [{"field": p.field, "reason": p.reason} for p in problems])
    return record


def may_edit(conn: psycopg.Connection, user: UserRow, profile_id: str) -> bool:
    return user.role in ("officer", "admin") or user_store.is_owner(conn, user.id, profile_id)


def save_profile(db: Database, raw: dict[str, Any], user: UserRow, *, actor: str = "api") -> tuple[dict[str, Any], bool]:
    """Create or update one profile as ``user``; returns ``(record, created)``.

    A member may create profiles (and then owns them) and edit the ones they own; officers and
    admins may edit any.
    """
    record = check_record(raw)
    with db.connection() as conn, conn.transaction():
        existing = store.get_profile(conn, record["id"])
        if existing is not None and not may_edit(conn, user, record["id"]):
            raise Forbidden(f"you may not edit profile {record['id']}")
        counts, changed = store.upsert_profiles(conn, [record])
        if existing is None and user.role == "member":
            user_store.insert_owner(conn, user.id, record["id"])
        after_profiles_changed(conn, changed)
        if changed:
            store.insert_audit(conn, "create" if existing is None else "update", "profile", record["id"],
                               actor=actor, actor_id=user.id)
    return record, existing is None


def delete_profile(db: Database, profile_id: str, user: UserRow, *, actor: str = "api") -> None:
    with db.connection() as conn, conn.transaction():
        if store.get_profile(conn, profile_id) is None:
            raise NotFound(f"no profile with id {profile_id!r}")
        if not may_edit(conn, user, profile_id):
            raise Forbidden(f"you may not delete profile {profile_id}")
        store.delete_profile(conn, profile_id)
        store.insert_audit(conn, "delete", "profile", profile_id, actor=actor, actor_id=user.id)
        notify_index(conn, [profile_id])
