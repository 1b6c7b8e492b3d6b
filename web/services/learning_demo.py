"""A demo impression/feedback log, so that the learned ranking has something to show.

``seed_demo_log(db, matching)`` simulates members on the published profiles as
``bench/bench_learning.py`` does, with priorities that differ from the engine's: each view is a
profile's top 10 in the engine's order; the member examines rank r with probability 1/r and,
valuing the sector match ``boost`` times as much as the engine does, accepts the 3 best of the 10
by their own utility and hides the 3 worst (each action flipped with probability ``noise``).
Rows are written as ``source = 'demo'`` impressions with no user, their action on the row itself
(``impressions.demo_action``): nothing enters the members' feedback or introductions, and
``caunoi learn demo --clear`` removes them all. From the CLI: ``caunoi learn demo`` then
``caunoi learn fit``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.results import Match
from web.db.pool import Database
from web.errors import Pending, Unavailable
from web.matching.contract import MatchingContract
from web.store import impressions as log_store
from web.store import profiles as profile_store
from web.store.impressions import ShownRow

SHOWN = 10


@dataclass
class DemoLog:
    views: int
    events: int
    profiles: int


def seed_demo_log(db: Database, matching: MatchingContract, views: int = 800, prefer: str = "sectors",
                  boost: float = 3.0, noise: float = 0.1, random_state: int = 0) -> DemoLog:
    """Replace the demo log with ``views`` simulated page views (see the module docstring)."""
    rng = np.random.RandomState(random_state)
    with db.connection() as conn:
        ids = sorted(r.id for r in profile_store.list_profiles(conn))
    rankings: dict[str, list[Match]] = {}
    for pid in ids:
        try:
            ranked = matching.rank(pid, k=SHOWN)
        except (Pending, Unavailable, KeyError):  # not embedded yet: no matches to show
            continue
        if len(ranked) >= 2:  # a single match cannot be ordered
            rankings[pid] = ranked
    queries = sorted(rankings)
    events = 0
    with db.connection() as conn, conn.transaction():
        log_store.delete_demo_log(conn)
        for _ in range(views if queries else 0):
            q = queries[rng.randint(len(queries))]
            shown = rankings[q]
            utility = np.array([m.score + (boost - 1.0) * m.components.get(prefer, 0.0) for m in shown])
            order = np.argsort(-utility, kind="stable")
            best, worst = set(order[:3].tolist()), set(order[-3:].tolist())
            rows = []
            for i, m in enumerate(shown):
                action = None
                if rng.rand() <= 1.0 / (i + 1):
                    action = "accept" if i in best else "hide" if i in worst else None
                    if action and rng.rand() < noise:
                        action = "hide" if action == "accept" else "accept"
                events += action is not None
                rows.append(ShownRow(m.id, i + 1, m.score, dict(m.components), action))
            log_store.insert_view(conn, None, q, rows, "demo")
    return DemoLog(views if queries else 0, events, len(queries))
