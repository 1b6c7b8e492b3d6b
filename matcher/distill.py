"""The first ranking stage: the fused score approximated over every row, for the shortlist.

``first_stage_scores(q, index, stage, weights)`` = the structured part of the fused score,
exact (``StructuredCodes``: each signal once per distinct value, gathered by code; with the
mode-rivalry part of competition), plus the text part approximated by products of each row's
``stage1`` and ``stage1_need`` vectors (``matcher.firststage``) with the query's vectors
(``QueryVectors``): a linear combination of eight *proxies*, one per text channel:

==========  ==========================================  =====================
proxy       candidate block · query vector              approximates
==========  ==========================================  =====================
``fwd``     their mean provide · your mean need          ``dense_fwd``
``oo``      their mean provide · your mean offer          ``dense_oo``
``dom``     their mean provide · your description         ``dense_domain``
``bwd``     their mean need · your best provide passage   ``dense_bwd``
``nn``      their mean need · your mean need              ``dense_nn``
``lfwd``    sketch of their provide · of your needs       ``lex_fwd``
``ldom``    sketch of their provide · of your provide     ``lex_domain``
``lbwd``    sketch of their needs · of your provide       ``lex_bwd``
==========  ==========================================  =====================

The coefficients are *distilled* at ``fit``: for each text component of the fused score
(``dense_reciprocal`` ... ``competition`` without its structured part) a least-squares fit, on
sampled (query, candidate) pairs, of the component's exact value on the proxies (per-query
centred: only the order within one query matters). The weights combine them at query time,
so any ``Weights`` (``Engine.search`` keeps two) get a matching first stage.

``bwd`` is the one proxy that is not a single product: the best of your provide passages, as the
full score takes it, costs one product per passage over the need vectors (64 floats a row). It
is what the mean vectors missed most (docs/performance.md, "Where the first stage loses the true
top 10": recall@10 at a shortlist of 400 on 100k profiles 0.73 with the mean, 0.79 with the best
passage; at 1M, 8,000 rows, 0.935 and 0.965). The forward direction would need the candidates'
passages one by one (a wider row), so it stays a mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.features import ProfileFeatures
from matcher.firststage import SKETCH_DIM, sketch
from matcher.index import Index
from matcher.rules import cross_border_mask
from matcher.scoring import MODE_RIVALRY_SD, Weights, components, raw_channels
from matcher.structured import SIGNALS

PROXIES = ("fwd", "oo", "dom", "bwd", "nn", "lfwd", "ldom", "lbwd")
TEXT_COMPONENTS = ("dense_reciprocal", "lexical_reciprocal", "dense_domain", "lexical_domain", "competition")


@dataclass(frozen=True)
class FirstStage:
    """Fitted first stage: ``coef[component]`` (len(PROXIES),), the least-squares coefficients of
    each text component on the proxies; ``n_pairs`` the pairs they were fitted on."""

    coef: dict[str, np.ndarray]
    n_pairs: int

    def proxy_weights(self, weights: Weights) -> np.ndarray:
        """(len(PROXIES),): the text part of the fused score under ``weights``, per proxy."""
        w = weights.as_dict()
        out = np.zeros(len(PROXIES))
        for name in TEXT_COMPONENTS:
            out += (-1.0 if name == "competition" else 1.0) * w[name] * self.coef[name]
        return out


# query provide passages the backward proxy reads one by one (a researcher may have dozens of
# document passages, each a product over every row); the rest count as their mean
BEST_OF = 8


def _each(vecs: np.ndarray, index: Index) -> np.ndarray:
    """The query's provide passages in probe space for the backward proxy: (min(p, BEST_OF), probe_dim)."""
    if len(vecs) <= BEST_OF:
        return index.probe_passages(vecs)
    return np.vstack([index.probe_passages(vecs[: BEST_OF - 1]), index.probe_mean(vecs[BEST_OF - 1 :])[None]])


def best_product(stage1_need: np.ndarray, each: np.ndarray) -> np.ndarray:
    """Each row's best product (n,) float32 of its ``stage1_need`` (n, probe_dim) with one of ``each``
    (p, probe_dim); 0 when ``each`` is empty."""
    if not len(each):
        return np.zeros(len(stage1_need), dtype=np.float32)
    out = stage1_need @ each[0]
    for v in each[1:]:  # one matrix-vector product each: a (n, p) product is slower here
        np.maximum(out, stage1_need @ v, out=out)
    return out


def _query_parts(q: ProfileFeatures, index: Index) -> dict[str, np.ndarray]:
    return {
        "need": index.probe_mean(q.need_vecs),
        "prov": index.probe_mean(q.prov_vecs),
        "each": _each(q.prov_vecs, index),
        "offer": index.probe_mean(q.prov_vecs[: q.n_offers]),
        "desc": index.probe_vector(q.desc_vec),
        "sk_need": sketch(q.lex_need),
        "sk_prov": sketch(q.lex_prov),
    }


@dataclass(frozen=True)
class QueryVectors:
    """A query's first-stage vectors under proxy weights ``beta``: ``main`` (stage1 width,) for
    the ``stage1`` rows; for the ``stage1_need`` rows ``nn`` (probe_dim,), and ``each`` (p,
    probe_dim), the query's provide passages (``BEST_OF`` at most), whose best product times
    ``bwd`` is the backward proxy's part; ``mean`` (probe_dim,) their mean, which stands for them
    where one product must do (the IVF's probe, ``probe_need``)."""

    main: np.ndarray
    nn: np.ndarray
    each: np.ndarray
    mean: np.ndarray
    bwd: float

    def scores(self, stage1: np.ndarray, stage1_need: np.ndarray) -> np.ndarray:
        """The text part for rows given by their ``stage1`` (n, width) and ``stage1_need`` (n, probe_dim)
        vectors: (n,) float32."""
        out = stage1 @ self.main
        out += stage1_need @ self.nn
        if self.bwd:
            out += np.float32(self.bwd) * best_product(stage1_need, self.each)
        return out

    @property
    def probe_need(self) -> np.ndarray:
        """The ``stage1_need`` part of a single linear query: the backward proxy read with your mean
        provide passage."""
        return (self.nn + np.float32(self.bwd) * self.mean).astype(np.float32)

    def correction(self, stage1_need: np.ndarray) -> np.ndarray:
        """What turns a product with ``probe_need`` into ``scores``: (n,) float32."""
        if not self.bwd:
            return np.zeros(len(stage1_need), dtype=np.float32)
        return (np.float32(self.bwd) * (best_product(stage1_need, self.each) - stage1_need @ self.mean)).astype(np.float32)


def query_vectors(q: ProfileFeatures, index: Index, beta: np.ndarray) -> QueryVectors:
    """The vectors whose products with a row give ``sum(beta[i] * proxy i)`` (``beta`` in
    ``PROXIES`` order)."""
    p = _query_parts(q, index)
    b = dict(zip(PROXIES, beta, strict=True))
    main = np.concatenate([
        b["fwd"] * p["need"] + b["oo"] * p["offer"] + b["dom"] * p["desc"],
        b["lfwd"] * p["sk_need"] + b["ldom"] * p["sk_prov"],
        b["lbwd"] * p["sk_prov"],
    ]).astype(np.float32)
    return QueryVectors(main, (b["nn"] * p["need"]).astype(np.float32), p["each"], p["prov"].astype(np.float32),
                        float(b["bwd"]))


def proxies(q: ProfileFeatures, index: Index, rows: np.ndarray) -> np.ndarray:
    """The proxies of ``q`` against ``rows`` (n,): shape (n, len(PROXIES))."""
    s1 = index.profiles["stage1"][rows]
    need = index.profiles["stage1_need"][rows]
    k = index.probe_dim
    prov, sk_prov, sk_need = s1[:, :k], s1[:, k : k + SKETCH_DIM], s1[:, k + SKETCH_DIM :]
    p = _query_parts(q, index)
    cols = {
        "fwd": prov @ p["need"], "oo": prov @ p["offer"], "dom": prov @ p["desc"],
        "bwd": best_product(need, p["each"]), "nn": need @ p["need"],
        "lfwd": sk_prov @ p["sk_need"], "ldom": sk_prov @ p["sk_prov"], "lbwd": sk_need @ p["sk_prov"],
    }
    return np.stack([cols[name] for name in PROXIES], axis=1)


def _text_values(q: ProfileFeatures, index: Index, rows: np.ndarray, stats: dict[str, tuple[float, float]]) -> np.ndarray:
    """Exact text components of ``q`` against ``rows``: (n, len(TEXT_COMPONENTS)), competition
    without its structured part."""
    neutral = {name: np.zeros(len(rows), dtype=np.float32) for name in SIGNALS}
    values = components(raw_channels(q, index.block(rows)), neutral, stats)
    return np.stack([values[name] for name in TEXT_COMPONENTS], axis=1)


def fit_first_stage(
    index: Index, stats: dict[str, tuple[float, float]], cross_border: bool, n_queries: int, random_state: int,
    n_candidates: int = 500,
) -> FirstStage:
    """Distil the text components on up to ``n_queries`` sampled profiles, each against up to
    ``n_candidates`` eligible others (``random_state``), as ``scoring.measure_channels`` samples."""
    rows = index.alive_rows()
    rng = np.random.RandomState(random_state + 1)  # not measure_channels' pairs
    queries = rows if len(rows) <= n_queries else rng.choice(rows, n_queries, replace=False)
    is_vn = index.profiles["is_vn"]
    xs, ys = [], []
    for r in sorted(queries):
        side = bool(is_vn[r]) if cross_border else None
        cand = rows[(rows != r) & cross_border_mask(side, is_vn[rows])]
        if len(cand) < 2:
            continue
        if len(cand) > n_candidates:
            cand = np.sort(rng.choice(cand, n_candidates, replace=False))
        q = index.features(int(r))
        x, y = proxies(q, index, cand), _text_values(q, index, cand, stats)
        xs.append(x - x.mean(0))
        ys.append(y - y.mean(0))
    if not xs:
        return FirstStage({name: np.zeros(len(PROXIES)) for name in TEXT_COMPONENTS}, 0)
    X, Y = np.concatenate(xs).astype(np.float64), np.concatenate(ys).astype(np.float64)
    coef = np.linalg.lstsq(X, Y, rcond=None)[0]  # (len(PROXIES), len(TEXT_COMPONENTS))
    return FirstStage({name: coef[:, i] for i, name in enumerate(TEXT_COMPONENTS)}, len(X))


def structured_weights(weights: Weights) -> dict[str, float]:
    """Each structured signal's weight in the fused score (``mode_rivalry`` as part of competition)."""
    w = weights.as_dict()
    return {**{name: w[name] for name in SIGNALS}, "mode_rivalry": -w["competition"] * MODE_RIVALRY_SD}


def first_stage_scores(q: ProfileFeatures, index: Index, stage: FirstStage, weights: Weights) -> np.ndarray:
    """Approximate fused scores of ``q`` against every row of ``index``: shape (n_rows,), float32
    (dead rows included; the caller masks them)."""
    cols = index.profiles
    scores = query_vectors(q, index, stage.proxy_weights(weights)).scores(cols["stage1"], cols["stage1_need"])
    for name, table in index.codes.tables(q.structured, structured_weights(weights)).items():
        if table.any():
            scores += np.take(table, cols[name])  # np.take: half the time of fancy indexing here
    return scores
