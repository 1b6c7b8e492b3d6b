"""Synthetic profiles for scale benchmarks, recombined from a sample ecosystem's vocabulary.

``synthesize(samples, n, random_state)`` writes ``n`` schema-valid records whose texts are
sentences drawn from sample profiles of the same kind, side and sector, so that their length,
languages and vocabulary look like the real thing. Nothing here is fit for matching quality
measurements: it is load, not meaning. ``random_vectors`` gives low-rank unit vectors with
cluster structure (what embeddings look like) for benchmarks that must skip the model; such
vectors are for benchmarks only.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from matcher.profile import side_of
from matcher.text import split_sentences

_SYLLABLES = ("an", "bao", "cao", "dat", "gia", "hai", "hoa", "khai", "lam", "long", "minh", "nam", "phat",
              "quang", "sao", "son", "tam", "tan", "thanh", "tien", "trung", "viet", "vinh", "xuan",
              "nova", "tek", "gen", "sys", "lab", "bio", "agri", "data", "grid", "core", "link", "wave")
_COUNTRIES_FOREIGN = ("KR", "JP", "US", "DE", "FR", "SG", "TW", "NL", "FI", "IL", "AU", "IN", "GB", "CA", "SE", "CH")
_REGIONS_VN = ("Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Bắc Ninh", "Huế", "Đồng Nai",
               "Bình Dương", "Khánh Hòa", "Nghệ An", "Lâm Đồng", "An Giang", "Quảng Ninh", "Thái Nguyên")


def _name(rng: np.random.Generator) -> str:
    parts = rng.choice(_SYLLABLES, size=int(rng.integers(2, 4)))
    return " ".join(p.capitalize() for p in parts)


def _sentences(records: list[dict[str, Any]], field: str) -> list[str]:
    out: list[str] = []
    for r in records:
        out.extend(s for s in split_sentences(r.get(field) or "") if len(s) > 20)
    return out


def _draw(rng: np.random.Generator, pool: list[str], lo: int, hi: int) -> str:
    if not pool:
        return ""
    k = min(len(pool), int(rng.integers(lo, hi + 1)))
    return " ".join(pool[i] for i in rng.choice(len(pool), size=k, replace=False))


def synthesize(samples: list[dict[str, Any]], n: int, random_state: int = 0) -> list[dict[str, Any]]:
    """``n`` synthetic records ``synth-000000``…, recombined from ``samples`` (normalised records)."""
    if not samples:
        raise ValueError("synthesize needs at least one sample profile")
    rng = np.random.default_rng(random_state)
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in samples:
        for sector in r.get("sectors") or ["_"]:
            groups[(r["kind"], side_of(r), sector)].append(r)
    pools: dict[tuple[str, str, str], dict[str, list[str]]] = {
        key: {f: _sentences(rs, f) for f in ("description", "offers", "needs")} for key, rs in groups.items()
    }
    out = []
    for i in range(n):
        template = samples[int(rng.integers(len(samples)))]
        sector = (template.get("sectors") or ["_"])[0]
        key = (template["kind"], side_of(template), sector)
        pool = pools[key]
        vn = side_of(template) == "vn"
        record: dict[str, Any] = {
            "id": f"synth-{i:06d}",
            "kind": template["kind"],
            "name": f"{_name(rng)} {i}",
            "country": "VN" if vn else str(rng.choice(_COUNTRIES_FOREIGN)),
            "description": _draw(rng, pool["description"], 3, 6) or template["description"],
        }
        if template.get("partner_type"):
            record["partner_type"] = template["partner_type"]
        if vn:
            record["region"] = str(rng.choice(_REGIONS_VN))
        for field, lo, hi in (("offers", 1, 2), ("needs", 1, 2)):
            text = _draw(rng, pool[field], lo, hi)
            if text:
                record[field] = text
        for field in ("languages", "sectors", "technologies", "cooperation_offered", "cooperation_sought", "stage"):
            if template.get(field):
                record[field] = template[field]
        out.append(record)
    return out


def random_vectors(n: int, dim: int = 384, n_clusters: int = 64, rank: int = 48,
                   random_state: int = 0) -> np.ndarray:
    """Unit vectors with low-rank cluster structure, shape ``(n, dim)`` float32 (benchmarks only)."""
    rng = np.random.default_rng(random_state)
    basis = rng.standard_normal((rank, dim)).astype(np.float32)
    centres = rng.standard_normal((n_clusters, rank)).astype(np.float32)
    labels = rng.integers(n_clusters, size=n)
    coords = centres[labels] + 0.6 * rng.standard_normal((n, rank)).astype(np.float32)
    x = coords @ basis + 0.3 * rng.standard_normal((n, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)
