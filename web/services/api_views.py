"""What the JSON API (/api/v1) shows of profiles, searches and matches: contact details as
``web.services.visibility`` decides and anonymous profiles as ``web.services.masking`` shows them
(their alias as ``id``, their label as ``name``, their texts redacted). The API has no session
language: labels are in the installation's default one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web.db.pool import Database
from web.errors import Invalid, NotFound
from web.matching.contract import MatchingContract
from web.services import masking, serving
from web.services.masking import Masks
from web.services.serving import Serving
from web.services.visibility import Viewer, record_for, records_for
from web.store import profiles as store


def _unknown(profile_id: str) -> NotFound:
    return NotFound(f"no profile with id {profile_id!r}")


def _finds(q: str, record: dict[str, Any]) -> bool:
    """Whether the listing's ``q`` (a substring of name and texts) is in what a masked viewer sees
    of ``record``: the database matched it on the real name, region and texts."""
    shown = " ".join(str(record.get(k) or "") for k in ("name", "description", "offers", "needs"))
    return q.casefold() in shown.casefold()


def profile_list(db: Database, viewer: Viewer | None, *, after: str | None, limit: int,
                 q: str | None = None, **filters: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """One page of published records as ``viewer`` may see them, after the public id ``after``,
    and the public id to continue after (None on the last page)."""
    key, locale = masking.secret(db), db.settings.default_locale
    with db.connection() as conn:
        start = masking.resolve(conn, after, key) if after else None
        if after and start is None:
            raise Invalid("the cursor is not valid; use next_cursor from the previous page", field="cursor")
        records = store.list_profile_page(conn, after=start, limit=limit + 1, q=q, **filters)
        page = records[:limit]
        hidden = masking.masks(conn, viewer, [r["id"] for r in page], locale, key)
        items = [hidden.record(r) for r in records_for(conn, viewer, page)]
    if q:
        items = [r for r, real in zip(items, page, strict=True) if real["id"] not in hidden or _finds(q, r)]
    return items, (hidden.public_id(page[-1]["id"]) if len(records) > limit else None)


def one_profile(db: Database, viewer: Viewer | None, profile_id: str) -> tuple[dict[str, Any], int]:
    """(the record as ``viewer`` may see it, its revision); ``profile_id`` may be an alias."""
    key = masking.secret(db)
    with db.connection() as conn:
        real = masking.shown_id(conn, viewer, profile_id, key)
        row = store.get_profile(conn, real) if real else None
        if row is None or (not row.published and viewer is None):
            raise _unknown(profile_id)
        hidden = masking.masks(conn, viewer, [row.id], db.settings.default_locale, key)
        return hidden.record(record_for(conn, viewer, row.record)), row.revision


def search(db: Database, matching: MatchingContract, viewer: Viewer | None, q: str, top: int,
           filters: dict[str, str] | None) -> list[dict[str, Any]]:
    """Search hits with name, kind and country; a masked profile under its label, and never
    found by a query that names it."""
    hits = matching.search(q, k=top, filters=filters)
    with db.connection() as conn:
        hidden = masking.masks(conn, viewer, [h.id for h in hits], db.settings.default_locale, masking.secret(db))
        results = []
        for hit in hits:
            row = store.get_profile(conn, hit.id)
            if row is not None and not hidden.names(q, hit.id):
                results.append({"id": hidden.public_id(hit.id), "score": hit.score,
                                "name": hidden.label(hit.id) if hit.id in hidden else row.name,
                                "kind": row.kind, "country": row.country})
    return results


@dataclass(frozen=True)
class Resolved:
    """A request's profiles by their real ids, the masks of its viewer, and the serving state
    (``web.services.serving``) read on the same connection."""

    real: list[str]
    hidden: Masks
    serving: Serving


def resolve(db: Database, viewer: Viewer | None, profile_ids: list[str]) -> Resolved:
    """The real ids of ``profile_ids`` (aliases resolved; NotFound for a masked profile's real id
    or an unknown one), the masks of every anonymous profile for ``viewer`` and the serving state:
    one pool checkout, and for an officer asking for a plain id one query when nothing changed."""
    key = masking.secret(db)
    first = profile_ids[0] if profile_ids else None
    with db.connection() as conn:
        state, first_exists = serving.current(db, conn, first)
        anonymous = state.anonymous
        hidden = masking.every_mask(conn, viewer, db.settings.default_locale, key, anonymous)
        real = []
        for pid in profile_ids:
            found = masking.resolve(conn, pid, key, anonymous)
            # a masked profile's real id names nothing, as an unknown id (masking.shown_id)
            if found is None or (found == pid and found in hidden):
                raise _unknown(pid)
            # stored: read with the token (the first id asked for), or in the anonymous set read
            # under it (deleting an anonymous profile changes the token), or looked up
            known = (found == first and first_exists) or found in anonymous
            if not known and not store.profile_exists(conn, found):
                raise _unknown(pid)
            real.append(found)
        return Resolved(real, hidden, state)


def matches(db: Database, matching: MatchingContract, viewer: Viewer | None, profile_id: str, top: int,
            filters: dict[str, str] | None, resolved: Resolved | None = None) -> bytes | dict[str, Any]:
    """``{"id", "matches"}`` of a profile (``Match.to_dict()`` each), anonymous ones masked: the
    stored default ranking's JSON bytes as they are when it names no masked profile. ``resolved``:
    ``resolve(db, viewer, [profile_id])`` when the caller has it."""
    resolved = resolved or resolve(db, viewer, [profile_id])
    [real], hidden = resolved.real, resolved.hidden
    if real not in hidden:  # the stored default ranking (web.matching.warm), already JSON, filtered if asked
        body = matching.warm_json(real, top, filters)
        if body is not None and not any(f'"{pid}"'.encode() in body for pid in hidden.records):
            return body
    ranked = matching.rank(real, k=top, filters=filters)
    return {"id": profile_id, "matches": [hidden.match(m).to_dict() for m in ranked]}


def score(db: Database, matching: MatchingContract, viewer: Viewer | None, a: str, b: str) -> dict[str, Any]:
    """The pair (a, b) scored and explained from a's side, its anonymous sides masked."""
    resolved = resolve(db, viewer, [a, b])
    [real_a, real_b], hidden = resolved.real, resolved.hidden
    return hidden.match(matching.score(real_a, real_b)).to_dict()
