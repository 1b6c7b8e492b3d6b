"""Light checks on the records handed to the engine (full validation is ``matcher.profile``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matcher.domain import KINDS


def check_records(profiles: Sequence[Mapping[str, Any]], require_id: bool = True) -> list[dict[str, Any]]:
    """Plain dicts with the fields the engine relies on; duplicate ids fail."""
    if isinstance(profiles, (Mapping, str)):
        raise TypeError("profiles must be a list of profile dicts")
    out, seen = [], set()
    for i, p in enumerate(profiles):
        if not isinstance(p, Mapping):
            raise TypeError(f"profile {i} is a {type(p).__name__}, not a dict")
        pid = p.get("id")
        if require_id and not (isinstance(pid, str) and pid):
            raise ValueError(f"profile {i} has no id")
        if pid in seen:
            raise ValueError(f"duplicate profile id {pid!r}")
        seen.add(pid)
        if p.get("kind") is not None and p["kind"] not in KINDS:
            raise ValueError(f"profile {pid!r}: unknown kind {p['kind']!r}; valid kinds: {', '.join(KINDS)}")
        if not (p.get("description") or p.get("offers") or p.get("needs")):
            raise ValueError(f"profile {pid!r} has no text (description, offers or needs)")
        out.append(dict(p))
    return out
