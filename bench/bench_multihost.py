"""Several hosts, one PostgreSQL (issue 17, item 3), reproducible with one command:

    python bench/bench_multihost.py            # 1,000 profiles, 60 s of load, host A killed at 30 s
    python bench/bench_multihost.py --quick    # 100 profiles, 20 s

What it does, all on 127.0.0.1:
1. the embedded package's PostgreSQL run on its own, by a process that does nothing else (it
   stops, and its data is deleted, when that process's stdin closes);
2. N synthetic profiles (`matcher.synth`) imported, an officer and an API token created;
3. two hosts, A and B, each a `caunoi serve` (one uvicorn worker, in-process embedding worker
   off) and a `caunoi worker`, with their own data folder and CAUNOI_DATABASE_URL pointing at
   that server; waited for until every profile is embedded and both indexes hold all of them;
4. propagation: profiles written with PUT /api/v1/profiles/{id} on A, one at a time, and the
   time until GET /api/v1/profiles/{id}/matches answers 200 on B (embedded by either worker,
   B's index told by NOTIFY caunoi_index);
5. load: GETs (matches of a random profile, a page of the profile list) at a fixed rate on each
   host and a write every `--write-every` seconds alternating between the hosts; half-way, at a
   moment when A's worker holds a claimed batch (B's worker paused for that window so that it
   does), `kill -9` of A's server and worker; B's worker resumed at once;
6. checks: every write acknowledged (200/201) is in the database with the content sent; the
   jobs A's worker had claimed are done, by B's worker, and how long after the kill; every
   written profile is matchable on B.

Prints the table of docs/scaling.md ("Several hosts, one database") and writes
bench/results/multihost-<date>.json. tests/web/test_multihost.py runs the same scenario small.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: PGAPPNAME of each host's worker: its connections are found by name in pg_stat_activity
WORKER_APP = "caunoi-worker-{name}"
SECRET = "multihost-shared-secret"  # one CSRF secret for every host, as docs/scaling.md asks
ACCESS_LINE = re.compile(r'HTTP/1\.[01]" \d{3}')  # uvicorn's access log: one line per request


def wait_for(check: Callable[[], bool], timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return check()


@contextmanager
def standalone_postgres() -> Iterator[str]:
    """The embedded PostgreSQL started by a process of its own; yields the database URL. The
    server stops (data deleted) when the block ends, however it ends."""
    folder = Path(tempfile.mkdtemp(prefix="caunoi-multihost-pg-"))
    folder.chmod(0o755)  # as root the server runs as its own system user
    code = ("import sys; from pathlib import Path; from web.db.server import start_embedded; "
            "print(start_embedded(Path(sys.argv[1]), cleanup='delete'), flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url:
            raise RuntimeError("the standalone PostgreSQL did not start")
        yield url
    finally:
        if proc.stdin:
            proc.stdin.close()  # its last attachment ends: the server stops
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


def seed(url: str, records: list[dict[str, Any]]) -> str:
    """Migrate, import ``records`` (their embedding jobs queued), create an officer; its API token."""
    from web.db.pool import Database
    from web.services.accounts import create_token, create_user
    from web.services.profiles import import_records
    from web.settings import Settings

    with Database(Settings(database_url=url, secret_key=SECRET)) as db:
        import_records(db, records)
        create_user(db, "ops@multihost.example", "officer", "correct-horse-battery")
        return create_token(db, "ops@multihost.example", "multihost")[1]


@dataclass
class Host:
    name: str
    base: str
    serve: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    logs: Path


class Cluster:
    """Hosts (`caunoi serve` + `caunoi worker` each) on one database; ``close`` leaves no process."""

    def __init__(self, url: str, root: Path, **settings: str) -> None:
        self.url = url
        self.root = root
        self.settings = settings
        self.hosts: dict[str, Host] = {}

    def env(self, name: str) -> dict[str, str]:
        data_dir = self.root / name
        data_dir.mkdir(parents=True, exist_ok=True)
        return {**os.environ, "CAUNOI_DATABASE_URL": self.url, "CAUNOI_DATA_DIR": str(data_dir),
                "CAUNOI_SECRET_KEY": SECRET, "CAUNOI_IN_PROCESS_WORKER": "false", "CAUNOI_LOG_LEVEL": "WARNING",
                "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", **self.settings}

    def _spawn(self, name: str, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:  # a file, not a pipe: nobody has to read it for the process to go on
            # a session of its own: kill -9 reaches the whole host, and nothing of ours
            return subprocess.Popen([sys.executable, "-m", "web", *args], cwd=ROOT, env=env,
                                    stdout=out, stderr=out, start_new_session=True)

    def start(self, name: str, port: int) -> Host:
        env = self.env(name)
        logs = self.root / name
        worker = self._spawn(name, ["worker"], {**env, "PGAPPNAME": WORKER_APP.format(name=name)},
                             logs / "worker.log")
        serve = self._spawn(name, ["serve", "--port", str(port)], env, logs / "serve.log")
        host = self.hosts[name] = Host(name, f"http://127.0.0.1:{port}", serve, worker, logs)
        return host

    def ready(self, host: Host, profiles: int) -> bool:
        """/readyz says 200 and the index holds at least ``profiles``."""
        try:
            got = httpx.get(f"{host.base}/readyz", timeout=5)
        except httpx.HTTPError:
            return False
        return got.status_code == 200 and got.json()["checks"]["index"]["profiles"] >= profiles

    def kill(self, host: Host) -> None:
        """kill -9 of the host's server and worker (their whole process groups)."""
        for proc in (host.serve, host.worker):
            _signal_group(proc, signal.SIGKILL)
        for proc in (host.serve, host.worker):
            proc.wait(timeout=30)

    def close(self) -> None:
        """SIGTERM every process still running, SIGKILL what outlives 15 s."""
        procs = [p for h in self.hosts.values() for p in (h.serve, h.worker) if p.poll() is None]
        for proc in procs:
            _signal_group(proc, signal.SIGCONT)
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=30)

    def tail(self, chars: int = 3000) -> str:
        """The end of every log without its access lines, for a failing assertion's message."""
        out = []
        for host in self.hosts.values():
            for log in sorted(host.logs.glob("*.log")):
                lines = [line for line in log.read_text(errors="replace").splitlines() if not ACCESS_LINE.search(line)]
                out.append(f"--- {host.name}/{log.name}\n" + "\n".join(lines)[-chars:])
        return "\n".join(out)

    def readyz(self) -> dict[str, object]:
        """Each host's /readyz answer (status and body), or why there is none."""
        out: dict[str, object] = {}
        for host in self.hosts.values():
            try:
                got = httpx.get(f"{host.base}/readyz", timeout=5)
                out[host.name] = (host.base, got.status_code, got.text[:400])
            except httpx.HTTPError as exc:
                port = host.base.rsplit(":", 1)[1]
                listening = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout
                out[host.name] = (host.base, repr(exc), host.serve.poll(),
                                  [line for line in listening.splitlines() if f":{port} " in line])
        return out

    def dump_threads(self) -> str:
        """Every live process's thread stacks (SIGUSR1: ``web.diagnostics``) and the logs' ends
        with them: what a stalled host is waiting for."""
        for host in self.hosts.values():
            for proc in (host.serve, host.worker):
                if proc.poll() is None:
                    with suppress(ProcessLookupError):
                        os.kill(proc.pid, signal.SIGUSR1)
        time.sleep(1.0)
        return self.tail(12000)


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


# ---------------------------------------------------------------------------------------- database
def job_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall()
    return {str(status): int(n) for status, n in rows}


def claimed_by(url: str, app_name: str) -> list[int]:
    """Queued jobs locked right now (FOR UPDATE) by a transaction of a connection named ``app_name``:
    a row lock writes the locker's transaction id into the row's xmax."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT j.id FROM jobs j JOIN pg_stat_activity a ON j.xmax = a.backend_xid"
            " WHERE a.application_name = %(app)s AND j.status = 'queued' ORDER BY j.id",
            {"app": app_name}).fetchall()
    return [int(r[0]) for r in rows]


def job_status(url: str, ids: list[int]) -> dict[int, tuple[str, int]]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT id, status, attempts FROM jobs WHERE id = ANY(%(ids)s)", {"ids": ids}).fetchall()
    return {int(i): (str(s), int(a)) for i, s, a in rows}


def stored_names(url: str, ids: list[str]) -> dict[str, str]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT id, name FROM profiles WHERE id = ANY(%(ids)s)", {"ids": ids}).fetchall()
    return {str(i): str(n) for i, n in rows}


# ------------------------------------------------------------------------------------------- HTTP
def put_profile(client: httpx.Client, base: str, record: dict[str, Any]) -> int:
    return client.put(f"{base}/api/v1/profiles/{record['id']}", json=record, timeout=15).status_code


def matchable(client: httpx.Client, base: str, profile_id: str) -> bool:
    """Its matches answer 200 (409 while it is being embedded, 404 before the write is seen)."""
    try:
        return client.get(f"{base}/api/v1/profiles/{profile_id}/matches", params={"top": 5}, timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def eventually_matchable(client: httpx.Client, host: Host, profile_id: str, timeout: float) -> bool:
    return wait_for(lambda: matchable(client, host.base, profile_id), timeout, every=0.2)


def why_not_matchable(client: httpx.Client, url: str, host: Host, profile_id: str) -> dict[str, Any]:
    """What a failing check needs to be read: the host's answer, the profile's jobs, its index size."""
    try:
        got = client.get(f"{host.base}/api/v1/profiles/{profile_id}/matches", params={"top": 5}, timeout=10)
        answer: object = (got.status_code, got.text[:300])
    except httpx.HTTPError as exc:
        answer = repr(exc)
    try:
        ready: object = httpx.get(f"{host.base}/readyz", timeout=5).json()
    except (httpx.HTTPError, ValueError) as exc:
        ready = repr(exc)
    with psycopg.connect(url, autocommit=True) as conn:
        jobs = conn.execute("SELECT id, status, attempts, last_error, created_at, finished_at FROM jobs"
                            " WHERE key = %(k)s ORDER BY id", {"k": profile_id}).fetchall()
    return {"answer": answer, "jobs": jobs, "readyz": ready}


def database_state(url: str) -> dict[str, Any]:
    """What a stalled setup needs to be read: the jobs by status (with the errors of those not
    done), every busy backend with what it waits for, and the locks not granted."""
    with psycopg.connect(url, autocommit=True) as conn:
        jobs = conn.execute("SELECT status, attempts, count(*), max(last_error) FROM jobs"
                            " GROUP BY status, attempts ORDER BY status, attempts").fetchall()
        busy = conn.execute(
            "SELECT pid, application_name, state, wait_event_type, wait_event,"
            " round(extract(epoch FROM now() - xact_start)::numeric, 1), left(query, 120)"
            " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND state IS DISTINCT FROM 'idle' ORDER BY xact_start").fetchall()
        waiting = conn.execute(
            "SELECT pid, locktype, mode, relation::regclass::text, pg_blocking_pids(pid)"
            " FROM pg_locks WHERE NOT granted").fetchall()
        unready = _unembedded(conn)
    return {"jobs": jobs, "busy": busy, "waiting": waiting, "unembedded": unready}


def _unembedded(conn: psycopg.Connection) -> dict[str, Any]:
    """Published profiles with a passage whose vector is not in the cache (of any model): the
    texts missing, the profile's last write and its jobs' times."""
    from matcher.embed import text_hash
    from matcher.features import embedding_texts
    from matcher.profile import normalise_record

    have = {str(h) for (h,) in conn.execute("SELECT DISTINCT text_hash FROM embedding_cache").fetchall()}
    out: dict[str, Any] = {}
    rows = conn.execute("SELECT id, record, revision, updated_at FROM profiles WHERE published ORDER BY id").fetchall()
    for pid, record, revision, updated in rows:
        needs, provide = embedding_texts(normalise_record(record))
        missing = [t[:60] for t in (*needs, *provide) if text_hash(t) not in have]
        if missing:
            jobs = conn.execute("SELECT status, created_at, finished_at FROM jobs WHERE key = %(k)s ORDER BY id",
                                {"k": pid}).fetchall()
            out[pid] = {"revision": revision, "updated_at": str(updated), "jobs": [tuple(map(str, j)) for j in jobs],
                        "missing": missing[:3], "of": len(needs) + len(provide)}
    return out


def propagation(client: httpx.Client, a: Host, b: Host, record: dict[str, Any], timeout: float) -> float | None:
    """Seconds from a write acknowledged by ``a`` until the profile is matchable on ``b``; None if never."""
    started = time.monotonic()
    status = put_profile(client, a.base, record)
    if status not in (200, 201):
        raise RuntimeError(f"PUT on {a.name} answered {status}")
    if wait_for(lambda: matchable(client, b.base, record["id"]), timeout, every=0.05):
        return time.monotonic() - started
    return None


@dataclass
class Outcome:
    host: str
    what: str
    at: float  # time.monotonic() when it was sent
    status: int | None  # None: no answer (refused, reset, timed out)
    seconds: float


@dataclass
class Load:
    """GETs at ``rate`` per second on each host, and a write every ``write_every`` seconds to the
    hosts in turn (only to those still in ``targets``), until ``stop``."""

    client: httpx.Client
    hosts: list[Host]
    read_ids: list[str]
    new_record: Callable[[int], dict[str, Any]]
    rate: float
    write_every: float
    outcomes: list[Outcome] = field(default_factory=list)
    acked: dict[str, tuple[str, str, float]] = field(default_factory=dict)  # id -> (host, name, when)
    stop: threading.Event = field(default_factory=threading.Event)
    alive: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.alive = {h.name for h in self.hosts}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> Load:
        for host in self.hosts:
            self._threads.append(threading.Thread(target=self._reads, args=(host,), daemon=True))
        self._threads.append(threading.Thread(target=self._writes, daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def finish(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _call(self, host: Host, what: str, method: str, path: str, **kwargs: Any) -> int | None:
        sent = time.monotonic()
        try:
            status: int | None = self.client.request(method, host.base + path, timeout=10, **kwargs).status_code
        except httpx.HTTPError:
            status = None
        with self._lock:
            self.outcomes.append(Outcome(host.name, what, sent, status, time.monotonic() - sent))
        return status

    def _reads(self, host: Host) -> None:
        rng = random.Random(host.name)
        interval = 1.0 / self.rate
        due = time.monotonic()
        while not self.stop.is_set():
            pid = rng.choice(self.read_ids)
            if rng.random() < 0.7:
                self._call(host, "matches", "GET", f"/api/v1/profiles/{pid}/matches", params={"top": 10})
            else:
                self._call(host, "list", "GET", "/api/v1/profiles", params={"limit": 20})
            due += interval
            self.stop.wait(max(0.0, due - time.monotonic()))

    def _writes(self, n: int = 0) -> None:
        while not self.stop.wait(self.write_every):
            live = [h for h in self.hosts if h.name in self.alive]
            host = live[n % len(live)]
            record = self.new_record(n)
            n += 1
            status = self._call(host, "write", "PUT", f"/api/v1/profiles/{record['id']}", json=record)
            if status in (200, 201):
                with self._lock:
                    self.acked[record["id"]] = (host.name, record["name"], time.monotonic())


def pause_until_claimed(url: str, paused: Host, holder: Host, timeout: float) -> list[int]:
    """Pause ``paused``'s worker (SIGSTOP) until ``holder``'s worker holds a claimed batch, and
    return that batch's job ids (empty if none came within ``timeout``). The pause is ended by
    the caller (SIGCONT), right after the kill."""
    _signal_group(paused.worker, signal.SIGSTOP)
    app = WORKER_APP.format(name=holder.name)
    found: list[int] = []

    def held() -> bool:
        found[:] = claimed_by(url, app)
        return bool(found)

    wait_for(held, timeout, every=0.02)
    return found


def resume(host: Host) -> None:
    _signal_group(host.worker, signal.SIGCONT)


# --------------------------------------------------------------------------------------- scenario
def sample_records(n: int, prefix: str, seed_value: int) -> list[dict[str, Any]]:
    """``n`` synthetic profiles shaped like the sample ecosystem, ids ``{prefix}-NNNNN``."""
    from matcher.synth import synthesize
    from web.interchange.importer import load_files
    from web.interchange.samples import REPO_PROFILES, sample_files

    records = synthesize(load_files(sample_files(REPO_PROFILES)), n, random_state=seed_value)
    return [{**r, "id": f"{prefix}-{i:05d}", "name": f"{r['name']} {prefix}{i}"} for i, r in enumerate(records)]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(load: Load, killed: str, survivor: str, kill_at: float) -> dict[str, Any]:
    def failed(o: Outcome) -> bool:
        return o.status is None or o.status >= 500

    def count(host: str, after: bool, pred: Callable[[Outcome], bool]) -> int:
        return sum(1 for o in load.outcomes if o.host == host and (o.at >= kill_at) == after and pred(o))

    ok_after = [o.seconds for o in load.outcomes if o.host == survivor and o.at >= kill_at and not failed(o)]
    return {
        "requests_before_kill": {h: count(h, False, lambda o: True) for h in (killed, survivor)},
        "errors_before_kill": {h: count(h, False, failed) for h in (killed, survivor)},
        "survivor_requests_after_kill": count(survivor, True, lambda o: True),
        "survivor_served_after_kill": count(survivor, True, lambda o: not failed(o)),
        "survivor_errors_after_kill": count(survivor, True, failed),
        "survivor_p50_ms_after_kill": round(1000 * (percentile(ok_after, 0.5) or 0), 1),
        "survivor_p99_ms_after_kill": round(1000 * (percentile(ok_after, 0.99) or 0), 1),
        "killed_requests_after_kill": count(killed, True, lambda o: True),
        "status_counts": _status_counts(load.outcomes),
    }


def _status_counts(outcomes: list[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in outcomes:
        key = f"{o.host} {o.what} {o.status if o.status is not None else 'no answer'}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def run(n_profiles: int, seconds: float, rate: float, write_every: float, probes: int) -> dict[str, Any]:
    from bench.common import machine, write_result
    from tests.web.server import free_port

    result: dict[str, Any] = {"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M"),
                              "profiles": n_profiles, "load_seconds": seconds, "get_rate_per_host": rate,
                              "write_every_seconds": write_every}
    with standalone_postgres() as url, tempfile.TemporaryDirectory(prefix="caunoi-multihost-") as tmp:
        token = seed(url, sample_records(n_profiles, "mh", 7))
        cluster = Cluster(url, Path(tmp))
        try:
            started = time.monotonic()
            a, b = cluster.start("a", free_port()), cluster.start("b", free_port())
            if not wait_for(lambda: job_counts(url).get("queued", 0) == 0
                            and cluster.ready(a, n_profiles) and cluster.ready(b, n_profiles), 3600, every=1):
                raise SystemExit("the hosts did not get ready:\n" + cluster.tail())
            result["embed_and_load_seconds"] = round(time.monotonic() - started, 1)
            print(f"both hosts ready with {n_profiles} profiles in {result['embed_and_load_seconds']} s", flush=True)
            client = httpx.Client(headers={"Authorization": f"Bearer {token}"})
            fresh = sample_records(probes + int(seconds / write_every) + 10, "mw", 8)
            delays = [propagation(client, a, b, r, 60) for r in fresh[:probes]]
            measured = [d for d in delays if d is not None]
            result["propagation"] = {"probes": probes, "never": probes - len(measured),
                                     "p50_s": round(percentile(measured, 0.5) or 0, 2),
                                     "p95_s": round(percentile(measured, 0.95) or 0, 2),
                                     "max_s": round(max(measured, default=0), 2)}
            print("propagation", result["propagation"], flush=True)
            result.update(kill_scenario(cluster, client, a, b, n_profiles, fresh[probes:], seconds, rate, write_every))
        finally:
            cluster.close()
    path = write_result("multihost", result)
    print(f"written to {path}")
    print_table(result)
    return result


def kill_scenario(cluster: Cluster, client: httpx.Client, a: Host, b: Host, n_profiles: int,
                  fresh: list[dict[str, Any]], seconds: float, rate: float, write_every: float) -> dict[str, Any]:
    """The load, A killed half-way, and what followed (see the module's docstring, 5 and 6)."""
    url = cluster.url
    read_ids = [f"mh-{i:05d}" for i in range(n_profiles)]
    load = Load(client, [a, b], read_ids, lambda i: fresh[i % len(fresh)], rate, write_every).start()
    began = time.monotonic()
    time.sleep(seconds / 2)
    claimed = pause_until_claimed(url, b, a, timeout=max(30.0, 10 * write_every))
    load.alive.discard(a.name)
    kill_at = time.monotonic()
    cluster.kill(a)
    resume(b)
    acked_before = {pid for pid, (_h, _n, t) in load.acked.items() if t < kill_at}
    repicked = wait_for(lambda: all(s == "done" for s, _ in job_status(url, claimed).values()), 120, every=0.05)
    repick_seconds = time.monotonic() - kill_at
    time.sleep(max(0.0, began + seconds - time.monotonic()))
    load.finish()
    out = summarise(load, a.name, b.name, kill_at)
    stored = stored_names(url, list(load.acked))
    lost = sorted(pid for pid, (_h, name, _t) in load.acked.items() if stored.get(pid) != name)
    unmatchable = [pid for pid in load.acked if not eventually_matchable(client, b, pid, 60)]
    out.update({
        "kill_after_seconds": round(kill_at - began, 1),
        "writes_acked": {"before_kill": len(acked_before), "after_kill": len(load.acked) - len(acked_before)},
        "writes_lost": lost,
        "claimed_by_killed_worker": len(claimed),
        "claimed_jobs_done_after_kill": repicked and bool(claimed),
        "repick_seconds": round(repick_seconds, 2) if claimed and repicked else None,
        "claimed_job_attempts": sorted({a for _s, a in job_status(url, claimed).values()}),
        "acked_writes_not_matchable_on_survivor": unmatchable,
        "jobs_at_end": job_counts(url),
    })
    return out


def print_table(r: dict[str, Any]) -> None:
    p = r["propagation"]
    rows = [
        ("date, machine", f"{r['date']}, {r['machine']}"),
        ("profiles; load", f"{r['profiles']}; {r['load_seconds']:.0f} s, {r['get_rate_per_host']:g} GET/s per host, "
                           f"a write every {r['write_every_seconds']:g} s"),
        ("embedded and loaded on both hosts", f"{r['embed_and_load_seconds']} s"),
        ("propagation, write on A → matchable on B", f"p50 {p['p50_s']} s, p95 {p['p95_s']} s, max {p['max_s']} s "
                                                    f"({p['probes']} writes, {p['never']} never)"),
        ("errors before the kill (A, B)", f"{r['errors_before_kill']['a']} of {r['requests_before_kill']['a']}, "
                                          f"{r['errors_before_kill']['b']} of {r['requests_before_kill']['b']}"),
        ("B after the kill: served / errors", f"{r['survivor_served_after_kill']} / {r['survivor_errors_after_kill']} "
                                              f"(p50 {r['survivor_p50_ms_after_kill']} ms, "
                                              f"p99 {r['survivor_p99_ms_after_kill']} ms)"),
        ("writes acknowledged (before, after the kill); lost",
         f"{r['writes_acked']['before_kill']}, {r['writes_acked']['after_kill']}; {len(r['writes_lost'])}"),
        ("jobs A's worker held at the kill; re-picked by B's in",
         f"{r['claimed_by_killed_worker']}; {r['repick_seconds']} s (attempts {r['claimed_job_attempts']})"),
        ("acknowledged writes not matchable on B", str(len(r["acked_writes_not_matchable_on_survivor"]))),
    ]
    print("\n| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of the load.")
    parser.add_argument("--rate", type=float, default=10.0, help="GET requests per second on each host.")
    parser.add_argument("--write-every", type=float, default=0.5, help="Seconds between writes.")
    parser.add_argument("--probes", type=int, default=20, help="Writes timed from A to matchable on B.")
    parser.add_argument("--quick", action="store_true", help="100 profiles, 20 s, 5 probes.")
    args = parser.parse_args()
    if args.quick:
        args.profiles, args.seconds, args.probes = 100, 20.0, 5
    run(args.profiles, args.seconds, args.rate, args.write_every, args.probes)


if __name__ == "__main__":
    main()
