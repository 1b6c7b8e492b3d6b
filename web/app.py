"""The FastAPI application factory.

``create_app(settings)`` builds an app bound to one ``Settings``; nothing is read from the
environment at import time. ``app_from_env()`` is the factory uvicorn workers call.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from jinja2_fragments.fastapi import Jinja2Blocks

from web.db import Database
from web.errors import DomainError
from web.settings import Settings
from web.store import profiles as profile_store

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


def create_app(settings: Settings, database: Database | None = None) -> FastAPI:
    """Build the app. ``database`` may be given already open (tests share one)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = database or Database(settings).open()
        app.state.db = db
        try:
            yield
        finally:
            if database is None:
                db.close()

    app = FastAPI(title="Cầu Nối", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.templates = Jinja2Blocks(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"title": exc.title, "status": exc.status, "detail": exc.message},
                            status_code=exc.status, media_type="application/problem+json")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        with request.app.state.db.connection() as conn:
            stats = profile_store.profile_stats(conn)
            total = profile_store.count_profiles(conn)
        return request.app.state.templates.TemplateResponse(
            request, "home.html", {"total": total, "stats": stats}
        )

    # the JSON API last: its problem+json handlers wrap the web app's error handlers above
    from web.api import install_api

    install_api(app)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn (``--factory``): settings from the environment."""
    return create_app(Settings())
