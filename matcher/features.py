"""From a profile record to what the scorers compare: passages, vectors, lexical rows, structure.

A profile's texts are split per field: texts that *ask* (``needs``, a search box) and texts that
are *searched* (``offers``, ``description``, each document as "title. text", each technology or
IP asset it can transfer as "title. description"). Both are embedded with the e5 role
``"query"`` (``NEED_ROLE``, ``OFFER_ROLE``), the symmetric form e5 recommends for comparing texts
of the same kind (its paper's bitext mining and STS use ``query:`` on both sides). The
comparisons:

need ↔ offer      their needs against your offers/description/documents/assets, both ways;
need ↔ need       and offer ↔ offer: same-field comparisons, used to spot competitors;
domain            description ↔ description.

Measured (bench/quality.py, full size, 2026-12-03): ``passage:`` for the searched side, the
asymmetric retrieval form, lost against ``query:`` on real cross-lingual text: a search by the
first sentence of a paragraph's translation put the right profile first 0.66 of the time with
``passage:`` vectors and 0.79 with ``query:`` (raw whole-text e5 0.79), Tatoeba twins 0.956 vs
0.962, at no extra embedding cost; docs/evaluation.md, "One role for every passage".

Besides its passages, a description cut into more than one passage is embedded once more as
one text (``whole_description``, ``whole_vec``): a short search text is compared with both the
best passage and the whole description, because each fails where the other holds
(bench/quality.py, search sets, 2026-12-05/06: a Vietnamese paragraph looked up by the first
sentence of its English translation is found first 0.761 of the time by the best passage alone,
0.806 by the mean of the two; a messy sign-up looked up by one sentence of its offer, 0.79 by the
whole alone, 0.987 by the mean). A description that fits one passage costs nothing more (its
passage is the whole); the whole is capped by the embedder's input length, as any text.

Every passage is embedded exactly once; the cache key's role part is ``NEED_ROLE`` or ``OFFER_ROLE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.accents import restore_if_unaccented
from matcher.embed import Embedder, Role
from matcher.freetext import split_description
from matcher.lexical import LexicalModel, lexical_document
from matcher.space import Alignment, fit_alignment, identity_alignment
from matcher.structured import encode_structured
from matcher.text import (
    DEFAULT_PASSAGE_CHARS,
    DEFAULT_PASSAGE_WORDS,
    fold,
    language_of,
    normalise_tag,
    split_passages,
    words,
)

PROVIDE_FIELDS = ("offers", "description", "documents", "ip_assets")

# The embedder role of what a profile asks (needs, a search) and of what it offers (offers,
# description, documents); see the module docstring for why both are "query".
NEED_ROLE: Role = "query"
OFFER_ROLE: Role = "query"


@dataclass(frozen=True)
class Passage:
    """One embedded piece of a profile: its text as embedded, its field, its document index."""

    text: str
    field: str
    doc: int = -1  # position in record["documents"] (or record["ip_assets"]), -1 for other fields


@dataclass
class ProfileFeatures:
    """Everything the scorers need about one profile (fitted or external).

    Vectors are float32, rows L2-normalised: ``need_vecs`` (n_needs, dim), ``prov_vecs``
    (n_provide, dim) in ``provide`` order (offers first, then description, then documents),
    ``desc_vec``, ``first_vec`` and ``whole_vec`` (dim,): the last is the embedding of
    ``whole_description`` (the description's passages read as one text), or its only passage's,
    or ``desc_vec`` when there is no description. Lexical rows are CSR of shape (1, n_lexical_features);
    ``lex_desc`` (1, n_word_features) and ``lex_docs`` (n_documents, n_word_features) are the
    words-space rows (``LexicalModel.words_rows``) of the description and of each document with
    text, None when there is none: what document expertise compares (``matcher.expertise``).
    """

    id: str
    record: dict[str, Any]
    needs: list[Passage]
    provide: list[Passage]
    need_vecs: np.ndarray
    prov_vecs: np.ndarray
    desc_vec: np.ndarray
    first_vec: np.ndarray
    whole_vec: np.ndarray
    lex_need: sp.csr_matrix
    lex_prov: sp.csr_matrix
    structured: dict[str, np.ndarray]
    # (n_provide, 3): what the alignment dropped of each ``prov_vecs`` row, to read document
    # expertise in the embedder's native space (``matcher.space.Alignment.geometry``)
    prov_geo: np.ndarray
    tags: tuple[str, ...] = field(default=())
    lex_desc: sp.csr_matrix | None = None
    lex_docs: sp.csr_matrix | None = None
    # the description vector's hubness (``matcher.hubness``): set by the engine once fitted
    hub: float = 0.0
    # the description is a list of the profile's own documents (``lists_documents``): it says
    # nothing they do not, so the documents alone read its field of work (``scoring.raw_channels``)
    lists_docs: bool = False

    @property
    def n_offers(self) -> int:
        return sum(1 for p in self.provide if p.field == "offers")


# A description "lists its documents" when, with the titles of its documents taken out, at most
# this many of its words are left, or this share of them if more ("Research interests: <title>;
# <title>; ..." leaves 2; a Vietnamese label such as "Các công trình nghiên cứu:" leaves 5)
LISTING_REST_WORDS = 5
LISTING_REST_SHARE = 0.1


def lists_documents(record: dict[str, Any]) -> bool:
    """Whether the record's description is only a list of its own documents' titles (as a
    researcher's profile imported from a publication list writes it).

    Such a description is no second evidence of the profile's field of work: its vector is a blur
    of the papers the document reading (``matcher.expertise``) already compares one at a time, and
    averaging it in counts the same papers twice, less sharply. Measured on the reviewer set (29
    researchers whose descriptions are exactly that), the even mean of the two gives a pairwise
    loss of 0.266 against 0.250 for the documents alone (docs/evaluation.md). A description that
    says anything more (one sentence of its own) is read as before."""
    description = fold(str(record.get("description") or ""))
    titles = {fold(str(d.get("title") or "")) for d in record.get("documents") or () if isinstance(d, dict)}
    titles.discard("")
    if not description or not titles:
        return False
    rest = description
    for title in sorted(titles, key=len, reverse=True):  # a title inside a longer one is taken out after it
        rest = rest.replace(title, " ")
    if rest == description:
        return False
    return len(words(rest)) <= max(LISTING_REST_WORDS, LISTING_REST_SHARE * len(words(description)))


def matching_texts(record: dict[str, Any]) -> dict[str, str]:
    """The ``needs``, ``offers`` and ``description`` texts the engine compares.

    A profile that wrote no needs (or no offers) field often wrote them into its description
    ("Chúng tôi cần ...", "We offer ..."): those sentences (``matcher.freetext``, by cue phrases,
    conservative) become its needs (offers), and the description keeps the rest, so that a need
    is never matched as if it were on offer. The record itself is not changed."""
    needs, offers, description = (str(record.get(f) or "") for f in ("needs", "offers", "description"))
    if (needs and offers) or not description:
        return {"needs": needs, "offers": offers, "description": description}
    found = split_description(description)
    if not needs and found.needs:
        needs = " ".join(found.needs)
    if not offers and found.offers:
        offers = " ".join(found.offers)
    if found.needs or found.offers:
        # need sentences never stay among what the profile provides; offer sentences stay in the
        # description only when they were not moved to the offers
        kept = [*found.other, *(found.offers if record.get("offers") else ())]
        description = " ".join(kept) if kept else description
    return {"needs": needs, "offers": offers, "description": description}


def _texts(record: dict[str, Any], free_text: bool) -> dict[str, str]:
    if free_text:
        return matching_texts(record)
    return {f: str(record.get(f) or "") for f in ("needs", "offers", "description")}


def profile_passages(
    record: dict[str, Any],
    max_words: int = DEFAULT_PASSAGE_WORDS,
    max_chars: int = DEFAULT_PASSAGE_CHARS,
    free_text: bool = False,
) -> tuple[list[Passage], list[Passage]]:
    """(need passages, provide passages) of a record; documents become "title. text" passages.
    With ``free_text``, needs and offers written into the description count as such
    (``matching_texts``)."""
    texts = _texts(record, free_text)
    needs = [Passage(p, "needs") for p in split_passages(texts["needs"], max_words, max_chars)]
    provide = [Passage(p, f) for f in ("offers", "description") for p in split_passages(texts[f], max_words, max_chars)]
    for i, doc in enumerate(record.get("documents") or []):
        title = (doc.get("title") or "").strip().rstrip(".")
        budget = max(max_words - len(title.split()), max_words // 2)
        for chunk in split_passages(doc.get("text") or "", budget, max_chars):
            provide.append(Passage(f"{title}. {chunk}" if title else chunk, "documents", i))
    for i, asset in enumerate(record.get("ip_assets") or []):
        title = (asset.get("title") or "").strip().rstrip(".")
        chunks = split_passages(asset.get("description") or "", max(max_words - len(title.split()), max_words // 2),
                                max_chars) or [""]
        provide += [Passage(f"{title}. {chunk}" if chunk else title, "ip_assets", i) for chunk in chunks if title or chunk]
    return needs, provide


def provide_text(record: dict[str, Any], free_text: bool = False) -> str:
    """Offers, description, documents and IP assets as one text (the lexical "what they bring"
    document)."""
    texts = _texts(record, free_text)
    parts = [texts["offers"], texts["description"]]
    for doc in record.get("documents") or []:
        parts.extend([doc.get("title") or "", doc.get("text") or ""])
    for asset in record.get("ip_assets") or []:
        parts.extend([asset.get("title") or "", asset.get("description") or ""])
    return "\n".join(p for p in parts if p)


def profile_tags(record: dict[str, Any]) -> tuple[str, ...]:
    """The record's technology tags, normalised (``normalise_tag``), first occurrence kept."""
    return tuple(dict.fromkeys(normalise_tag(t) for t in record.get("technologies") or [] if t.strip()))


def lexical_documents(records: Sequence[dict[str, Any]], free_text: bool = False) -> tuple[list[str], list[str]]:
    """(needs documents, provide documents) of ``records`` for the lexical model."""
    needs = [lexical_document(_texts(r, free_text)["needs"]) for r in records]
    provide = [lexical_document(provide_text(r, free_text), profile_tags(r)) for r in records]
    return needs, provide


def document_texts(record: dict[str, Any]) -> list[str]:
    """Each of the record's documents that has text, as "title. text" (its lexical document)."""
    docs = ((str(d.get("title") or "").strip().rstrip("."), str(d.get("text") or "").strip())
            for d in record.get("documents") or [])
    return [f"{title}. {text}" if title and text else title or text for title, text in docs if title or text]


TopicRows = tuple[sp.csr_matrix | None, sp.csr_matrix | None]


def topic_rows(lexical: LexicalModel, records: Sequence[dict[str, Any]], free_text: bool = False) -> list[TopicRows]:
    """Per record, (description row, document rows) in the words space
    (``LexicalModel.words_rows``), shapes (1, n_word_features) and (n_documents,
    n_word_features), None for an empty description or no documents; one transform for all."""
    texts = [[_texts(r, free_text)["description"].strip(), *document_texts(r)] for r in records]
    rows = lexical.words_rows([t for own in texts for t in own])
    out: list[TopicRows] = []
    start = 0
    for own in texts:
        desc = rows[start : start + 1] if own[0] else None
        out.append((desc, rows[start + 1 : start + len(own)] if len(own) > 1 else None))
        start += len(own)
    return out


def embedding_text(passage: str) -> str:
    """What the embedder reads for a passage: Vietnamese typed without diacritics gets them
    restored (``matcher.accents``; e5 barely reads unaccented Vietnamese: twin retrieval falls
    from 0.93 to 0.53 without it). The passage itself, shown in explanations and read by the
    lexical channel, stays as the user typed it."""
    return restore_if_unaccented(passage)


def whole_description(provide: Sequence[Passage]) -> str | None:
    """The description's passages as one text, when it was cut into at least two; None
    otherwise (its one passage's vector, or the description vector, stands for the whole)."""
    own = [p.text for p in provide if p.field == "description"]
    return " ".join(own) if len(own) > 1 else None


def embedding_texts(
    record: dict[str, Any],
    max_words: int = DEFAULT_PASSAGE_WORDS,
    max_chars: int = DEFAULT_PASSAGE_CHARS,
    free_text: bool = False,
) -> tuple[list[str], list[str]]:
    """(need texts, provide texts) exactly as ``Featurizer.embed`` hands them to the embedder
    (roles ``NEED_ROLE`` and ``OFFER_ROLE``; the provide texts end with ``whole_description`` when
    there is one): what a background worker must embed ahead of the engine."""
    needs, provide = profile_passages(record, max_words, max_chars, free_text)
    whole = whole_description(provide)
    return ([embedding_text(p.text) for p in needs],
            [embedding_text(p.text) for p in provide] + ([embedding_text(whole)] if whole is not None else []))


def _mean_unit(vecs: np.ndarray, dim: int) -> np.ndarray:
    if len(vecs) == 0:
        return np.zeros(dim, dtype=np.float32)
    mean = vecs.mean(0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm > 0 else mean).astype(np.float32)


# (per record: (need passages, provide passages)), need vectors (n_needs, dim), provide vectors
# (n_provide, dim), the vectors of the records' ``whole_description`` that are not None (in order)
RawEmbeddings = tuple[list[tuple[list[Passage], list[Passage]]], np.ndarray, np.ndarray, np.ndarray]


class Featurizer:
    """Builds ``ProfileFeatures`` for many records with one embedding call per role.

    Parameters
    ----------
    encoder : Embedder
        Usually a ``CachedEncoder``.
    lexical : LexicalModel
        Fitted.
    max_words, max_chars : int
        Passage budget.
    free_text : bool
        Read needs and offers written into descriptions (``matching_texts``).
    alignment : Alignment, optional
        Applied to every embedding (``matcher.space``); ``fit_alignment`` sets it.
    """

    def __init__(
        self,
        encoder: Embedder,
        lexical: LexicalModel,
        max_words: int,
        max_chars: int,
        alignment: Alignment | None = None,
        free_text: bool = False,
    ) -> None:
        self.free_text = free_text
        self.encoder = encoder
        self.lexical = lexical
        self.max_words = max_words
        self.max_chars = max_chars
        self.alignment = alignment

    def embed(self, records: Sequence[dict[str, Any]]) -> RawEmbeddings:
        """Passages of ``records`` and their embedder vectors (through the cache), not aligned."""
        split = [profile_passages(r, self.max_words, self.max_chars, self.free_text) for r in records]
        need_vecs = self.encoder.encode([embedding_text(p.text) for needs, _ in split for p in needs], role=NEED_ROLE)
        provide = [embedding_text(p.text) for _, prov in split for p in prov]
        wholes = [embedding_text(w) for _, prov in split if (w := whole_description(prov)) is not None]
        vecs = self.encoder.encode(provide + wholes, role=OFFER_ROLE)  # one call: one batch plan
        return split, need_vecs, vecs[: len(provide)], vecs[len(provide) :]

    def fit_alignment(self, raw: RawEmbeddings, enabled: bool = True) -> Featurizer:
        """Fit the embedding alignment on ``embed(records)`` (no alignment if not ``enabled``)."""
        split, need_vecs, prov_vecs, _ = raw
        if not enabled:
            self.alignment = None
            return self
        flags = {
            "query": [language_of(p.text) == "vi" for needs, _ in split for p in needs],
            "passage": [language_of(p.text) == "vi" for _, prov in split for p in prov],
        }
        self.alignment = fit_alignment({"query": need_vecs, "passage": prov_vecs}, flags)
        return self

    @property
    def native_mean(self) -> float:
        """The mean native cosine of two provide passages (``Alignment.native_mean``; 0 unaligned)."""
        return self.alignment.native_mean("passage") if self.alignment is not None else 0.0

    def build(
        self,
        records: Sequence[dict[str, Any]],
        lexical_rows: tuple[sp.csr_matrix, sp.csr_matrix] | None = None,
        raw: RawEmbeddings | None = None,
    ) -> list[ProfileFeatures]:
        """Features of ``records`` (normalised profile dicts), in order.

        ``lexical_rows`` = (needs rows, provide rows), each (len(records), F), when the caller
        already transformed ``lexical_documents(records)``; ``raw`` = ``embed(records)`` when
        already computed.
        """
        split, need_vecs, prov_vecs, whole_vecs = raw if raw is not None else self.embed(records)
        # unaligned, the stored vectors are the native ones: the identity's geometry says so
        space = self.alignment if self.alignment is not None else identity_alignment(self.encoder.dim)
        prov_geo = space.geometry(prov_vecs, "passage")
        if self.alignment is not None:
            need_vecs = self.alignment.transform(need_vecs, "query")
            prov_vecs = self.alignment.transform(prov_vecs, "passage")
            if len(whole_vecs):
                whole_vecs = self.alignment.transform(whole_vecs, "passage")
        if lexical_rows is None:
            need_docs, prov_docs = lexical_documents(records, self.free_text)
            lexical_rows = (self.lexical.transform(need_docs), self.lexical.transform(prov_docs))
        lex_need, lex_prov = lexical_rows
        if lex_need.shape[0] != len(records) or lex_prov.shape[0] != len(records):
            raise ValueError(
                f"lexical rows of shape {lex_need.shape} and {lex_prov.shape} for {len(records)} records"
            )
        out, i_need, i_prov, i_whole = [], 0, 0, 0
        dim = self.encoder.dim
        topics = topic_rows(self.lexical, records, self.free_text)
        for k, (record, (needs, provide)) in enumerate(zip(records, split, strict=True)):
            nv = need_vecs[i_need : i_need + len(needs)]
            pv, geo = prov_vecs[i_prov : i_prov + len(provide)], prov_geo[i_prov : i_prov + len(provide)]
            i_need += len(needs)
            i_prov += len(provide)
            own = [j for j, p in enumerate(provide) if p.field == "description"]
            desc_vec = _mean_unit(pv[own] if own else pv, dim)
            first = _mean_unit(np.vstack([_mean_unit(nv, dim)[None], _mean_unit(pv, dim)[None]]), dim)
            if whole_description(provide) is not None:  # embedded by ``embed``, in this order
                whole_vec, i_whole = whole_vecs[i_whole], i_whole + 1
            else:
                whole_vec = pv[own[0]] if own else desc_vec
            out.append(
                ProfileFeatures(
                    id=record.get("id", ""),
                    record=record,
                    needs=needs,
                    provide=provide,
                    need_vecs=nv,
                    prov_vecs=pv,
                    desc_vec=desc_vec,
                    first_vec=first,
                    lex_need=lex_need[k],
                    lex_prov=lex_prov[k],
                    structured=encode_structured(record),
                    prov_geo=geo,
                    tags=profile_tags(record),
                    lex_desc=topics[k][0],
                    lex_docs=topics[k][1],
                    whole_vec=np.asarray(whole_vec, dtype=np.float32),
                    lists_docs=lists_documents(record),
                )
            )
        return out

    def build_query(self, text: str) -> ProfileFeatures:
        """Features of a free-text search: the text is the need (role "query"), nothing is offered."""
        needs = [Passage(p, "search") for p in split_passages(text, self.max_words, self.max_chars)]
        if not needs:
            raise ValueError("search text is empty")
        texts = [embedding_text(p.text) for p in needs]
        if len(needs) > 1:  # a long search text is also read as one, as a profile's whole_description is
            texts.append(embedding_text(" ".join(p.text for p in needs)))
        vecs = self.encoder.encode(texts, role=NEED_ROLE)
        if self.alignment is not None:
            vecs = self.alignment.transform(vecs, "query")
        nv, whole = vecs[: len(needs)], vecs[-1]
        dim = self.encoder.dim
        empty = self.lexical.transform([""])
        return ProfileFeatures(
            id="",
            record={"needs": text},
            needs=needs,
            provide=[],
            need_vecs=nv,
            prov_vecs=np.zeros((0, dim), dtype=np.float32),
            desc_vec=_mean_unit(nv, dim),
            first_vec=_mean_unit(nv, dim),
            lex_need=self.lexical.transform([lexical_document(text)]),
            lex_prov=empty,
            structured=encode_structured({}),
            prov_geo=np.zeros((0, 3), dtype=np.float32),
            tags=(),
            whole_vec=np.asarray(whole, dtype=np.float32),
        )
