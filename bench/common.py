"""What the end-to-end benchmarks share: a fresh data folder, the CLI as a subprocess, results files."""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib.machinery import SourceFileLoader
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def fresh_env(prefix: str, **settings: str) -> dict[str, str]:
    """This process's environment with a new, empty ``CAUNOI_DATA_DIR`` (embedded PostgreSQL),
    no external database, warnings-only logs, and ``settings`` (``CAUNOI_*`` names) on top."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    data_dir.chmod(0o755)
    env = {**os.environ, "CAUNOI_DATA_DIR": str(data_dir), "CAUNOI_LOG_LEVEL": "WARNING", **settings}
    env.pop("CAUNOI_DATABASE_URL", None)
    return env


def caunoi(env: dict[str, str], *args: str) -> str:
    """Run ``caunoi ARGS`` (``python -m web``) in ``env``; its stdout, or exit with its stderr."""
    proc = subprocess.run([sys.executable, "-m", "web", *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"caunoi {' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


def stop_server(server: subprocess.Popen[str], env: dict[str, str]) -> None:
    """SIGTERM a `caunoi serve` subprocess, as systemd or docker would, and wait for it; then check
    that the embedded PostgreSQL of its data folder stopped with it (a benchmark leaves nothing
    running), stopping it (the last process to leave does) and saying so if it did not."""
    from web.db.server import embedded_running

    server.terminate()
    server.wait(timeout=60)
    data_dir = Path(env["CAUNOI_DATA_DIR"])
    deadline = time.monotonic() + 30
    while embedded_running(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    if embedded_running(data_dir):
        print("warning: the embedded PostgreSQL outlived caunoi serve; stopping it", file=sys.stderr)
        caunoi(env, "db", "status")


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores"


def write_result(name: str, result: dict[str, Any]) -> Path:
    """Print ``result`` and write it to bench/results/<name>-<date-time>.json."""
    print(json.dumps(result, indent=2))
    dest = ROOT / "bench" / "results"
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"{name}-{time.strftime('%Y%m%d-%H%M')}.json"
    path.write_text(json.dumps(result, indent=2))
    return path


def load_builder() -> Any:
    """scripts/build-accents-model as a module (it is a script, not a module: loaded by path):
    how the restorer's counts are built, for benchmarks that count them from other text."""
    loader = SourceFileLoader("build_accents_model", str(ROOT / "scripts" / "build-accents-model"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module
