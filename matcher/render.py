"""Short human texts for explanations, in Vietnamese or English (labels from ``matcher.labels``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from matcher.evidence import Evidence, Quote
from matcher.labels import FIELDS, IP_ASSET_TYPES, IP_TRANSFER_MODES, LANGS, MODES, PHRASES, SECTORS, label

if TYPE_CHECKING:
    from matcher.explain import Explanation


# (key, language) -> phrase template: rendering runs for every returned match
_PHRASES = {(key, lang): label(PHRASES, key, lang) for key in PHRASES for lang in LANGS}


def _p(key: str, lang: str, **kw: Any) -> str:
    template = _PHRASES.get((key, lang)) or label(PHRASES, key, lang)
    return template.format(**kw)


def _where(quote: Quote, lang: str) -> str:
    if quote.asset is not None:
        a = quote.asset
        facts = [label(IP_ASSET_TYPES, a.asset_type, lang).lower()] if a.asset_type in IP_ASSET_TYPES else []
        facts += [a.reference] if a.reference else []
        facts += [_p("trl", lang, trl=a.trl)] if a.trl else []
        modes = [label(IP_TRANSFER_MODES, t, lang).lower() for t in a.transfer]
        facts += [", ".join(modes)] if modes else []
        where = _p("in_asset", lang, title=a.title)
        return f"{where}, {'; '.join(facts)}" if facts else where
    if quote.document is not None:
        return _p("in_document", lang, title=quote.document.title or _p("untitled", lang))
    return _p("in_field", lang, field=label(FIELDS, quote.field, lang))


def _evidence_line(e: Evidence, lang: str) -> str:
    if e.direction == "your_need":
        head, verb = _p("your_need", lang), _p("they_offer", lang)
    elif e.direction == "their_need":
        head, verb = _p("their_need", lang), _p("you_offer", lang)
    else:
        head, verb = _p("query", lang), _p("found_in", lang)
    return f"{head}: “{e.need.text}” ↔ {verb} ({_where(e.offer, lang)}): “{e.offer.text}”"


def _modes_line(modes: dict[str, list[list[str]]], lang: str) -> list[str]:
    parts = []
    for key, phrase in (("you_seek_they_offer", "you_seek_they_offer"), ("they_seek_you_offer", "they_seek_you_offer")):
        pairs = modes.get(key) or []
        if pairs:
            names = [
                label(MODES, s, lang) if s == o else f"{label(MODES, s, lang)} ← {label(MODES, o, lang)}" for s, o in pairs
            ]
            parts.append(f"{_p(phrase, lang)}: {', '.join(names)}")
    mutual = modes.get("mutual") or []
    if mutual:
        parts.append(f"{_p('mutual', lang)}: {', '.join(label(MODES, m[0], lang) for m in mutual)}")
    return parts


def render_explanation(ex: Explanation, lang: str = "en") -> str:
    """A few lines: fit and name, the best need ↔ offer quotes, sectors, technologies, modes."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; valid languages: {', '.join(LANGS)}")
    lines = [f"{_p('fit', lang, fit=round(ex.fit))} — {ex.candidate_name}"]
    lines.extend(_evidence_line(e, lang) for e in ex.evidence)
    if ex.shared_sectors:
        lines.append(f"{_p('shared_sectors', lang)}: {', '.join(label(SECTORS, s, lang) for s in ex.shared_sectors)}")
    if ex.shared_technologies:
        lines.append(f"{_p('shared_technologies', lang)}: {', '.join(ex.shared_technologies)}")
    lines.extend(_modes_line(ex.modes, lang))
    notes = []
    if ex.countries.get("in_your_preferred"):
        notes.append(_p("preferred_country", lang))
    if ex.shared_languages:
        notes.append(f"{_p('shared_languages', lang)}: {', '.join(ex.shared_languages)}")
    if ex.stage:
        notes.append(_p("stage_fit" if ex.stage == "fit" else "stage_mismatch", lang))
    if notes:
        lines.append("; ".join(notes) + ".")
    if ex.competitor:
        lines.append(_p("competitor", lang))
    return "\n".join(lines)
