"""Why a pair was proposed: the evidence behind a score, as data and as a short text.

``build_explanation`` is called for returned pairs only (never in the ranking hot path). It
finds, in each direction, the best-matching passage pair (your need ↔ their offer, their need
↔ your offer), narrows each passage to its best sentence, and lists shared sectors,
technologies and complementary cooperation modes. ``Explanation.render(lang)`` writes it in
Vietnamese or English; quotes stay in their original language.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

import numpy as np

from matcher.domain import MODES, MUTUAL_MODES, mode_answer_matrix
from matcher.features import Passage, ProfileFeatures
from matcher.glossary import concepts
from matcher.render import render_explanation
from matcher.text import split_sentences, strip_diacritics, truncate, words

QUOTE_CHARS = 240
# the competitor note shows only when the penalty moves the score by at least this much (score
# units: a fraction of one standard deviation of text match), never for a trace of rivalry
MATERIAL_PENALTY = 0.5


@dataclass
class Explanation:
    """The reasons for one pair, from the point of view of ``profile_id`` ("you")."""

    profile_id: str
    candidate_id: str
    candidate_name: str
    score: float
    fit: float
    components: dict[str, float]
    evidence: list[dict[str, Any]] = field(default_factory=list)
    shared_sectors: list[str] = field(default_factory=list)
    shared_technologies: list[str] = field(default_factory=list)
    modes: dict[str, list[list[str]]] = field(default_factory=dict)
    competitor: bool = False
    countries: dict[str, bool | None] = field(default_factory=dict)
    shared_languages: list[str] = field(default_factory=list)
    stage: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (the ``explanation`` of ``Match.to_dict()``), with rendered summaries."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["summary"] = {"vi": self.render("vi"), "en": self.render("en")}
        return out

    def render(self, lang: str = "en") -> str:
        """A short human text in ``lang`` (``"vi"`` or ``"en"``)."""
        return render_explanation(self, lang)


@lru_cache(maxsize=131072)
def _overlap_terms(text: str) -> tuple[frozenset[str], int]:
    """(bare words and glossary concepts of a sentence, its word count); cached too, since
    profiles share sentences (boilerplate, programme descriptions, copied paragraphs)."""
    bare = words(strip_diacritics(text))
    return frozenset(bare) | {f"c:{c}" for c in concepts(text)}, len(bare)


@dataclass(frozen=True)
class _Analysed:
    """A passage cut into sentences, each with its overlap terms and word count; ``terms`` is
    their union (the passage's own terms, without a second glossary pass)."""

    sentences: tuple[str, ...]
    sentence_terms: tuple[tuple[frozenset[str], int], ...]
    terms: frozenset[str]


@lru_cache(maxsize=65536)
def _analyse(passage: str) -> _Analysed:
    """Cached per passage text: the same candidate passages come back in many explanations, and
    the glossary pass is most of an explanation's cost."""
    sentences = tuple(split_sentences(passage)) or (passage,)
    per = tuple(_overlap_terms(s) for s in sentences)
    return _Analysed(sentences, per, frozenset().union(*(t for t, _ in per)))


@lru_cache(maxsize=65536)
def _tag_concepts(tag: str) -> frozenset[str]:
    return frozenset(concepts(tag))


@lru_cache(maxsize=65536)
def _quote(sentence: str) -> str:
    return truncate(sentence, QUOTE_CHARS)


def _best_sentence(passage: str, other: str) -> str:
    """The sentence of ``passage`` sharing most words or glossary concepts with ``other``."""
    mine = _analyse(passage)
    if len(mine.sentences) <= 1:
        return passage
    target = _analyse(other).terms
    scores = [len(terms & target) / (1 + n_words) ** 0.5 for terms, n_words in mine.sentence_terms]
    return mine.sentences[int(np.argmax(scores))]


def _quote_of(p: Passage, record: dict[str, Any]) -> str:
    if p.field == "documents" and p.doc >= 0:
        title = ((record.get("documents") or [])[p.doc].get("title") or "").strip().rstrip(".")
        if title and p.text.startswith(title + ". "):
            return p.text[len(title) + 2 :]
    return p.text


def _source(p: Passage, owner: ProfileFeatures) -> dict[str, Any]:
    src: dict[str, Any] = {"profile": owner.id, "field": p.field}
    if p.field == "documents" and p.doc >= 0:
        doc = (owner.record.get("documents") or [])[p.doc]
        src["document"] = {k: doc[k] for k in ("title", "url", "year") if doc.get(k) is not None}
        src["document"]["index"] = p.doc
    return src


def best_pair(asker: ProfileFeatures, giver: ProfileFeatures, direction: str) -> dict[str, Any] | None:
    """The asker's need passage and the giver's provide passage that match best (cosine)."""
    if not len(asker.need_vecs) or not len(giver.prov_vecs):
        return None
    sims = asker.need_vecs @ giver.prov_vecs.T
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    need, offer = asker.needs[i], giver.provide[j]
    need_text, offer_text = need.text, _quote_of(offer, giver.record)
    return {
        "direction": direction,
        "similarity": round(float(sims[i, j]), 4),
        "need": {**_source(need, asker), "text": _quote(_best_sentence(need_text, offer_text))},
        "offer": {**_source(offer, giver), "text": _quote(_best_sentence(offer_text, need_text))},
    }


@lru_cache(maxsize=1)
def _mode_answers() -> dict[str, dict[str, float]]:
    """``mode_answer_matrix()`` as ``{sought: {offered: how well it answers}}`` (plain floats)."""
    answer = mode_answer_matrix()
    return {s: {o: float(answer[i, j]) for j, o in enumerate(MODES)} for i, s in enumerate(MODES)}


def _mode_pairs(seeker: dict[str, Any], giver: dict[str, Any]) -> list[list[str]]:
    """[sought, offered] pairs: each mode the seeker seeks and the giver's best answer to it."""
    answers = _mode_answers()
    offered = [m for m in giver.get("cooperation_offered") or [] if m in answers]
    pairs = []
    for s in seeker.get("cooperation_sought") or []:
        if s not in answers or not offered:
            continue
        row = answers[s]
        best = max(offered, key=lambda o: (row[o], o == s))
        if row[best] > 0:
            pairs.append([s, best])
    return pairs


def shared_technologies(a: ProfileFeatures, b: ProfileFeatures, limit: int = 6) -> list[str]:
    """Technology tags both carry, then tag pairs that name one glossary concept ("vi mạch ↔ IC design")."""
    shared = [t for t in a.tags if t in set(b.tags)]
    originals_a = {t.casefold(): t for t in a.record.get("technologies") or []}
    out = [originals_a.get(t, t) for t in shared]
    b_concepts = {t: _tag_concepts(t) for t in b.tags if t not in shared}
    for ta in a.tags:
        if ta in shared or len(out) >= limit:
            continue
        ca = _tag_concepts(ta)
        match = next((tb for tb, cb in b_concepts.items() if ca & cb), None)
        if match:
            out.append(f"{ta} ↔ {match}")
    return out[:limit]


def _country_flag(chooser: dict[str, Any], other: dict[str, Any]) -> bool | None:
    pref = chooser.get("preferred_countries") or []
    return None if not pref or not other.get("country") else other["country"] in pref


def build_explanation(
    q: ProfileFeatures,
    c: ProfileFeatures,
    score: float,
    fit: float,
    contributions: dict[str, float],
    values: dict[str, float],
) -> Explanation:
    """The explanation of pair (``q`` = you, ``c`` = them) given its score and components."""
    qr, cr = q.record, c.record
    searching = bool(q.needs) and q.needs[0].field == "search"
    evidence = [e for e in (best_pair(q, c, "search" if searching else "your_need"), best_pair(c, q, "their_need")) if e]
    q_sought, c_sought = set(qr.get("cooperation_sought") or []), set(cr.get("cooperation_sought") or [])
    stage_value = values.get("stage", 0.0)
    return Explanation(
        profile_id=q.id,
        candidate_id=c.id,
        candidate_name=cr.get("name", c.id),
        score=round(float(score), 4),
        fit=round(float(fit), 1),
        components={k: round(float(v), 4) for k, v in contributions.items()},
        evidence=evidence,
        shared_sectors=[s for s in qr.get("sectors") or [] if s in set(cr.get("sectors") or [])],
        shared_technologies=shared_technologies(q, c),
        modes={
            "you_seek_they_offer": _mode_pairs(qr, cr),
            "they_seek_you_offer": _mode_pairs(cr, qr),
            "mutual": [[m] for m in sorted(q_sought & c_sought) if m in MUTUAL_MODES],
        },
        competitor=contributions.get("competition", 0.0) <= -MATERIAL_PENALTY,
        countries={"in_your_preferred": _country_flag(qr, cr), "you_in_their_preferred": _country_flag(cr, qr)},
        shared_languages=[x for x in qr.get("languages") or [] if x in set(cr.get("languages") or [])],
        stage=None if stage_value == 0 else ("fit" if stage_value > 0 else "mismatch"),
    )
