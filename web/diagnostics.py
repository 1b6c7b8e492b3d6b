"""Reading a live process from outside: ``kill -USR1 <pid>`` writes every thread's stack to the
process's stderr (its log), and the process goes on. What a hung process waits for is then read
in production as in a failing test (``bench.bench_multihost.Cluster.dump_threads``)."""

from __future__ import annotations

import faulthandler
import signal
import sys


def dump_threads_on_signal() -> None:
    """Register the SIGUSR1 stack dump (POSIX, and a stderr that is a file: not under a test's
    captured output; nothing otherwise)."""
    if not hasattr(signal, "SIGUSR1"):
        return
    try:
        sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return
    faulthandler.register(signal.SIGUSR1, all_threads=True)
