"""A deterministic "messy sign-up" generator: clean profiles rewritten the way real sign-ups arrive.

``messy_variant(records, random_state)`` returns new records with the same ids (so that a labelled
set such as ``profiles/dev-gold.json`` keeps its labels), each rewritten in three steps:

1. **Free text merged** (every record that has ``offers`` and/or ``needs``): the offers, then the
   needs, are appended to the description, each on a new line, and the ``offers``/``needs``
   fields are removed. The records are shuffled with the seed and the first half (``n // 2`` of
   them) get a cue phrase before each appended field, in the language of the description
   (``is_vietnamese``): e.g. "Chúng tôi cung cấp: …", "Nhu cầu: …", "We offer …", "We are looking
   for …"; one of ``len(OFFER_CUES[lang])`` phrasings each, drawn with the seed. The other half get
   the bare text, no cue. A field whose text does not end in sentence punctuation gets a full stop,
   so that its last sentence does not run into the next field.
2. **Diacritics dropped**: among the records whose description is Vietnamese (``is_vietnamese`` of
   the original description), the records are shuffled with the seed and the first half
   (``n // 2``) have every string of the record (name, region, description, documents, ip_assets;
   not the id and codes, which are ASCII anyway) typed without diacritics by ``strip_marks``: NFD,
   combining marks dropped, ``đ``→``d``, ``Đ``→``D``, case kept. Text that is typed without
   diacritics is the whole record's, merged cue phrases included (a user who does not type marks
   types none).
3. **Optional tags removed**: ``sectors``, ``technologies``, ``cooperation_offered`` and
   ``cooperation_sought``. Everything else (kind, name, country, languages, stage, partner_type,
   documents, ...) is kept.

The two draws are independent (one generator, seeded with ``random_state``, draws the cue half
first, then the phrasings, then the diacritics half), made over the records sorted by id, so the
result does not depend on the input order. Inputs are not modified.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.accents import strip_marks
from matcher.text import is_vietnamese

__all__ = ["NEED_CUES", "OFFER_CUES", "TAG_FIELDS", "MessyPlan", "apply_plan", "merge_free_text", "messy_variant",
           "plan_messy", "strip_marks", "with_cue"]

TAG_FIELDS = ("sectors", "technologies", "cooperation_offered", "cooperation_sought")

# "{}" is the field's text; a phrasing without a colon lower-cases the text's first letter
OFFER_CUES: dict[str, tuple[str, ...]] = {
    "vi": ("Chúng tôi cung cấp: {}", "Chúng tôi có thể cung cấp {}", "Năng lực: {}", "Thế mạnh của chúng tôi: {}"),
    "en": ("We offer {}", "We offer: {}", "We can provide {}", "What we offer: {}"),
}
NEED_CUES: dict[str, tuple[str, ...]] = {
    "vi": ("Chúng tôi cần: {}", "Chúng tôi đang tìm kiếm {}", "Nhu cầu: {}", "Chúng tôi mong muốn tìm {}"),
    "en": ("We are looking for {}", "We need: {}", "Needs: {}", "We seek {}"),
}
_ENDS_SENTENCE = re.compile(r"[.!?…;][\"'”’)\]]*$")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or _ENDS_SENTENCE.search(text) else text + "."


def with_cue(text: str, cue: str) -> str:
    """``text`` (one field) behind the cue phrase ``cue`` (a ``"{}"`` template); ends in punctuation.

    After a cue without a colon the text's first letter is lower-cased when its first word looks
    like an ordinary word (one capital, then lower case), so "We offer free kits", not "Free kits".
    """
    text = _sentence(text)
    if ":" not in cue:
        first = text.split(" ", 1)[0]
        if len(first) > 1 and first[0].isupper() and first[1:].islower():
            text = text[0].lower() + text[1:]
    return cue.format(text)


def merge_free_text(description: str, offers: str, needs: str, offer_cue: str | None, need_cue: str | None) -> str:
    """The description, then the offers, then the needs, each on its own line (empty ones left
    out), each behind its cue when one is given."""
    parts = [description.strip()]
    for text, cue in ((offers, offer_cue), (needs, need_cue)):
        if text.strip():
            parts.append(with_cue(text, cue) if cue else _sentence(text))
    return "\n".join(parts)


@dataclass(frozen=True)
class MessyPlan:
    """What ``messy_variant`` does to one record: cue phrases (``None``: bare text), stripping."""

    offer_cue: str | None
    need_cue: str | None
    strip: bool


def _half(ids: list[str], rng: np.random.Generator) -> set[str]:
    order = rng.permutation(len(ids))
    return {ids[i] for i in order[: len(ids) // 2]}


def plan_messy(records: Sequence[dict[str, Any]], random_state: int = 0) -> dict[str, MessyPlan]:
    """id → ``MessyPlan`` for ``records`` (see the module docstring for the draws)."""
    by_id = sorted(records, key=lambda r: r["id"])
    ids = [r["id"] for r in by_id]
    rng = np.random.default_rng(random_state)
    cued = _half(ids, rng)
    phrasings = rng.integers(0, 1 << 30, size=(len(ids), 2))
    vietnamese = [r["id"] for r in by_id if is_vietnamese(r.get("description", ""))]
    stripped = _half(vietnamese, rng)
    plans: dict[str, MessyPlan] = {}
    for (pid, record), (p_offer, p_need) in zip(zip(ids, by_id, strict=True), phrasings, strict=True):
        lang = "vi" if is_vietnamese(record.get("description", "")) else "en"
        offer_cue = OFFER_CUES[lang][p_offer % len(OFFER_CUES[lang])] if pid in cued else None
        need_cue = NEED_CUES[lang][p_need % len(NEED_CUES[lang])] if pid in cued else None
        plans[pid] = MessyPlan(offer_cue, need_cue, pid in stripped)
    return plans


def strip_all(value: Any) -> Any:
    """``value`` (a record, or any of its fields) with every string typed without diacritics.
    Ids, codes, e-mails and addresses are ASCII (the schema's patterns), so stripping leaves them."""
    if isinstance(value, str):
        return strip_marks(value)
    if isinstance(value, list):
        return [strip_all(v) for v in value]
    if isinstance(value, dict):
        return {k: strip_all(v) for k, v in value.items()}
    return value


_WORD = re.compile(r"\w+")


def strip_half(text: str) -> str:
    """``text`` with the marks of about half of its words stripped, as typed by someone whose
    keyboard drops them on some words and not others. Which words is a fixed function of the
    word (CRC-32 parity), so the variant is deterministic and a word is treated alike everywhere."""
    return _WORD.sub(lambda m: strip_marks(m.group()) if zlib.crc32(m.group().encode()) % 2 == 0 else m.group(), text)


def apply_plan(record: dict[str, Any], plan: MessyPlan) -> dict[str, Any]:
    """A new record: ``record`` with its free text merged, tags removed, stripped per ``plan``."""
    out = {k: v for k, v in record.items() if k not in TAG_FIELDS and k not in ("offers", "needs")}
    if record.get("offers") or record.get("needs"):
        out["description"] = merge_free_text(
            record["description"], record.get("offers", ""), record.get("needs", ""), plan.offer_cue, plan.need_cue
        )
    return strip_all(out) if plan.strip else out


def messy_variant(records: list[dict[str, Any]], random_state: int = 0) -> list[dict[str, Any]]:
    """``records`` rewritten as messy sign-ups (same ids, same order); see the module docstring.

    Ids must be unique; a duplicate fails loudly, naming it.
    """
    ids = [r["id"] for r in records]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"duplicate ids in records: {', '.join(dupes)}")
    plans = plan_messy(records, random_state)
    return [apply_plan(r, plans[r["id"]]) for r in records]
