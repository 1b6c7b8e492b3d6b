"""Scoring one profile against many: raw channels, their standardisation, and the fused score.

Raw channels (``raw_channels``), each an array of shape (n,), NaN when a side lacks the field:

``dense_fwd``     your needs → their offers/description/documents: for each of your need
                  passages the best of their passages (max pooling), averaged over your needs.
``dense_bwd``     their needs → your offers/description/documents, the same way round.
``dense_nn``      best need ↔ need passage similarity; ``dense_oo`` best offer ↔ offer.
``dense_domain``  description ↔ description (mean vectors), averaged with the document
                  expertise (``document_expertise``) when either side has documents,
                  hubness-corrected (CSLS).
``lex_fwd``, ``lex_bwd``, ``lex_domain``  the same three comparisons in the lexical space.
``lex_docs``      the lexical document expertise (``lexical_document_expertise``): documents
                  compared one at a time in the words space; NaN when neither side has any.
                  NaN also where they share no word. Standardised on its own, then averaged
                  with ``lex_domain`` into the lexical domain component (``components``).

Cosines of different channels live on different scales, so ``measure_channels`` measures each
channel's mean and spread over the pairs of the fitted ecosystem (``Engine.stats_``) and
``components`` works with standardised values (z-scores): it turns channels and structured
signals into the named components, ``fuse`` weighs and adds them (``Weights``), and
``fit_percent`` maps the sum to the 0–100 display fit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from matcher import kernels
from matcher.expertise import document_expertise, lexical_document_expertise
from matcher.features import ProfileFeatures
from matcher.index import Block, Index
from matcher.rules import cross_border_mask
from matcher.store import segment_reduce, sparse_dot
from matcher.structured import SIGNALS

# the channels of a pair seen from the other side: forward and backward swap, the rest are symmetric
REVERSED = {"dense_fwd": "dense_bwd", "dense_bwd": "dense_fwd", "lex_fwd": "lex_bwd", "lex_bwd": "lex_fwd"}
CHANNELS = ("dense_fwd", "dense_bwd", "dense_nn", "dense_oo", "dense_domain", "lex_fwd", "lex_bwd", "lex_domain",
            "lex_docs")


@dataclass(frozen=True)
class Weights:
    """The weight of each score component: the single place where the fusion is tuned.

    Text components are in standard deviations of their channel over the fitted ecosystem (0 =
    an average pair, 3 = a pair better than ~99% of pairs); structured components are in
    [-1, 1] with 0 neutral (a field missing on either side gives 0). So a weight says how many
    "standard deviations of text match" one unit of that signal is worth. ``competition`` is
    subtracted.

    The defaults are fitted, not set by hand: pairwise logistic regression on the components over
    the union of every labelled development set (our dev set and its messy variant, Tatoeba,
    IWSLT sentences and paragraphs, each also unaccented, the reviewer set), pulled towards the
    designed values by an L2 penalty chosen by 5-fold cross-validation, rescaled to the score
    spread the display calibration was measured on (``matcher.fusion``, ``bench/fit_fusion.py``;
    the fitted values and their provenance are in ``matcher/data/fusion.json``, which a test
    keeps equal to these defaults). Held out, they equal the designed weights within 0.005 on
    every set (the optimum is flat, and the penalty chosen keeps them close to the design); the
    per-fold table is in docs/evaluation.md.

    Attributes
    ----------
    dense_reciprocal : semantic need ↔ offer match, both ways, combined by a floored geometric
        mean so that a one-sided match ranks below a mutual one (``reciprocal``).
    lexical_reciprocal : the same with term overlap (rare technical terms, glossary concepts).
    dense_domain, lexical_domain : how close the two descriptions are (same field of work).
    competition : both need the same thing or both offer the same thing, beyond what one
        offers the other (competitors, not partners).
    sectors : shared (or related) taxonomy sectors.
    modes : cooperation modes sought by one and offered by the other, both ways (mutual modes
        such as joint R&D count when both seek them); same-side overlap counts against.
    stage : a startup's stage against an investor's or programme's target stages.
    countries : each side's preferred countries.
    languages : a shared working language.
    kinds : how well the two kinds of organisation pair (startup ↔ partner, peer clusters ...).
    """

    dense_reciprocal: float = 1.53
    lexical_reciprocal: float = 0.46
    dense_domain: float = 0.18
    lexical_domain: float = 0.2
    competition: float = 0.54
    sectors: float = 1.64
    modes: float = 0.54
    stage: float = 1.09
    countries: float = 0.54
    languages: float = 0.1
    kinds: float = 1.09

    GROUPS = {
        "dense": ("dense_reciprocal", "dense_domain"),
        "lexical": ("lexical_reciprocal", "lexical_domain"),
        "structured": ("sectors", "modes", "stage", "countries", "languages", "kinds"),
        "reciprocal": ("dense_reciprocal", "dense_domain", "lexical_reciprocal", "lexical_domain", "competition"),
    }

    def only(self, group: str) -> Weights:
        """These weights with every component outside ``group`` set to 0 (for ablations).

        ``group`` is one of ``dense``, ``lexical``, ``structured``, ``reciprocal`` (text
        channels without structure) or ``full``.
        """
        if group == "full":
            return self
        if group not in self.GROUPS:
            raise ValueError(f"unknown weight group {group!r}; valid groups: {', '.join([*self.GROUPS, 'full'])}")
        return self.keep(*self.GROUPS[group])

    def keep(self, *names: str) -> Weights:
        """These weights with every component not in ``names`` set to 0."""
        unknown = set(names) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown component(s) {sorted(unknown)}; valid: {', '.join(f.name for f in fields(self))}")
        return replace(self, **{f.name: 0.0 for f in fields(self) if f.name not in names})

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


COMPONENTS = tuple(f.name for f in fields(Weights))

# Display calibration: fit = 100 / (1 + exp(-(score - FIT_CENTER) / FIT_SCALE)), a fixed monotone
# map measured once on the sample ecosystem (profiles/ecosystem-*.jsonl, default Weights, all
# 59k cross-border pairs; dev-set judgements in profiles/dev-gold.json). Score percentiles:
# median pair -0.1, 90th 3.2, 99th 8.0; median score of pairs judged weak-but-relevant (grade 1)
# 5.8, good (2) 8.8, ideal (3) 12.1. Hence fit ≈ 8 for a typical pair, ≈ 50 for a weak relevant
# one, ≈ 75 good, ≈ 90 ideal. Fixed, not refitted, so that a fit means the same across refits;
# recalibrate (and say so in the changelog) when the weights change.
# Checked with the fitted weights and the lexical clip (2026-12-03, dev set): unlabelled median
# 0.1, 90th percentile 3.2; grade medians 5.7, 8.3, 10.9 (fit 48, 74, 88): unchanged.
FIT_CENTER = 6.0
FIT_SCALE = 2.5
RECIPROCAL_FLOOR = 4.0  # see reciprocal(): how far a weak direction can pull a pair down
MODE_RIVALRY_SD = 3.0  # see competition(): both seeking all the same unanswered modes
Z_CLIP = 8.0  # no channel's standardised value beyond 8 standard deviations
# Lexical cosines are heavy-tailed: where texts share few terms (two languages, short texts) the
# channel's spread is tiny, and one shared glossary concept ("hospital" in two unrelated talks)
# is 8 standard deviations, outvoting an embedding that has the right twin 2 standard deviations
# ahead. Term overlap is evidence that saturates, so lexical values are clipped at 4. Measured
# with fusion weights refitted each time (bench/fit_fusion.py, 5-fold held-out, every set):
# clipping at 4 (or a tanh or log squash of the tail) lifted IWSLT paragraphs 0.987 -> 0.997 and
# their unaccented variant 0.955 -> 0.968, dev 0.944 -> 0.948, and moved no set down beyond noise.
LEXICAL_Z_CLIP = 4.0
# The smallest spread a channel is standardised by. Where a lexical channel has almost no
# evidence (texts in two languages share no words; short texts share none), its cosines are
# nearly all 0 with a spread of ~0.002, and a single hashed-feature collision or shared name
# would be standardised into a clipped 8-sigma "match" (measured on Tatoeba vi-en: the engine
# fell from 0.94 to 0.80 by that alone). Overlap that carries meaning between two texts is
# 0.05-0.3 (the sample ecosystem's lexical spread is 0.027-0.033), so 0.02 leaves real spreads
# alone and keeps noise below a tenth of a standard deviation.
STD_FLOOR = 0.02


def raw_channels(q: ProfileFeatures, b: Block) -> dict[str, np.ndarray]:
    """The raw channels of ``q`` against the ``n = len(b)`` candidates; each shape (n,), NaN unknown."""
    n = len(b)
    nan = np.full(n, np.nan, dtype=np.float32)
    out: dict[str, np.ndarray] = dict.fromkeys(CHANNELS, nan)
    need_counts = np.diff(b.need_off)
    if len(q.need_vecs):
        sims = q.need_vecs @ b.prov_vecs.T  # (m, R_prov)
        out["dense_fwd"] = segment_reduce(sims, b.prov_off, "max").mean(0)
        if len(b.need_vecs):
            out["dense_nn"] = segment_reduce(q.need_vecs @ b.need_vecs.T, b.need_off, "max").max(0)
    if len(q.prov_vecs) and len(b.need_vecs):
        best = (q.prov_vecs @ b.need_vecs.T).max(0)  # each of their need passages: your best passage
        out["dense_bwd"] = segment_reduce(best, b.need_off, "sum") / np.maximum(need_counts, 1)
    n_off = q.n_offers
    if n_off and len(b.offer_cols):
        # your offers against all their provide passages, then only the columns of their offers
        # (cheaper than copying the offer vectors out a second time)
        oo = (q.prov_vecs[:n_off] @ b.prov_vecs.T)[:, b.offer_cols]
        out["dense_oo"] = segment_reduce(oo, b.offer_off, "max").max(0)
    out["dense_domain"] = _domain(q, b.desc @ q.desc_vec, document_expertise(q, b), b.lists_docs, b.hub)
    if q.lex_need.nnz:
        out["lex_fwd"] = sparse_dot(b.lex_prov, q.lex_need)
    if q.lex_prov.nnz:
        has_needs = np.diff(b.lex_need.indptr) > 0
        out["lex_bwd"] = np.where(has_needs, sparse_dot(b.lex_need, q.lex_prov), np.nan).astype(np.float32)
        out["lex_domain"] = sparse_dot(b.lex_prov, q.lex_prov)
    out["lex_docs"] = _evidence(lexical_document_expertise(q, b))
    return {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}


def _domain(q: ProfileFeatures, desc: np.ndarray, docs: np.ndarray, lists_docs: np.ndarray,
            hub: np.ndarray) -> np.ndarray:
    """``dense_domain`` from the description cosines ``desc`` and the document expertise ``docs``
    (NaN where neither side has documents) of the candidates, with their ``lists_docs`` and
    ``hub``; shapes (n,).

    Two estimates of how close the two sides' work is, averaged where documents give the second
    (the larger of the two was measured worse: dev-messy 0.929 vs 0.938, reviewers 0.312 vs 0.300);
    the documents alone where a side's description only lists its documents (``lists_documents``);
    hubness-corrected."""
    listed = lists_docs | q.lists_docs
    domain = np.where(np.isnan(docs), desc, np.where(listed, docs, 0.5 * (desc + np.nan_to_num(docs))))
    return domain - 0.5 * (q.hub + hub)


def _evidence(docs_lex: np.ndarray) -> np.ndarray:
    """``lex_docs`` from the lexical document expertise: no word in common is no evidence, not a
    mismatch (NaN). Words carry their language, so a Vietnamese document and an English text
    always share none (counted as 0, they cost the messy dev set 0.009 NDCG@10)."""
    return np.where(docs_lex > 0, docs_lex, np.nan)


def has_documents(q: ProfileFeatures) -> bool:
    """Whether a profile has documents (papers, patents, reports) as passages or words rows."""
    return q.lex_docs is not None or any(p.field == "documents" for p in q.provide)


def raw_channels_at(q: ProfileFeatures, index: Index, rows: np.ndarray) -> dict[str, np.ndarray]:
    """``raw_channels(q, index.block(rows))``, computed where the rows lie in the index by the
    compiled kernels of ``matcher.kernels`` instead of on copies of them: same values (the dense
    ones to float32 rounding), shapes (n,).

    Only the candidates with documents are copied out, for the document readings
    (``matcher.expertise``). A query with documents of its own reads every candidate's topic
    passages that way, so it takes ``raw_channels`` on the whole block."""
    if has_documents(q):
        return raw_channels(q, index.block(rows))
    p, n = index.profiles, len(rows)
    dense = kernels.dense_channels(
        q.need_vecs, q.prov_vecs, q.n_offers, q.desc_vec, index.needs["vec"], index.provide["vec"], p["desc"],
        p["need_start"], p["need_n"], p["prov_start"], p["prov_n"], p["offer_n"], rows,
    )
    lexical = kernels.lexical_channels(q.lex_need, q.lex_prov, index.lexical_matrix(), rows)
    docs = np.full(n, np.nan, dtype=np.float32)
    docs_lex = np.full(n, np.nan, dtype=np.float32)
    with_docs = kernels.has_documents(index.provide["doc"], p["prov_start"], p["prov_n"], index.topics.rows["flag"],
                                      p["topics_start"], p["topics_n"], rows)
    if with_docs.any():
        sub = index.block(rows[with_docs])
        docs[with_docs] = document_expertise(q, sub)
        docs_lex[with_docs] = lexical_document_expertise(q, sub)
    out = dict(zip(("dense_fwd", "dense_nn", "dense_bwd", "dense_oo"), dense[:4], strict=True))
    out["dense_domain"] = _domain(q, dense[4], docs, p["lists_docs"][rows], p["hub"][rows])
    out.update(zip(("lex_fwd", "lex_bwd", "lex_domain"), lexical, strict=True))
    out["lex_docs"] = _evidence(docs_lex)
    return {k: np.asarray(out[k], dtype=np.float32) for k in CHANNELS}


def fit_stats(samples: dict[str, list[np.ndarray]]) -> dict[str, tuple[float, float]]:
    """``{channel: (mean, std)}`` from raw channel values of many pairs (NaN ignored)."""
    stats = {}
    for name in CHANNELS:
        values = np.concatenate(samples.get(name) or [np.zeros(0)])
        values = values[~np.isnan(values)]
        if len(values) < 2:
            stats[name] = (0.0, 1.0)
        else:
            stats[name] = (float(values.mean()), max(float(values.std()), STD_FLOOR))
    return stats


def measure_channels(
    index: Index, cross_border: bool, n_queries: int, random_state: int, n_candidates: int = 500
) -> dict[str, tuple[float, float]]:
    """Each channel's (mean, std) over the pairs the engine ranks: up to ``n_queries`` profiles,
    each against up to ``n_candidates`` eligible others (sampled with ``random_state``)."""
    rows = index.alive_rows()
    rng = np.random.RandomState(random_state)
    queries = rows if len(rows) <= n_queries else rng.choice(rows, n_queries, replace=False)
    samples: dict[str, list[np.ndarray]] = {}
    is_vn = index.profiles["is_vn"]
    for r in sorted(queries):
        side = bool(is_vn[r]) if cross_border else None
        cand = rows[(rows != r) & cross_border_mask(side, is_vn[rows])]
        if len(cand) > n_candidates:
            cand = rng.choice(cand, n_candidates, replace=False)
        for name, values in raw_channels(index.features(int(r)), index.block(cand)).items():
            samples.setdefault(name, []).append(values)
    return fit_stats(samples)


def _z(raw: dict[str, np.ndarray], stats: dict[str, tuple[float, float]], name: str) -> np.ndarray:
    mean, std = stats[name]
    return (raw[name] - mean) / std


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def reciprocal(z_fwd: np.ndarray, z_bwd: np.ndarray, floor: float = RECIPROCAL_FLOOR) -> np.ndarray:
    """Both directions in one value, in standard deviations: ``sqrt(sp(z_f + c) * sp(z_b + c)) - c``
    with ``sp`` = softplus and ``c`` = ``floor``.

    A geometric mean, so a one-sided match ranks below a mutual one (z = (6, 0) gives 2.3,
    (3, 3) gives 3.0), computed on positive values shifted by ``c`` so that a weak or unknown
    direction lowers the pair without zeroing it (no saturation either: z = (8, 8) still beats
    (6, 6)). An unknown direction (NaN: a side without needs) counts as average (z = 0).
    Shapes (n,) → (n,).
    """
    zf, zb = np.nan_to_num(z_fwd), np.nan_to_num(z_bwd)
    return np.sqrt(_softplus(zf + floor) * _softplus(zb + floor)) - floor


def competition(z: dict[str, np.ndarray], mode_rivalry: np.ndarray | None = None) -> np.ndarray:
    """How much the pair looks like two competitors, in standard deviations, ≥ 0; shape (n,).

    Text: how much more alike their needs (or their offers) are than what either offers the
    other (z-scored channels). Topic alone lifts both sides of that difference, so it is near 0
    for most pairs, competitors included; the sharper evidence is structured: both seek the same
    non-mutual mode (investment, technology transfer) that neither offers (``mode_rivalry`` in
    [0, 1], from ``matcher.structured``), worth up to ``MODE_RIVALRY_SD`` standard deviations.
    """
    complement = np.fmax(z["dense_fwd"], z["dense_bwd"])
    rivalry = np.fmax(z["dense_nn"] - complement, z["dense_oo"] - complement)
    text = np.clip(np.nan_to_num(rivalry), 0.0, None)
    return text if mode_rivalry is None else text + MODE_RIVALRY_SD * mode_rivalry


def _or(z: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """``z`` where known, else ``fallback``: a direction with no needs to compare (a profile that
    wrote only a description) is estimated by how close the two profiles' work is, the best
    evidence left, instead of counting as an average pair (which made the description's weight
    in such rankings a sixth of the reciprocal one's, and let one shared term decide them)."""
    return np.where(np.isnan(z), fallback, z)


def _with_documents(z_whole: np.ndarray, z_docs: np.ndarray) -> np.ndarray:
    """How close two profiles' work is in the lexical space, in standard deviations: the whole
    texts' ``lex_domain``, averaged with the documents read one at a time (``lex_docs``) where
    that is known; shapes (n,).

    Standardised apart and then averaged, since a document's words cosine spreads a third as
    wide as the stacked cosine of whole texts. Only in the ``lexical_domain`` component: as the
    fallback of a missing need direction (``lexical_reciprocal``) it let documents outvote the
    offers and needs a messy profile writes into its description, and replacing the whole
    texts did the same (docs/evaluation.md, "Document lists compared one document at a time")."""
    return np.where(np.isnan(z_docs), z_whole, 0.5 * (np.nan_to_num(z_whole) + z_docs))


def components(
    raw: dict[str, np.ndarray], signals: dict[str, np.ndarray], stats: dict[str, tuple[float, float]]
) -> dict[str, np.ndarray]:
    """Every component's value, shape (n,) each, unweighted: text components in standard
    deviations of their channel over the ecosystem (0 = an average pair), structured ones in
    [-1, 1] (0 = neutral or unknown), competition ≥ 0."""
    z = {name: np.clip(_z(raw, stats, name), -Z_CLIP, LEXICAL_Z_CLIP if name.startswith("lex") else Z_CLIP)
         for name in CHANNELS}
    values = {
        "dense_reciprocal": reciprocal(_or(z["dense_fwd"], z["dense_domain"]), _or(z["dense_bwd"], z["dense_domain"])),
        "lexical_reciprocal": reciprocal(_or(z["lex_fwd"], z["lex_domain"]), _or(z["lex_bwd"], z["lex_domain"])),
        "dense_domain": np.nan_to_num(z["dense_domain"]),
        "lexical_domain": np.nan_to_num(_with_documents(z["lex_domain"], z["lex_docs"])),
        "competition": competition(z, signals.get("mode_rivalry")),
    }
    values.update({name: signals[name] for name in SIGNALS})
    return {k: np.asarray(v, dtype=np.float32) for k, v in values.items()}


def fuse(values: dict[str, np.ndarray], weights: Weights) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(score, contributions): contribution = weight × value (competition subtracted), score their
    sum. Shapes (n,)."""
    w = weights.as_dict()
    contrib = {name: (-1.0 if name == "competition" else 1.0) * w[name] * values[name] for name in COMPONENTS}
    score = np.sum(np.stack(list(contrib.values())), axis=0) if contrib else np.zeros(0)
    return score.astype(np.float64), contrib


# Free-text search (``Engine.search``) is not a reciprocal match: a query asks, nothing is offered
# back, and a short tagline is compared with a profile's text, often across languages. Its score
# is the mean of the query passages' best match among the profile's provide passages
# (``dense_fwd``) and of the cosine of the query and the profile's description read as one text
# (``whole_vec``), standardised like ``dense_fwd`` and weighted like the dense component, plus the cosine of
# the two texts in the lexical model's words space alone (exact words and bigrams of one
# language). Measured on real text looked up by a short query (bench/quality.py, search sets,
# 2026-12-03): the reciprocal fusion that matching uses, with the concept-heavy lexical channel
# and the description-to-description channel, put the right profile first less often than the
# dense channel alone (IWSLT paragraphs by their first sentence 0.58 vs 0.66, typed without
# diacritics 0.37 vs 0.53). The form and the weight were chosen leaving one search set out
# (MRR; dense: passage match, description match, their max, mean or reciprocal; words weight
# 0-6): every held-out set gets the same choice, passage match + 1 x words. The description
# channel (the mean of its passages' vectors) loses across languages; larger words weights lose there too (short texts share names
# and numbers). docs/evaluation.md, "Search", has the table. The whole-text half came later
# (2026-12-05/06, same sets): the best passage alone misses a paragraph looked up by a sentence
# of its translation whose boundaries are not the passages' (Vietnamese paragraphs 0.761 alone,
# 0.806 with the whole; English 0.790, 0.819); the whole alone misses a long profile looked up by
# one of its offers (0.79 vs 0.987); their mean is at least as good as the passage alone on
# every search set (docs/evaluation.md, "Search by the whole description as well").
SEARCH_WORDS_WEIGHT = 1.0


def search_components(raw: dict[str, np.ndarray], whole: np.ndarray, words: np.ndarray,
                      stats: dict[str, tuple[float, float]],
                      weights: Weights) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(score, contributions, values) of a free-text search against ``n`` candidates: ``raw``
    from ``raw_channels`` of the query, ``whole`` (n,) the cosines of the query's and each
    profile's ``whole_vec``, ``words`` (n,) the words-space cosines; values are the z-scored
    mean of ``dense_fwd`` and ``whole`` (``whole`` alone where ``dense_fwd`` is unknown) and the
    words cosine, under the names of the dense and lexical components so that explanations read
    them as such. Shapes (n,)."""
    mean, sd = stats["dense_fwd"]
    fwd = raw["dense_fwd"].astype(np.float64)
    both = np.where(np.isnan(fwd), whole, 0.5 * (fwd + np.asarray(whole, dtype=np.float64)))
    dense = np.nan_to_num((both - mean) / sd)
    values = {"dense_reciprocal": dense, "lexical_reciprocal": np.asarray(words, dtype=np.float64)}
    contrib = {"dense_reciprocal": weights.dense_reciprocal * dense,
               "lexical_reciprocal": SEARCH_WORDS_WEIGHT * values["lexical_reciprocal"]}
    return contrib["dense_reciprocal"] + contrib["lexical_reciprocal"], contrib, values


def fit_percent(score: np.ndarray | float) -> np.ndarray:
    """The display fit in [0, 100] of raw scores (a fixed, monotone logistic map)."""
    return 100.0 / (1.0 + np.exp(-(np.asarray(score, dtype=np.float64) - FIT_CENTER) / FIT_SCALE))
