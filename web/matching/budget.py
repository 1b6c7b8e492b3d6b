"""How much of a request's own text (a search, a profile being edited) is read: a passage budget,
and a time budget.

Issue 12: a preview of a 20,000-character description with ten 8,000-character documents made
the model read ~200 passages (33–76 s). A request's texts are cut to their first passages
(``cut_record``, ``cut_text``), which the editor says where it shows the preview; the saved
profile is embedded whole by the background worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matcher.features import profile_passages
from matcher.text import DEFAULT_PASSAGE_CHARS, DEFAULT_PASSAGE_WORDS, split_passages

# An unsaved profile is ranked on at most this many passages: more than any profile of the sample
# ecosystem has (6); ~1.5–2.6 s of one core when none is cached (0.2–0.33 s a passage).
PREVIEW_PASSAGES = 8
# A search reads at most this many passages (the API takes 500 characters: 1–2 passages).
SEARCH_PASSAGES = 2
# Time a request may take, queueing included: a preview (up to PREVIEW_PASSAGES to embed, at the
# share of a core request texts get: web.matching.requests.CORE_SHARE) and a search (one or two).
PREVIEW_SECONDS = 10.0
SEARCH_SECONDS = 3.0


def cut_record(record: Mapping[str, Any], passages: int, words: int = DEFAULT_PASSAGE_WORDS,
               chars: int = DEFAULT_PASSAGE_CHARS) -> tuple[dict[str, Any], bool]:
    """``record`` with its texts cut to ``passages`` passages in all (the engine's split:
    ``words``/``chars``), and whether anything was cut. Each text (needs, offers, description,
    each document, each IP asset) keeps its first passage, then its second, and so on in turn, so that a long
    field does not crowd out the others; a document left with no passage is dropped."""
    needs, provide = profile_passages(dict(record), words, chars)
    units: dict[tuple[str, int], list[str]] = {}
    for p in (*needs, *provide):
        units.setdefault((p.field, p.doc), []).append(p.text)
    if sum(len(texts) for texts in units.values()) <= passages:
        return dict(record), False
    keep = dict.fromkeys(units, 0)
    left = passages
    while left:
        for unit, texts in units.items():
            if left and keep[unit] < len(texts):
                keep[unit] += 1
                left -= 1
    out = dict(record)
    for field in ("needs", "offers", "description"):
        if (field, -1) in units:
            out[field] = "\n".join(units[(field, -1)][: keep[(field, -1)]])
    documents = []
    for i, doc in enumerate(record.get("documents") or []):
        kept = units.get(("documents", i), [])[: keep.get(("documents", i), 0)]
        if kept:
            title = (doc.get("title") or "").strip().rstrip(".")
            prefix = f"{title}. " if title else ""  # profile_passages prefixes each chunk with the title
            documents.append(dict(doc, text="\n".join(t.removeprefix(prefix) for t in kept)))
    if record.get("documents"):
        out["documents"] = documents
    if record.get("ip_assets"):
        assets = []
        for i, asset in enumerate(record["ip_assets"]):
            kept = units.get(("ip_assets", i), [])[: keep.get(("ip_assets", i), 0)]
            if kept:
                prefix = asset["title"].strip().rstrip(".") + ". "
                text = "\n".join(t.removeprefix(prefix) for t in kept if t.startswith(prefix))
                assets.append(dict(asset, description=text) if asset.get("description") else dict(asset))
        out["ip_assets"] = assets
    return out, True


def cut_text(text: str, passages: int, words: int = DEFAULT_PASSAGE_WORDS,
             chars: int = DEFAULT_PASSAGE_CHARS) -> tuple[str, bool]:
    """``text`` cut to its first ``passages`` passages, and whether anything was cut."""
    split = split_passages(text, words, chars)
    if len(split) <= passages:
        return text, False
    return "\n".join(split[:passages]), True
