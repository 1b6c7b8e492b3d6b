"""Text handling for matching: normalisation, Vietnamese diacritics folding, passages, tags.

Every text that the engine compares goes through the same few steps:

``nfc``              Unicode NFC (Vietnamese can arrive decomposed, with combining tone marks).
``fold``             NFC + case folding + collapsed whitespace: the form that lexical matching sees.
``strip_diacritics`` ``fold`` without tone and vowel marks (``đ`` → ``d``), so that a text typed
                     without diacritics ("vi mach") still meets one typed with them ("vi mạch").
``split_sentences``  sentence boundaries, tolerant of abbreviations and bullet lists.
``split_passages``   sentences packed greedily into passages under a word and character budget.
``normalise_tag``    the canonical form of a free technology tag.
"""

from __future__ import annotations

import re
import unicodedata

from matcher.accents import is_unaccented_vietnamese

# e5 reads at most 512 tokens, but shorter passages (~60-120 words) give sharper matches: a long
# passage averages several topics into one vector.
DEFAULT_PASSAGE_WORDS = 80
DEFAULT_PASSAGE_CHARS = 700

_WS = re.compile(r"\s+")
# combining marks (U+0300–U+036F hold every Vietnamese tone and vowel mark; others rarely occur)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# a sentence ends at . ! ? … ; (optionally followed by closing quotes/brackets) before whitespace;
# semicolons count because lists of needs or offers are often written as "a; b; c"
_SENTENCE_END = re.compile(r"(?<=[.!?…;])[\"'”’)\]]*\s+")
# line breaks separate sentences too, and a bullet at the start of a line is not part of the text
_LINE_BREAK = re.compile(r"[\r\n]+")
_BULLET = re.compile(r"^\s*(?:[•·▪◦●\-–—*]|\d{1,2}[.)])\s+")
# tokens before a full stop that do not end a sentence
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs dr mr mrs ms prof st no fig inc ltd co corp jsc tp tx ths ts pgs gs v.v approx".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)


def nfc(text: str) -> str:
    """``text`` in Unicode NFC."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """NFC, case-folded, whitespace collapsed: the lexical form of ``text``."""
    return _WS.sub(" ", nfc(text).casefold()).strip()


def strip_diacritics(text: str) -> str:
    """``fold(text)`` without diacritics; ``đ``/``Đ`` become ``d`` (they are letters, not marks)."""
    return fold_pair(text)[1]


def fold_pair(text: str) -> tuple[str, str]:
    """(``fold(text)``, ``strip_diacritics(text)``), folding once."""
    folded = fold(text)
    if folded.isascii():
        return folded, folded
    decomposed = unicodedata.normalize("NFD", folded)
    return folded, nfc(_COMBINING.sub("", decomposed).replace("đ", "d"))


def words(text: str) -> list[str]:
    """The word tokens of ``text`` (Unicode word characters), in order."""
    return _WORD.findall(text)


def _ends_with_abbreviation(chunk: str) -> bool:
    last = chunk.rsplit(None, 1)[-1].strip("([{\"'“‘").rstrip(".").casefold() if chunk.strip() else ""
    # single letters ("J. Smith", "A. B.") are initials, not sentence ends
    return last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, stripped, never empty.

    Splits at sentence punctuation followed by whitespace, at line breaks, bullets and semicolons;
    does not split after common abbreviations (``e.g.``, ``TP.``, ``v.v.``) or initials.
    """
    sentences: list[str] = []
    for line in _LINE_BREAK.split(nfc(text)):
        line = _BULLET.sub("", line)
        if not line.strip():
            continue
        pending = ""
        for piece in _SENTENCE_END.split(line.strip()):
            pending = f"{pending} {piece}" if pending else piece
            if not _ends_with_abbreviation(pending):
                sentences.append(pending.strip())
                pending = ""
        if pending.strip():
            sentences.append(pending.strip())
    return [s for s in sentences if any(ch.isalnum() for ch in s)]


def _cut_long(sentence: str, max_words: int, max_chars: int) -> list[str]:
    """A sentence longer than the budget, cut into word windows that fit it."""
    tokens = sentence.split()
    out: list[str] = []
    current: list[str] = []
    for token in tokens:
        if current and (len(current) >= max_words or len(" ".join([*current, token])) > max_chars):
            out.append(" ".join(current))
            current = []
        # a single word longer than the budget stays whole: text is never dropped (the model
        # truncates what it cannot read anyway)
        current.append(token)
    if current:
        out.append(" ".join(current))
    return out


def split_passages(
    text: str, max_words: int = DEFAULT_PASSAGE_WORDS, max_chars: int = DEFAULT_PASSAGE_CHARS
) -> list[str]:
    """Whole sentences of ``text`` packed greedily into passages of at most ``max_words`` words
    and ``max_chars`` characters; a sentence longer than that is cut at word boundaries (a single
    word longer than ``max_chars`` stays whole, alone in its passage).

    Returns an empty list for a blank text. Deterministic; the passages, joined with spaces,
    give back the text's sentences in order.
    """
    if max_words < 1 or max_chars < 1:
        raise ValueError(f"passage budget must be positive, got max_words={max_words}, max_chars={max_chars}")
    pieces: list[str] = []
    for sentence in split_sentences(text):
        if len(sentence.split()) > max_words or len(sentence) > max_chars:
            pieces.extend(_cut_long(sentence, max_words, max_chars))
        else:
            pieces.append(sentence)
    passages: list[str] = []
    current: list[str] = []
    n_words = n_chars = 0
    for piece in pieces:
        w, c = len(piece.split()), len(piece)
        if current and (n_words + w > max_words or n_chars + 1 + c > max_chars):
            passages.append(" ".join(current))
            current, n_words, n_chars = [], 0, 0
        current.append(piece)
        n_words += w
        n_chars += c + (1 if n_chars else 0)
    if current:
        passages.append(" ".join(current))
    return passages


# letters that only Vietnamese uses among the languages expected here (tone-marked vowels, ă â đ ê ô ơ ư)
_VIETNAMESE_LETTERS = frozenset(
    "ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
)


_LETTER = re.compile(r"[^\W\d_]")
_VIETNAMESE_LETTER = re.compile("[" + "".join(sorted(_VIETNAMESE_LETTERS)) + "]")


def is_vietnamese(text: str, threshold: float = 0.1) -> bool:
    """Whether ``text`` reads as Vietnamese: the share of its letters that are Vietnamese-only
    letters reaches ``threshold``. On the sample ecosystem's passages the share is bimodal:
    Vietnamese 0.2–0.5, English below 0.04 (a few place names), mixed texts in between."""
    folded = nfc(text).casefold()
    n_letters = len(_LETTER.findall(folded))
    if not n_letters:
        return False
    return len(_VIETNAMESE_LETTER.findall(folded)) / n_letters >= threshold


def language_of(text: str) -> str:
    """``"vi"`` when ``text`` reads as Vietnamese (with or without diacritics), else ``"en"``
    (English and the other languages profiles are written in here)."""
    return "vi" if is_vietnamese(text) or is_unaccented_vietnamese(text) else "en"


_TAG_SEPARATORS = re.compile(r"[\s_/]+")


def normalise_tag(tag: str) -> str:
    """Canonical form of a free technology tag: folded, ``_``/``/``/spaces collapsed to one space,
    surrounding punctuation dropped. ``" LoRaWAN "`` → ``"lorawan"``, ``"Computer_Vision"`` →
    ``"computer vision"``; hyphens and dots inside a tag are kept (``risc-v``, ``node.js``).
    """
    folded = _TAG_SEPARATORS.sub(" ", fold(tag)).strip(" .,;:-()[]{}\"'")
    return folded


def truncate(text: str, max_chars: int = 240) -> str:
    """``text`` cut at a word boundary to at most ``max_chars`` characters, with an ellipsis."""
    text = _WS.sub(" ", text).strip()
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
