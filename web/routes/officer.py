"""Programme officers' pages (``/officer/...``): curated match lists for events, outcomes, reports.

Built in a later issue. Routes added here get the ``Officer`` dependency from ``web.deps`` and the
app-wide CSRF check automatically.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/officer")
