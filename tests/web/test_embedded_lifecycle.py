"""The embedded PostgreSQL stops when the last process using it exits, with real processes: after
SIGTERM of `caunoi serve` (one worker or several), and after a SIGKILL, whose stale handle the
next process to start drops (then it is the last to leave, and stops the server)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.server import free_port
from tests.web.webkit import wait_until
from web.db.server import HANDLES_FILE, embedded_running

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    """One data folder for the module (one initdb), outside pytest's 0700 tmp tree (as root the
    server runs as its own system user)."""
    folder = Path(tempfile.mkdtemp(prefix="caunoi-lifecycle-"))
    folder.chmod(0o755)
    yield folder
    if embedded_running(folder):  # a failed test must not leave a server behind
        caunoi(folder, "db", "status")
    shutil.rmtree(folder, ignore_errors=True)


def env_for(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "CAUNOI_DATA_DIR": str(data_dir), "CAUNOI_LOG_LEVEL": "WARNING",
           "CAUNOI_IN_PROCESS_WORKER": "false", "CAUNOI_WARM_RANKINGS": "0"}
    env.pop("CAUNOI_DATABASE_URL", None)
    return env


def caunoi(data_dir: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "web", *args], cwd=REPO, env=env_for(data_dir),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def start_serving(data_dir: Path, workers: int = 1) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "web", "serve", "--port", str(port), "--workers", str(workers)],
                            cwd=REPO, env=env_for(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return proc.poll() is not None  # died: stop waiting, the assertion below says so

    assert wait_until(up, 120) and proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    return proc, base


def handles(data_dir: Path) -> list[int]:
    path = data_dir / "pg" / HANDLES_FILE
    return json.loads(path.read_text()) if path.exists() else []


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_of_caunoi_serve_stops_the_embedded_postgresql(data_dir: Path, workers: int) -> None:
    proc, _ = start_serving(data_dir, workers)
    assert wait_until(lambda: len(handles(data_dir)) == 1 + (workers if workers > 1 else 0), 60), handles(data_dir)
    assert embedded_running(data_dir)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) is not None
    assert wait_until(lambda: not embedded_running(data_dir), 30), "the embedded PostgreSQL outlived caunoi serve"
    assert handles(data_dir) == []


@pytest.mark.slow
def test_a_killed_servers_stale_handle_is_dropped_by_the_next_process_which_stops_the_server(data_dir: Path) -> None:
    proc, _ = start_serving(data_dir)
    proc.kill()
    proc.wait(timeout=30)  # reaped: its pid names no process any more
    assert handles(data_dir) == [proc.pid] and embedded_running(data_dir)  # what SIGKILL leaves behind
    caunoi(data_dir, "db", "status")  # attaches, drops the dead handle, is the last to leave
    assert handles(data_dir) == []
    assert wait_until(lambda: not embedded_running(data_dir), 30), "the server outlived its last process"
