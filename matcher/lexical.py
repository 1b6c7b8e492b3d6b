"""The lexical channel: TF-IDF over words, character n-grams and bilingual concepts.

Embeddings blur rare technical terms ("LAMP assay", "RISC-V", "LoRaWAN"); exact term overlap
catches them. Three TF-IDF spaces, each L2-normalised, then weighted and stacked so that the
cosine of two rows is the weighted sum of the three cosines:

``words``     folded words, their diacritics-folded copies and word bigrams (Vietnamese
              compounds are two syllables: "vi mạch", "thủy sản").
``chars``     character 4-grams (within words) of the diacritics-folded text (spelling variants,
              text typed without diacritics, names).
``concepts``  one token per glossary concept (``matcher.glossary``) and per normalised
              technology tag: the only part that bridges Vietnamese and English.

Words and character n-grams carry the language of their sentence (``vi``/``en``, with text typed
without diacritics counted as Vietnamese): they are evidence only between texts of one
language. Across languages, shared 4-grams are noise (measured: TF-IDF alone finds 7% of
Vietnamese sentences' English twins, and adding it to the dense channel dropped the engine
from 0.94 to 0.72 on them), so a Vietnamese and an English text meet only through concepts.

Features are hashed (``HashingVectorizer``), so there is no vocabulary to grow: after ``fit``
the IDF weights stay fixed, and profiles added later (``Engine.partial_fit``) are transformed
with them; a term never seen at fit time gets the largest IDF. Refit to refresh the weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from matcher.glossary import concepts
from matcher.text import fold_pair, language_of, normalise_tag, split_sentences, strip_diacritics, words

_TAG_MARK = "\x1f"  # separates a document's text from its tags (never typed by users)
SPACES = ("words", "chars", "concepts")


def lexical_document(text: str, tags: Iterable[str] = ()) -> str:
    """One lexical document: free text plus technology tags, in the form the analyzers expect."""
    return text + "".join(_TAG_MARK + t for t in tags)


def _split(doc: str) -> tuple[str, list[str]]:
    text, *tags = doc.split(_TAG_MARK)
    return text, tags


# sentences shorter than this take the language of their whole text: a short line ("OK.",
# "( Cười )", a product name) has too few letters to tell
_MIN_WORDS_FOR_OWN_LANGUAGE = 6


@dataclass(frozen=True)
class Analysed:
    """One lexical document as every space's analyzer reads it: the document, and (language
    tag, text) for each sentence of its text and each tag, tags and short sentences taking the
    language of the whole text. Made once per document (``analyse``), not once per space."""

    doc: str
    parts: tuple[tuple[str, str], ...]


def analyse(doc: str) -> Analysed:
    """``doc`` (a ``lexical_document``) split into sentences and tags, each with its language."""
    text, tags = _split(doc)
    whole = language_of(text)
    sentences = [s for line in text.splitlines() for s in split_sentences(line)]
    parts = [(language_of(s) if len(s.split()) >= _MIN_WORDS_FOR_OWN_LANGUAGE else whole, s) for s in sentences]
    return Analysed(doc, (*parts, *((whole, t) for t in tags)))


def word_tokens(doc: Analysed) -> list[str]:
    """Words of the text and tags: folded, their diacritics-folded copy when it differs, bigrams;
    each prefixed with its sentence's language (``vi:``/``en:``)."""
    out: list[str] = []
    for lang, part in doc.parts:
        folded_text, bare_text = fold_pair(part)
        folded, bare = words(folded_text), words(bare_text)
        mine = [*folded, *(b for f, b in zip(folded, bare, strict=False) if b != f)]
        mine.extend(f"{a} {b}" for a, b in zip(folded, folded[1:], strict=False))
        out.extend(f"{lang}:{w}" for w in mine)
    return out


def char_tokens(doc: Analysed) -> list[str]:
    """Character 4-grams within the diacritics-folded words (padded with spaces, as sklearn's
    ``char_wb``), each prefixed with its sentence's language."""
    out: list[str] = []
    for lang, part in doc.parts:
        for word in strip_diacritics(part).split():
            padded = f" {word} "
            if len(padded) <= 4:
                out.append(f"{lang}:{padded}")
            else:
                out.extend(f"{lang}:{padded[i : i + 4]}" for i in range(len(padded) - 3))
    return out


def concept_tokens(doc: Analysed) -> list[str]:
    """``c:<concept>`` for each glossary concept in text and tags, ``t:<tag>`` for each tag."""
    text, tags = _split(doc.doc)
    out = [f"c:{c}" for c in concepts(text)]
    for tag in tags:
        out.append(f"t:{normalise_tag(tag)}")
        out.extend(f"c:{c}" for c in concepts(tag))
    return out


class LexicalModel:
    """TF-IDF in three hashed spaces, weighted and stacked.

    Parameters
    ----------
    weights : dict, optional
        ``{space: weight}`` for ``words``, ``chars``, ``concepts``; the cosine of two rows is
        ``sum(weight * cosine in space)``. Defaults: words 0.35, chars 0.25, concepts 0.4.
    n_features : int
        Hash buckets per space.
    max_terms : int, optional
        Keep only the ``max_terms`` largest weights of each row (after stacking): bounds the
        cost of scoring a candidate whatever its text length; the dropped tail is made of
        frequent, low-weight n-grams. ``None`` keeps every term.
    words_max_terms : int, optional
        The same bound for the words rows of single descriptions and documents
        (``words_rows``). Larger, since those rows are compared one document at a time: an
        abstract has ~270 words and bigrams, and cutting them to 128 lost a third of what
        per-document comparison gains on the reviewer set (pairwise loss 0.33 vs 0.26-0.28
        with 256, 384, 512 or every term; docs/evaluation.md). 512 only bounds the cost of
        a document longer than an abstract.
    """

    n_spaces = len(SPACES)

    def __init__(
        self,
        weights: dict[str, float] | None = None,
        n_features: int = 2**18,
        max_terms: int | None = 128,
        words_max_terms: int | None = 512,
    ) -> None:
        self.weights = weights
        self.n_features = n_features
        self.max_terms = max_terms
        self.words_max_terms = words_max_terms

    def _vectorizers(self) -> dict[str, HashingVectorizer]:
        common = {"n_features": self.n_features, "alternate_sign": False, "norm": None, "lowercase": False}
        return {
            "words": HashingVectorizer(analyzer=word_tokens, **common),
            "chars": HashingVectorizer(analyzer=char_tokens, **common),
            "concepts": HashingVectorizer(analyzer=concept_tokens, **common),
        }

    def fit(self, documents: Sequence[str]) -> LexicalModel:
        """Learn IDF weights from ``documents`` (``lexical_document`` strings)."""
        self.fit_transform(documents)
        return self

    def fit_transform(self, documents: Sequence[str]) -> sp.csr_matrix:
        """``fit`` then ``transform`` of the same documents, analysing each document once."""
        weights = {"words": 0.35, "chars": 0.25, "concepts": 0.4} if self.weights is None else dict(self.weights)
        unknown = set(weights) - set(SPACES)
        if unknown:
            raise ValueError(f"unknown lexical space(s) {sorted(unknown)}; valid spaces: {', '.join(SPACES)}")
        self.weights_ = {s: float(weights.get(s, 0.0)) for s in SPACES}
        self.vectorizers_ = self._vectorizers()
        self.idf_ = {}
        blocks = []
        analysed = [analyse(d) for d in documents]
        for space, vec in self.vectorizers_.items():
            counts = vec.transform(analysed)
            self.idf_[space] = TfidfTransformer(sublinear_tf=True).fit(counts)
            blocks.append(self._weigh(space, counts))
        return self._prune(sp.hstack(blocks, format="csr", dtype=np.float32), self.max_terms)

    def _weigh(self, space: str, counts: sp.spmatrix) -> sp.csr_matrix:
        tfidf = normalize(self.idf_[space].transform(counts), norm="l2")
        return (tfidf * np.sqrt(self.weights_[space])).astype(np.float32)

    def transform(self, documents: Sequence[str]) -> sp.csr_matrix:
        """Rows for ``documents``; shape ``(len(documents), 3 * n_features)``, float32.

        A row is all zeros for an empty document (its cosines are 0, and callers treat an empty
        field as unknown, not as a mismatch).
        """
        if not hasattr(self, "idf_"):
            raise RuntimeError("LexicalModel is not fitted; call fit(documents) first")
        analysed = [analyse(d) for d in documents]
        blocks = [self._weigh(space, self.vectorizers_[space].transform(analysed)) for space in SPACES]
        return self._prune(sp.hstack(blocks, format="csr", dtype=np.float32), self.max_terms)

    def words_rows(self, documents: Sequence[str]) -> sp.csr_matrix:
        """Rows of ``documents`` in the words space alone, one per document: each row's
        ``words_max_terms`` largest TF-IDF weights, L2-normalised (all zeros for an empty document);
        shape ``(len(documents), n_features)``, float32.

        For comparing a list of documents (a researcher's papers) one document at a time
        (``expertise.lexical_document_expertise``): words only, since the character n-grams and
        concepts that carry Vietnamese, unaccented and cross-lingual text blur the rare
        vocabulary that tells one scientific topic from the next (docs/evaluation.md).
        """
        if not hasattr(self, "idf_"):
            raise RuntimeError("LexicalModel is not fitted; call fit(documents) first")
        counts = self.vectorizers_["words"].transform([analyse(d) for d in documents])
        tfidf = normalize(self.idf_["words"].transform(counts), norm="l2").astype(np.float32).tocsr()
        return normalize(self._prune(tfidf, self.words_max_terms), norm="l2").astype(np.float32)

    def space(self, rows: sp.spmatrix, name: str) -> sp.csr_matrix:
        """One space of stacked ``rows`` (from ``transform``) alone, each row re-normalised to unit
        length (all zeros stays zeros); shape ``(n, n_features)``. Raises on an unknown space."""
        if name not in SPACES:
            raise ValueError(f"unknown lexical space {name!r}; valid spaces: {', '.join(SPACES)}")
        i = SPACES.index(name)
        part = sp.csr_matrix(rows)[:, i * self.n_features : (i + 1) * self.n_features]
        return normalize(part, norm="l2").astype(np.float32)

    @staticmethod
    def _prune(rows: sp.csr_matrix, k: int | None) -> sp.csr_matrix:
        """Each row's ``k`` largest entries, every entry when ``k`` is None (rows are not
        re-normalised)."""
        counts = np.diff(rows.indptr)
        if k is None or counts.max(initial=0) <= k:
            return rows
        keep = np.ones(rows.nnz, dtype=bool)
        for i in np.flatnonzero(counts > k):
            lo, hi = rows.indptr[i], rows.indptr[i + 1]
            drop = np.argpartition(rows.data[lo:hi], hi - lo - k)[: hi - lo - k]
            keep[lo + drop] = False
        row_of = np.repeat(np.arange(rows.shape[0]), counts)[keep]
        return sp.csr_matrix((rows.data[keep], (row_of, rows.indices[keep])), shape=rows.shape, dtype=np.float32)
