"""The one place where participant ids meet integer rows."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np

SIDES = ("a", "b")


class AssignmentIndex:
    """Ids of the two sides ↔ rows ``0..n_a-1`` and ``0..n_b-1``.

    Rows follow the order given; :meth:`from_ids` sorts, so that ties broken by row are broken by
    id. The two sides must not share an id (capacities and alternates are keyed by id alone).

    Parameters
    ----------
    a_ids, b_ids : sequence of hashable
        Distinct ids of the a side (startups) and the b side (partners).
    """

    def __init__(self, a_ids: Sequence[Hashable], b_ids: Sequence[Hashable]) -> None:
        self.a_ids = list(a_ids)
        self.b_ids = list(b_ids)
        self._a = {x: i for i, x in enumerate(self.a_ids)}
        self._b = {x: i for i, x in enumerate(self.b_ids)}
        for side, ids, rows in (("a", self.a_ids, self._a), ("b", self.b_ids, self._b)):
            if len(rows) != len(ids):
                dupes = sorted({repr(x) for x in ids if ids.count(x) > 1})[:5]
                raise ValueError(f"duplicate {side}-side ids: {', '.join(dupes)}")
        both = self._a.keys() & self._b.keys()
        if both:
            shown = ", ".join(sorted(map(repr, both))[:5])
            raise ValueError(f"ids on both sides are not supported (capacities are per id): {shown}")

    @classmethod
    def from_ids(cls, a_ids: Iterable[Any], b_ids: Iterable[Any]) -> AssignmentIndex:
        """Index over the distinct ids given, each side sorted."""
        return cls(sorted(set(a_ids)), sorted(set(b_ids)))

    @property
    def n_a(self) -> int:
        return len(self.a_ids)

    @property
    def n_b(self) -> int:
        return len(self.b_ids)

    def side_of(self, id_: Hashable) -> str:
        """``"a"`` or ``"b"``; an unknown id raises ``KeyError``."""
        if id_ in self._a:
            return "a"
        if id_ in self._b:
            return "b"
        raise KeyError(
            f"unknown id {id_!r}; not among the {self.n_a} a-side or {self.n_b} b-side ids "
            "(a participant without allowed pairs must be declared with its side)"
        )

    def rows(self, side: str, ids: Iterable[Hashable]) -> np.ndarray:
        """Rows of ``ids`` on ``side``, int64 of shape ``(len(ids),)``; unknown ids raise ``KeyError``."""
        table = self._table(side)
        ids = list(ids)
        missing = [x for x in ids if x not in table]
        if missing:
            shown = ", ".join(map(repr, missing[:5]))
            raise KeyError(f"unknown {side}-side ids ({len(missing)}): {shown}")
        return np.fromiter((table[x] for x in ids), dtype=np.int64, count=len(ids))

    def ids(self, side: str, rows: Iterable[int]) -> list[Hashable]:
        """Ids of ``rows`` on ``side``."""
        names = self.a_ids if side == "a" else self.b_ids
        self._table(side)
        return [names[int(r)] for r in rows]

    def _table(self, side: str) -> dict[Hashable, int]:
        if side == "a":
            return self._a
        if side == "b":
            return self._b
        raise ValueError(f"unknown side {side!r}; valid sides: {', '.join(SIDES)}")
