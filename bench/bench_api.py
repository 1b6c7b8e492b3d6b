"""Load benchmark of GET /api/v1/profiles/{id}/matches, reproducible with one command:

    python bench/bench_api.py            # 10k profiles, 2 workers, 200 req/s for 60 s
    python bench/bench_api.py --quick    # 2k profiles, 10 s
    python bench/bench_api.py --filter kind=partner    # filtered requests (answered from the stored ranking when it holds enough)

What it does, all on 127.0.0.1:
1. a fresh data folder with the embedded PostgreSQL; `caunoi synth` profiles imported;
2. BENCHMARKS ONLY: the embedding cache is filled with random low-rank vectors for every passage
   of every profile (the model would need hours for 10k profiles; the serving path is the same);
3. `caunoi serve --workers 2` in a subprocess (in-process embedding worker off, BLAS pinned to one
   thread per worker), waited for until /readyz answers 200 and reports every profile's default
   ranking precomputed (web.matching.warm; the time this takes is reported; `--cold` turns the
   precomputation off, so that every request ranks on the spot);
4. from this (second) process, an open-loop load at a constant rate: every request is scheduled
   at a fixed time and its latency is measured from that time (no coordinated omission);
5. the same load on /healthz, for the ratio of the two p50s measured in the same run.
Results are printed and written to bench/results/api-<date>.json.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import caunoi, fresh_env, machine, stop_server, write_result  # noqa: E402

from matcher.embed import text_hash  # noqa: E402
from matcher.features import NEED_ROLE, OFFER_ROLE, embedding_texts  # noqa: E402
from matcher.synth import random_vectors  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed_random_vectors(env: dict[str, str], synth_file: Path, model: str) -> int:
    """BENCHMARKS ONLY: one random low-rank vector per passage key, stored in the cache."""
    from web.db.pool import Database
    from web.settings import Settings
    from web.store.jobs import EMBED_JOB
    from web.store.vectors import upsert_vectors

    records = [json.loads(line) for line in synth_file.read_text(encoding="utf-8").splitlines()]
    keys: dict[tuple[str, str], int] = {}
    for i, record in enumerate(records):
        needs, provide = embedding_texts(record)  # the texts and roles the engine asks the cache for
        for text in needs:
            keys.setdefault((text_hash(text), NEED_ROLE), i)
        for text in provide:
            keys.setdefault((text_hash(text), OFFER_ROLE), i)
    base = random_vectors(len(records), random_state=1)
    rng = np.random.default_rng(2)
    noise = rng.standard_normal((len(keys), base.shape[1])).astype(np.float32) * 0.02
    settings = Settings(data_dir=Path(env["CAUNOI_DATA_DIR"]))
    with Database(settings).open() as db, db.connection() as conn, conn.transaction():
        items = []
        for j, ((h, role), i) in enumerate(keys.items()):
            v = base[i] + noise[j]
            items.append(((h, role, model), v / np.linalg.norm(v)))
        upsert_vectors(conn, items)
        # the import queued an embedding job per profile; every vector is there now, and no worker
        # runs here: left queued, they age past the readiness limit (/readyz never says ready once
        # setup and fit take over 10 minutes, as at 100k profiles)
        conn.execute("DELETE FROM jobs WHERE kind = %s", (EMBED_JOB,))
    return len(keys)


def load(url: str, paths: list[str], rate: float, seconds: float, headers: dict[str, str],
         threads: int = 48, record: list[tuple[float, int]] | None = None) -> dict[str, Any]:
    """Open-loop constant-rate load from keep-alive connections in a thread pool; each request's
    latency is measured from its scheduled start, so a slow server cannot hide its queueing.
    ``record`` gets every request's ``(seconds, status)``."""
    parsed = urlsplit(url)
    n = int(rate * seconds)
    start = time.perf_counter() + 0.3
    latencies = np.full(n, np.nan)
    codes = np.zeros(n, dtype=np.int32)
    counter = itertools.count()

    def run() -> None:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        while (i := next(counter)) < n:
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                conn.request("GET", paths[i % len(paths)], headers=headers)
                response = conn.getresponse()
                response.read()
                codes[i] = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
                codes[i] = -1
            latencies[i] = time.perf_counter() - scheduled
        conn.close()

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    if record is not None:
        record.extend(zip(latencies.tolist(), codes.tolist(), strict=True))
    ms = latencies * 1000
    statuses = {str(code): int((codes == code).sum()) for code in np.unique(codes)}
    return {"requests": n, "errors": int((codes != 200).sum()), "achieved_rps": n / elapsed,
            "p50_ms": float(np.percentile(ms, 50)), "p90_ms": float(np.percentile(ms, 90)),
            "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max()), "statuses": statuses,
            # where the tail lies: a pause at the start, a periodic one, or spread out
            "slowest": [[round(i / rate, 2), round(float(ms[i]), 1)] for i in sorted(np.argsort(-ms)[:12])]}


def wait_for_every_worker(url: str, workers: int, deadline: float, done: Callable[[httpx.Response], bool],
                          failure: str, pauses: tuple[float, float] = (0.3, 0.3)) -> float:
    """Seconds until /readyz's answer has been ``done`` from ``workers`` different processes
    (``checks.process``) and then from any process 3 x ``workers`` times in a row; ``pauses``
    between polls (in a run of done answers, otherwise). The kernel hands each new connection to
    whichever worker accepts first: a worker still fitting its index, its event loop short of the
    GIL, accepts seldom, and many consecutive answers can all come from the one that is done."""
    started = time.monotonic()
    done_pids: set[int] = set()
    streak = 0
    while len(done_pids) < workers or streak < 3 * workers:
        if time.monotonic() > deadline:
            raise SystemExit(f"{failure} ({len(done_pids)} of {workers} workers)")
        try:
            answer = httpx.get(f"{url}/readyz", timeout=5)  # a new connection: any worker may take it
            if done(answer):
                done_pids.add(answer.json()["checks"]["process"])
                streak += 1
            else:
                streak = 0
        except httpx.HTTPError:
            streak = 0
        time.sleep(pauses[0] if streak else pauses[1])
    return time.monotonic() - started


def wait_until_ready(url: str, workers: int, deadline: float) -> None:
    """Until every worker's /readyz answers 200."""
    wait_for_every_worker(url, workers, deadline, lambda answer: answer.status_code == 200,
                          "the server did not become ready")


def wait_for_default_rankings(url: str, workers: int, deadline: float) -> float:
    """Seconds until every worker's /readyz reports each default ranking of its index stored."""

    def stored(answer: httpx.Response) -> bool:
        progress = answer.json()["checks"]["index"]["default_rankings"]
        return bool(progress["stored"] >= progress["profiles"] > 0)

    return wait_for_every_worker(url, workers, deadline, stored, "the default rankings were not precomputed in time",
                                 pauses=(0.5, 2.0))


def serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[str], str, Path]:
    """``caunoi serve --workers N`` on a free port: the process, its URL, and its log, kept in the
    data folder (its timestamps, to set beside ``load``'s "slowest"), never a pipe that nobody
    reads (64 KB of log lines and the server's next write would block)."""
    port = free_port()
    log_path = Path(env["CAUNOI_DATA_DIR"]) / "server.log"
    with log_path.open("w", encoding="utf-8") as log:  # the server keeps its own descriptor
        server = subprocess.Popen([sys.executable, "-m", "web", "serve", "--port", str(port), "--workers", str(workers)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    return server, f"http://127.0.0.1:{port}", log_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--also-rates", default="", metavar="R[,R...]",
                        help="further request rates measured on the same server after --rate (e.g. 100: below saturation)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="2k profiles, 10 s")
    parser.add_argument("--cold", action="store_true", help="no precomputed default rankings (CAUNOI_WARM_RANKINGS=0)")
    parser.add_argument("--filter", default="", metavar="NAME=VALUE[&...]",
                        help="filtered requests, e.g. kind=corporation (appended to every matches URL)")
    args = parser.parse_args()
    if args.quick:
        args.profiles, args.seconds = 2000, 10.0
    env = fresh_env("caunoi-bench-api-", CAUNOI_IN_PROCESS_WORKER="false", OMP_NUM_THREADS="1",
                    OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", **({"CAUNOI_WARM_RANKINGS": "0"} if args.cold else {}))
    synth = Path(env["CAUNOI_DATA_DIR"]) / "synth.jsonl"
    t0 = time.perf_counter()
    caunoi(env, "synth", "--n", str(args.profiles), "-o", str(synth))
    caunoi(env, "import", str(synth))
    from web.matching.embedding import make_embedder
    from web.settings import Settings

    model = make_embedder(Settings()).name
    n_keys = seed_random_vectors(env, synth, model)
    caunoi(env, "users", "add", "bench@caunoi.example", "--role", "officer")
    token = caunoi(env, "tokens", "create", "bench@caunoi.example").strip()
    print(f"setup: {args.profiles} profiles, {n_keys} random passage vectors, {time.perf_counter() - t0:.0f} s")

    server, url, log_path = serve(env, args.workers)
    try:
        # each worker fits its own index: ~5 min of a core at 100k profiles (docs/performance.md)
        deadline = time.monotonic() + 600 + args.profiles * args.workers / 100
        wait_until_ready(url, args.workers, deadline)
        warm_seconds = None if args.cold else wait_for_default_rankings(url, args.workers, deadline + 1800)
        if warm_seconds is not None:
            print(f"default rankings of {args.profiles} profiles precomputed {warm_seconds:.0f} s after ready")
        ids = [json.loads(line)["id"] for line in synth.read_text(encoding="utf-8").splitlines()]
        random.Random(0).shuffle(ids)
        headers = {"Authorization": f"Bearer {token}"}
        extra = f"&{args.filter}" if args.filter else ""
        match_paths = [f"/api/v1/profiles/{pid}/matches?top=10{extra}" for pid in ids]
        load(url, match_paths[:200], args.rate, 3.0, headers)  # warm-up
        matches = {"started": time.strftime("%H:%M:%S"), **load(url, match_paths, args.rate, args.seconds, headers)}
        also = {rate: load(url, match_paths, rate, args.seconds, headers)
                for rate in (float(r) for r in args.also_rates.split(",") if r.strip())}
        health = load(url, ["/healthz"], args.rate, min(args.seconds, 20.0), {})
    finally:
        stop_server(server, env)
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(),
        "profiles": args.profiles, "filter": args.filter or None, "workers": args.workers, "rate": args.rate, "seconds": args.seconds,
        "shortlist": int(env.get("CAUNOI_SHORTLIST") or Settings().shortlist),
        "default_rankings": None if args.cold else Settings().warm_rankings, "precompute_seconds": warm_seconds,
        "server_log": str(log_path), "matches": matches, "matches_at_other_rates": {f"{r:g}": m for r, m in also.items()}, "healthz": health, "p50_ratio_matches_to_healthz": matches["p50_ms"] / health["p50_ms"],
    }
    write_result("api", result)


if __name__ == "__main__":
    main()
