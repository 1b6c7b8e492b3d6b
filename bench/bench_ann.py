"""Sublinear first stage: recall and latency of the IVF shortlist (``matcher.ann``) against the
exact first stage and faiss HNSW, on the synthetic profiles of bench/bench_rank.py.

Truth is exhaustive full scoring of every eligible candidate (``bench_rank.exhaustive_top``;
with a filter, ``rank`` with a shortlist larger than the eligible rows, which scores them all).
Each method ranks the same queries with ``Engine.rank(k=10, explain=False)`` at 1 BLAS / OpenMP
thread; the ratio is to the p50 of a plain 384-float matvec + argpartition over the same rows,
measured in the same run and interleaved with the ranks. ``first stage`` is the p50 of the
shortlist step alone (eligibility mask included). Build time and memory are the index's alone
(the engine's fit is not counted); memory is the size of the serialised faiss index.
Add one: the p50 of ``Engine.partial_fit`` of a new profile (embedding with the benchmark
embedder, featurising, ``Index.add``) followed by the IVF's ``sync`` (its part in brackets).

    python bench/bench_ann.py [--quick] [--n N] [--grow M] [--recall-queries 40] [--sizes 800,1600,3200]
                              [--ratios 2,4,8] [--nlists 4sqrt] [--struct-dims 0,4] [--hnsw-ratios 1,2]
                              [--filter-shares 0.01,0.1]

``--quick``: 20k profiles; default 100k (fit ≈ 5 min here). ``--grow 1000000``: after fitting
``--n``, grow the index to that many rows as bench/bench_rank.py does for 1M (``bench_rank.grow``:
copies of fitted profiles with jittered vectors; IDF and channel statistics stay the fit's).
``--scorings kernels,block``: each unfiltered row measured twice, full scoring by the compiled
kernels (``matcher.kernels``, the engine's) and by the numpy/scipy reading of a copied block
that they replaced (``raw_channels(q, index.block(rows))``, params ending ", block"), for a
before/after in the same run.
Results: bench/results/ann-<date>-<rows>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import platform
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rank import BenchEmbedder, K, exhaustive_top, grow, p50_ms, sample_records  # noqa: E402

import matcher.engine  # noqa: E402
from matcher.ann import IVFShortlist  # noqa: E402
from matcher.domain import MODES, SECTORS  # noqa: E402
from matcher.engine import Engine  # noqa: E402
from matcher.rules import filter_mask, validate_filters  # noqa: E402
from matcher.scoring import raw_channels  # noqa: E402
from matcher.synth import synthesize  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


class HNSWShortlist:
    """BENCHMARK ONLY: the same interface as ``IVFShortlist`` over faiss HNSW (inner product) on
    the same vectors (text and the structure's coordinates, ``like``'s): the ``ratio * size``
    best rows by their product (eligible ones, through the same bitmap), the structure's
    remainder added, the best ``size`` kept. No removal (faiss HNSW has none), so not a
    candidate for the engine as it is."""

    def __init__(self, like: IVFShortlist, m: int = 32, ef_construction: int = 40, ratio: float = 2.0) -> None:
        self.like, self.m, self.ef_construction, self.ratio = like, m, ef_construction, ratio

    def fit(self, index: Any) -> HNSWShortlist:
        rows = index.alive_rows()
        x = self.like._vectors(index, rows)
        hnsw = faiss.IndexHNSWFlat(x.shape[1], self.m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = self.ef_construction
        self.ivf_ = faiss.IndexIDMap(hnsw)
        self.ivf_.add_with_ids(x, rows.astype(np.int64))
        return self

    def shortlist(self, q: Any, index: Any, stage: Any, weights: Any, mask: np.ndarray, size: int) -> np.ndarray:
        eligible = int(np.count_nonzero(mask))
        if eligible <= size:
            return np.flatnonzero(mask)
        bits = np.packbits(mask, bitorder="little")
        want = min(eligible, int(self.ratio * size))
        params = faiss.SearchParametersHNSW(efSearch=want, sel=faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bits)))
        qv, rest, vectors = self.like._query(q, index, stage, weights)
        scores, ids = self.ivf_.search(qv[None], want, params=params)
        found = ids[0] >= 0
        return self.like.finish(index, ids[0][found], scores[0][found], rest, vectors, size)


@dataclass
class Method:
    name: str
    params: str
    ann: Any = None  # None: the exact first stage
    build_s: float = 0.0
    memory_mb: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def index_mb(ann: Any) -> float:
    return len(faiss.serialize_index(ann.ivf_)) / 2**20


def measure(engine: Engine, method: Method, qids: list[str], truth: dict[str, set[str]], size: int,
            filters: dict[str, Any] | None) -> dict[str, Any]:
    """Recall@10 (of the truth's size when a filter leaves fewer than 10) and p50s of ``rank`` and of its first stage for ``qids`` with ``method``; the
    matvec baseline interleaved."""
    engine.ann_, engine.first_stage = method.ann, ("ivf" if method.ann is not None else "exact")
    X = np.ascontiguousarray(engine.index_.profiles["first"][: engine.index_.n_rows])
    hits, times, firsts, base = [], [], [], []
    with threadpool_limits(limits=1, user_api="blas"):
        for qid in qids[:3]:
            engine.rank(qid, k=K, explain=False, shortlist=size, filters=filters)  # warm
        for qid in qids:
            qx = X[engine._row(qid)].copy()
            t = time.perf_counter()
            np.argpartition(-(X @ qx), K)[:K]
            base.append(time.perf_counter() - t)
            t = time.perf_counter()
            got = {m.id for m in engine.rank(qid, k=K, explain=False, shortlist=size, filters=filters)}
            times.append(time.perf_counter() - t)
            if truth[qid]:  # a filter may leave fewer than k (or no) candidates
                hits.append(len(truth[qid] & got) / len(truth[qid]))
            q = engine.index_.features(engine._row(qid))
            t = time.perf_counter()
            engine._shortlist(q, engine._eligible(q, filters, None), size)
            firsts.append(time.perf_counter() - t)
    matvec = p50_ms(base)
    return {"method": method.name, "params": method.params, "shortlist": size, "filters": filters,
            "recall_at_10": float(np.mean(hits)), "rank_p50_ms": p50_ms(times), "first_stage_p50_ms": p50_ms(firsts),
            "matvec_p50_ms": matvec, "ratio": p50_ms(times) / matvec, "build_s": method.build_s,
            "memory_mb": method.memory_mb, **method.extra}


def add_one(engine: Engine, ann: IVFShortlist, n: int = 20) -> dict[str, float]:
    """p50 ms of ``partial_fit`` of ``n`` new profiles, and of the IVF's sync after each; then
    removes them (the IVF follows) and checks they left it."""
    engine.ann_, engine.first_stage = ann, "ivf"
    records = synthesize(sample_records(), n, random_state=99)
    total, sync = [], []
    for i, r in enumerate(records):
        r = {**r, "id": f"added-{i}"}
        t = time.perf_counter()
        engine.partial_fit(r)
        t1 = time.perf_counter()
        with ann.lock_:
            ann.sync(engine.index_)
        t2 = time.perf_counter()
        total.append(t2 - t)
        sync.append(t2 - t1)
    for i in range(n):
        engine.remove(f"added-{i}")
    with ann.lock_:
        ann.sync(engine.index_)
    assert ann.n_members_ == len(engine.index_), (ann.n_members_, len(engine.index_))
    return {"add_one_p50_ms": p50_ms(total), "add_one_ivf_sync_p50_ms": p50_ms(sync)}


def pick_filter(engine: Engine, share: float) -> tuple[dict[str, Any], float]:
    """The (sector, mode sought) or (sector, mode offered) filter keeping the share of profiles
    nearest ``share``."""
    cols, n = engine.index_.profiles, len(engine.index_)
    best_f, best_share = {}, 1.0
    for sector in SECTORS:
        for key in ("cooperation_sought", "cooperation_offered"):
            for mode in MODES:
                f = {"sector": sector, key: mode}
                s = float(np.count_nonzero(filter_mask(validate_filters(f), cols) & cols["alive"])) / n
                if abs(math.log(max(s, 1e-9) / share)) < abs(math.log(max(best_share, 1e-9) / share)):
                    best_f, best_share = f, s
    return best_f, best_share


def build_methods(engine: Engine, nlists: list[str], struct_dims: list[int], ratios: list[float],
                  hnsw_ratios: list[float]) -> list[Method]:
    n = len(engine.index_)
    methods = [Method("exact", "every row")]
    for spec in nlists:
        nlist = round({"sqrt": 1, "4sqrt": 4, "sqrt/2": 0.5}[spec] * math.sqrt(n))
        for dims in struct_dims:
            t = time.perf_counter()
            ivf = IVFShortlist(nlist=nlist, struct_dims=dims).fit(engine.index_, engine.weights_)
            build = time.perf_counter() - t
            print(f"  IVF nlist {nlist}, struct {dims}: built in {build:.1f} s, {index_mb(ivf):.0f} MB", flush=True)
            for ratio in ratios:
                methods.append(Method("ivf", f"nlist {nlist}, struct {dims}, ratio {ratio:g}", _clone(ivf, ratio=ratio),
                                      build, index_mb(ivf)))
    if hnsw_ratios:
        t = time.perf_counter()
        like = next(m.ann for m in reversed(methods) if m.name == "ivf")
        hnsw = HNSWShortlist(like).fit(engine.index_)
        build = time.perf_counter() - t
        print(f"  HNSW M 32: built in {build:.1f} s, {index_mb(hnsw):.0f} MB", flush=True)
        for ratio in hnsw_ratios:
            clone_h = HNSWShortlist(like, ratio=ratio)
            clone_h.ivf_ = hnsw.ivf_
            methods.append(Method("hnsw", f"M 32, efSearch = k = {ratio:g} x shortlist", clone_h, build, index_mb(hnsw)))
    return methods


@contextlib.contextmanager
def scoring(how: str) -> Iterator[str]:
    """Full scoring by the engine's kernels (``kernels``), or for the span of the block by the
    numpy/scipy reading of a copied block they replaced (``block``); yields the params suffix."""
    if how == "kernels":
        yield ""
        return
    if how != "block":
        raise SystemExit(f"--scorings: unknown {how!r} (kernels, block)")
    kept = matcher.engine.raw_channels_at
    matcher.engine.raw_channels_at = lambda q, index, rows: raw_channels(q, index.block(rows))  # type: ignore[assignment]
    try:
        yield ", block"
    finally:
        matcher.engine.raw_channels_at = kept


def print_table(rows: list[dict[str, Any]], title: str) -> None:
    print(f"\n{title}")
    print(f"{'method':<6} {'params':<48} {'shortlist':>9} {'recall@10':>9} {'p50 ms':>8} {'ratio':>6} "
          f"{'1st stage':>9} {'build s':>7} {'MB':>6}")
    for r in rows:
        print(f"{r['method']:<6} {r['params']:<48} {r['shortlist']:>9} {r['recall_at_10']:>9.3f} {r['rank_p50_ms']:>8.2f} "
              f"{r['ratio']:>5.2f}x {r['first_stage_p50_ms']:>9.2f} {r['build_s']:>7.1f} {r['memory_mb']:>6.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20k profiles")
    ap.add_argument("--n", type=int, default=None, help="profiles (default 100k; 20k with --quick)")
    ap.add_argument("--grow", type=int, default=None, help="then grow the index to this many rows (e.g. 1000000)")
    ap.add_argument("--recall-queries", type=int, default=40)
    ap.add_argument("--sizes", default="800,1600,3200", help="shortlist sizes")
    ap.add_argument("--ratios", default="2,4,8", help="IVF: eligible rows scored per shortlisted row")
    ap.add_argument("--nlists", default="4sqrt", help="IVF lists: sqrt, 4sqrt or sqrt/2 of n")
    ap.add_argument("--struct-dims", default="0,4", help="IVF: coordinates of the structure per signal group")
    ap.add_argument("--hnsw-ratios", default="1,2", help="HNSW: k = efSearch = ratio x shortlist ('' for none)")
    ap.add_argument("--filter-shares", default="0.01,0.1", help="filters keeping about these shares of profiles")
    ap.add_argument("--scorings", default="kernels", help="full scoring: kernels (the engine's), block (numpy, before)")
    args = ap.parse_args()
    n = args.n or (20_000 if args.quick else 100_000)
    sizes = [int(s) for s in args.sizes.split(",")]
    ratios = [float(s) for s in args.ratios.split(",")]
    hnsw_ratios = [float(s) for s in args.hnsw_ratios.split(",") if s]
    faiss.omp_set_num_threads(1)

    t = time.perf_counter()
    embedder = BenchEmbedder()
    engine = Engine(embedder=embedder, first_stage="exact").fit(synthesize(sample_records(), n, random_state=0))
    fit_s = time.perf_counter() - t
    print(f"fitted {n:,} synthetic profiles in {fit_s:.0f} s", flush=True)
    grow_s = None
    if args.grow and args.grow > n:
        grow_s = grow(engine, args.grow, embedder)
        n = len(engine.index_)
        print(f"grown to {n:,} rows in {grow_s:.0f} s", flush=True)
    rng = np.random.default_rng(0)
    alive = engine.ids_
    qids = [alive[i] for i in rng.choice(len(alive), args.recall_queries, replace=False)]
    t = time.perf_counter()
    with threadpool_limits(limits=2, user_api="blas"):
        truth = {qid: set(exhaustive_top(engine, qid)) for qid in qids}
    print(f"exhaustive truth for {len(qids)} queries in {time.perf_counter() - t:.0f} s", flush=True)

    methods = build_methods(engine, args.nlists.split(","), [int(d) for d in args.struct_dims.split(",")], ratios,
                            hnsw_ratios)
    result: dict[str, Any] = {
        "date": dt.date.today().isoformat(), "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "n": n, "fit_seconds": fit_s, "grow_seconds": grow_s, "recall_queries": len(qids), "k": K, "unfiltered": [], "filtered": [],
    }
    for size in sizes:
        for m in methods:
            for how in args.scorings.split(","):
                with scoring(how) as suffix:
                    row = measure(engine, m, qids, truth, size, None)
                row["params"] += suffix
                result["unfiltered"].append(row)
                print(f"  {m.name} {row['params']} shortlist {size}: recall {row['recall_at_10']:.3f}, "
                      f"p50 {row['rank_p50_ms']:.2f} ms ({row['ratio']:.2f}x), first stage {row['first_stage_p50_ms']:.2f} ms",
                      flush=True)
    ivfs = [m for m in methods if m.name == "ivf"]
    result["add_one"] = add_one(engine, ivfs[-1].ann) if ivfs else None

    for share in (float(s) for s in args.filter_shares.split(",") if s):
        f, kept = pick_filter(engine, share)
        print(f"filter {f}: keeps {kept:.2%} of profiles", flush=True)
        with threadpool_limits(limits=2, user_api="blas"):
            ftruth = {qid: {m.id for m in engine.rank(qid, k=K, explain=False, filters=f, shortlist=10**9)} for qid in qids}
        fmethods = [methods[0]] + [m for m in methods if m.name == "ivf" and m.params.endswith("struct 4, ratio 8")][:1]
        forced = [Method("ivf*", m.params + ", no exact path", _clone(m.ann, exact_fraction=0.0), m.build_s, m.memory_mb) for m in fmethods[1:]]
        hnsw = [m for m in methods if m.name == "hnsw"][-1:]
        for size in sizes:
            for m in fmethods + forced + hnsw:
                row = measure(engine, m, qids, ftruth, size, f)
                row["filter_share"] = kept
                result["filtered"].append(row)

    print_table(result["unfiltered"], f"{n:,} profiles, no filter ({len(qids)} queries; truth: exhaustive full scoring)")
    for share in sorted({r["filter_share"] for r in result["filtered"]}):
        rows = [r for r in result["filtered"] if r["filter_share"] == share]
        print_table(rows, f"{n:,} profiles, filter {rows[0]['filters']} keeping {share:.2%} (ivf*: exact path off)")
    if result["add_one"]:
        a = result["add_one"]
        print(f"\nadd one profile (partial_fit + IVF sync): p50 {a['add_one_p50_ms']:.1f} ms "
              f"(IVF sync {a['add_one_ivf_sync_p50_ms']:.3f} ms)")
    out = REPO / "bench" / "results" / f"ann-{result['date']}-{n}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"wrote {out.relative_to(REPO)}")


def _clone(ann: IVFShortlist, **params: Any) -> IVFShortlist:
    """``ann`` with other query-time ``params`` (``ratio``, ``exact_fraction``), sharing its index."""
    clone = IVFShortlist()
    clone.__dict__.update(ann.__dict__)
    clone.__dict__.update(params)
    return clone


if __name__ == "__main__":
    main()
