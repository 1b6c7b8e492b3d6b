"""Needs, offers and tags read out of one free-text description.

Real sign-ups often write everything into ``description`` (no ``offers``/``needs``), leave the
optional tags empty and type Vietnamese without diacritics. The engine scores what one side
NEEDS against what the other OFFERS, so this module finds them again:

``split_description`` sentences of a description filed as needs, offers or other, by cue phrases
                      in English and Vietnamese, matched on the diacritics-free form.
``fill_free_text``    a record with ``needs``/``offers`` filled from its description when absent.
``infer_tags``        sectors, technologies and cooperation modes read from a text.

Everything here is conservative: a sentence without a clear cue stays in ``other``. Filing an
offer as a need makes the matcher propose competitors, which costs more than a missed need.
Decisions on the tricky cases:

- a negated cue ("We need no investment", "we do not need", "chúng tôi không cần") files nothing;
  the sentence stays in ``other`` (filing it as a need would match it with investors);
- "needs" as a noun ("the needs of farmers", "đáp ứng nhu cầu của nông dân") is no cue: need
  cues are verbs with the writer as subject ("we need", "chúng tôi cần"), section headings
  ("Needs:", "Nhu cầu:") or a few phrases near the start of a sentence ("Looking for …");
- a sentence with both a need cue and an offer cue stays in ``other``;
- "we would like to offer", "mong muốn chia sẻ" (a wish whose object is an offer) stay in ``other``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from matcher.glossary import CONCEPTS, concepts
from matcher.labels import SECTORS
from matcher.schema import load_schema, load_taxonomy
from matcher.text import fold, nfc, split_sentences, strip_diacritics

__all__ = ["FreeText", "InferredTags", "fill_free_text", "infer_tags", "split_description"]

_BULLET = re.compile(r"^\s*(?:[•·▪◦●\-–—*+]|\d{1,2}[.)])\s+")
_FIELD_MAX = {f: int(load_schema()["properties"][f]["maxLength"]) for f in ("needs", "offers")}
_COMBINING = re.compile("[\u0300-\u036f]")

# Cue phrases, written in the lower-case diacritics-free form (``_bare``) so that "chúng tôi cần"
# and "chung toi can" are one cue. Each is (side, pattern, how many words may come before it):
# phrases with the writer as subject may come after an opening clause ("In 2025, we need ..."),
# subject-less ones only near the start, where they are about the writer and not, say, farmers.
_WE_EN = r"(?:we|i|we're|i'm|our (?:company|team|startup|lab|organi[sz]ation))"
_WE_VI = r"(?:chung toi|toi|ben toi|cong ty(?: chung toi)?|doanh nghiep(?: chung toi)?|nhom(?: chung toi)?)"
_ADV_EN = r"(?:(?:also|currently|now|still|really|urgently|actively|mainly|especially|further)\s+){0,2}"
_ADV_VI = (r"(?:(?:cung|dang|rat|hien|hien dang|hien nay|hien tai|van|con|se|thuc su|dac biet|chu yeu|luon)"
           r"\s+){0,2}")
# English and Vietnamese verbs stay with their own subjects: bare "can" is Vietnamese "cần" (need)
# after "chúng tôi" but English "can" after "we"
_NEED_EN = (r"(?:need|require|seek|look for|hope to find|are after|(?:want|would like|wish|hope) to "
            r"(?:find|meet|partner|work|cooperate|collaborate|connect|access|enter|expand|raise|attract|hire|"
            r"recruit|license|acquire|get|receive|buy|source|learn|establish)|(?:are|am|'re|'m) (?:\w+ )?"
            r"(?:looking for|seeking|searching for|hoping (?:to find|for)|interested in|in need of))")
_NEED_VI = r"(?:can(?! thiet| cu\b)|co nhu cau|tim(?! hieu)|mong muon|muon|mong|hy vong|hi vong|keu goi)"
_OFFER_EN = (r"(?:offer|provide|bring|supply|deliver|sell|license out|have (?:developed|built|designed)|own|"
             r"(?:can|are able to|are ready to) (?:provide|offer|supply|share|host|bring|deliver|support|train|"
             r"transfer|license))")
_OFFER_VI = (r"(?:cung cap|co the (?:cung cap|ho tro|chia se|chuyen giao|dao tao)|mang den|mang lai|"
             r"so huu(?! tri tue)|da phat trien|da xay dung|phat trien|san xuat|chuyen (?:ve|cung cap)|"
             r"san sang (?:chia se|chuyen giao|cung cap|ho tro|dao tao)|la nha cung cap)")
_WE = rf"(?:{_WE_EN}|{_WE_VI})"
_OURS = r"(?:cua chung toi|cua cong ty)"
_CUES: tuple[tuple[str, str, int], ...] = (
    ("needs", rf"\b(?:{_WE_EN} {_ADV_EN}{_NEED_EN}|{_WE_VI} {_ADV_VI}{_NEED_VI})\b", 12),
    ("needs", r"^(?:looking for|seeking|searching for|in search of|our needs|what we need|"
              r"what we are looking for)\b", 0),
    ("needs", r"\b(?:(?:is|are) (?:currently |actively |now |also )?(?:looking for|seeking|searching for)|seeks|"
              r"wants to find)\b", 6),
    ("needs", rf"\b(?:can tim|dang tim(?! hieu)|tim kiem doi tac|tim doi tac|mong muon|keu goi|co nhu cau|"
              rf"muon tim|can doi tac|can ho tro|can nguon|can von|dang can|can them|rat can|"
              rf"nhu cau {_OURS}|nhu cau hop tac)\b", 4),
    ("offers", rf"\b(?:{_WE_EN} {_ADV_EN}{_OFFER_EN}|{_WE_VI} {_ADV_VI}{_OFFER_VI})\b", 12),
    ("offers", r"^(?:our (?:platform|products?|solutions?|technology|services?|strengths|capabilities|"
               r"offer|offering)|what we (?:offer|bring|provide))\b", 0),
    ("offers", rf"\b(?:co the cung cap|so huu(?! tri tue)|da phat trien|the manh|(?:san pham|giai phap|nen tang|"
               rf"dich vu|cong nghe|nang luc) {_OURS})\b", 4),
    # negations and wishes to give: no side, and they end a section
    ("block", rf"\b(?:{_WE} (?:do not|don't|dont|no longer|never|are not|aren't) (?:\w+ )?(?:need|require|seek|"
              rf"looking)|need (?:no|nothing|neither)\b|(?:khong|chua|chang) (?:\w+ )?(?:can|co nhu cau|tim)\b|"
              rf"(?:mong muon|muon|mong|would like to|want to|wish to|hope to|hy vong) "
              rf"(?:(?!nhan\b|duoc\b|receive\b|get\b)\w+ )?(?:cung cap|chia se|chuyen giao|gioi thieu|offer|"
              rf"provide|share|supply|transfer|introduce))", 40),
)
_CUE_RES = tuple((side, re.compile(pattern), max_words) for side, pattern, max_words in _CUES)
_NEED_HEADINGS = (r"needs?|our needs|what we need|we need|looking for|seeking|we are looking for|we seek|"
                  r"nhu cau(?: hop tac| cua chung toi)?|chung toi can|can tim|dang tim(?: kiem)?|mong muon|tim kiem")
_OFFER_HEADINGS = (r"offers?|we offer|what we offer|what we bring|we can provide|capabilities|strengths|"
                   r"our strengths|products?(?: and services)?|nang luc(?: cung cap| cua chung toi)?|"
                   r"the manh(?: cua chung toi)?|chung toi cung cap|cung cap|san pham(?: va dich vu)?")
_HEADING = re.compile(rf"^(?:(?P<needs>{_NEED_HEADINGS})|(?P<offers>{_OFFER_HEADINGS}))\s*:")
_HEADING_INSIDE = re.compile(rf"(?<=[\s,.;)\-–—])(?:{_NEED_HEADINGS}|{_OFFER_HEADINGS})\s*:")
_CONTINUES = re.compile(r"^(?:also|additionally|in addition|furthermore|moreover|besides|and|ngoai ra|"
                        r"ben canh do|them vao do|hon nua|dong thoi|cung nhu|va)\b")


def _bare(text: str) -> str:
    """Lower-case ``text`` without diacritics, one character for one, so positions carry over."""
    out = []
    for ch in text:
        base = _COMBINING.sub("", unicodedata.normalize("NFD", ch)).replace("đ", "d").replace("Đ", "D").lower()
        out.append(base if len(base) == 1 else ch)
    return "".join(out)


@dataclass(frozen=True)
class _Cue:
    side: str | None  # "needs", "offers", or None: negated, a wish to give, or both sides
    heading: bool  # a section heading ("Needs:", "Nhu cầu:")
    bare_heading: bool  # a heading with nothing behind its colon


def _find_cue(sentence: str) -> _Cue | None:
    """The cue of ``sentence``, or ``None`` when it has none."""
    bare = _bare(sentence).strip()
    heading = _HEADING.match(bare)
    if heading:
        side = "needs" if heading.group("needs") else "offers"
        return _Cue(side, True, not any(ch.isalnum() for ch in bare[heading.end():]))
    sides: set[str] = set()
    for side, pattern, max_words in _CUE_RES:
        sides.update(side for m in pattern.finditer(bare) if len(bare[: m.start()].split()) <= max_words)
    if not sides:
        return None
    return _Cue(sides.pop() if len(sides) == 1 and "block" not in sides else None, False, False)


def _heading_starts(line: str) -> list[int]:
    """Where a capitalised section heading starts inside ``line`` (not at its start)."""
    return [m.start() for m in _HEADING_INSIDE.finditer(_bare(line)) if line[m.start()].isupper()]


@dataclass(frozen=True)
class FreeText:
    """Sentences of a description, in order, as written (NFC): needs, offers, the rest."""

    needs: tuple[str, ...]
    offers: tuple[str, ...]
    other: tuple[str, ...]


@dataclass(frozen=True)
class _Sentence:
    text: str
    line: int  # index of the paragraph line it comes from
    bullet: bool  # its line starts with a bullet or a list number
    after_break: bool  # a blank line comes between it and the sentence before


def _sentences(text: str) -> list[_Sentence]:
    """Sentences with their line facts; a section heading inside a line starts a new sentence."""
    out: list[_Sentence] = []
    blank = False
    for line_no, line in enumerate(nfc(text).splitlines()):
        if not line.strip():
            blank = True
            continue
        bullet = bool(_BULLET.match(line))
        cuts = [0, *_heading_starts(line), len(line)]
        for start, end in zip(cuts, cuts[1:], strict=False):
            for sentence in split_sentences(line[start:end]):
                out.append(_Sentence(sentence, line_no, bullet, blank))
                blank = False
    return out


def split_description(text: str) -> FreeText:
    """The need sentences, the offer sentences and the other sentences of ``text``.

    A sentence is a need (offer) when it carries a need (offer) cue and no cue of the other side.
    A sentence without a cue joins the cued sentence before it when it continues it, and never
    across a blank line: the cued one was a heading ("Needs:", "Nhu cầu:") and this one is on the
    same line or a bullet line, or follows a bare heading (nothing behind its colon) on the
    next lines (up to the end of a bulleted list); or the one before ended in ``;``, ``:`` or
    ``,`` (a list); or this one starts with "also", "in addition", "ngoài ra", "bên cạnh đó", ....
    A negated or two-sided cue ends the section. Returns sentences as ``split_sentences`` gives
    them (NFC, stripped, bullets dropped), otherwise untouched.
    """
    labels: dict[str, list[str]] = {"needs": [], "offers": [], "other": []}
    current: tuple[str, _Cue, _Sentence] | None = None  # the open section: side, its cue, opener
    previous: _Sentence | None = None
    for sentence in _sentences(text):
        cue = _find_cue(sentence.text)
        if cue is not None and cue.side is not None:
            current = (cue.side, cue, sentence)
        elif cue is not None or current is None or previous is None:
            current = None  # a negated or two-sided cue ends a section too
        elif not _continues(current, previous, sentence):
            current = None
        labels[current[0] if current else "other"].append(sentence.text)
        previous = sentence
    return FreeText(tuple(labels["needs"]), tuple(labels["offers"]), tuple(labels["other"]))


def _continues(current: tuple[str, _Cue, _Sentence], previous: _Sentence, sentence: _Sentence) -> bool:
    _, cue, opener = current
    if sentence.after_break:
        return False
    # a bare heading takes the lines below it; once they are bullets, the list ends with them
    under_heading = sentence.line == opener.line or sentence.bullet or (cue.bare_heading and not previous.bullet)
    if cue.heading and under_heading:
        return True
    return previous.text.rstrip().endswith((";", ":", ",")) or bool(_CONTINUES.match(_bare(sentence.text)))


def _joined(sentences: tuple[str, ...], max_chars: int) -> str:
    """Whole sentences joined with spaces, as many as fit in ``max_chars``."""
    out = ""
    for s in sentences:
        candidate = f"{out} {s}" if out else s
        if len(candidate) > max_chars:
            break
        out = candidate
    return out


def fill_free_text(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(record, inferred): ``needs``/``offers`` filled from the description where absent.

    A field counts as absent when missing or blank. The new record is a shallow copy with the
    need (offer) sentences of ``split_description(record["description"])`` joined by spaces (whole
    sentences, within the schema's length limit); the description is left as it is. ``inferred``
    names each field filled and its source, e.g. ``{"needs": "description"}``; a field with no
    sentence found stays absent and is not named. A record with both fields is returned as an
    equal copy with ``{}``.
    """
    out = dict(record)
    missing = [f for f in ("needs", "offers") if not str(record.get(f) or "").strip()]
    if not missing or not str(record.get("description") or "").strip():
        return out, {}
    found = split_description(record["description"])
    inferred: dict[str, str] = {}
    for field in missing:
        text = _joined(getattr(found, field), _FIELD_MAX[field])
        if text:
            out[field] = text
            inferred[field] = "description"
    return out, inferred


# Glossary concept -> taxonomy sector, written from the taxonomy's sector descriptions (not fitted to
# any data). Concepts that serve many sectors are left out: sensor, software_development, platform,
# education-wide or cooperation terms, and "space" (its forms include the bare word "space", as in
# "office space"; satellites carry the sector instead).
_SECTOR_CONCEPTS: dict[str, tuple[str, ...]] = {
    "ai": ("ai", "machine_learning", "deep_learning", "computer_vision", "nlp", "llm", "speech", "data_analytics",
           "ai_inference", "dataset"),
    "semiconductors": ("semiconductor", "chip_design", "chip_packaging", "chip_fabrication", "risc_v",
                       "power_electronics", "mpw_pdk"),
    "digital_transformation": ("digital_transformation", "e_government", "erp", "saas", "interoperability"),
    "cybersecurity": ("cybersecurity", "digital_identity", "cryptography", "threat_detection", "digital_sovereignty",
                      "ot_security"),
    "cloud_data_centers": ("cloud", "data_center", "hpc"),
    "telecom_5g": ("telecom", "5g", "network_equipment", "private_network"),
    "iot": ("iot", "embedded", "lpwan"),
    "robotics_automation": ("robotics", "automation", "drone", "autonomous_vehicle", "cobot"),
    "quantum": ("quantum",),
    "biotech": ("biotech", "pharma", "vaccine", "genomics", "bioprocess"),
    "healthtech": ("healthtech", "medical_device", "medical_imaging", "health_records", "remote_monitoring",
                   "ultrasound"),
    "agritech": ("agriculture", "aquaculture", "crops", "livestock", "fertiliser", "greenhouse", "hydroponics",
                 "drip_irrigation", "biocontrol", "plant_breeding"),
    "fintech": ("fintech", "payment", "banking", "insurance", "lending"),
    "edtech": ("edtech", "stem", "language_learning", "personalised_learning"),
    "cleantech_energy": ("renewable_energy", "solar", "wind", "energy_storage", "hydrogen", "smart_grid",
                         "energy_efficiency", "bioenergy", "smart_meter", "ppa"),
    "green_transition": ("carbon_credit", "emissions", "esg", "circular_economy", "green_transition",
                         "carbon_border"),
    "advanced_materials": ("advanced_materials", "nanomaterials", "rare_earth", "composites", "metallurgy",
                           "solvent_extraction"),
    "manufacturing": ("smart_manufacturing", "electronics_manufacturing", "precision_engineering",
                      "welding_machining"),
    "logistics": ("logistics", "delivery", "maritime", "cold_chain_logistics"),
    "smart_cities": ("smart_city", "traffic"),
    "halal": ("halal",),
    "ecommerce": ("ecommerce",),
    "space": ("satellite", "small_satellite"),
}
CONCEPT_SECTORS: dict[str, str] = {c: sector for sector, cs in _SECTOR_CONCEPTS.items() for c in cs}
_MODES = tuple(load_taxonomy()["cooperation_modes"])
# funding words are the investment mode (the glossary keeps the funding stage apart)
_MODE_CONCEPTS: dict[str, str] = {m: m for m in _MODES} | {"early_stage_funding": "investment",
                                                             "growth_funding": "investment"}
# concepts that are no technology: cooperation modes, kinds of actor, places, markets
_NOT_TECHNOLOGY = frozenset(_MODE_CONCEPTS) | {
    "grant", "startup", "innovation_center", "innovation", "university_research", "rnd_center", "sme",
    "manufacturer", "government", "localisation", "make_in_vietnam", "vietnam", "southeast_asia", "education",
    "hospital", "retail", "marketing", "export", "tourism", "muslim_market", "supply_chain", "urban_planning",
    "mobility", "climate", "food_technology", "space"}


def _sector_phrases() -> dict[tuple[str, ...], str]:
    """Words of each sector label (Vietnamese and English, split at commas and "and"/"và"), bare."""
    phrases: dict[tuple[str, ...], str] = {}
    for key, pair in SECTORS.items():
        for label in pair:
            for phrase in re.split(r",| và | and |\(|\)", label):
                words = tuple(re.findall(r"\w+", strip_diacritics(phrase)))
                if words:
                    phrases[words] = key
    return phrases


_SECTOR_PHRASES = _sector_phrases()


def _label_sectors(text: str) -> list[str]:
    """Sectors whose label words occur in ``text``: phrases of two or more words also without
    diacritics, single words only as written (a bare Vietnamese syllable is ambiguous)."""
    folded = re.findall(r"\w+", fold(text))
    bare = [strip_diacritics(t) for t in folded]
    found: list[str] = []
    for words, sector in _SECTOR_PHRASES.items():
        n, tokens = len(words), bare if len(words) > 1 else folded
        found.extend(sector for i in range(len(tokens) - n + 1) if tuple(tokens[i : i + n]) == words)
    return found


def _display(concept: str) -> str:
    """A concept's display name: its first English (ASCII) surface form."""
    forms = CONCEPTS[concept].split("|")
    return next((f for f in forms if f.isascii()), forms[0])


@dataclass(frozen=True)
class InferredTags:
    """Tags read from a text: taxonomy sector keys, technology names, cooperation mode keys."""

    sectors: tuple[str, ...]
    technologies: tuple[str, ...]
    cooperation_sought: tuple[str, ...]
    cooperation_offered: tuple[str, ...]


def _counted(keys: list[str], min_mentions: int) -> tuple[str, ...]:
    """Keys mentioned at least ``min_mentions`` times, most mentioned first, ties by first mention."""
    counts = {k: keys.count(k) for k in dict.fromkeys(keys)}
    ordered = sorted(counts, key=lambda k: -counts[k])
    return tuple(k for k in ordered if counts[k] >= min_mentions)


def infer_tags(text: str, min_mentions: int = 2) -> InferredTags:
    """Sectors, technologies and cooperation modes read from ``text``.

    ``sectors``: taxonomy keys whose label words or mapped glossary concepts (``CONCEPT_SECTORS``)
    are mentioned at least ``min_mentions`` times (the larger of the two tallies; one passing mention is often a
    customer's field, not the writer's). ``technologies``: display names (first English form) of
    the glossary concepts found that are technologies (not modes, actors or places), mentioned
    at least ``min_mentions`` times. ``cooperation_sought`` (``_offered``): cooperation mode keys
    whose glossary concepts occur in the need (offer) sentences of ``split_description(text)``.
    """
    if min_mentions < 1:
        raise ValueError(f"min_mentions must be at least 1, got {min_mentions}")
    found = concepts(text)
    by_concept = [CONCEPT_SECTORS[c] for c in found if c in CONCEPT_SECTORS]
    by_label = _label_sectors(text)
    # a label word is often a glossary form too ("logistics"): a sector counts the larger of its
    # two tallies, so that one word is not two mentions
    sectors = [s for s in dict.fromkeys(by_concept + by_label)
               for _ in range(max(by_concept.count(s), by_label.count(s)))]
    technologies = [c for c in found if c not in _NOT_TECHNOLOGY]
    split = split_description(text)
    sought = [_MODE_CONCEPTS[c] for c in concepts(" ".join(split.needs)) if c in _MODE_CONCEPTS]
    offered = [_MODE_CONCEPTS[c] for c in concepts(" ".join(split.offers)) if c in _MODE_CONCEPTS]
    return InferredTags(
        sectors=_counted(sectors, min_mentions),
        technologies=tuple(_display(c) for c in _counted(technologies, min_mentions)),
        cooperation_sought=_counted(sought, 1),
        cooperation_offered=_counted(offered, 1),
    )
