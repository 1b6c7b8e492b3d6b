"""A middle stage between the IVF shortlist and full scoring, measured before building it (issue 17).

The question: can the full fused score be approximated cheaply enough, over the IVF's shortlist,
that only a few hundred rows need the full score, so that recall@10 ≥ 0.95 costs ≤ 1.5× the
matvec at 100k? The middle score here is the engine's own fused score (``raw_channels``,
``components``, ``fuse``: the same nonlinear formula, exact lexical channels, exact structured
signals) with every passage and description vector replaced by its rank-``--dim`` PCA
reconstruction, read through a (dim + 1)-wide copy (``[P(v), 1]`` against ``[C q, q·mean]``, so
that the product is ``q · (mean + Cᵀ P(v))``). The ``--keep`` best rows by that score are then
fully scored with ``Engine._score``. The copies are built here, outside the engine (BENCHMARK
ONLY): nothing in ``matcher`` uses them.

Second measurement: the first stage's own error, with the count sketches of its lexical proxies
replaced by the exact lexical cosines (an oracle over every eligible row: how much of the
first stage's miss is the sketches' noise).

Truth = exhaustive full scoring (``bench_rank.exhaustive_top``); ratio to the p50 of the plain
384-float matvec + argpartition measured in the same loop; 1 BLAS / OpenMP thread.

    python bench/bench_middle.py [--n 100000] [--queries 30] [--dim 128] [--ratios 4,8]
                                 [--sizes 1600,3200,6400] [--keep 400,800]

Caveat: ``BenchEmbedder``'s vectors have rank 48 plus noise, so a 128-d reconstruction is nearly
exact on them; real e5 vectors keep far more of their variance outside 128 dimensions, so the
recall here is an upper bound for the middle stage. Results: bench/results/middle-<date>-<n>.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rank import BenchEmbedder, K, exhaustive_top, p50_ms, sample_records  # noqa: E402

from matcher.ann import IVFShortlist, structured_part  # noqa: E402
from matcher.distill import PROXIES, proxies  # noqa: E402
from matcher.engine import Engine  # noqa: E402
from matcher.features import ProfileFeatures  # noqa: E402
from matcher.index import Block, Index  # noqa: E402
from matcher.scoring import components, fuse, raw_channels  # noqa: E402
from matcher.space import fit_probe  # noqa: E402
from matcher.store import gather, sparse_dot  # noqa: E402
from matcher.synth import synthesize  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


class MiddleStage:
    """BENCHMARK ONLY: (dim + 1)-wide copies of every need, provide and description vector of an
    index (their PCA coordinates and a 1), and the middle score of a query against rows."""

    def __init__(self, index: Index, dim: int) -> None:
        self.index = index
        self.probe = fit_probe(index.profiles["first"][index.alive_rows()], dim)
        self.needs = self._wide(index.needs["vec"][: index.needs.n])
        self.provide = self._wide(index.provide["vec"][: index.provide.n])
        self.desc = self._wide(index.profiles["desc"][: index.n_rows])
        self.megabytes = (self.needs.nbytes + self.provide.nbytes + self.desc.nbytes) / 2**20

    def _wide(self, v: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.hstack([self.probe.transform(v), np.ones((len(v), 1), np.float32)]))

    def _query_side(self, v: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.hstack([v @ self.probe.components.T, (v @ self.probe.mean)[:, None]]),
                                    dtype=np.float32)

    def block(self, rows: np.ndarray) -> Block:
        """``Index.block`` with the wide copies in place of the vectors."""
        ix, p = self.index, self.index.profiles
        need_rows, need_off = gather(p["need_start"][rows], p["need_n"][rows])
        prov_rows, prov_off = gather(p["prov_start"][rows], p["prov_n"][rows])
        offer_cols, offer_off = gather(prov_off[:-1], p["offer_n"][rows])
        topic_rows, topic_off = gather(p["topics_start"][rows], p["topics_n"][rows])
        lexical = ix.lexical_matrix()
        return Block(rows=rows, need_vecs=self.needs[need_rows], need_off=need_off, prov_vecs=self.provide[prov_rows],
                     prov_doc=ix.provide["doc"][prov_rows], prov_off=prov_off, offer_cols=offer_cols,
                     offer_off=offer_off, desc=self.desc[rows], hub=p["hub"][rows], lists_docs=p["lists_docs"][rows],
                     lex_need=lexical[2 * rows],
                     lex_prov=lexical[2 * rows + 1], topics=ix.topics.matrix(), topic_rows=topic_rows,
                     topic_off=topic_off, topic_doc=ix.topics.rows["flag"][topic_rows],
                     prov_geo=ix.provide["geo"][prov_rows], native_mean=ix.native_mean)

    def scores(self, engine: Engine, q: ProfileFeatures, rows: np.ndarray) -> np.ndarray:
        q2 = dataclasses.replace(q, need_vecs=self._query_side(q.need_vecs), prov_vecs=self._query_side(q.prov_vecs),
                                 desc_vec=self._query_side(q.desc_vec[None])[0])
        values = components(raw_channels(q2, self.block(rows)), self.index.signals(q.structured, rows), engine.stats_)
        return fuse(values, engine.weights_)[0]


def oracle_first_stage(engine: Engine, qids: list[str], truth: dict[str, set[str]], sizes: list[int]) -> dict[str, float]:
    """Recall@10 after full scoring of the exact first stage's shortlist, with its lexical proxies
    from the count sketches (as built) and from the exact lexical cosines."""
    ix = engine.index_
    lex = ix.lexical_matrix()
    beta = engine.first_stage_.proxy_weights(engine.weights_)
    col = {name: PROXIES.index(name) for name in PROXIES}
    hits: dict[str, list[float]] = {}
    for qid in qids:
        q = ix.features(engine._row(qid))
        rows = np.flatnonzero(engine._eligible(q, None, None))
        x = proxies(q, ix, rows)
        exact = x.copy()
        need, prov = lex[2 * rows], lex[2 * rows + 1]
        zero = np.zeros(len(rows), np.float32)
        exact[:, col["lfwd"]] = sparse_dot(prov, q.lex_need) if q.lex_need.nnz else zero
        exact[:, col["ldom"]] = sparse_dot(prov, q.lex_prov) if q.lex_prov.nnz else zero
        exact[:, col["lbwd"]] = sparse_dot(need, q.lex_prov) if q.lex_prov.nnz else zero
        structure = structured_part(q, ix, engine.weights_, rows)
        for name, p in (("sketch", x), ("exact lexical", exact)):
            s = p @ beta + structure
            for size in sizes:
                top = rows if size >= len(rows) else np.sort(rows[np.argpartition(-s, size)[:size]])
                scored = engine._score(q, top)
                got = set(scored.ids[scored.order()[:K]])
                hits.setdefault(f"{name}, shortlist {size}", []).append(len(got & truth[qid]) / K)
    return {k: float(np.mean(v)) for k, v in hits.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--dim", type=int, default=128, help="PCA dimension of the middle stage's copies")
    ap.add_argument("--ratios", default="4,8")
    ap.add_argument("--sizes", default="1600,3200,6400", help="IVF shortlist sizes")
    ap.add_argument("--keep", default="400,800", help="rows of best middle score fully scored")
    ap.add_argument("--oracle-sizes", default="800,1600,3200", help="shortlist sizes of the oracle measurement")
    args = ap.parse_args()
    ratios = [float(s) for s in args.ratios.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    keeps = [int(s) for s in args.keep.split(",")]
    faiss.omp_set_num_threads(1)

    t = time.perf_counter()
    engine = Engine(embedder=BenchEmbedder(), first_stage="exact").fit(synthesize(sample_records(), args.n, random_state=0))
    print(f"fitted {args.n:,} synthetic profiles in {time.perf_counter() - t:.0f} s", flush=True)
    ix = engine.index_
    rng = np.random.default_rng(0)
    alive = engine.ids_
    qids = [alive[i] for i in rng.choice(len(alive), args.queries, replace=False)]
    with threadpool_limits(limits=2, user_api="blas"):
        truth = {qid: set(exhaustive_top(engine, qid)) for qid in qids}
    t = time.perf_counter()
    middle = MiddleStage(ix, args.dim)
    print(f"middle copies: {time.perf_counter() - t:.1f} s, {middle.megabytes:.0f} MB", flush=True)
    ivfs = {r: IVFShortlist(ratio=r).fit(ix, engine.weights_) for r in ratios}
    X = np.ascontiguousarray(ix.profiles["first"][: ix.n_rows])
    recall: dict[str, list[float]] = {}
    times: dict[str, list[float]] = {"matvec": []}
    with threadpool_limits(limits=1, user_api="blas"):
        for qid in qids:
            q = ix.features(engine._row(qid))
            mask = engine._eligible(q, None, None)
            t = time.perf_counter()
            np.argpartition(-(X @ q.first_vec), K)[:K]
            times["matvec"].append(time.perf_counter() - t)
            for r, ivf in ivfs.items():
                for size in sizes:
                    t0 = time.perf_counter()
                    rows = ivf.shortlist(q, ix, engine.first_stage_, engine.weights_, mask, size)
                    t1 = time.perf_counter()
                    full = engine._score(q, rows)
                    t2 = time.perf_counter()
                    key = f"ivf ratio {r:g}, shortlist {size}, all fully scored"
                    recall.setdefault(key, []).append(len(set(full.ids[full.order()[:K]]) & truth[qid]) / K)
                    times.setdefault(key, []).append(t2 - t0)
                    m = middle.scores(engine, q, rows)
                    t3 = time.perf_counter()
                    times.setdefault(f"middle score of {size}", []).append(t3 - t2)
                    for keep in keeps:
                        t4 = time.perf_counter()
                        kept = np.sort(rows[np.argpartition(-m, keep)[:keep]])
                        scored = engine._score(q, kept)
                        got = set(scored.ids[scored.order()[:K]])
                        t5 = time.perf_counter()
                        key = f"ivf ratio {r:g}, shortlist {size}, middle keeps {keep}"
                        recall.setdefault(key, []).append(len(got & truth[qid]) / K)
                        times.setdefault(key, []).append((t1 - t0) + (t3 - t2) + (t5 - t4))
    matvec = p50_ms(times["matvec"])
    rows_out = [{"method": k, "recall_at_10": float(np.mean(v)), "p50_ms": p50_ms(times[k]),
                 "ratio": p50_ms(times[k]) / matvec} for k, v in recall.items()]
    print(f"\n{args.n:,} profiles, {len(qids)} queries, matvec p50 {matvec:.2f} ms, middle dim {args.dim}")
    for row in rows_out:
        print(f"{row['method']:<50} recall {row['recall_at_10']:.3f}  p50 {row['p50_ms']:7.2f} ms  {row['ratio']:.2f}x")
    for size in sizes:
        print(f"middle score of {size} rows: p50 {p50_ms(times[f'middle score of {size}']):.2f} ms")
    oracle = oracle_first_stage(engine, qids, truth, [int(s) for s in args.oracle_sizes.split(",")])
    print("\nexact first stage, lexical proxies from sketches / exact cosines (recall@10 after full scoring):")
    for k, v in oracle.items():
        print(f"  {k}: {v:.3f}")
    result: dict[str, Any] = {
        "date": dt.date.today().isoformat(), "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "n": args.n, "queries": len(qids), "dim": args.dim, "middle_mb": middle.megabytes, "matvec_p50_ms": matvec,
        "rows": rows_out, "middle_p50_ms": {s: p50_ms(times[f"middle score of {s}"]) for s in sizes}, "oracle": oracle,
    }
    out = REPO / "bench" / "results" / f"middle-{result['date']}-{args.n}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
