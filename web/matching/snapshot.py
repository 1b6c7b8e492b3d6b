"""Read-only views of a fitted ``matcher.Engine`` for the matching service's lock-free readers.

``MatchingService`` keeps one engine it updates (``partial_fit``/``remove``, under its writer
lock) and publishes a ``snapshot`` after each update: requests read the published one without a
lock, so the lock is never held while one request embeds or scores a user's text. A snapshot
costs O(profiles) small copies (ids, the row map, the liveness column, the structured codes; ~1 ms
at 10k), not the index's arrays: the index is append-only (``matcher.index``), so the arrays are
shared, and every later write of the updated engine lands either past the rows a snapshot sees
(an append within capacity), in a new array (growth, ``compact``) or in what the snapshot copied
(a row marked dead, the row map, the codes).

This reaches into ``matcher.index.Index``, ``matcher.store.Columns`` and
``matcher.firststage.StructuredCodes``; it belongs in ``matcher`` as ``Engine.snapshot()`` (and
``with_encoder`` as an ``encoder=`` argument of ``Engine.rank``/``search``), where a test of the
engine can hold it to the index's invariants. Until then it lives here, tested in
tests/web/test_starvation.py.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matcher.embed import Embedder
    from matcher.engine import Engine
    from matcher.firststage import StructuredCodes
    from matcher.index import Index
    from matcher.store import Columns


def _columns(columns: Columns, own: tuple[str, ...] = ()) -> Columns:
    """The same arrays under a new table of columns (``own``: copied, written in place later)."""
    out = copy.copy(columns)
    out._data = {name: (arr.copy() if name in own else arr) for name, arr in columns._data.items()}
    return out


def _codes(codes: StructuredCodes) -> StructuredCodes:
    out = copy.copy(codes)
    out.keys = {group: dict(keys) for group, keys in codes.keys.items()}
    out.values = {group: {c: list(v) for c, v in cols.items()} for group, cols in codes.values.items()}
    out._stacked = dict(codes._stacked)
    return out


def _index(index: Index) -> Index:
    out = copy.copy(index)
    out.ids = list(index.ids)
    # ``Index.ids_at``'s cache is shared: both write only ids[k] at slot k past what they filled,
    # the same value while the ids agree, and the snapshot never adds a row
    out.row_of = dict(index.row_of)
    out.meta = list(index.meta)
    out.profiles = _columns(index.profiles, own=("alive",))  # Index.discard writes it in place
    out.needs = _columns(index.needs)
    out.provide = _columns(index.provide)
    out.lex = _columns(index.lex)
    out.codes = _codes(index.codes)
    return out


def snapshot(engine: Engine) -> Engine:
    """A copy of the fitted ``engine`` that later ``partial_fit``/``remove`` calls on ``engine`` do
    not change, sharing its arrays and fitted models."""
    out = copy.copy(engine)
    out.index_ = _index(engine.index_)
    return out


def with_encoder(engine: Engine, encoder: Embedder) -> Engine:
    """``engine`` (a snapshot) embedding the texts of its queries (a profile being edited, a search)
    with ``encoder`` instead of its own; the fitted index is shared."""
    out = copy.copy(engine)
    out.featurizer_ = copy.copy(engine.featurizer_)
    out.featurizer_.encoder = encoder
    out.encoder_ = encoder  # type: ignore[assignment]
    return out
