"""Reading a live process from outside: ``kill -USR1 <pid>`` writes every thread's stack to the
process's stderr (its log), and the process goes on. What a hung process waits for is then read
in production as in a failing test (``bench.bench_multihost.Cluster.dump_threads``)."""

from __future__ import annotations

import faulthandler
import signal


def dump_threads_on_signal() -> None:
    """Register the SIGUSR1 stack dump (POSIX; nothing elsewhere)."""
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)
