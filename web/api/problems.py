"""The documented shape of an API error: RFC 9457 problem details (rendered by ``web.handlers``)."""

from __future__ import annotations

from typing import Any

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"}, "instance": {"type": "string"},
                   "errors": {"type": "array", "items": {"type": "object"}}},
    "required": ["title", "status", "detail"],
}


def problem_responses(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these statuses, each a problem+json with its description."""
    content = {"application/problem+json": {"schema": PROBLEM_SCHEMA}}
    return {code: {"description": desc, "content": content} for code, desc in described.items()}
