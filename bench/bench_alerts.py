"""Saved-search alerts: the cost of evaluating one new profile against every saved search
(issue 15, part 2), at 10k profiles and 10k saved searches; target ≤ 50 ms.

What is timed is what ``web.services.alerts_eval.AlertEvaluator.candidates`` does for a profile
that was just added to the index: its provide passages and words-space row out of the index, the
one-pass scores of ``web.services.alerts_matrix.SearchMatrix`` (every saved search's query vectors
against the profile's passages, the words cosine, the facets as masks, the thresholds), and the
candidates above their threshold. The candidates are then confirmed one by one with the real
search (not timed here: one directory search each, and there are about k × S / n of them).
Baseline in the same run: the same profile's score under every saved search by running the
engine's own ``search`` for each of them (timed on a sample and scaled to S).

Profiles are ``matcher.synth.synthesize`` records and vectors come from ``bench_rank.BenchEmbedder``
(no model; low-rank clustered, correlated with words), as in bench/bench_rank.py. A saved search is
the first sentence of a random profile's needs or offers with random facets (30% a side, 20% a
sector, 10% a country); its threshold is exact: the 10th best score over all n profiles that pass
its facets (computed in chunks). New profiles are a second synthetic draw, added with
``Engine.partial_fit``. The profile-subscription pass (``Engine.scores_towards``, "new partners for
my profile") is timed too.

    python bench/bench_alerts.py [--profiles 10000] [--searches 10000] [--new 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_rank import BenchEmbedder, sample_records  # noqa: E402
from common import machine, write_result  # noqa: E402

from matcher.engine import Engine  # noqa: E402
from matcher.synth import synthesize  # noqa: E402
from web.services.alerts_matrix import QueryVectors, SearchMatrix, profile_vectors  # noqa: E402

K = 10
CHUNK = 400


def searches(records: list[dict], n: int, rng: np.random.Generator) -> tuple[list[str], list[dict[str, list[str]]]]:
    texts, facets = [], []
    for i in rng.integers(len(records), size=n):
        r = records[int(i)]
        text = str(r.get("needs") or r.get("offers") or r.get("description") or "software")
        texts.append(text.split(".")[0][:200] or "software")
        f: dict[str, list[str]] = {}
        if rng.random() < 0.3:
            f["side"] = [str(rng.choice(["vn", "foreign"]))]
        if rng.random() < 0.2 and r.get("sectors"):
            f["sector"] = [str(r["sectors"][0])]
        if rng.random() < 0.1:
            f["country"] = [str(r.get("country") or "VN")]
        facets.append(f)
    return texts, facets


def values(pid: str) -> dict[str, list[str]]:
    """The facet values of a profile, as ``web.store.saved_searches.get_facet_values`` reads them."""
    r = _records[pid]
    side = "vn" if r.get("country") == "VN" else "foreign"
    return {"side": [side], "kind": [str(r.get("kind"))], "country": [str(r.get("country"))],
            "sector": list(r.get("sectors") or []),
            "mode": list(r.get("cooperation_offered") or []) + list(r.get("cooperation_sought") or [])}


_records: dict[str, dict] = {}


def thresholds(engine: Engine, matrix: SearchMatrix, ids: list[str]) -> np.ndarray:
    """The exact k-th best score of every saved search over ``ids`` (facets applied)."""
    weights = engine.weights_.keep("dense_reciprocal", "lexical_reciprocal")
    best = np.full((len(matrix), K), -np.inf)
    for start in range(0, len(ids), CHUNK):
        cols = []
        for pid in ids[start:start + CHUNK]:
            s = matrix.scores(*profile_vectors(engine, pid), engine.stats_, weights)
            cols.append(np.where(matrix.passes(values(pid), []), s, -np.inf))
        both = np.hstack([best, np.stack(cols, axis=1)])
        best = -np.sort(-both, axis=1)[:, :K]
    return best[:, K - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profiles", type=int, default=10_000)
    ap.add_argument("--searches", type=int, default=10_000)
    ap.add_argument("--new", type=int, default=200)
    ap.add_argument("--baseline", type=int, default=50, help="saved searches run one by one for the baseline")
    ap.add_argument("--subscriptions", type=int, default=1000,
                    help='profiles whose owners follow "new partners for my profile"')
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    emb = BenchEmbedder()
    t = time.perf_counter()
    records = synthesize(sample_records(), args.profiles, random_state=0)
    _records.update({r["id"]: r for r in records})
    engine = Engine(embedder=emb).fit(records)
    print(f"fitted {args.profiles:,} profiles in {time.perf_counter() - t:.0f} s", flush=True)

    t = time.perf_counter()
    texts, facets = searches(records, args.searches, rng)
    lexical = engine.featurizer_.lexical
    queries = []
    for text in texts:
        q = engine.featurizer_.build_query(text)
        queries.append(QueryVectors(q.need_vecs, q.whole_vec, lexical.space(q.lex_need, "words")))
    users = list(range(1, args.searches + 1))
    matrix = SearchMatrix(list(range(1, args.searches + 1)), users, queries, facets, [-np.inf] * args.searches)
    build_s = time.perf_counter() - t
    print(f"{args.searches:,} saved searches embedded and stacked in {build_s:.0f} s "
          f"({len(matrix.queries):,} query passages)", flush=True)
    t = time.perf_counter()
    with threadpool_limits(1):
        thr = thresholds(engine, matrix, [r["id"] for r in records])
    matrix = SearchMatrix(list(range(1, args.searches + 1)), users, queries, facets, list(thr))
    print(f"exact thresholds in {time.perf_counter() - t:.0f} s", flush=True)

    new = synthesize(sample_records(), args.new, random_state=7)
    weights = engine.weights_.keep("dense_reciprocal", "lexical_reciprocal")
    times, towards, towards_all, found = [], [], [], []
    followed = [str(i) for i in np.random.default_rng(11).choice(engine.ids_, size=min(args.subscriptions, len(engine.ids_)),
                                                               replace=False)]
    for r in new:
        r = {**r, "id": "new-" + r["id"]}
        _records[r["id"]] = r
        engine.partial_fit(r)
        with threadpool_limits(1):
            t = time.perf_counter()
            ids, _ = matrix.candidates(*profile_vectors(engine, r["id"]), values(r["id"]), [], engine.stats_, weights)
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            engine.scores_towards(r["id"], followed)  # what the evaluator does: only the followed profiles
            towards.append(time.perf_counter() - t)
            t = time.perf_counter()
            engine.scores_towards(r["id"])  # every profile (before 2026-12-04)
            towards_all.append(time.perf_counter() - t)
        found.append(len(ids))

    pid = "new-" + new[0]["id"]
    with threadpool_limits(1):
        t = time.perf_counter()
        for text in texts[: args.baseline]:
            engine.search(text, k=K)
        per_search = (time.perf_counter() - t) / args.baseline

    ms = np.array(times) * 1000
    tw = np.array(towards) * 1000
    tw_all = np.array(towards_all) * 1000
    result = {
        "date": dt.date.today().isoformat(), "machine": machine(), "blas_threads": 1,
        "profiles": args.profiles, "saved_searches": args.searches, "query_passages": int(len(matrix.queries)),
        "new_profiles": args.new,
        "evaluate_ms": {"p50": round(float(np.percentile(ms, 50)), 2), "p95": round(float(np.percentile(ms, 95)), 2),
                        "max": round(float(ms.max()), 2)},
        "candidates_per_profile": {"mean": round(float(np.mean(found)), 2), "p95": float(np.percentile(found, 95))},
        "subscriptions": len(followed),
        "profile_subscriptions_scores_towards_ms": {"p50": round(float(np.percentile(tw, 50)), 2),
                                                    "p95": round(float(np.percentile(tw, 95)), 2)},
        "scores_towards_every_profile_ms": {"p50": round(float(np.percentile(tw_all, 50)), 2),
                                            "p95": round(float(np.percentile(tw_all, 95)), 2)},
        "baseline_rerun_every_search_ms": round(per_search * 1000 * args.searches, 0),
        "baseline_one_search_ms": round(per_search * 1000, 2),
        "target_ms": 50, "met": bool(np.percentile(ms, 95) <= 50),
        "profile_checked": pid,
    }
    write_result("alerts", result)


if __name__ == "__main__":
    main()
