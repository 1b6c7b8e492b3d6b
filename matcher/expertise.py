"""Document expertise: how close one side's documents (papers, patents, reports) are to the
other side's work, read one document at a time.

A researcher with twenty papers is not one blurred bag of their words: a paper close to a
partner's work is evidence of expertise that the other nineteen do not dilute, and the mean of
a few best documents is steadier than the single best. Two readings of that, one per channel:

``document_expertise``          e5 passage vectors, compared in the embedder's native space
                                (not centred): a document is as close as its closest passage
                                pair (part of ``dense_domain``).
``lexical_document_expertise``  words-space TF-IDF rows, one per document (``lex_docs``) and
                                description (``lex_desc``): a document is as close as the other
                                side's closest of those (part of ``lex_domain``).

Both are the larger of the two sides' readings (your documents against their work, their
documents against yours); shape (n,), NaN where neither side has documents.
"""

from __future__ import annotations

import numpy as np

from matcher.features import ProfileFeatures
from matcher.index import Block
from matcher.space import native_cosines
from matcher.store import segment_reduce, sparse_dots

# How many of a profile's documents its expertise is read from: the mean of its DOC_TOP_K best
# documents' matches, not the single best (one paper that happens to share a topic is weaker
# evidence than three). Measured on the reviewer dev set (reviewers' papers against the papers
# they rated, pairwise loss; raw e5 passage vectors, documents pooled by): best document 0.310,
# mean of the top 3 0.252, top 5 0.259, top 8 0.278, all 0.286; TF-IDF: 0.294, 0.270, 0.259,
# 0.258, 0.266. A profile with fewer documents uses all it has.
DOC_TOP_K = 3


def _top_k_mean(values: np.ndarray, groups: np.ndarray, n: int, k: int) -> np.ndarray:
    """Per group ``g`` in ``range(n)``: the mean of the ``k`` largest ``values`` with
    ``groups == g`` (all of them when fewer), NaN for a group with none; shape (n,)."""
    order = np.lexsort((-values, groups))
    g, v = groups[order], values[order]
    starts = np.searchsorted(g, g, side="left")
    keep = (np.arange(len(g)) - starts) < k
    total = np.bincount(g[keep], weights=v[keep], minlength=n)
    count = np.bincount(g[keep], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _native_sims(q: ProfileFeatures, q_rows: np.ndarray, b: Block, b_cols: np.ndarray) -> np.ndarray:
    """Cosines of the query's provide passages ``q_rows`` with the block's ``b_cols``, read in the
    embedder's native space (without the language direction, not centred: ``native_cosines``),
    then put on the scale of the centred cosines the rest of ``dense_domain`` is read on: 0 for
    two passages as alike as the corpus's average pair, 1 for identical ones.

    Why not the centred cosines every other dense reading uses: on the reviewer set (29
    researchers' papers against the papers they rated; full size, pairwise loss, lower is better)
    the top-3 document reading alone gives 0.253 native against 0.300 centred (0.247 / 0.292 with
    the top 5). Centring divides out how typical of the corpus a passage is, and on a list of
    papers of one field that is evidence of expertise, not a hub's noise. The language direction
    is still removed, so that a Vietnamese paper meets an English description as the centred
    reading lets it (docs/evaluation.md, "Document expertise read in the native space")."""
    sims = q.prov_vecs[q_rows] @ b.prov_vecs[b_cols].T
    native = native_cosines(sims, q.prov_geo[q_rows], b.prov_geo[b_cols], b.native_mean)
    return ((native - b.native_mean) / max(1.0 - b.native_mean, 1e-6)).astype(np.float32)


def document_expertise(q: ProfileFeatures, b: Block, top_k: int = DOC_TOP_K) -> np.ndarray:
    """How close one side's documents are to the other side's work; shape (n,), NaN where neither
    side has documents. Offers are not part of it (they meet needs, not topics).

    A document's match is its best passage pair with the other side's description or documents
    (max pooling: a paper is as close as its closest part); a side's expertise is the mean of its
    ``top_k`` best documents' matches (``DOC_TOP_K``); the pair's is the larger of the two sides'
    (your documents against their work, their documents against yours)."""
    n = len(b)
    q_docno = np.array([p.doc if p.field == "documents" else -1 for p in q.provide], dtype=np.int64)
    q_doc = q_docno >= 0
    # what a profile's work is about: every provide passage but its offers (description,
    # documents, IP assets), the same on both sides, so that a pair reads the same from either
    # (the index marks only offers; before, the query side left its IP assets out)
    q_about = np.array([p.field != "offers" for p in q.provide], dtype=bool)
    b_about = np.ones(len(b.prov_doc), dtype=bool)
    b_about[b.offer_cols] = False
    b_doc = b.prov_doc >= 0  # documents are never offers: a subset of b_about
    out = np.full(n, np.nan, dtype=np.float32)
    if q_doc.any() and b_about.any():
        # your documents: each one's best passage pair with each candidate's topic passages
        sims = np.full((int(q_doc.sum()), len(b_about)), -np.inf, dtype=np.float32)
        sims[:, b_about] = _native_sims(q, np.flatnonzero(q_doc), b, np.flatnonzero(b_about))
        per_passage = segment_reduce(sims, b.prov_off, "max", fill=-np.inf)  # (your doc passages, n)
        docs = np.unique(q_docno[q_doc])
        per_doc = np.stack([per_passage[q_docno[q_doc] == d].max(0) for d in docs])  # (your docs, n)
        doc_i, cand_i = np.nonzero(np.isfinite(per_doc))  # candidates without topic passages: none
        out = np.fmax(out, _top_k_mean(per_doc[doc_i, cand_i], cand_i, n, top_k).astype(np.float32))
    if q_about.any() and b_doc.any():
        # their documents: each document passage's best pair with your topic passages, then per document
        cols = np.flatnonzero(b_doc)
        best = _native_sims(q, np.flatnonzero(q_about), b, cols).max(0)
        key_owner, key_doc = np.repeat(np.arange(n), np.diff(b.prov_off))[cols], b.prov_doc[cols]
        starts = np.flatnonzero(np.r_[True, (key_owner[1:] != key_owner[:-1]) | (key_doc[1:] != key_doc[:-1])])
        theirs = _top_k_mean(np.maximum.reduceat(best, starts), key_owner[starts], n, top_k)
        out = np.fmax(out, theirs.astype(np.float32))
    return out



# How many documents the lexical reading averages, as DOC_TOP_K for the dense one; more, since one
# document's term overlap is noisier evidence than its embedding. Measured on the reviewer set
# (full size, 29 researchers; words rows alone, pairwise loss): best document 0.317, mean of the
# top 3 0.280, top 5 0.263, top 8 0.267, all 0.262. docs/evaluation.md, "Document lists
# compared one document at a time".
LEX_DOC_TOP_K = 5


def lexical_document_expertise(q: ProfileFeatures, b: Block, top_k: int = LEX_DOC_TOP_K) -> np.ndarray:
    """The lexical reading of document expertise; shape (n,), NaN where neither side has
    documents (or the other side has neither description nor documents).

    As ``document_expertise`` with words rows (``ProfileFeatures.lex_desc``, ``lex_docs``;
    ``Block.topics``) in place of passages: a document's match is its best cosine with the
    other side's description or documents, a side's expertise the mean of its ``top_k`` best
    documents' matches, the pair's the larger of the two sides'."""
    n = len(b)
    out = np.full(n, np.nan, dtype=np.float32)
    if q.lex_docs is not None and len(b.topic_rows):
        sims = sparse_dots(b.topics[b.topic_rows], q.lex_docs)  # (your documents, R_topic)
        per_doc = segment_reduce(sims, b.topic_off, "max")  # (your documents, n), NaN without rows
        doc_i, cand_i = np.nonzero(~np.isnan(per_doc))
        out = _top_k_mean(per_doc[doc_i, cand_i], cand_i, n, top_k).astype(np.float32)
    if b.topic_doc.any() and (q.lex_desc is not None or q.lex_docs is not None):
        cols = b.topic_rows[b.topic_doc]
        theirs_docs = b.topics[cols]
        # their documents: each one's best cosine with your description or documents
        best = np.max([sparse_dots(theirs_docs, m).max(0) for m in (q.lex_desc, q.lex_docs) if m is not None], axis=0)
        owner = np.repeat(np.arange(n), np.diff(b.topic_off))[b.topic_doc]
        out = np.fmax(out, _top_k_mean(best, owner, n, top_k).astype(np.float32))
    return out
