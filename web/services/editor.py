"""The profile editor: form ↔ record, the record's problems shown per field, completeness, saving.

The record is checked and saved by ``web.services.profiles`` (the one check and the one write
path, shared with the import and the API); the editor then asks the matching service to refresh
the profile, so the owner's matches follow at once.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from matcher.profile import KIND_ONLY_FIELDS
from matcher.results import Match
from matcher.text import strip_diacritics
from web.db.pool import Database
from web.errors import NotFound, Stale, Unavailable
from web.i18n import N_
from web.matching.budget import PREVIEW_PASSAGES, cut_record
from web.matching.contract import MatchingContract
from web.services import editor_fields, profiles, suggestions
from web.services.conflicts import EditConflict, differences
from web.store import profiles as profile_store
from web.store.profiles import ProfileRow
from web.store.users import UserRow

log = logging.getLogger(__name__)

LIST_CHECKBOXES = ("sectors", "cooperation_offered", "cooperation_sought", *editor_fields.EXPERT_CHECKBOXES)
LIST_COMMAS = ("languages", "technologies", "preferred_countries")
INTS = ("founded", "employees")
SCALARS = ("kind", "partner_type", "name", "country", "region", "description", "offers", "needs", "stage",
           "website", "contact_email", "visibility", *editor_fields.EXPERT_SCALARS)
DOC_FIELDS = ("title", "text", "url", "year")
# what the form edits; a stored profile's other fields (set by an import or the API) are kept on
# save, not dropped. IP assets and the visibility are replaced only when the form sends them (the
# editor always does): a form without them (an older page, a client posting some fields) must not
# drop an anonymous profile's choice or its assets.
SENT_OR_KEPT = ("ip_assets", "visibility")
FORM_FIELDS = frozenset((*SCALARS, *LIST_CHECKBOXES, *LIST_COMMAS, *INTS, *editor_fields.FLAGS, "documents",
                         "id")) - frozenset(SENT_OR_KEPT)
_DOC_KEY = re.compile(r"^doc_(title|text|url|year|remove)_(\d{1,2})$")
ACCEPT = "accept_"  # prefix of the boxes the owner ticks to accept a suggestion: accept_sectors, ...
# the form's own words, next to the field, for the problems people make most often: a record
# missing a required field is reported on the record as a whole, so the form looks for itself
_MISSING = {"name": N_("Give the organisation's name."),
            "description": N_("Describe the organisation in a few sentences.")}
_MISSING_EXPERT = {"name": N_("Give your full name."),
                   "description": N_("Describe your expertise in a few sentences.")}
_FRIENDLY = {profiles.BAD_EMAIL: N_("Enter a valid e-mail address.")}


@dataclass
class SaveResult:
    profile_id: str | None
    errors: dict[str, list[str]] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    conflict: EditConflict | None = None  # saved by someone else since the form was loaded: nothing written


def _split_commas(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", value) if part.strip()]


def _int_or_raw(value: str) -> int | str:
    value = value.strip()
    return int(value) if re.fullmatch(r"-?\d{1,6}", value) else value


def read_form(items: Iterable[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """``(record, ticked)``: the owner's own fields, and the suggested values they ticked by field."""
    record: dict[str, Any] = {}
    ticked: dict[str, list[str]] = {}
    docs: dict[int, dict[str, Any]] = {}
    assets: dict[int, dict[str, list[str]]] = {}
    for key, value in items:
        if not isinstance(value, str):
            continue
        m = _DOC_KEY.match(key)
        a = editor_fields.ASSET_KEY.match(key)
        if m:
            docs.setdefault(int(m.group(2)), {})[m.group(1)] = value.strip()
        elif a:
            assets.setdefault(int(a.group(2)), {}).setdefault(a.group(1), []).append(value)
        elif key in editor_fields.FLAGS:
            record[key] = True
        elif key.startswith(ACCEPT) and key[len(ACCEPT):] in suggestions.FIELDS:
            ticked.setdefault(key[len(ACCEPT):], []).append(value)
        elif key in LIST_CHECKBOXES:
            record.setdefault(key, []).append(value)
        elif key in LIST_COMMAS:
            record[key] = _split_commas(value)
        elif key in INTS and value.strip():
            record[key] = _int_or_raw(value)
        elif key in SCALARS:
            record[key] = value
    for name, only in KIND_ONLY_FIELDS.items():  # a field of another kind (the kind was just changed)
        if record.get("kind") != only:
            record.pop(name, None)
    if assets:  # rows were sent, if only blank ones: the list replaces the stored one
        record["ip_assets"] = editor_fields.read_asset_rows(assets, _int_or_raw)
    documents = []
    for _, doc in sorted(docs.items()):
        if doc.pop("remove", None) or not (doc.get("title") or doc.get("text")):
            continue
        if doc.get("year"):
            doc["year"] = _int_or_raw(doc["year"])
        documents.append({k: doc[k] for k in DOC_FIELDS if doc.get(k) not in (None, "")})
    if documents:
        record["documents"] = documents
    return record, ticked


def record_from_form(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A record from the editor's form fields, the suggestions the owner ticked included
    (values not yet normalised or validated)."""
    return suggestions.accept(*read_form(items))


def check_form(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The canonical record and its problems (``profiles.record_problems``) by form field
    (``documents[1].text`` style keys for a document's fields)."""
    rec, problems = profiles.record_problems(record)
    missing = _MISSING_EXPERT if rec.get("kind") == "expert" else _MISSING
    errors = {key: [message] for key, message in missing.items() if not rec.get(key)}
    for problem in problems:
        key = editor_fields.form_key(problem.field)
        message = _FRIENDLY.get(problem) or editor_fields.friendly(problem)
        if message:  # the form's own words replace the check's, once per field
            errors[key] = [message]
            continue
        if key in errors or key == "id":
            continue
        errors.setdefault(key, []).append(problem.reason)
    return rec, errors


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", strip_diacritics(name).lower()).strip("-")
    return slug[:48].strip("-") or "org"


def new_profile_id(name: str) -> str:
    """A new id: the name as a slug plus a short random suffix (``chipviet-3fa9c1``)."""
    return f"{slugify(name)}-{secrets.token_hex(3)}"


COMPLETENESS = (  # (field test, weight, hint shown while missing)
    ("description", 3, N_("Describe what your organisation does in at least a few sentences.")),
    ("needs", 3, N_("Add what you need from a partner.")),
    ("offers", 3, N_("Add what you can offer a partner.")),
    ("sectors", 2, N_("Pick the sectors you work in.")),
    ("cooperation_sought", 2, N_("Pick the kinds of cooperation you are looking for.")),
    ("cooperation_offered", 1, N_("Pick the kinds of cooperation you can offer.")),
    ("technologies", 1, N_("List a few technologies you work with.")),
    ("languages", 1, N_("Say which languages you work in.")),
    ("region", 1, N_("Add your province, city or region.")),
    ("documents", 1, N_("Add a document: a product sheet, a patent, a case study.")),
    ("contact_email", 1, N_("Add a contact e-mail (shown only after an accepted introduction).")),
)


def completeness(record: dict[str, Any]) -> tuple[int, list[str]]:
    """``(percent complete, hints for what is missing)``, an expert's by their own list; a short
    description counts as missing."""
    table = editor_fields.EXPERT_COMPLETENESS if record.get("kind") == "expert" else COMPLETENESS
    total = sum(w for _, w, _ in table)
    done = 0
    hints = []
    for key, weight, hint in table:
        value = record.get(key)
        ok = bool(value) and (key != "description" or len(str(value)) >= 80)
        if ok:
            done += weight
        else:
            hints.append(hint)
    return round(100 * done / total), hints


def load_own(db: Database, user: UserRow, profile_id: str) -> ProfileRow:
    """The stored profile (record and revision) of one the user may edit (owners; officers and
    admins: any); NotFound otherwise."""
    with db.connection() as conn:
        row = profile_store.get_profile(conn, profile_id) if profiles.may_edit(conn, user, profile_id) else None
    if row is None:
        raise NotFound(N_("This profile does not exist or is not yours."))
    return row


REVISION = "revision"  # the form's hidden field: the revision the form was loaded at
_NOT_RESUBMITTED = {"csrf_token", REVISION, "action"}


def kept_fields(stored: dict[str, Any], kind: Any) -> dict[str, Any]:
    """The fields of a stored profile the editor's form does not show, to keep on save; those
    that apply only to another kind than the one being saved are dropped (changing the kind)."""
    return {k: v for k, v in stored.items()
            if k not in FORM_FIELDS and KIND_ONLY_FIELDS.get(k, kind) == kind}


def form_revision(items: Iterable[tuple[str, str]]) -> int | None:
    """The revision the form was loaded at (None: a new profile, or a form without one)."""
    value = dict(items).get(REVISION, "")
    return int(value) if isinstance(value, str) and re.fullmatch(r"\d{1,9}", value) else None


def resubmitted(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The fields of a form as sent, to send again from the conflict page (which adds its own
    token, revision and action): exactly what the user typed and ticked."""
    return [(k, v) for k, v in items if isinstance(v, str) and k not in _NOT_RESUBMITTED]


def save(db: Database, matching: MatchingContract, user: UserRow, record: dict[str, Any],
         profile_id: str | None, revision: int | None = None) -> SaveResult:
    """Validate and store an edited (``profile_id``, loaded at ``revision``) or new profile; refresh
    its matches. When the profile was saved by someone else after ``revision``, nothing is written
    and the result's ``conflict`` holds both versions where they differ (none: the same is stored)."""
    if profile_id is not None:
        record = {**kept_fields(load_own(db, user, profile_id).record, record.get("kind")), **record}
    record = dict(record, id=profile_id or new_profile_id(str(record.get("name") or "")))
    if record.get("visibility") == editor_fields.DEFAULT_VISIBILITY:  # the schema's default is not stored
        del record["visibility"]
    rec, errors = check_form(record)
    if errors:
        return SaveResult(None, errors, rec)
    try:
        # a profile created from "My profiles" belongs to whoever created it, officers included
        profiles.save_profile(db, rec, user, actor="web", claim=True,
                              expected=None if revision is None or profile_id is None else {revision})
    except Stale:
        stored = load_own(db, user, rec["id"])
        fields = differences(stored.record, rec)
        if fields:
            return SaveResult(None, {}, rec, EditConflict(stored.revision, fields))
    matching.refresh([rec["id"]])
    return SaveResult(rec["id"], {}, rec)


@dataclass
class Preview:
    """The editor's live preview: the top matches; ``cut``: the texts were longer than a preview
    reads (``PREVIEW_PASSAGES``: the page says so); ``busy``: the matching service could not
    answer in time (the next edit tries again)."""

    results: list[Match] = field(default_factory=list)
    cut: bool = False
    busy: bool = False


def preview(matching: MatchingContract, record: dict[str, Any], k: int = 5) -> Preview:
    """Top matches of an unsaved record (none when it is not yet rankable), ranked on the first
    ``PREVIEW_PASSAGES`` passages of its texts."""
    rec, errors = check_form(dict(record, id=record.get("id") or "draft-preview"))
    if "description" in errors or "kind" in errors or "country" in errors:
        return Preview()
    rec, cut = cut_record(rec, PREVIEW_PASSAGES)
    try:
        results = matching.rank_record(rec, k=k + 1)
    except Unavailable:  # the pool is full or the time ran out: the form works on regardless
        return Preview(cut=cut, busy=True)
    except Exception:  # the preview is a hint; an unrankable draft must not break the editor
        log.exception("preview ranking failed")
        return Preview(cut=cut)
    return Preview([m for m in results if m.id != rec["id"]][:k], cut)
