"""A small bilingual (vi ↔ en) glossary of the domain's technical terms.

Lexical matching cannot see that "vi mạch" and "chip" are one thing. Each entry of
``glossary_terms.CONCEPTS`` names a *concept* and lists its surface forms in English and
Vietnamese; ``concepts(text)`` finds them and the lexical channel adds one canonical token per
concept to both sides, so a Vietnamese need and an English offer share tokens. This is domain
knowledge: the taxonomy's sectors, the cooperation modes, the technologies named in the source
articles, and (a second pass, after reading the sample ecosystem) everyday technical terms of
those sectors. No entry is weighted or fitted to a data set.

Forms are matched on whole words of the case-folded text; forms of two or more words also
match without diacritics (so "vi mach" typed without marks matches "vi mạch"), single words
only exactly, because single Vietnamese syllables collide once their marks are folded away.
English plurals in -s/-es match.
``ACRONYMS`` are matched case-sensitively on the original text ("AI" but not the Vietnamese
word "ai", *who*).
"""

from __future__ import annotations

import re
from functools import cache

from matcher.glossary_terms import ACRONYMS, CONCEPTS
from matcher.text import fold, nfc, strip_diacritics

__all__ = ["ACRONYMS", "CONCEPTS", "concepts"]

_TOKEN = re.compile(r"\w+(?:&\w+)*")
MAX_FORM_WORDS = 6


def _tokens(text: str) -> list[str]:
    """Folded word tokens; hyphens separate words ("risc-v" = "risc v"), "&" joins (r&d)."""
    return _TOKEN.findall(fold(text).replace("-", " "))


def _bare_tokens(tokens: list[str]) -> list[str]:
    """``tokens`` without diacritics, one for one (folded as a whole when that keeps the count)."""
    bare = _TOKEN.findall(strip_diacritics(" ".join(tokens)))
    return bare if len(bare) == len(tokens) else [strip_diacritics(t) for t in tokens]


@cache
def _form_index() -> tuple[dict[tuple[str, ...], str], dict[tuple[str, ...], str], dict[str, int], dict[str, int]]:
    """(exact, bare, exact_starts, bare_starts).

    ``exact`` maps folded forms (word tuples) to concepts, ``bare`` diacritics-folded forms of
    two or more words: a single Vietnamese syllable without its marks is too ambiguous ("tảo",
    algae, and "tạo", to create, are both "tao"). A form listed twice keeps its first concept.
    The ``starts`` maps give, for each word that begins a form, the longest form it begins, so
    that the scan skips every other word at once.
    """
    exact: dict[tuple[str, ...], str] = {}
    bare: dict[tuple[str, ...], str] = {}
    for concept, forms in CONCEPTS.items():
        for form in forms.split("|"):
            key = tuple(_tokens(form))
            if not key or len(key) > MAX_FORM_WORDS:
                continue
            exact.setdefault(key, concept)
            if len(key) > 1:
                bare.setdefault(tuple(_bare_tokens(list(key))), concept)
    exact_starts: dict[str, int] = {}
    for key in exact:
        exact_starts[key[0]] = max(exact_starts.get(key[0], 0), len(key))
    bare_starts: dict[str, int] = {}
    for key in bare:
        bare_starts[key[0]] = max(bare_starts.get(key[0], 0), len(key))
    return exact, bare, exact_starts, bare_starts


def _singular(word: str) -> str | None:
    if len(word) > 3 and word.endswith("es"):
        return word[:-2]
    if len(word) > 2 and word.endswith("s"):
        return word[:-1]
    return None


def _lookup(gram: tuple[str, ...], bare_gram: tuple[str, ...]) -> str | None:
    exact, bare, _, _ = _form_index()
    concept = exact.get(gram) or (bare.get(bare_gram) if len(gram) > 1 else None)
    if concept is None and gram[-1].isascii():
        singular = _singular(gram[-1])  # English plurals: "sensors", "carbon credits"
        if singular:
            concept = exact.get((*gram[:-1], singular))
    return concept


def concepts(text: str) -> list[str]:
    """Concept keys found in ``text``, in order of occurrence (longest form wins at a position;
    repeated mentions are repeated, so that a lexical weighting can count them)."""
    exact, _, exact_starts, bare_starts = _form_index()
    toks = _tokens(text)
    bare = _bare_tokens(toks)
    found: list[str] = []
    i, n_toks = 0, len(toks)
    while i < n_toks:
        longest = max(exact_starts.get(toks[i], 0), bare_starts.get(bare[i], 0))
        if longest == 0 and toks[i].isascii() and len(toks[i]) > 3:
            singular = _singular(toks[i])  # a plural single word ("sensors")
            longest = 1 if singular and (singular,) in exact else 0
        step = 1
        for n in range(min(longest, n_toks - i), 0, -1):
            concept = _lookup(tuple(toks[i : i + n]), tuple(bare[i : i + n]))
            if concept is not None:
                found.append(concept)
                step = n
                break
        i += step
    # an acronym that is also a lowercase form ("IoT", "ESG") was already counted above
    found.extend(ACRONYMS[t] for t in _TOKEN.findall(nfc(text)) if t in ACRONYMS and (t.casefold(),) not in exact)
    return found
