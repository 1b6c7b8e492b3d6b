"""Profile use cases shared by the CLI, the API and the web app."""

from __future__ import annotations

import sys
from typing import Any

from web.db import Database
from web.store import profiles as store
from web.store.profiles import UpsertCounts

IMPORT_CHUNK = 1000


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
            if bar is not None:
                bar.update(len(chunk))
        store.insert_audit(conn, "import", "profile", None,
                           {"imported": imported, "updated": updated, "unchanged": unchanged,
                            "changed_ids": changed[:1000]}, actor=actor, actor_id=actor_id)
    if bar is not None:
        bar.close()
    return UpsertCounts(imported, updated, unchanged)
