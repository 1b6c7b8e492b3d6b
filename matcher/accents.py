"""Vietnamese typed without diacritics: detect it, and restore the diacritics before embedding.

``is_unaccented_vietnamese``  whether a text (or a substantial part of it) is Vietnamese without marks.
``restore_diacritics``        the text with marks restored on its Vietnamese syllables, all else kept;
                              also in sentences typed with some marks and some stripped ones
                              (``Restorer._partly_stripped``), whose marked words stay as typed.
``restore_if_unaccented``     the two together: what the engine calls before embedding.

Restoration is a Viterbi search over each syllable's accented forms, scored by two models:

* a syllable bigram language model (interpolated Kneser-Ney) counted from the project's own
  Vietnamese text and pyvi's word lists (``matcher/data/accents-lm.json.gz``, built by
  ``scripts/build-accents-model``): it knows which syllables go together in our domain;
* pyvi's diacritics CRF (``vidiac.crfsuite``, trained on general Vietnamese), re-scored here per
  candidate syllable from its own weights: pyvi labels characters, and since a space is always
  labelled plain, its score of a word depends only on the word and its unaccented neighbours, so
  each candidate can be scored exactly without pyvi's slow per-character feature dictionaries.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

# Weights of the models in the Viterbi score, chosen with bench/bench_accents.py (the held-out
# fifth of the profiles, and the dev sets): the LM knows our domain, the CRF and the frequency prior
# general Vietnamese. Prior weight 1 costs 1 point on profiles and gains 2-3 on general text; 2 and
# more lose on profiles (0.87).
CRF_WEIGHT = 0.5
LM_WEIGHT = 1.0
PRIOR_WEIGHT = 1.0
# Kneser-Ney absolute discount (the usual 0.75 for small corpora)
DISCOUNT = 0.75
# at most this many candidates per syllable (by CRF score) enter the Viterbi search: keeps it fast;
# beyond them, only the forms the counted text has next to a form of a neighbour (``Restorer.beside``)
MAX_CANDIDATES = 6
# a sentence is unaccented Vietnamese when at least this share of its words are Vietnamese
# syllables that are not also English words (measured in bench/bench_accents.py)
VIETNAMESE_SHARE = 0.5
# a sentence typed with some marks (half its words, say: Tatoeba so typed was 0.70 accuracy@1
# unrestored, below the 0.80 of fully unaccented text) is restored too when it is Vietnamese and
# at least PARTIAL_MIN of its words are syllables Vietnamese (almost) never writes bare: none of
# their forms, or under BARE_RATIO of the likeliest one's probability ("khong", "biet", "toi").
# 0.01 is the largest ratio tried (0.01, 0.05, 0.1) that flags correctly marked lines no more
# often than "none of its forms" alone (bench/bench_accents.py; docs/evaluation.md)
PARTIAL_MIN = 1
BARE_RATIO = 0.01
# informal abbreviations ("ko" không, "dc" được, "vs" với, "k" không): never read as stripped syllables
_ABBREVIATIONS = frozenset({"k", "ko", "dc", "vs"})

_TOKEN = re.compile(r"\w+")
_SENTENCE_BREAK = re.compile(r"[^\s\-'’]")
_COMPOUND = re.compile(r"\w+(?:[-.'’@/]\w+)*")
_ADDRESS = re.compile(r"[.@/]")
# a sentence: up to sentence punctuation before a space, or to the end of the line
_SENTENCE = re.compile(r".+?(?:[.!?;](?=\s)|$)", re.M)
_MARKED = re.compile("[\u0300-\u036fđơưăâêôàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]", re.IGNORECASE)
# the shape of a Vietnamese syllable written without marks: onset, vowels, final consonant
_SYLLABLE = re.compile(
    r"(?:b|ch|c|d|gh|gi|g|h|kh|k|l|m|ngh|ng|nh|n|ph|p|qu|r|s|th|tr|t|v|x)?"
    r"(?:a|e|i|o|u|y)+(?:ch|c|m|ngh|ng|nh|n|p|t)?$"
)
_TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_VOWEL_MARKS = {"\u0302": "m", "\u0306": "w", "\u031b": "w"}
_LM_FILE = "accents-lm.json.gz"
_DUMP_LINE = re.compile(r"^  \(([01])\) (.+) --> (\w+): (-?[0-9.e+-]+)$", re.M)

# English words that are also unaccented Vietnamese syllables ("to", "me", "the", "in"): no
# evidence either way when deciding whether a text is Vietnamese.
_ENGLISH = frozenset(
    """a about after all also an and any are as at be been but by can could did do does for from
    go got had has have he her him his how i if in into is it its just like long man may me more
    most my new no not now of off on one only or our out over she so some than that the them then
    there these they this those to too top two up us use was we were what when which who why will
    with would you your bang bank ban bat chat hang lan line long nam son thin tie tin toe tong
    ton tan ta tu van vi via""".split()
)


def strip_marks(text: str) -> str:
    """``text`` without Vietnamese tone and vowel marks (``đ`` → ``d``), case kept."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


def crf_label(char: str) -> str:
    """pyvi's CRF label of a lower-case accented character: ``L`` + vowel mark + tone (``ấ`` → ``Lms``)."""
    if char == "đ":
        return "Lm"
    marks = unicodedata.normalize("NFD", char)[1:]
    vowel = "".join(_VOWEL_MARKS.get(m, "") for m in marks)
    tone = "".join(_TONES.get(m, "") for m in marks)
    return "L" + vowel + tone


def syllables(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` in NFC."""
    return _TOKEN.findall(unicodedata.normalize("NFC", text).lower())


@dataclass(frozen=True)
class BigramLM:
    """Interpolated Kneser-Ney bigram model over lower-case syllables (``<s>`` starts a sentence)."""

    bigrams: dict[tuple[str, str], int]
    context_total: dict[str, int]
    context_types: dict[str, int]
    unigram: dict[str, float]
    floor: float

    @classmethod
    def from_counts(cls, unigrams: dict[str, int], bigrams: dict[tuple[str, str], int]) -> BigramLM:
        total: Counter[str] = Counter()
        types: Counter[str] = Counter()
        continuation: Counter[str] = Counter()
        for (u, v), n in bigrams.items():
            total[u] += n
            types[u] += 1
            continuation[v] += 1
        n_cont, n_uni = sum(continuation.values()), sum(unigrams.values())
        # half continuation (KN), half plain frequency: the word lists count each word once, so
        # continuation alone would rank rare syllables of many listed words above common ones
        unigram = {
            w: 0.5 * continuation[w] / max(n_cont, 1) + 0.5 * n / max(n_uni, 1) for w, n in unigrams.items()
        }
        return cls(bigrams, dict(total), dict(types), unigram, 0.1 / max(n_uni, 1))

    def logprob(self, prev: str, word: str) -> float:
        p_uni = self.unigram.get(word, self.floor)
        total = self.context_total.get(prev)
        if not total:
            return math.log(p_uni)
        seen = max(self.bigrams.get((prev, word), 0) - DISCOUNT, 0.0)
        return math.log((seen + DISCOUNT * self.context_types[prev] * p_uni) / total)


def count_ngrams(sentences: Iterable[list[str]]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Unigram and bigram counts of token ``sentences`` (lists of lower-case syllables)."""
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for sentence in sentences:
        unigrams.update(sentence)
        bigrams.update(zip(["<s>", *sentence], sentence, strict=False))
    return unigrams, bigrams


@dataclass(frozen=True)
class Counts:
    """What the model learns from text: syllable and bigram counts, the unaccented syllables that
    are also English words (no evidence of Vietnamese when they stand alone), and a frequency
    sign of each syllable in general Vietnamese (see scripts/build-accents-model)."""

    unigrams: dict[str, int]
    bigrams: dict[tuple[str, str], int]
    english: frozenset[str]
    prior: dict[str, int]


def save_counts(path: Path, counts: Counts) -> None:
    """Write ``counts`` as gzipped JSON ({syllable: n}, {"u v": n}, [word]), sorted."""
    data = {
        "unigrams": dict(sorted(counts.unigrams.items())),
        "bigrams": {f"{u} {v}": n for (u, v), n in sorted(counts.bigrams.items())},
        "english": sorted(counts.english),
        "prior": dict(sorted(counts.prior.items())),
    }
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))


def load_counts(path: Path) -> Counts:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)
    bigrams = {}
    for key, n in data["bigrams"].items():
        u, _, v = key.partition(" ")
        bigrams[u, v] = n
    return Counts(data["unigrams"], bigrams, frozenset(data["english"]), data["prior"])


class _Sentence(NamedTuple):
    """A sentence or line of a text that ``Restorer`` restores."""

    start: int
    end: int
    partial: bool  # typed with some marks (``Restorer._partly_stripped``)
    words: int  # its number of words
    bare: int  # of them, bare Vietnamese syllables (``Restorer._bare_syllable``); 0 when ``partial``


class Restorer:
    """Detects unaccented Vietnamese and restores its diacritics, with the ``BigramLM`` of ``counts``
    and pyvi's CRF weights (``CrfWeights``)."""

    def __init__(self, counts: Counts, crf: CrfWeights, crf_weight: float = CRF_WEIGHT,
                 lm_weight: float = LM_WEIGHT, prior_weight: float = PRIOR_WEIGHT) -> None:
        lm = BigramLM.from_counts(counts.unigrams, counts.bigrams)
        self.lm = lm
        self.english = counts.english | _ENGLISH
        self.crf = crf
        self.crf_weight = crf_weight
        self.lm_weight = lm_weight
        self.prior = {w: prior_weight * math.log1p(n) for w, n in counts.prior.items()}
        bare_of = {word: strip_marks(word) for word in lm.unigram if word.isalpha()}
        forms: dict[str, set[str]] = {}
        for word, bare in bare_of.items():
            forms.setdefault(bare, set()).add(word)
        self.forms = {bare: tuple(sorted(f)) for bare, f in forms.items() if bare.isascii()}
        # bare spellings that are none of their forms, or far rarer than the likeliest one ("khong",
        # "biet", "toi"; not "cho", "anh", "tin"): a partly marked sentence's evidence of stripping
        p = lm.unigram
        self.rarely_bare = frozenset(
            b for b, f in self.forms.items() if p.get(b, 0.0) < BARE_RATIO * max(p.get(w, 0.0) for w in f))
        # the forms a syllable takes beside a bare neighbour in the counted text, both ways: a form
        # outside the CRF's MAX_CANDIDATES still enters the search when the model has seen it next
        # to a form of its neighbour ("chẩn" before "đoán": ``_candidates``). Kept only for the
        # syllables with more forms than that (45k entries, ~7 MB), keyed ">left word" / "<right word"
        many = {b for b, f in self.forms.items() if len(f) > MAX_CANDIDATES}
        beside: dict[str, set[str]] = {}
        for u, v in lm.bigrams:
            bu, bv = bare_of.get(u), bare_of.get(v)  # "<s>" and non-words have none
            if bu is not None and bv is not None:
                if bv in many:
                    beside.setdefault(f">{bu} {bv}", set()).add(v)
                if bu in many:
                    beside.setdefault(f"<{bv} {bu}", set()).add(u)
        self.beside = {k: tuple(sorted(v)) for k, v in beside.items()}

    def restore(self, text: str) -> str:
        """``text`` with the diacritics of its unmarked sentences restored (see ``restore_diacritics``),
        and of the bare syllables of its partly stripped ones (``_partly_stripped``), whose marked
        words are kept as typed and read as context."""
        out, last = [], 0
        for sentence in self._sentences_to_restore(text):
            start, end = sentence.start, sentence.end
            spans, fixed = (self._partial_spans(text, start, end) if sentence.partial
                            else (_restorable_spans(text, start, end, self.forms), frozenset()))
            for i, ((s, e), form) in enumerate(zip(spans, self._decode(text, spans, fixed), strict=True)):
                if i in fixed:
                    continue
                out.append(text[last:s])
                out.append("".join(c.upper() if t.isupper() else c for c, t in zip(form, text[s:e], strict=True)))
                last = e
        out.append(text[last:])
        return "".join(out)

    def is_unaccented(self, text: str) -> bool:
        """Whether unmarked Vietnamese sentences, and partly stripped ones (``_partly_stripped``),
        hold at least a third of the words of ``text``."""
        total = len(_COMPOUND.findall(text))
        found = sum(s.words for s in self._sentences_to_restore(text)
                    if s.partial or (s.bare >= 2 and s.bare >= VIETNAMESE_SHARE * s.words))
        return found > 0 and found >= total / 3

    def _sentences_to_restore(self, text: str) -> list[_Sentence]:
        """The sentences and lines of ``text`` to restore, in order: those without any Vietnamese
        mark that are not English (``_english``), and the partly stripped ones among the others
        (``_partly_stripped``)."""
        out = []
        for m in _SENTENCE.finditer(text):
            words = _COMPOUND.findall(text, *m.span())
            if _MARKED.search(m.group()) is not None:
                if self._partly_stripped(words):
                    out.append(_Sentence(*m.span(), True, len(words), 0))
                continue
            bare = sum(self._bare_syllable(w.lower()) for w in words)
            if not self._english(words, bare):
                out.append(_Sentence(*m.span(), False, len(words), bare))
        return out

    def _bare_syllable(self, word: str) -> bool:
        """Whether ``word`` (lower case) is a Vietnamese syllable typed bare that is not also an
        English word: evidence that a sentence is unaccented Vietnamese."""
        return word in self.forms and word not in self.english and _SYLLABLE.match(word) is not None

    def _english(self, words: list[str], bare: int) -> bool:
        """Whether an unmarked sentence (its ``words``, of which ``bare`` are bare Vietnamese
        syllables: ``_bare_syllable``) is English rather than Vietnamese typed bare: more of its
        words are plainly English than that. A plainly English word is made of letters, is not an
        acronym, and is neither the shape of a Vietnamese syllable nor a spelling the model knows
        ("want", "partner"). Such a sentence stays as typed.

        Before, a text flagged as unaccented Vietnamese had every unmarked sentence restored, its
        English ones too ("We want to partner on chips" became "We want tổ partner ổn chips").
        Measured with the restorer on the English halves of Tatoeba and IWSLT, each sentence
        restored as if it were part of such a text: it changed 418 of 500 and 1,398 of 1,553
        before, 20 and 14 now; of their Vietnamese halves stripped of marks, none and 8 of 1,553
        are read as English (interjections such as "Wooo !", and one sentence of English titles)."""
        plain = 0
        for w in words:
            low = w.lower()
            plain += (w.isascii() and w.isalpha() and len(w) >= 2 and not w.isupper() and low not in self.forms
                      and _SYLLABLE.match(low) is None)
        return plain > bare

    def _partly_stripped(self, words: list[str]) -> bool:
        """Whether a sentence typed with some marks (its ``words``) is Vietnamese (``_vietnamese``)
        with at least ``PARTIAL_MIN`` syllables left bare that Vietnamese (almost) never writes
        bare (``_stripped``). Text typed with all its marks has none, and an English sentence naming
        "Hà Nội" is not Vietnamese, so neither is ever changed (bench/bench_accents.py)."""
        return sum(map(self._stripped, words)) >= PARTIAL_MIN and self._vietnamese(words)

    def _vietnamese(self, words: list[str]) -> bool:
        """Whether at least ``VIETNAMESE_SHARE`` of ``words`` are Vietnamese syllables, marked or
        bare (not also English words)."""
        known = sum((not w.isascii() and w.lower() in self.lm.unigram) or self._bare_syllable(w.lower()) for w in words)
        return known >= VIETNAMESE_SHARE * len(words)

    def _stripped(self, word: str) -> bool:
        """Whether ``word`` as typed is evidence of a syllable stripped of its marks: lower-case,
        three letters or more, not English, not a chat abbreviation ("ko", "dc"), and a bare
        spelling none of its forms has, or far rarer than the likeliest one ("khong", "biet",
        "toi"; not "cho", "anh", "tin")."""
        return (len(word) >= 3 and word.islower() and word.isascii() and word not in _ABBREVIATIONS
                and word not in self.english and word in self.rarely_bare)

    def _partial_spans(self, text: str, start: int, end: int) -> tuple[list[tuple[int, int]], frozenset[int]]:
        """The spans of a partly marked sentence and the positions of those that stay as typed:
        its unmarked syllables (``_restorable_spans``, but chat abbreviations) are restored, its
        marked ones the model knows are kept and read as their context."""
        bare = {span for span in _restorable_spans(text, start, end, self.forms)
                if text[span[0]:span[1]].lower() not in _ABBREVIATIONS}
        spans, fixed = [], set()
        for m in _TOKEN.finditer(text, start, end):
            if m.span() in bare:
                spans.append(m.span())
            elif not m.group().isascii() and m.group().lower() in self.lm.unigram:
                fixed.add(len(spans))
                spans.append(m.span())
        return spans, frozenset(fixed)

    def _decode(self, text: str, spans: list[tuple[int, int]], fixed: frozenset[int] = frozenset()) -> list[str]:
        """Best form of each span, by Viterbi within runs of spans that only whitespace separates;
        the spans in ``fixed`` (positions) keep their typed form."""
        chosen: list[str] = []
        run: list[int] = []
        for i, (start, _) in enumerate(spans):
            if run and _SENTENCE_BREAK.search(text[spans[i - 1][1] : start]):
                chosen += self._viterbi(text, spans, run, fixed)
                run = []
            run.append(i)
        return chosen + self._viterbi(text, spans, run, fixed)

    def _viterbi(self, text: str, spans: list[tuple[int, int]], run: list[int], fixed: frozenset[int]) -> list[str]:
        typed = [text[spans[i][0] : spans[i][1]].lower() for i in run]
        bare = [strip_marks(t) for t in typed]  # the CRF reads its neighbours unmarked
        lattice: list[tuple[tuple[str, ...], list[float]]] = []
        for k, word in enumerate(bare):
            if run[k] in fixed:
                lattice.append(((typed[k],), [0.0]))
                continue
            left = bare[k - 1] if k else ""
            right = bare[k + 1] if k + 1 < len(bare) else ""
            lattice.append(self._candidates(word, left, right, first=spans[run[k]][0] == 0))
        prev_forms, prev_scores = ["<s>"], [0.0]
        back: list[list[int]] = []
        logprob, w_lm = self.lm.logprob, self.lm_weight
        for forms, local in lattice:
            scores, pointers = [], []
            for form, s_local in zip(forms, local, strict=True):
                best, arg = max(
                    (p + w_lm * logprob(prev, form), j)
                    for j, (prev, p) in enumerate(zip(prev_forms, prev_scores, strict=True))
                )
                scores.append(best + s_local)
                pointers.append(arg)
            back.append(pointers)
            prev_forms, prev_scores = list(forms), scores
        j = int(np.argmax(prev_scores))
        path = []
        for (forms, _), pointers in zip(reversed(lattice), reversed(back), strict=True):
            path.append(forms[j])
            j = pointers[j]
        return path[::-1]

    def _candidates(self, word: str, left: str, right: str, first: bool) -> tuple[tuple[str, ...], list[float]]:
        forms = self.forms[word]
        if len(forms) == 1:
            return forms, [0.0]
        scores = self.crf.scores(word, forms, left, right, first)
        scores = scores - np.logaddexp.reduce(scores)
        order: list[int] = np.argsort(-scores, kind="stable").tolist()
        if len(forms) > MAX_CANDIDATES:
            seen = {*self.beside.get(f">{left} {word}", ()), *self.beside.get(f"<{right} {word}", ())}
            order = [i for k, i in enumerate(order) if k < MAX_CANDIDATES or forms[i] in seen]
        prior = self.prior
        return tuple(forms[i] for i in order), [
            self.crf_weight * float(scores[i]) + prior.get(forms[i], 0.0) for i in order
        ]


def _restorable_spans(text: str, start: int, end: int, forms: dict[str, tuple[str, ...]]) -> list[tuple[int, int]]:
    """(start, end) of the tokens in ``text[start:end]`` whose diacritics may be restored: ASCII
    letters, a known syllable, not an acronym ("AI", "IoT"), not in an address ("a@b.com") and
    not in a hyphenated compound ("e-commerce") unless every part of it is a syllable ("nơ-ron")."""
    letters = [c for c in text[start:end] if c.isalpha()]
    mostly_upper = sum(c.isupper() for c in letters) > 0.5 * len(letters)
    spans = []
    for compound in _COMPOUND.finditer(text, start, end):
        parts = list(_TOKEN.finditer(compound.group()))
        if _ADDRESS.search(compound.group()) or not all(p.group().isascii() and p.group().lower() in forms for p in parts):
            continue
        for p in parts:
            word = p.group()
            if mostly_upper or len(word) == 1 or word.islower() or word.istitle():
                spans.append((compound.start() + p.start(), compound.start() + p.end()))
    return spans


_DUMP_PROGRAM = "import sys, pycrfsuite; t = pycrfsuite.Tagger(); t.open(sys.argv[1]); t.dump(sys.argv[2])"


class CrfWeights:
    """pyvi's diacritics CRF as arrays: per-attribute label weights and label transitions."""

    def __init__(self, labels: list[str], state: dict[str, np.ndarray], transitions: np.ndarray) -> None:
        self.label_index = {label: i for i, label in enumerate(labels)}
        self.state = state
        self.transitions = transitions
        self._zero = np.zeros(len(labels), dtype=np.float32)
        self._plain = self.label_index["L"]
        self._cache: dict[tuple[str, bool], tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def from_pyvi(cls) -> CrfWeights:
        """Read the weights from pyvi's installed ``vidiac.crfsuite`` (through crfsuite's text dump).

        The dump runs in a child process: crfsuite's ``Tagger.dump`` closes its file descriptor
        twice (strace: ``close(3) = 0`` then ``close(3) = -1 EBADF``), and in a process with
        other threads the second close can hit whatever another thread opened in between. In a
        server that was its listening socket (connections refused for good, the process alive
        and logging "Uvicorn running": the multi-host test's failures of 2026-12-05/06, 5 runs in
        37) or a database connection."""
        import pyvi

        model = Path(pyvi.__file__).parent / "models" / "vidiac.crfsuite"
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "crf.txt"
            subprocess.run([sys.executable, "-c", _DUMP_PROGRAM, str(model), str(out)], check=True,
                           capture_output=True, timeout=300)
            dump = out.read_text(encoding="utf-8")
        labels = re.findall(r"^\s+\d+: (\S+)$", dump.split("ATTRIBUTES = {", 1)[0], re.M)
        index = {label: i for i, label in enumerate(labels)}
        transitions = np.zeros((len(labels), len(labels)), dtype=np.float32)
        state: dict[str, np.ndarray] = {}
        # one weight a line; an attribute holding a line break (never one of ours) breaks its line
        for kind, attr, label, weight in _DUMP_LINE.findall(dump):
            if kind == "1":
                transitions[index[attr], index[label]] = float(weight)
            else:
                state.setdefault(attr, np.zeros(len(labels), dtype=np.float32))[index[label]] = float(weight)
        return cls(labels, state, transitions)

    def scores(self, word: str, forms: tuple[str, ...], left: str, right: str, first: bool) -> np.ndarray:
        """The CRF's score of each accented form of ``word`` (lower case, unaccented) between the
        unaccented words ``left`` and ``right`` ("" for none); ``first`` if it starts the text.
        Shape (len(forms),)."""
        key = (word, first)
        if key not in self._cache:
            self._cache[key] = self._base(word, forms, first)
        labels, base = self._cache[key]
        left_w = self.state.get("-1_word_:" + left, self._zero) if left else self._zero
        right_w = self.state.get("1_word_:" + right, self._zero) if right else self._zero
        return base + (left_w + right_w)[labels].sum(axis=1)

    def _base(self, word: str, forms: tuple[str, ...], first: bool) -> tuple[np.ndarray, np.ndarray]:
        """Label indices of each form (shape (k, n)) and the context-free part of their scores (k,)."""
        n, get = len(word), self.state.get
        padded = word + " " if first else " " + word + " "
        shift = 0 if first else 1
        inner = get("inner_word_:" + padded[:-1], self._zero)
        per_char = np.empty((n, len(self._zero)), dtype=np.float32)
        for i, ch in enumerate(word):
            row = self.state["bias"] + inner + get("current_char_{}:" + ch, self._zero)
            for j, other in enumerate(padded):
                if j != i + shift:
                    row = row + get(f"{j - i - shift}_char_:{other}", self._zero)
            per_char[i] = row
        labels = np.array([[self.label_index[crf_label(c)] for c in form] for form in forms])
        t = self.transitions
        base = (
            per_char[np.arange(n), labels].sum(axis=1)
            + t[self._plain, labels[:, 0]]
            + t[labels[:, :-1], labels[:, 1:]].sum(axis=1)
            + t[labels[:, -1], self._plain]
        )
        return labels, base


_LOADING = threading.Lock()
_IN_USE: list[Restorer] = []  # restorer_in_use's, innermost last


def _restorer() -> Restorer:
    """The one restorer of the process, loaded once: the first calls come from several threads
    at once in a server (the index's load, the request pools' warm-up)."""
    if _IN_USE:
        return _IN_USE[-1]
    with _LOADING:
        return _load_restorer()


@contextmanager
def restorer_in_use(restorer: Restorer) -> Iterator[None]:
    """Restore with ``restorer`` instead of the shipped model while the block runs, in the whole
    process. For measurements only (bench/quality.py's ``dev-messy-unseen``: a model counted
    without the profiles whose stripped text it restores); nothing in the product calls it."""
    _IN_USE.append(restorer)
    try:
        yield
    finally:
        _IN_USE.remove(restorer)


@cache
def _load_restorer() -> Restorer:
    path = resources.files("matcher") / "data" / _LM_FILE
    with resources.as_file(path) as file:
        counts = load_counts(file)
    return Restorer(counts, CrfWeights.from_pyvi())


def restore_diacritics(text: str) -> str:
    """``text`` with Vietnamese diacritics restored on its unaccented Vietnamese syllables.

    Everything else is kept as typed: English words, acronyms ("AI", "IoT"), numbers, punctuation,
    spacing, line breaks, and the capitalisation of each letter. Text that already has its marks
    keeps them (its syllables are not candidates). Deterministic.
    """
    return _restorer().restore(text)


def is_unaccented_vietnamese(text: str) -> bool:
    """Whether ``text``, or at least a third of its words, is Vietnamese typed without diacritics.

    A sentence counts when it has no Vietnamese mark and at least half of its words are Vietnamese
    syllables that are not also common English words ("to", "me", "an"), so English text, accented
    Vietnamese and English with a Vietnamese place name are not; unaccented Vietnamese with English
    terms ("giai phap AI cho startup") is.
    """
    return _restorer().is_unaccented(text)


def restore_if_unaccented(text: str) -> str:
    """``restore_diacritics(text)`` if ``is_unaccented_vietnamese(text)``, else ``text`` unchanged."""
    return restore_diacritics(text) if is_unaccented_vietnamese(text) else text
