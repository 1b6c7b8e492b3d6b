"""Ranking learned from members' feedback: fitting a version, serving the active one, switching.

``fit`` reads the impression log and the feedback that followed it (``web.store.impressions``),
fits ``matcher.learning.Reranker`` with its guardrails (``CAUNOI_LEARNING_MIN_EVENTS``; held-out
test; per-account cap; bounded adjustment) and stores the result as a new version; a version
that beats the engine becomes the active one (unless ``CAUNOI_LEARNING_ENABLED`` is off). Serving
(``active_model``, ``apply``) re-orders the engine's top ``SHORTLIST`` with the active version.
An admin switches learning off (no version active: the engine's order) or makes an earlier
usable version active again; both are written to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from matcher.learning import Feedback, Impression, LearnedModel, LearnedSummary, Reranker
from matcher.results import Match
from web.db.pool import Database
from web.errors import Invalid, NotFound
from web.i18n import N_
from web.settings import Settings
from web.store import audit as audit_store
from web.store import impressions as log_store
from web.store import learning as store
from web.store.learning import ModelRow
from web.store.users import UserRow

SHORTLIST = 30  # the engine's top N a learned version re-orders (as measured: bench/bench_learning.py)


@dataclass
class Version:
    """One stored fit with its summary read back."""

    row: ModelRow
    summary: LearnedSummary

    @property
    def id(self) -> int:
        return self.row.id


@dataclass
class Overview:
    """What the officer and admin pages show: the log's size, the settings, every version."""

    impressions: int
    views: int
    events: int
    demo: int
    min_events: int
    enabled: bool
    versions: list[Version]

    @property
    def active(self) -> Version | None:
        return next((v for v in self.versions if v.row.active), None)

    @property
    def latest(self) -> Version | None:
        return self.versions[0] if self.versions else None


# ----------------------------------------------------------------------------- fitting
def read_log(db: Database) -> tuple[list[Impression], list[Feedback]]:
    """The log as the learner's inputs: accounts are ``u<user id>`` (``demo:<profile>``)."""
    with db.connection() as conn:
        shown = log_store.list_impressions(conn)
        events = log_store.list_events(conn)
    impressions = [Impression(r.account, r.profile_id, r.target_id, r.rank, r.score, r.components, view=r.view_id)
                   for r in shown]
    feedback = [Feedback(e.account, e.profile_id, e.target_id, e.action, view=e.view_id) for e in events]
    return impressions, feedback


def fit(db: Database, created_by: UserRow | None = None, min_events: int | None = None,
        random_state: int = 0) -> Version:
    """Fit a new version on the whole log and store it; activate it if it beats the engine.
    ``min_events``: the settings' ``learning_min_events`` unless given (the app's settings)."""
    impressions, feedback = read_log(db)
    needed = min_events if min_events is not None else db.settings.learning_min_events
    reranker = Reranker(min_events=needed, random_state=random_state)
    reranker.fit(impressions, feedback)
    exported = reranker.export()
    with db.connection() as conn, conn.transaction():
        version = store.insert_model(conn, created_by.id if created_by else None, reranker.summary_.status,
                                     exported["summary"], exported["model"])
        if reranker.used_ and db.settings.learning_enabled:
            store.deactivate_all(conn)
            store.activate(conn, version)
        audit_store.insert_audit(conn, "fit", "learned-model", str(version),
                                 {"status": reranker.summary_.status, "events": reranker.summary_.n_events},
                                 actor="web" if created_by else "cli", actor_id=created_by.id if created_by else None)
        row = store.get_model(conn, version)
    assert row is not None
    return Version(row, reranker.summary_)


# ----------------------------------------------------------------------------- serving
def active_model(db: Database, conn: psycopg.Connection | None = None) -> LearnedModel | None:
    """The active version's model, or None (learning off, nothing learned, or switched off): one
    indexed look-up of a few hundred bytes (on ``conn`` when given). Match lists read it through
    ``web.services.serving``, which keeps it until a change in any process."""
    if not db.settings.learning_enabled:
        return None
    if conn is None:
        with db.connection() as own:
            return active_model(db, own)
    active = store.get_active(conn)
    return LearnedModel.from_dict(active[1]) if active is not None else None


def depth(model: LearnedModel | None, k: int) -> int:
    """How many of the engine's best to ask for to show ``k``: its shortlist when a model re-orders it."""
    return max(k, SHORTLIST) if model is not None else k


def apply(model: LearnedModel | None, matches: Sequence[Match], k: int) -> list[Match]:
    """The ``k`` best of the engine's ``matches`` after the model's re-ordering (as given without one)."""
    return (model.rerank(matches) if model is not None else list(matches))[:k]


# ----------------------------------------------------------------------------- admin
def overview(db: Database, settings: Settings | None = None) -> Overview:
    """The pages' view; ``settings`` (the app's) default to the database's."""
    settings = settings or db.settings
    with db.connection() as conn:
        counts = log_store.count_log(conn)
        rows = store.list_models(conn)
    return Overview(counts["impressions"], counts["views"], counts["events"], counts["demo"],
                    settings.learning_min_events, settings.learning_enabled,
                    [Version(r, LearnedSummary.from_dict(r.summary)) for r in rows])


def switch_off(db: Database, admin: UserRow | None) -> bool:
    """No version active: members see the engine's order again. Whether one was active."""
    with db.connection() as conn, conn.transaction():
        was = store.deactivate_all(conn) > 0
        audit_store.insert_audit(conn, "switch-off", "learned-model", None, {}, actor="web" if admin else "cli",
                                 actor_id=admin.id if admin else None)
    return was


def activate(db: Database, admin: UserRow | None, version: int) -> None:
    """Make ``version`` (an earlier one: a roll-back) the active one; only a version that beat
    the engine on its held-out test can be."""
    with db.connection() as conn, conn.transaction():
        row = store.get_model(conn, version)
        if row is None:
            raise NotFound(N_("This learned version does not exist."))
        store.deactivate_all(conn)
        if not store.activate(conn, version):
            raise Invalid(N_("Only a version that beat the engine on its held-out test can be used."), field="version")
        audit_store.insert_audit(conn, "activate", "learned-model", str(version), {},
                                 actor="web" if admin else "cli", actor_id=admin.id if admin else None)
