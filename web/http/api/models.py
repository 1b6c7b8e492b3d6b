"""Response models of /api/v1 (the published JSON shapes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class MatchOut(BaseModel):
    id: str
    score: float = Field(description="Fused score (higher is better); comparable within one ranking.")
    fit: float = Field(description="Calibrated fit, 0-100, for display.")
    components: dict[str, float] = Field(description="Each signal's contribution to the score.")
    explanation: dict[str, Any] = Field(description="Why: best need-offer passage pair, shared sectors and modes.")


class MatchesOut(BaseModel):
    id: str
    matches: list[MatchOut]


class SearchHit(BaseModel):
    id: str
    score: float
    name: str | None = None
    kind: str | None = None
    country: str | None = None


class SearchOut(BaseModel):
    q: str
    results: list[SearchHit]


_ID = r"^[a-z0-9][a-z0-9-]{1,63}$"  # the profile schema's id pattern


class ScoreIn(BaseModel):
    a: str = Field(pattern=_ID, description="profile id")
    b: str = Field(pattern=_ID, description="profile id")


class ScoreOut(BaseModel):
    a: str
    b: str
    score: float
    fit: float
    components: dict[str, float]
    explanation: dict[str, Any]


class ProfilePage(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


class ProfileSaved(BaseModel):
    profile: dict[str, Any]
    created: bool
