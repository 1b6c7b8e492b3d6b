"""Real processes: data survives a restart of the embedded server; concurrent imports stay consistent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from web.db.pool import Database

DATA = Path(__file__).parent / "data"
CAUNOI = [sys.executable, "-m", "web"]


def caunoi(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CAUNOI_DATABASE_URL", None)
    return subprocess.run([*CAUNOI, *args], capture_output=True, text=True, env=full_env, timeout=180)


@pytest.mark.slow
def test_restarting_keeps_all_data(tmp_path: Path) -> None:
    """Each CLI run starts the embedded server and stops it at exit; the data stays."""
    data_dir = str(tmp_path / "data")
    first = caunoi("--data-dir", data_dir, "import", str(DATA / "small.json"))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "imported 6, updated 0, unchanged 0"
    second = caunoi("--data-dir", data_dir, "profiles", "list", "--json")
    assert second.returncode == 0, second.stderr
    assert len(json.loads(second.stdout)) == 6
    third = caunoi("--data-dir", data_dir, "import", str(DATA / "small.json"))
    assert third.stdout.strip() == "imported 0, updated 0, unchanged 6"


def synthetic(n: int, variant: str) -> list[dict[str, object]]:
    return [{"id": f"vn-synth-{i:05d}", "kind": "startup", "name": f"Synth {i} {variant}", "country": "VN",
             "description": f"Mô tả {i} phiên bản {variant}", "needs": f"needs {variant} {i}",
             "sectors": ["ai"]} for i in range(n)]


@pytest.mark.slow
def test_two_concurrent_overlapping_imports_end_consistent(db: Database, pg_url: str, tmp_path: Path) -> None:
    a, b = synthetic(3000, "A")[:2000], synthetic(3000, "B")[1000:]
    fa, fb = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    fa.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in a), encoding="utf-8")
    fb.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in b), encoding="utf-8")
    env = {**os.environ, "CAUNOI_DATABASE_URL": pg_url}
    procs = [subprocess.Popen([*CAUNOI, "--data-dir", str(tmp_path / "d"), "import", "--json", str(f)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for f in (fa, fb)]
    results = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    counts = [json.loads(out) for out, _ in results]
    # the overlap (1000 ids) was inserted by one import and updated by the other
    assert sum(c["imported"] for c in counts) == 3000
    assert sum(c["updated"] for c in counts) == 1000
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM profiles").fetchone()[0] == 3000
        overlap = conn.execute(
            "SELECT count(*) FROM profiles WHERE id BETWEEN 'vn-synth-01000' AND 'vn-synth-01999' AND revision = 2"
        ).fetchone()[0]
        assert overlap == 1000
        # every profile's texts belong to its current revision and record
        bad = conn.execute(
            "SELECT count(*) FROM profiles p JOIN profile_texts t ON t.profile_id = p.id AND t.field = 'description'"
            " WHERE t.revision <> p.revision OR t.body <> p.record->>'description'"
        ).fetchone()[0]
        assert bad == 0
        assert conn.execute("SELECT count(*) FROM profile_texts WHERE field = 'description'").fetchone()[0] == 3000
