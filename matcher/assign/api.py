"""Assignment from ids: a sparse list of scored pairs (as read from a CSV) in, a result in ids out."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

import numpy as np

from matcher.assign.index import AssignmentIndex
from matcher.assign.problem import AssignmentProblem
from matcher.assign.result import AssignmentResult
from matcher.assign.solver import CapacitatedAssigner


def _rows_of_pairs(index: AssignmentIndex, pairs, what: str) -> np.ndarray:
    pairs = list(pairs)
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    try:
        a = index.rows("a", [p[0] for p in pairs])
        b = index.rows("b", [p[1] for p in pairs])
    except KeyError as exc:
        raise KeyError(f"{what}: {exc.args[0]}") from None
    return np.stack([a, b], axis=1)


def _capacities(index: AssignmentIndex, capacities, default_min: int, default_max):
    inf = np.inf if default_max is None else default_max
    mins = {"a": np.full(index.n_a, default_min, float), "b": np.full(index.n_b, default_min, float)}
    maxs = {"a": np.full(index.n_a, inf, float), "b": np.full(index.n_b, inf, float)}
    for id_, (lo, hi) in (capacities or {}).items():
        side = index.side_of(id_)
        row = index.rows(side, [id_])[0]
        mins[side][row] = lo
        maxs[side][row] = np.inf if hi is None else hi
    return dict(min_a=mins["a"], max_a=maxs["a"], min_b=mins["b"], max_b=maxs["b"])


def assign_pairs(
    pairs: Iterable[tuple[Hashable, Hashable, float]],
    *,
    capacities: Mapping[Hashable, tuple[int, int | None]] | None = None,
    blocked: Iterable[tuple[Hashable, Hashable]] = (),
    forced: Iterable[tuple[Hashable, Hashable]] = (),
    groups: Mapping[Hashable, Hashable] | None = None,
    max_per_group: int | None = None,
    default_min: int = 0,
    default_max: int | None = None,
    a_ids: Iterable[Hashable] = (),
    b_ids: Iterable[Hashable] = (),
    side_names: tuple[str, str] = ("startup", "partner"),
    **assigner,
) -> AssignmentResult:
    """Best assignment among the listed pairs; a pair not listed is never assigned.

    Parameters
    ----------
    pairs : iterable of (a_id, b_id, score)
        Allowed pairs and their scores (higher is better); each pair at most once.
    capacities : mapping id -> (min, max)
        How many pairs an id (either side) must and may be in; ``max=None``: no maximum. Ids not
        listed get ``(default_min, default_max)``. An id in no pair and not in ``a_ids``/``b_ids``
        raises ``KeyError``.
    blocked, forced : iterables of (a_id, b_id)
        Pairs never / always assigned.
    groups : mapping a_id -> label, with ``max_per_group``
        At most ``max_per_group`` a-side ids of one label per b-side id.
    a_ids, b_ids : iterables of ids
        Participants of each side besides those in ``pairs`` (someone with no allowed pair still
        has a minimum to report on and alternates to list).
    **assigner
        Parameters of :class:`CapacitatedAssigner` (``fairness``, ``n_alternates``, ...).
    """
    pairs = list(pairs)
    index = AssignmentIndex.from_ids([*(p[0] for p in pairs), *a_ids], [*(p[1] for p in pairs), *b_ids])
    rows = _rows_of_pairs(index, pairs, "pairs")
    scores = np.array([float(p[2]) for p in pairs], dtype=np.float64)
    labels, codes = None, None
    if groups is not None:
        labels = sorted(set(groups.values()), key=str)
        code_of = {g: i for i, g in enumerate(labels)}
        codes = np.full(index.n_a, -1, dtype=np.int64)
        codes[index.rows("a", list(groups))] = [code_of[g] for g in groups.values()]
    problem = AssignmentProblem.from_arcs(
        index.n_a,
        index.n_b,
        rows[:, 0],
        rows[:, 1],
        scores,
        blocked=_rows_of_pairs(index, blocked, "blocked"),
        forced=_rows_of_pairs(index, forced, "forced"),
        groups=codes,
        max_per_group=max_per_group,
        **_capacities(index, capacities, default_min, default_max),
    )
    fitted = CapacitatedAssigner(**assigner).fit(problem)
    return fitted.result(index, group_labels=labels, side_names=side_names)
