"""The FastAPI application factory.

``create_app(settings)`` builds an app bound to one ``Settings``; nothing is read from the
environment at import time. ``app_from_env()`` is the factory uvicorn workers call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles

from web.db.pool import Database
from web.diagnostics import dump_threads_on_signal
from web.http import handlers
from web.http.deps import refuse_unstorable, verify_csrf
from web.http.middleware import SecurityHeadersMiddleware, SessionMiddleware
from web.i18n import Renderer
from web.matching import MatchingContract, MatchingService
from web.services.alerts_eval import AlertEvaluator, AlertWatcher
from web.services.mail import Mailer
from web.settings import Settings

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


class Background:
    """What runs beside the requests: the matching index's loader/listener, the embedding worker."""

    def __init__(self) -> None:
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.matching: MatchingService | None = None

    def stop(self) -> None:
        self.stop_event.set()
        if self.matching is not None:
            self.matching.stop()
        for thread in self.threads:
            thread.join(timeout=10)


def start_background(settings: Settings, db: Database, matching: MatchingService | None) -> Background:
    """Start ``matching`` (the service built here; None when the caller gave its own, which it
    runs itself) and, if configured, the in-process worker."""
    bg = Background()
    if matching is not None:
        bg.matching = matching.start()
        # saved-search alerts are evaluated beside the index that scores them (web.services.alerts_eval)
        watcher = AlertWatcher(AlertEvaluator(db, matching))
        alerts = threading.Thread(target=watcher.run_forever, args=(bg.stop_event,), name="alerts", daemon=True)
        alerts.start()
        bg.threads.append(alerts)
    if settings.in_process_worker:
        from web.jobs.embed import build_worker

        worker = build_worker(settings, db)
        thread = threading.Thread(target=worker.run_forever, args=(bg.stop_event,), name="embed-worker", daemon=True)
        thread.start()
        bg.threads.append(thread)
    return bg


def create_app(settings: Settings, database: Database | None = None,
               matching: MatchingContract | None = None) -> FastAPI:
    """Build the app. ``database`` may be given already open (tests share one); ``matching`` replaces
    the matching service built from the settings (tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = database or Database(settings).open()
        app.state.db = db
        built = MatchingService(settings, db) if matching is None else None
        app.state.matching = matching if matching is not None else built
        background = start_background(settings, db, built)
        try:
            yield
        finally:
            background.stop()
            if database is None:
                db.close()

    app = FastAPI(title="Cầu Nối", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(refuse_unstorable), Depends(verify_csrf)])
    app.state.settings = settings
    app.state.templates = Renderer()
    app.state.mailer = Mailer(settings, app.state.templates)
    app.state.matching = matching
    app.add_middleware(SessionMiddleware, settings=settings)
    app.add_middleware(SecurityHeadersMiddleware)
    handlers.install(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    from web.http.pages import admin, agenda, auth, introductions, matches, me, meetings, officer, public

    for module in (public, auth, me, matches, introductions, meetings, agenda, admin, officer):
        app.include_router(module.router)
    from web.http.pages import coach as coach_pages

    app.include_router(coach_pages.router)
    from web.http.pages import alerts as alert_pages

    app.include_router(alert_pages.router)
    from web.http.pages import learning as learning_pages

    app.include_router(learning_pages.router)

    from web.http.api import install_api

    install_api(app)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn (``--factory``): settings from the environment."""
    dump_threads_on_signal()  # each process uvicorn spawns for ``--workers`` N
    return create_app(Settings())
