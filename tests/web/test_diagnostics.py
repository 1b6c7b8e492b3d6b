"""``kill -USR1`` on a caunoi process writes its threads' stacks to its log and the process goes on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROGRAM = """
import os, signal, threading, time
from web.diagnostics import dump_threads_on_signal
dump_threads_on_signal()
waiting = threading.Event()
threading.Thread(target=waiting.wait, name="a-waiting-thread", daemon=True).start()
os.kill(os.getpid(), signal.SIGUSR1)
time.sleep(0.2)
print("still running")
"""


def test_sigusr1_dumps_every_thread_to_stderr_and_the_process_goes_on() -> None:
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "still running"
    assert "Current thread" in done.stderr and done.stderr.count("Thread 0x") >= 1
    assert "in wait" in done.stderr  # the other thread's stack, where it waits
