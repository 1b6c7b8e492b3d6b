"""The demo's data in the test database: the sample ecosystem, the demo accounts and the demo
story, as ``caunoi demo`` seeds them (pairs scored by a stand-in for the matching service)."""

from __future__ import annotations

from functools import cache
from typing import Any

from tests.web.curation_support import FakeMatching as PairScores
from web.db.pool import Database
from web.i18n import Renderer
from web.interchange.importer import load_files
from web.interchange.samples import REPO_PROFILES, sample_files
from web.services.curation.demo import Story, seed_story
from web.services.demo import DemoAccount, ensure_demo_accounts
from web.services.mail import Mailer
from web.services.profiles import import_records


@cache
def sample_records() -> tuple[dict[str, Any], ...]:
    return tuple(load_files(sample_files(REPO_PROFILES)))


def load_sample(db: Database) -> None:
    import_records(db, [dict(r) for r in sample_records()], actor="demo")


def seed(db: Database) -> Story:
    """The demo story on the accounts already there (``ensure_demo_accounts``)."""
    accounts = ensure_demo_accounts(db)
    return seed_story(db, Mailer(db.settings, Renderer()), accounts, lambda: PairScores(list(sample_records())))


def demo_database(db: Database) -> list[DemoAccount]:
    """An empty database as ``caunoi demo`` leaves it: sample, accounts, story."""
    load_sample(db)
    seed(db)
    return ensure_demo_accounts(db)


def account(accounts: list[DemoAccount], email: str) -> DemoAccount:
    return next(a for a in accounts if a.email == email)
