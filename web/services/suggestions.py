"""Tags, offers and needs suggested from a profile's description, for its owner to confirm.

The editor offers them for the fields the owner left empty, as unticked boxes apart from the
owner's own fields; a value reaches the record only when the owner ticks it and saves
(``accept``). Nothing read from the description is stored as if the owner had entered it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matcher.freetext import fill_free_text, infer_tags

TEXTS = ("offers", "needs")
TAGS = ("technologies", "sectors", "cooperation_sought", "cooperation_offered")
FIELDS = TEXTS + TAGS  # in the order the editor shows them
# the description's schema limit: a longer posted text is not read further, so a request stays cheap
MAX_CHARS = 20_000
MAX_VALUES = 8  # per field: a long list of guesses is read by nobody


@dataclass(frozen=True)
class Suggestion:
    """Values read from the description for one field (one text for offers and needs), and
    those the owner has ticked to accept (kept even when the description no longer gives them)."""

    field: str
    values: tuple[str, ...]
    ticked: frozenset[str]


def read_description(description: str) -> dict[str, tuple[str, ...]]:
    """What ``description`` (its first ``MAX_CHARS`` characters) suggests for each of ``FIELDS``."""
    text = description[:MAX_CHARS]
    if not text.strip():
        return {}
    tags = infer_tags(text)
    filled, inferred = fill_free_text({"description": text})
    found: dict[str, tuple[str, ...]] = {f: (filled[f],) for f in TEXTS if f in inferred}
    return found | {f: getattr(tags, f) for f in TAGS}


def suggest(record: Mapping[str, Any], ticked: Mapping[str, Sequence[str]] | None = None) -> list[Suggestion]:
    """Suggestions for the fields of ``record`` the owner left empty, plus the ``ticked`` ones.

    ``record`` holds the owner's own values only (not the ticked suggestions); ``ticked`` maps a
    field to the suggested values the owner has ticked so far. Fields with nothing to show are left out.
    """
    ticked = ticked or {}
    found = read_description(str(record.get("description") or ""))
    out = []
    for field in FIELDS:
        kept = list(dict.fromkeys(v for v in ticked.get(field, ()) if v.strip()))
        fresh = found.get(field, ()) if not str(record.get(field) or "").strip() else ()
        if field in TEXTS:
            values = kept[:1] or list(fresh[:1])
        else:
            values = kept + [v for v in fresh if v not in kept][: max(0, MAX_VALUES - len(kept))]
        if values:
            out.append(Suggestion(field, tuple(values), frozenset(kept)))
    return out


def accept(record: dict[str, Any], ticked: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """``record`` with the suggestions its owner ticked added to their fields.

    A list field gains the ticked values it lacks; a text field empty so far takes the ticked
    text, one the owner has written since keeps theirs and gets the ticked text on a new line.
    """
    out = dict(record)
    for field, values in ticked.items():
        chosen = [v.strip() for v in values if v.strip()]
        if not chosen:
            continue
        if field in TEXTS:
            own = str(out.get(field) or "").strip()
            out[field] = own if chosen[0] in own else "\n".join(filter(None, (own, chosen[0])))
        elif field in TAGS:
            out[field] = list(dict.fromkeys([*(out.get(field) or []), *chosen]))
    return out
