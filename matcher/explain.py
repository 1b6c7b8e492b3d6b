"""Why a pair was proposed: the evidence behind a score, as data and as a short text.

``build_explanation`` is called for returned pairs only (never in the ranking hot path). It
finds, in each direction, the best-matching passage pair (your need ↔ their offer, their need
↔ your offer), narrows each passage to its best sentence, and lists shared sectors,
technologies and complementary cooperation modes. ``Explanation.render(lang)`` writes it in
Vietnamese or English; quotes stay in their original language. ``Explanation.to_dict()`` is the
published JSON (with both renderings as its ``summary``) and ``Explanation.from_dict`` reads it back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

import numpy as np

from matcher.domain import MODES, MUTUAL_MODES, mode_answer_matrix
from matcher.evidence import AssetRef, DocumentRef, Evidence, Quote
from matcher.features import PROVIDE_FIELDS, Passage, ProfileFeatures
from matcher.glossary import concepts
from matcher.render import render_explanation
from matcher.text import split_sentences, strip_diacritics, truncate, words

QUOTE_CHARS = 240
# the competitor note shows only when the penalty moves the score by at least this much (score
# units: a fraction of one standard deviation of text match), never for a trace of rivalry
MATERIAL_PENALTY = 0.5
# a need quote comes from what a profile asks for (its needs, or a search text), an offer quote
# from what it brings: never the other way round, whatever the vectors say
NEED_FIELDS = ("needs", "search")

# Cues of a sentence that asks rather than offers ("We are looking for ...", "Chúng tôi cần ..."):
# descriptions mix both, and such a sentence is lexically closest to the other side's need, so
# it would otherwise be quoted as what the profile offers. Matched on ``strip_diacritics`` of
# the sentence (Vietnamese written with or without diacritics reads the same). Bare "can" is
# not a cue: it is also English "can" and the end of "tiếp cận".
_NEED_CUES = re.compile(
    r"\b(?:"
    r"we (?:also |still |now |urgently |currently |really )?(?:need|require|seek|want|lack)"
    r"|(?:are|is|am) (?:also |still |now |currently |actively )?(?:looking|searching|seeking|hoping)"
    r"|looking for|searching for|seeking|seeks|in (?:need|search) of|hopes? to find|would like to find"
    r"|wants|(?:needs|requires) (?:a|an|to|more|new|partners?|investors?|investment|funding|capital|support|help)"
    r"|(?:chung toi|toi|cong ty|nhom|doanh nghiep|du an|startup|trung tam|vien|truong|ho)"
    r" (?:dang |rat |van |con |cung |hien |hien dang |luon )?(?:can|tim|muon|thieu)"
    r"|can tim|dang tim|dang can|mong muon|mong tim|muon tim|co nhu cau|keu goi"
    r"|can (?:them|doi tac|chuyen giao|ho tro|nha dau tu|von|dau tu|hop tac)"
    r"|tim (?:kiem )?(?:doi tac|nha dau tu|nguon|khach hang|co hoi)"
    r")\b"
)
# Cues of a need to license, buy or take over a technology (on ``strip_diacritics``): what answers
# it is an IP asset, not a paper or a description sentence that shares its topic, so such a need
# quotes the giver's best-matching asset when the giver lists any. Bare "mua" is not a cue (it is
# also "mùa", season).
_ACQUIRE_CUES = re.compile(
    r"\b(?:licen[cs]\w*|sublicen[cs]\w*|li[- ]?xang|cap phep|ban quyen|chuyen giao cong nghe|technology transfer"
    r"|buy|buying|purchas\w*|acquir\w*|acquisition|mua (?:lai|ban quyen|cong nghe|quy trinh|bang sang che)"
    r"|patent\w*|sang che|trl)\b",
    re.IGNORECASE,
)
# cooperation sought that an IP asset answers (the same reading as ``_ACQUIRE_CUES``)
ACQUIRING_MODES = frozenset({"licensing_ip", "technology_transfer"})
# function words carry no evidence: left out when sentences are compared word by word
_STOPWORDS = frozenset(
    "a an the and or of for to in on at by with from as into per than that this these those which who is are "
    "be been was were it its our we us their they them has have had will can also such other more s "
    "va cua cac nhung voi mot duoc la cho nay trong theo den co do de da se ra".split()
)


@dataclass
class Explanation:
    """The reasons for one pair, from the point of view of ``profile_id`` ("you")."""

    profile_id: str
    candidate_id: str
    candidate_name: str
    score: float
    fit: float
    components: dict[str, float]
    evidence: list[Evidence] = field(default_factory=list)
    shared_sectors: list[str] = field(default_factory=list)
    shared_technologies: list[str] = field(default_factory=list)
    modes: dict[str, list[list[str]]] = field(default_factory=dict)
    competitor: bool = False
    countries: dict[str, bool | None] = field(default_factory=dict)
    shared_languages: list[str] = field(default_factory=list)
    stage: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (the ``explanation`` of ``Match.to_dict()``): the fields in order, then
        ``"summary"``: ``{"vi": render("vi"), "en": render("en")}``."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["evidence"] = [e.to_dict() for e in self.evidence]
        out["summary"] = {"vi": self.render("vi"), "en": self.render("en")}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Explanation:
        """The explanation ``to_dict()`` wrote (its ``summary`` is left out: ``render`` writes it
        again, in the reader's language). Fields with a default may be absent; an unknown key or a
        missing required one raises."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names - {"summary"}
        if unknown:
            raise ValueError(f"unknown explanation keys {sorted(unknown)}; valid: {', '.join(sorted(names))}")
        values = {k: v for k, v in data.items() if k in names}
        values["evidence"] = [Evidence.from_dict(e) for e in data.get("evidence") or []]
        return cls(**values)

    def render(self, lang: str = "en") -> str:
        """A short human text in ``lang`` (``"vi"`` or ``"en"``)."""
        return render_explanation(self, lang)


def asks(sentence: str) -> bool:
    """Whether ``sentence`` reads as a need ("We are looking for ...", "Chúng tôi cần ...")."""
    return _NEED_CUES.search(strip_diacritics(sentence)) is not None


@lru_cache(maxsize=131072)
def _overlap_terms(text: str) -> tuple[frozenset[str], int]:
    """(content words without diacritics and glossary concepts of a sentence, its content word
    count); cached too, since profiles share sentences (boilerplate, copied paragraphs)."""
    bare = [w for w in words(strip_diacritics(text)) if w not in _STOPWORDS]
    return frozenset(bare) | {f"c:{c}" for c in concepts(text)}, len(bare)


@dataclass(frozen=True)
class _Analysed:
    """A passage cut into sentences, each with its overlap terms and word count and whether it
    asks (``asks``)."""

    sentences: tuple[str, ...]
    sentence_terms: tuple[tuple[frozenset[str], int], ...]
    asking: tuple[bool, ...]

    @property
    def offering(self) -> list[int]:
        """Positions of the sentences that do not ask."""
        return [k for k, a in enumerate(self.asking) if not a]


@lru_cache(maxsize=65536)
def _analyse(passage: str) -> _Analysed:
    """Cached per passage text: the same candidate passages come back in many explanations, and
    the glossary pass is most of an explanation's cost."""
    sentences = _sentences(passage)
    return _Analysed(sentences, tuple(_overlap_terms(s) for s in sentences), tuple(asks(s) for s in sentences))


@lru_cache(maxsize=65536)
def _sentences(passage: str) -> tuple[str, ...]:
    return tuple(split_sentences(passage)) or (passage,)


@lru_cache(maxsize=65536)
def _offers_something(passage: str) -> bool:
    """Whether ``passage`` has a sentence that does not ask (no glossary pass: every provide
    passage of a candidate is checked)."""
    return not all(asks(s) for s in _sentences(passage))


@lru_cache(maxsize=65536)
def _tag_concepts(tag: str) -> frozenset[str]:
    return frozenset(concepts(tag))


@lru_cache(maxsize=65536)
def _quote(sentence: str) -> str:
    return truncate(sentence, QUOTE_CHARS)


def _best_sentences(need: str, offer: str) -> tuple[str, str]:
    """(the sentence of ``need``, the sentence of ``offer`` that does not ask) sharing most words
    or glossary concepts with each other, per the square root of their lengths; ties and pairs
    sharing nothing go to the earlier sentences. ``offer`` must have a sentence that does not ask."""
    asked, given = _analyse(need), _analyse(offer)
    offering = given.offering
    best, pick = 0.0, (0, offering[0])
    for i, (terms_i, n_i) in enumerate(asked.sentence_terms):
        for j in offering:
            terms_j, n_j = given.sentence_terms[j]
            score = len(terms_i & terms_j) / ((1 + n_i) * (1 + n_j)) ** 0.5
            if score > best:
                best, pick = score, (i, j)
    return asked.sentences[pick[0]], given.sentences[pick[1]]


# list items inside a sentence: ", " and spaced dashes, outside parentheses
_CLAUSE_BREAK = re.compile(r",\s+|\s+[—–]\s+")
_LEADING_CONJUNCTION = re.compile(r"^(?:and|or|as well as|và|hoặc|cùng)\s+", re.IGNORECASE)


@lru_cache(maxsize=65536)
def _clause_spans(sentence: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of the list items of ``sentence``, separators left out."""
    spans, start = [], 0
    for m in _CLAUSE_BREAK.finditer(sentence):
        if sentence.count("(", 0, m.start()) > sentence.count(")", 0, m.start()):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(sentence)))
    return tuple(spans)


def _narrow(sentence: str, other: str) -> str:
    """``sentence`` cut to the run of its list items that share words or glossary concepts with
    ``other``, the cuts marked "…". One sentence often lists every need ("Seed investment,
    component suppliers, manufacturing partners."): each card then cites the items its partner
    answers, not the whole list. Unchanged when nothing or every item is shared."""
    target = _overlap_terms(other)[0]
    spans = _clause_spans(sentence)
    hits = [k for k, (a, b) in enumerate(spans) if _overlap_terms(sentence[a:b])[0] & target]
    if len(spans) < 2 or not hits:
        return sentence
    start, end = spans[hits[0]][0], spans[hits[-1]][1]
    if start == 0 and end == len(sentence):
        return sentence
    text = sentence[start:end].rstrip(",;:")
    if start > 0:
        text = "… " + _LEADING_CONJUNCTION.sub("", text)
    return text + (" …" if end < len(sentence) else "")


def _quote_of(p: Passage, record: dict[str, Any]) -> str:
    """The passage's own words: a document's or an asset's title prefix is left out (the
    quote's reference carries it), except for an asset with no description (the title is all)."""
    if p.field in ("documents", "ip_assets") and p.doc >= 0:
        title = ((record.get(p.field) or [])[p.doc].get("title") or "").strip().rstrip(".")
        if title and p.text.startswith(title + ". "):
            return p.text[len(title) + 2 :]
    return p.text


def _cited(p: Passage, owner: ProfileFeatures, text: str) -> Quote:
    """``text`` (cut from passage ``p`` of ``owner``) with where it comes from."""
    document = asset = None
    if p.field == "documents" and p.doc >= 0:
        doc = (owner.record.get("documents") or [])[p.doc]
        document = DocumentRef(p.doc, doc.get("title"), doc.get("url"), doc.get("year"))
    if p.field == "ip_assets" and p.doc >= 0:
        item = (owner.record.get("ip_assets") or [])[p.doc]
        asset = AssetRef(p.doc, item.get("title") or "", item.get("asset_type"), item.get("reference"),
                         item.get("trl"), tuple(item.get("transfer") or ()))
    return Quote(owner.id, p.field, text, document, asset)


def best_pair(asker: ProfileFeatures, giver: ProfileFeatures, direction: str) -> Evidence | None:
    """The asker's need passage and the giver's provide passage that match best (cosine), each
    narrowed to the sentence that best matches the other (``_best_sentences``), then to the list
    items of that sentence that carry the match (``_narrow``).

    The need comes from the asker's needs (or search text), the offer from the giver's offers,
    description or documents, and only from a passage with a sentence that does not ask: a
    description made only of what the giver is looking for is passed over for its next best
    passage. A need to license or buy a technology (``_ACQUIRE_CUES``, or seeking one of
    ``ACQUIRING_MODES``) is answered from the
    giver's IP assets when it lists any. None when either side has nothing to quote.
    """
    needs = [i for i, p in enumerate(asker.needs) if p.field in NEED_FIELDS]
    offers = [
        j for j, p in enumerate(giver.provide)
        if p.field in PROVIDE_FIELDS and _offers_something(_quote_of(p, giver.record))
    ]
    if not needs or not offers:
        return None
    assets = [j for j in offers if giver.provide[j].field == "ip_assets"]
    if assets and (set(asker.record.get("cooperation_sought") or ()) & ACQUIRING_MODES
                   or any(_ACQUIRE_CUES.search(strip_diacritics(asker.needs[i].text)) for i in needs)):
        offers = assets
    sims = asker.need_vecs[needs] @ giver.prov_vecs[offers].T
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    need, offer = asker.needs[needs[i]], giver.provide[offers[j]]
    need_text, offer_text = _best_sentences(need.text, _quote_of(offer, giver.record))
    return Evidence(
        direction,
        round(float(sims[i, j]), 4),
        need=_cited(need, asker, _quote(_narrow(need_text, offer_text))),
        offer=_cited(offer, giver, _quote(_narrow(offer_text, need_text))),
    )


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
