"""A real uvicorn server on 127.0.0.1 in a background thread, serving an app built for a test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from web.app import create_app
from web.db.pool import Database
from web.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(settings: Settings, db: Database, matching: Any = None) -> Iterator[tuple[str, FastAPI]]:
    """Serve ``create_app(settings, db, matching)`` (``matching=None``: the real service and, with
    ``settings.in_process_worker``, the embedding worker); yields ``(base URL, app)``; stops on exit."""
    port = free_port()
    app = create_app(settings, database=db, matching=matching)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    else:
        raise RuntimeError("the test server did not start")
    try:
        yield base, app
    finally:
        server.should_exit = True
        thread.join(timeout=10)
