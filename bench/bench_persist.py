"""A restart with the saved index against a refit (``matcher.persist``, ``web.matching.persisted``):

    python bench/bench_persist.py [--profiles 100000] [--changed 0.01]

Fits an engine on ``--profiles`` synthetic profiles (``matcher.synth``, ``BenchEmbedder`` vectors:
the model would need hours for 100k; the fit and the file are the same), saves it, loads it back,
applies ``--changed`` of the profiles as edits (``partial_fit``, what a restart does with what
changed while it was down), and checks that the loaded engine ranks as the original on 50
profiles. Prints one table row and writes bench/results/persist-<date>.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rank import BenchEmbedder, sample_records  # noqa: E402
from common import machine, write_result  # noqa: E402

from matcher.engine import Engine  # noqa: E402
from matcher.persist import load_engine, save_engine  # noqa: E402
from matcher.synth import synthesize  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.01, help="share of profiles edited before the restart")
    args = parser.parse_args()
    records = synthesize(sample_records(), args.profiles, random_state=0)
    with threadpool_limits(1), tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        engine = Engine(embedder=BenchEmbedder()).fit(records)
        fit_s = time.perf_counter() - started
        path = Path(tmp) / "engine.pkl"
        started = time.perf_counter()
        size = save_engine(engine, path, "bench")
        save_s = time.perf_counter() - started
        started = time.perf_counter()
        loaded, _ = load_engine(path, BenchEmbedder(), fingerprint="bench")
        load_s = time.perf_counter() - started
        edits = [{**r, "description": r["description"] + " Now also field trials in the Mekong Delta."}
                 for r in records[:: max(1, round(1 / args.changed))]] if args.changed > 0 else []
        started = time.perf_counter()
        for record in edits:
            loaded.partial_fit(record)
        apply_s = time.perf_counter() - started
        for record in edits:
            engine.partial_fit(record)
        queries = engine.ids_[:: max(1, len(engine.ids_) // 50)][:50]
        same = sum([m.id for m in engine.rank(q, k=10)] == [m.id for m in loaded.rank(q, k=10)] for q in queries)
    result = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(), "profiles": args.profiles,
              "first_stage": "ivf" if engine.ann_ is not None else "exact", "fit_s": round(fit_s, 1),
              "save_s": round(save_s, 1), "file_mb": round(size / 1e6), "load_s": round(load_s, 1),
              "edits": len(edits), "apply_edits_s": round(apply_s, 1), "same_top10": f"{same}/{len(queries)}"}
    print("| profiles | fit | save | file | load | edits applied | load + edits vs fit | same top 10 |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.profiles:,} | {fit_s:.1f} s | {save_s:.1f} s | {size / 1e6:,.0f} MB | {load_s:.1f} s | "
          f"{len(edits):,} in {apply_s:.1f} s | {(load_s + apply_s) / fit_s:.3f}× | {same}/{len(queries)} |")
    write_result("persist", result)


if __name__ == "__main__":
    main()
