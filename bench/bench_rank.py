"""Ranking one profile over 100k (and 1M) candidates, against a plain matvec measured in the same run.

Baseline: ``X @ q`` over the candidates' profile vectors (n × 384, float32, C-contiguous) plus
``argpartition`` to the top 10 — the least any exact top-k over one vector per profile costs.
Ours: ``Engine.rank(id, k=10)`` (first stage over every row: exact structured signals plus the
distilled text approximation, ``matcher.distill``; full fused score of the shortlist, top 10), with
and without explanations; p50 over ≥ 200 queries, BLAS at 1 and 2 threads, at ``--shortlist``
(default: the engine's).

Profiles are ``matcher.synth.synthesize`` records recombined from the sample ecosystem; vectors
come from ``BenchEmbedder`` below (benchmarks only: no meaning, just realistic shape).

1M: fitting 1M profiles here would take most of an hour (the lexical/glossary pass costs a few ms
per profile), so the 100k engine's index is grown to 1M rows through ``Index.add``: every added
row copies a fitted profile's record, passages, lexical rows and structured fields, with freshly
jittered vectors (a new point near the original in the same low-rank space). Lexical IDF and
channel statistics stay those of the 100k fit, exactly as after ``Engine.partial_fit``.

Exactness: the two-stage rank is approximate; its recall@10 is measured against exhaustive full
scoring of every eligible candidate (the same fused score, computed in chunks), for each shortlist
size in ``--sizes`` (the recall curve, with the p50 rank latency at 1 BLAS thread at each size).

    python bench/bench_rank.py [--quick] [--million] [--queries N] [--recall-queries N]
                               [--million-recall-queries N] [--sizes 100,200,...] [--shortlist N]

``--quick``: 10k profiles. ``--embedder e5-onnx``: real embeddings of the synthetic texts instead of
``BenchEmbedder`` (not with ``--million``). ``--million``: also grow to 1M (a further ~15 min and ~15 GB here). Results: bench/results/rank-<date>.json.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import json
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from matcher.embed import get_embedder
from matcher.engine import Engine
from matcher.profile import normalise_record
from matcher.synth import synthesize

REPO = Path(__file__).resolve().parent.parent
K = 10
CHUNK = 50_000  # rows per block in exhaustive scoring (bounded memory at 1M)


class BenchEmbedder:
    """BENCHMARKS ONLY. Deterministic pseudo-embeddings, no model: every word (lower-cased) gets a
    point in a fixed 48-d subspace of R^384 (64 clusters + noise) seeded by sha256(word); a text is
    the sum of its words' points plus a little text-specific noise, L2-normalised. Meaningless as
    semantics, but shaped like real embeddings (low rank, clustered) and, like them, correlated
    with word overlap, so the first stage faces a realistic task: random vectors unrelated to the
    text would make the lexical channels invisible to it."""

    name = "bench-lowrank-bow"
    dim = 384
    rank, n_clusters = 48, 64

    def __init__(self) -> None:
        rng = np.random.default_rng(12345)
        self.basis = rng.standard_normal((self.rank, self.dim)).astype(np.float32) / np.sqrt(self.rank)
        self.centres = rng.standard_normal((self.n_clusters, self.rank)).astype(np.float32)
        self._words: dict[str, np.ndarray] = {}

    def _word(self, w: str) -> np.ndarray:
        v = self._words.get(w)
        if v is None:
            rng = np.random.default_rng(int.from_bytes(hashlib.sha256(w.encode()).digest()[:8], "little"))
            v = self.point(rng, 1)[0]
            self._words[w] = v
        return v

    def encode(self, texts, *, role):  # type: ignore[no-untyped-def]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            words = t.lower().split() or [""]
            seed = int.from_bytes(hashlib.sha256(f"{role}:{t}".encode()).digest()[:8], "little")
            noise = 0.1 * np.sqrt(len(words)) * np.random.default_rng(seed).standard_normal(self.dim)
            out[i] = np.sum([self._word(w) for w in words], axis=0) + noise
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def point(self, rng: np.random.Generator, n: int, near: np.ndarray | None = None) -> np.ndarray:
        """``n`` unit vectors (n, 384): new points, or jittered copies of ``near`` (n, 384)."""
        coords = 0.6 * rng.standard_normal((n, self.rank), dtype=np.float32)
        if near is None:
            coords += self.centres[rng.integers(self.n_clusters, size=n)]
        x = coords @ self.basis + 0.3 * rng.standard_normal((n, self.dim), dtype=np.float32) / np.sqrt(
            self.dim / self.rank
        )
        if near is not None:
            x = near + 0.3 * x / np.linalg.norm(x, axis=1, keepdims=True)
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def sample_records() -> list[dict]:
    return [
        normalise_record(json.loads(line))
        for f in sorted((REPO / "profiles").glob("ecosystem-*.jsonl"))
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def grow(engine: Engine, n: int, emb: BenchEmbedder, seed: int = 1) -> float:
    """Add rows to ``engine.index_`` until it holds ``n`` profiles (see module docstring); seconds."""
    t0 = time.perf_counter()
    index, rng = engine.index_, np.random.default_rng(seed)
    # read every fitted row's features once, before the first add: ``Index.features`` reads the
    # lexical rows through ``Index.lexical_matrix``, which is rebuilt (O(rows)) after each add, so
    # reading them between adds made growing quadratic (5k -> 40k rows: 27 s against 16 s now)
    base = [index.features(int(r)) for r in index.alive_rows()]
    i = 0
    while len(index) < n:
        f = copy.copy(base[i % len(base)])
        f.id = f"{f.id}-g{i}"
        f.record = {**f.record, "id": f.id}
        f.need_vecs = emb.point(rng, len(f.need_vecs), f.need_vecs) if len(f.need_vecs) else f.need_vecs
        f.prov_vecs = emb.point(rng, len(f.prov_vecs), f.prov_vecs)
        f.desc_vec = emb.point(rng, 1, f.desc_vec[None])[0]
        f.first_vec = emb.point(rng, 1, f.first_vec[None])[0]
        f.whole_vec = emb.point(rng, 1, f.whole_vec[None])[0]
        index.add(f)
        i += 1
    return time.perf_counter() - t0


def exhaustive_top(engine: Engine, qid: str, k: int = K) -> list[str]:
    """Top ``k`` ids by the full fused score over every eligible candidate (chunked; ties by id).

    Uses the engine's private scoring step: the point is to score everything, which its public
    API does only with ``shortlist`` ≥ n in one block (too much memory at 1M)."""
    q = engine.index_.features(engine._row(qid))
    rows = np.flatnonzero(engine._eligible(q, None, None))
    ids, scores = [], []
    for s in range(0, len(rows), CHUNK):
        sc = engine._score(q, rows[s : s + CHUNK])
        top = sc.order()[:k]
        ids.extend(sc.ids[top])
        scores.extend(sc.score[top])
    order = np.lexsort((np.array(ids), -np.array(scores)))[:k]
    return [str(ids[j]) for j in order]


def p50_ms(times: list[float]) -> float:
    return float(np.median(times) * 1e3)


def latency(engine: Engine, qids: list[str], threads: int) -> dict[str, float]:
    """p50 (ms) of the baseline and of ``rank`` over ``qids``, interleaved query by query."""
    X = np.ascontiguousarray(engine.index_.profiles["first"][: engine.index_.n_rows])
    base, full, noexp = [], [], []
    with threadpool_limits(limits=threads, user_api="blas"):
        for qid in qids[:5]:  # warm caches
            engine.rank(qid, k=K)
        for qid in qids:
            q = X[engine._row(qid)].copy()
            t = time.perf_counter()
            np.argpartition(-(X @ q), K)[:K]
            base.append(time.perf_counter() - t)
            t = time.perf_counter()
            engine.rank(qid, k=K, explain=False)
            noexp.append(time.perf_counter() - t)
            t = time.perf_counter()
            engine.rank(qid, k=K)
            full.append(time.perf_counter() - t)
    b = p50_ms(base)
    return {
        "threads": threads,
        "matvec_p50_ms": b,
        "rank_p50_ms": p50_ms(noexp),
        "rank_ratio": p50_ms(noexp) / b,
        "rank_explained_p50_ms": p50_ms(full),
        "rank_explained_ratio": p50_ms(full) / b,
    }


def exhaustive_latency(engine: Engine, qids: list[str]) -> float:
    with threadpool_limits(limits=2, user_api="blas"):
        t = time.perf_counter()
        for qid in qids:
            exhaustive_top(engine, qid)
    return (time.perf_counter() - t) / len(qids) * 1e3


def recall_curve(engine: Engine, qids: list[str], sizes: list[int], matvec_ms: float) -> list[dict]:
    """Mean recall@10 of ``rank`` (two-stage) against exhaustive full scoring, and the p50 of
    ``rank`` (no explanations, BLAS 1 thread), for each shortlist size."""
    with threadpool_limits(limits=2, user_api="blas"):
        exact = {qid: set(exhaustive_top(engine, qid)) for qid in qids}
    default, out = engine.shortlist, []
    try:
        for size in sizes:
            engine.shortlist = size
            hits, times = [], []
            with threadpool_limits(limits=1, user_api="blas"):
                for qid in qids:
                    t = time.perf_counter()
                    got = {m.id for m in engine.rank(qid, k=K, explain=False)}
                    times.append(time.perf_counter() - t)
                    hits.append(len(exact[qid] & got) / K)
            row = {"shortlist": size, "recall_at_10": float(np.mean(hits)), "rank_p50_ms_1_thread": p50_ms(times)}
            row["ratio_to_matvec_1_thread"] = row["rank_p50_ms_1_thread"] / matvec_ms
            out.append(row)
            print(
                f"  shortlist {size:>5}: recall@10 {row['recall_at_10']:.3f}  rank p50 {row['rank_p50_ms_1_thread']:7.2f} ms "
                f"({row['ratio_to_matvec_1_thread']:.2f}x matvec, 1 thread)",
                flush=True,
            )
    finally:
        engine.shortlist = default
    return out


def stage(engine: Engine, n_queries: int, n_recall: int, seed: int, sizes: list[int]) -> dict:
    rng = np.random.default_rng(seed)
    alive = engine.ids_
    qids = [alive[i] for i in rng.choice(len(alive), n_queries, replace=False)]
    out: dict = {
        "n": len(engine.index_),
        "queries": n_queries,
        "latency": [latency(engine, qids, t) for t in (1, 2)],
    }
    out["recall_queries"] = n_recall
    out["recall_curve"] = recall_curve(engine, qids[:n_recall], sizes, out["latency"][0]["matvec_p50_ms"])
    at_default = [r for r in out["recall_curve"] if r["shortlist"] == engine.shortlist]
    out["recall_at_10_vs_exhaustive"] = at_default[0]["recall_at_10"] if at_default else None
    out["exhaustive_ms_per_query_2_threads"] = exhaustive_latency(engine, qids[: min(5, n_recall)])
    for row in out["latency"]:
        print(
            f"  n={out['n']:>9,}  BLAS {row['threads']}: matvec+argpartition {row['matvec_p50_ms']:7.2f} ms | "
            f"rank {row['rank_p50_ms']:7.2f} ms ({row['rank_ratio']:.2f}x) | with explanations "
            f"{row['rank_explained_p50_ms']:7.2f} ms ({row['rank_explained_ratio']:.2f}x)",
            flush=True,
        )
    print(
        f"  n={out['n']:>9,}  recall@10 of two-stage vs exhaustive at shortlist {engine.shortlist}: "
        f"{out['recall_at_10_vs_exhaustive'] or float('nan'):.3f} ({n_recall} queries); exhaustive full scoring "
        f"{out['exhaustive_ms_per_query_2_threads']:.0f} ms/query",
        flush=True,
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10k profiles, no 1M stage")
    ap.add_argument("--million", action="store_true", help="also grow the index to 1M rows (slow, ~15 GB)")
    ap.add_argument("--queries", type=int, default=200, help="queries for the latency p50 (default 200)")
    ap.add_argument("--recall-queries", type=int, default=50)
    ap.add_argument("--million-only", action="store_true", help="with --million: skip the 100k measurements")
    ap.add_argument("--million-recall-queries", type=int, default=10,
                    help="queries for the recall curve at 1M (each needs a ~3 s exhaustive scoring)")
    ap.add_argument("--sizes", default="100,200,400,800,1600,3200", help="shortlist sizes of the recall curve")
    ap.add_argument("--shortlist", type=int, default=Engine().shortlist, help="shortlist of the latency table")
    ap.add_argument("--embedder", default=None,
                    help="a real embedding backend (e.g. e5-onnx) instead of the benchmark-only BenchEmbedder; "
                         "embeds every passage first (10k profiles: a few minutes with e5-onnx)")
    args = ap.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")} | {args.shortlist})
    n = 10_000 if args.quick else 100_000
    if args.embedder == "e5-onnx":
        import matcher.embed_onnx  # noqa: F401  (registers the backend)
    emb: Any = BenchEmbedder() if args.embedder is None else get_embedder(args.embedder)
    if args.embedder is not None and args.million:
        raise SystemExit("--million grows the index with BenchEmbedder points; use it without --embedder")
    t = time.perf_counter()
    records = synthesize(sample_records(), n, random_state=0)
    engine = Engine(embedder=emb, shortlist=args.shortlist).fit(records)
    fit_s = time.perf_counter() - t
    del records
    print(
        f"fitted {n:,} synthetic profiles in {fit_s:.0f} s ({engine.index_.needs.n + engine.index_.provide.n:,} "
        f"passages)",
        flush=True,
    )
    result = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "embedder": emb.name,
        "shortlist": engine.shortlist,
        "probe_dim": engine.probe_dim,
        "k": K,
        "fit_seconds": fit_s,
        "stages": [] if args.million and args.million_only else [stage(engine, args.queries, args.recall_queries, seed=0, sizes=sizes)],
    }
    if args.million and not args.quick:
        grow_s = grow(engine, 1_000_000, emb)
        print(f"grew the index to {len(engine.index_):,} rows in {grow_s:.0f} s", flush=True)
        result["grow_seconds"] = grow_s
        result["stages"].append(stage(engine, args.queries, args.million_recall_queries, seed=1, sizes=sizes))
    suffix = ("-quick" if args.quick else "") + (f"-{args.embedder}" if args.embedder else "")
    out = REPO / "bench" / "results" / f"rank-{result['date']}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(
        f"\n{'n':>9} {'BLAS':>4} {'matvec p50':>11} {'rank p50':>9} {'ratio':>6} {'+explain':>9} {'ratio':>6} {'recall@10':>9}"
    )
    for st in result["stages"]:
        for row in st["latency"]:
            print(
                f"{st['n']:>9,} {row['threads']:>4} {row['matvec_p50_ms']:>8.2f} ms {row['rank_p50_ms']:>6.2f} ms "
                f"{row['rank_ratio']:>5.2f}x {row['rank_explained_p50_ms']:>6.2f} ms {row['rank_explained_ratio']:>5.2f}x "
                f"{st['recall_at_10_vs_exhaustive']:>9.3f}"
            )
    print(f"\n{'n':>9} {'shortlist':>9} {'recall@10':>9} {'rank p50 (1 thread)':>20} {'ratio':>6}")
    for st in result["stages"]:
        for row in st["recall_curve"]:
            print(
                f"{st['n']:>9,} {row['shortlist']:>9} {row['recall_at_10']:>9.3f} {row['rank_p50_ms_1_thread']:>17.2f} ms "
                f"{row['ratio_to_matvec_1_thread']:>5.2f}x"
            )
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
