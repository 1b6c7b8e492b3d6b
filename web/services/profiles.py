"""Profiles: the one check of a record, the one write path and the one delete path, shared by the
import (CLI), the editor (web), the API and the command line.

Every write goes check → store → audit → queue the embedding (which wakes the workers), through
one of two doors: ``import_records`` for a batch, ``save_profile`` for one profile (with its
owner and revision checks). Both check every record themselves (``checked_record``), whatever the
caller checked before, so nothing unchecked is ever stored. The embedding worker then tells the
live indexes (``web.store.events.INDEX_CHANNEL``); ``delete_profile`` tells them at once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

import psycopg

from matcher.profile import FieldError, normalise_record, validate_record
from web.db.pool import Database
from web.errors import Forbidden, Invalid, NotFound, Stale
from web.services.accounts import is_email
from web.store import audit as audit_store
from web.store import events
from web.store import jobs as job_store
from web.store import profiles as store
from web.store import users as user_store
from web.store.profiles import UpsertCounts
from web.store.users import UserRow

# records per COPY of an import: bounds the temporary table, and moves the progress bar
IMPORT_CHUNK = 1000
#: the problem ``record_problems`` reports for a contact e-mail that is not an address (the schema
#: gives only its length)
BAD_EMAIL = FieldError("contact_email", "is not an e-mail address (name@example.org)")


class InvalidProfile(Invalid):
    """A profile failed validation; ``errors`` lists each field and reason."""

    def __init__(self, profile_id: str | None, errors: list[dict[str, str]]) -> None:
        first = errors[0]
        super().__init__(f"profile {profile_id or '(no id)'} is not valid: {first['field']}: {first['reason']}"
                         + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))
        self.errors = errors


def record_problems(raw: Any) -> tuple[Any, list[FieldError]]:
    """The canonical record and every problem in it (none: it may be stored). The one check of a
    record, whichever way it arrives; a ``raw`` that is not an object comes back as it is."""
    record = normalise_record(raw) if isinstance(raw, dict) else raw
    problems = validate_record(record)
    email = record.get("contact_email") if isinstance(record, dict) else None
    if isinstance(email, str) and not is_email(email):
        problems.append(BAD_EMAIL)
    return record, problems


def checked_record(raw: Any) -> dict[str, Any]:
    """The canonical record; raise ``InvalidProfile`` listing every problem."""
    record, problems = record_problems(raw)
    if problems:
        rid = record.get("id") if isinstance(record, dict) else None
        raise InvalidProfile(rid if isinstance(rid, str) else None,
                             [{"field": p.field, "reason": p.reason} for p in problems])
    return record


def may_edit(conn: psycopg.Connection, user: UserRow, profile_id: str) -> bool:
    return user.role in ("officer", "admin") or user_store.is_owner(conn, user.id, profile_id)


def _write_profiles(conn: psycopg.Connection, records: list[dict[str, Any]], *, actor: str,
                    actor_id: int | None = None, batch: bool = True,
                    progress: Callable[[int], object] | None = None) -> tuple[UpsertCounts, list[str]]:
    """Store records the doors checked, inside the caller's transaction, audit the write, and
    queue the embedding of the changed ones; return the counts and the changed ids.

    A ``batch`` (an import) is audited as one ``import`` entry with its counts; otherwise ``records``
    is one profile, audited as its ``create`` or ``update`` when it changed. ``progress`` is called
    with the number of records written after each chunk.
    """
    if not batch and len(records) != 1:
        raise ValueError(f"a single save writes one record, got {len(records)}")
    imported = updated = unchanged = 0
    changed: list[str] = []
    for start in range(0, len(records), IMPORT_CHUNK):
        chunk = records[start : start + IMPORT_CHUNK]
        counts, ids = store.upsert_profiles(conn, chunk)
        imported += counts.imported
        updated += counts.updated
        unchanged += counts.unchanged
        changed.extend(ids)
        job_store.insert_jobs(conn, job_store.EMBED_JOB, ids)
        if progress is not None:
            progress(len(chunk))
    total = UpsertCounts(imported, updated, unchanged)
    if batch:
        audit_store.insert_audit(conn, "import", "profile", None,
                           {"imported": imported, "updated": updated, "unchanged": unchanged,
                            "changed_ids": changed[:1000]}, actor=actor, actor_id=actor_id)
    elif changed:
        audit_store.insert_audit(conn, "create" if imported else "update", "profile", changed[0],
                           actor=actor, actor_id=actor_id)
    return total, changed


def import_records(db: Database, raws: list[dict[str, Any]], *, actor: str = "cli",
                   actor_id: int | None = None, progress: bool = False) -> UpsertCounts:
    """Check every record, then write them all in ONE transaction (a crash, even kill -9, leaves
    nothing written). The first record with a problem raises ``InvalidProfile`` naming it, its
    field and why, before anything is written.

    Records read from files were checked by ``web.interchange.importer`` already, to report every problem
    with its file and line; they are checked again here (a few hundred microseconds a record)
    because this door cannot tell them from records that were not.
    """
    records = [checked_record(raw) for raw in raws]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(records), unit="profile", desc="importing", file=sys.stderr)
    with db.connection() as conn, conn.transaction():
        counts, _ = _write_profiles(conn, records, actor=actor, actor_id=actor_id,
                                    progress=bar.update if bar is not None else None)
    if bar is not None:
        bar.close()
    return counts


@dataclass(frozen=True)
class Saved:
    """What a single save did: the canonical ``record`` stored, whether it ``created`` the profile,
    and the profile's ``revision`` now."""

    record: dict[str, Any]
    created: bool
    revision: int


class _AnyRevision:
    def __contains__(self, revision: object) -> bool:
        return True


#: ``expected`` for "whatever revision, as long as the profile exists" (HTTP's ``If-Match: *``)
ANY_REVISION: Container[int] = _AnyRevision()


def save_profile(db: Database, raw: dict[str, Any], user: UserRow, *, actor: str, claim: bool,
                 expected: Container[int] | None = None) -> Saved:
    """Check one record and create or update its profile as ``user`` in one transaction (the
    editor, the API): ``InvalidProfile`` before anything else when it has a problem.

    Members edit the profiles they own, officers and admins any; ``claim``: the user becomes the
    owner of a profile they create. ``expected``: the revisions the writer last read (the editor's
    form, an API client's ``If-Match``); unless the stored revision is one of them, nothing is
    written and ``Stale`` is raised, so a save never silently reverts one made in between. The
    check holds the row locked until the write commits: a concurrent save waits, then sees the new
    revision. None: write whatever is stored (an API client without ``If-Match``).
    """
    record = checked_record(raw)
    with db.connection() as conn, conn.transaction():
        store.lock_writes(conn)
        current = store.lock_revision(conn, record["id"])
        if current is not None and not may_edit(conn, user, record["id"]):
            raise Forbidden(f"you may not edit profile {record['id']}")
        if expected is not None and (current is None or current not in expected):
            raise Stale(f"profile {record['id']} changed since you read it"
                        + (f" (it is at revision {current})" if current is not None else " (it was deleted)"),
                        current=current)
        _write_profiles(conn, [record], actor=actor, actor_id=user.id, batch=False)
        if current is None and claim:
            user_store.insert_owner(conn, user.id, record["id"])
        revision = store.lock_revision(conn, record["id"])
    assert revision is not None  # written in this transaction
    return Saved(record, created=current is None, revision=revision)


def delete_profile(db: Database, profile_id: str, user: UserRow | None, *, actor: str = "api") -> None:
    """Delete one profile (its texts, ownership, introductions and matches go with it), audit it and
    tell every live index. ``user`` None is the operator at the command line, who may delete any."""
    with db.connection() as conn, conn.transaction():
        if store.get_profile(conn, profile_id) is None:
            raise NotFound(f"no profile with id {profile_id!r}")
        if user is not None and not may_edit(conn, user, profile_id):
            raise Forbidden(f"you may not delete profile {profile_id}")
        store.delete_profile(conn, profile_id)
        audit_store.insert_audit(conn, "delete", "profile", profile_id, actor=actor,
                           actor_id=user.id if user is not None else None)
        events.notify_index(conn, [profile_id])
