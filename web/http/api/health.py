"""/readyz: is this process ready to serve matches? (/healthz, process alive, is in web/app.py)"""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from web.http.deps import get_matching
from web.store import jobs as job_store

router = APIRouter()


def readiness(request: Request) -> tuple[bool, dict[str, Any]]:
    """Database reachable, matching index loaded, no embedding job waiting too long. ``process``
    says which serving process answered (one of ``caunoi serve --workers N``): a load balancer or
    a benchmark needs every one of them ready, not the first to answer."""
    checks: dict[str, Any] = {"process": os.getpid()}
    ok = True
    try:
        with request.app.state.db.connection() as conn:
            conn.execute("SELECT 1")
            age = job_store.oldest_pending_age_seconds(conn)
        checks["database"] = "ok"
    except Exception as exc:  # any failure to reach it is "not ready", with the reason
        checks["database"] = f"unreachable: {type(exc).__name__}"
        return False, checks
    matching = get_matching(request)
    loaded = matching.ready
    checks["index"] = {"loaded": loaded, "profiles": matching.size if loaded else 0}
    if matching.warm.enabled:  # informative only: a missing ranking is computed on request
        checks["index"]["default_rankings"] = matching.warm.progress()
    ok = ok and loaded
    limit = request.app.state.settings.readiness_backlog_minutes * 60
    checks["embedding_backlog"] = {"oldest_pending_seconds": age, "limit_seconds": limit}
    if age is not None and age > limit:
        ok = False
    return ok, checks


@router.get("/readyz", include_in_schema=False)
def readyz(request: Request) -> JSONResponse:
    ok, checks = readiness(request)
    return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503)
