"""The anonymity rule applied where profiles are shown: every door that displays a profile to
someone (the directory, a profile, matches, the API, an agenda) asks ``masks`` which of its
profiles that viewer knows only under a generated label, and shows those through ``Masks``.

Who is masked is ``web.services.visibility.masked_ids`` (the one rule); what a masked profile
looks like is ``web.services.anonymity`` (label, redaction, public record). A masked profile is
known by its alias (``anonymity.alias``): its real id, often the company's name, never leaves.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg

from matcher.evidence import Evidence, Quote
from matcher.results import Match
from web.db.pool import Database
from web.services import anonymity, visibility
from web.services.visibility import Viewer
from web.store import profiles as profile_store
from web.store.directory import DirectoryRow


def secret(db: Database) -> str:
    """The key of aliases: the server's secret."""
    return db.settings.resolved_secret_key()


@dataclass
class Masks:
    """The profiles of one response that its viewer knows only under a label: ``records`` maps
    their real ids to their full records; ``locale`` is the label's language."""

    records: dict[str, dict[str, Any]]
    locale: str
    key: str
    _terms: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._terms = {pid: anonymity.identifying_terms(r) for pid, r in self.records.items()}

    def __contains__(self, profile_id: object) -> bool:
        return profile_id in self.records

    def __bool__(self) -> bool:
        return bool(self.records)

    def public_id(self, profile_id: str) -> str:
        """The alias of a masked profile, any other id unchanged."""
        return anonymity.alias(profile_id, self.key) if profile_id in self.records else profile_id

    def label(self, profile_id: str) -> str:
        return anonymity.generated_label(self.records[profile_id], self.locale)

    def text(self, text: str) -> str:
        """``text`` with every identifying term of every masked profile redacted."""
        for pid, record in self.records.items():
            text = anonymity.redact(text, record, self._terms[pid])
        return text

    def names(self, query: str, profile_id: str) -> bool:
        """Whether ``query`` names the masked profile ``profile_id`` (a search must not find it by name)."""
        return profile_id in self.records and anonymity.query_names(query, self.records[profile_id])

    def row(self, row: DirectoryRow) -> DirectoryRow:
        """A directory row as the viewer may see it: the label as its name, no region."""
        if row.id not in self.records:
            return row
        return replace(row, id=self.public_id(row.id), name=self.label(row.id), region=None,
                       description=self.text(row.description))

    def record(self, record: dict[str, Any]) -> dict[str, Any]:
        """A (contact-filtered) record as the viewer may see it: ``anonymity.public_record`` under its alias."""
        pid = str(record.get("id"))
        if pid not in self.records:
            return record
        return {**anonymity.public_record(self.records[pid], self.locale), "id": self.public_id(pid)}

    def match(self, match: Match) -> Match:
        """A match with its masked profiles (either side) under alias and label, the quotes of
        their texts redacted, their documents without titles or urls, their assets without references."""
        ex = match.explanation
        if ex is not None and ({ex.profile_id, ex.candidate_id} & self.records.keys()):
            named = ex.candidate_id in self.records
            ex = replace(ex, profile_id=self.public_id(ex.profile_id), candidate_id=self.public_id(ex.candidate_id),
                         candidate_name=self.label(ex.candidate_id) if named else ex.candidate_name,
                         evidence=[self.evidence(e) for e in ex.evidence])
        return replace(match, id=self.public_id(match.id), explanation=ex)

    def evidence(self, evidence: Evidence) -> Evidence:
        return replace(evidence, need=self._quote(evidence.need), offer=self._quote(evidence.offer))

    def _quote(self, quote: Quote) -> Quote:
        if quote.profile not in self.records:
            return replace(quote, text=self.text(quote.text))
        document = replace(quote.document, title=None, url=None) if quote.document else None
        asset = replace(quote.asset, title=self.text(quote.asset.title), reference=None) if quote.asset else None
        return Quote(self.public_id(quote.profile), quote.field, self.text(quote.text), document, asset)


def masks(conn: psycopg.Connection, viewer: Viewer | None, profile_ids: Iterable[str] | None, locale: str,
          key: str) -> Masks:
    """Those of ``profile_ids`` (every anonymous profile when None) that ``viewer`` knows only
    under a label (``visibility.masked_ids``)."""
    ids = sorted(profile_store.list_anonymous_ids(conn) if profile_ids is None else set(profile_ids))
    hidden = visibility.masked_ids(conn, viewer, ids) if ids else set()
    records = profile_store.list_anonymous_records(conn, sorted(hidden)) if hidden else {}
    return Masks(records, locale, key)


def every_mask(conn: psycopg.Connection, viewer: Viewer | None, locale: str, key: str,
               anonymous: AbstractSet[str]) -> Masks:
    """The masks of those of ``anonymous`` (every anonymous profile's id, as ``web.services.serving``
    keeps them) that ``viewer`` knows only under a label: what a door that resolves public ids and
    masks a ranking needs."""
    hidden = anonymous - visibility.contact_visible(conn, viewer, sorted(anonymous)) if anonymous else set()
    records = profile_store.list_anonymous_records(conn, sorted(hidden)) if hidden else {}
    return Masks(records, locale, key)


def resolve(conn: psycopg.Connection, profile_id: str, key: str, anonymous: AbstractSet[str] | None = None) -> str | None:
    """The real id a public id names: an alias is looked up among the anonymous profiles
    (``anonymous`` when the caller has read them; None when it names none); any other id is itself."""
    if not profile_id.startswith(anonymity.ALIAS_PREFIX):
        return profile_id
    among = profile_store.list_anonymous_ids(conn) if anonymous is None else anonymous
    found = [pid for pid in among if anonymity.alias(pid, key) == profile_id]
    return found[0] if found else (None if profile_store.get_profile(conn, profile_id) is None else profile_id)


def shown_id(conn: psycopg.Connection, viewer: Viewer | None, profile_id: str, key: str) -> str | None:
    """The real id of the profile a viewer asks for by ``profile_id``: an alias resolves; a masked
    profile's real id names nothing (None, as for an unknown id), so that it cannot be confirmed."""
    real = resolve(conn, profile_id, key)
    if real is None or (real == profile_id and visibility.masked_ids(conn, viewer, [real])):
        return None
    return real
