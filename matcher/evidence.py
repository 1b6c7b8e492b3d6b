"""The evidence of an explanation as data: for one direction of a pair, the need passage and the
offer passage that match best, each quoted with where it comes from.

Built by ``matcher.explain.best_pair``, written in words by ``matcher.render``. ``to_dict()`` is the
``evidence`` part of the published JSON (``caunoi match --json``, ``/api/v1``); ``from_dict`` reads
that JSON back (the web's stored rankings and scores).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# your need ↔ their offer, their need ↔ your offer, a search text ↔ their offer
DIRECTIONS = ("your_need", "their_need", "search")


@dataclass(frozen=True)
class DocumentRef:
    """The document a quote comes from: its position in the profile's ``documents`` and the title,
    url and year it carries (None where it has none)."""

    index: int
    title: str | None = None
    url: str | None = None
    year: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"title", "url", "year"}`` (those it has), then ``"index"``."""
        out: dict[str, Any] = {k: v for k in ("title", "url", "year") if (v := getattr(self, k)) is not None}
        out["index"] = self.index
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DocumentRef:
        return cls(data["index"], data.get("title"), data.get("url"), data.get("year"))


@dataclass(frozen=True)
class AssetRef:
    """The technology or IP asset a quote comes from (a profile's ``ip_assets``): its position
    and what a buyer filters on (type, registry reference, readiness level, transfer modes)."""

    index: int
    title: str
    asset_type: str | None = None
    reference: str | None = None
    trl: int | None = None
    transfer: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``{"title", "asset_type", "reference", "trl", "transfer"}`` (those it has), then ``"index"``."""
        out: dict[str, Any] = {"title": self.title}
        out.update({k: v for k in ("asset_type", "reference", "trl") if (v := getattr(self, k)) is not None})
        if self.transfer:
            out["transfer"] = list(self.transfer)
        out["index"] = self.index
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AssetRef:
        return cls(data["index"], data["title"], data.get("asset_type"), data.get("reference"), data.get("trl"),
                   tuple(data.get("transfer") or ()))


@dataclass(frozen=True)
class Quote:
    """One side of the evidence: the quoted text (a sentence, or the list items of one that carry
    the match), the profile it is from, its field (``needs``, ``search``, ``offers``,
    ``description``, ``documents``, ``ip_assets``) and, for a document or an asset, which one."""

    profile: str
    field: str
    text: str
    document: DocumentRef | None = None
    asset: AssetRef | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"profile", "field", ["document",] ["asset",] "text"}``."""
        out: dict[str, Any] = {"profile": self.profile, "field": self.field}
        if self.document is not None:
            out["document"] = self.document.to_dict()
        if self.asset is not None:
            out["asset"] = self.asset.to_dict()
        out["text"] = self.text
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Quote:
        document, asset = data.get("document"), data.get("asset")
        return cls(data["profile"], data["field"], data["text"],
                   DocumentRef.from_dict(document) if document is not None else None,
                   AssetRef.from_dict(asset) if asset is not None else None)


@dataclass(frozen=True)
class Evidence:
    """The best need ↔ offer pair of one ``direction`` (``DIRECTIONS``) and the cosine of the two
    passages they were cut from."""

    direction: str
    similarity: float
    need: Quote
    offer: Quote

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"unknown evidence direction {self.direction!r}; valid: {', '.join(DIRECTIONS)}")

    def to_dict(self) -> dict[str, Any]:
        return {"direction": self.direction, "similarity": self.similarity, "need": self.need.to_dict(),
                "offer": self.offer.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        return cls(data["direction"], data["similarity"], Quote.from_dict(data["need"]), Quote.from_dict(data["offer"]))
