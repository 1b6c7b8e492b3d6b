"""One rule for contact details: the profile page, the API (one profile and the list), the
introduction and meeting pages and the command line's export all agree with
``web.services.visibility``, including where an earlier copy of the rule disagreed (an accepted
introduction followed by a declined one; a disabled account; a confirmed meeting)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner

from tests.web.webkit import load_small, member, sign_in, web_client
from web.cli import main
from web.db.pool import Database
from web.services import directory, visibility
from web.services import introductions as intros
from web.services.accounts import create_token, set_disabled
from web.services.introductions import Party
from web.settings import Settings
from web.store import users as user_store
from web.store.users import UserRow

SECRET = "bd@hanpack.example"  # kr-hanpack's contact e-mail in tests/web/data/small.json
PROFILE = "kr-hanpack"


def introduce(db: Database, a: str, b: str, state: str) -> int:
    with db.connection() as conn:
        row = conn.execute(
            "INSERT INTO introductions (from_profile, to_profile, state, expires_at)"
            " VALUES (%(a)s, %(b)s, %(s)s, now() + interval '14 days') RETURNING id", {"a": a, "b": b, "s": state},
        ).fetchone()
    assert row is not None
    return int(row[0])


def meet(db: Database, a: str, b: str, state: str) -> None:
    with db.connection() as conn:
        row = conn.execute("INSERT INTO match_lists (name, state) VALUES ('Tech Days', 'published') RETURNING id"
                           ).fetchone()
        assert row is not None
        conn.execute(
            "INSERT INTO meetings (list_id, a_id, b_id, fit, a_answer, b_answer, state)"
            " VALUES (%(l)s, %(a)s, %(b)s, 80, 'accepted', %(ans)s, %(s)s)",
            {"l": row[0], "a": a, "b": b, "ans": "accepted" if state == "confirmed" else "pending", "s": state},
        )


def nothing(db: Database) -> None:
    return None


# name -> (role, profiles owned, what happened before, whether kr-hanpack's contact is visible)
SCENARIOS: dict[str, tuple[str, tuple[str, ...], Callable[[Database], Any], bool]] = {
    "a stranger": ("member", ("vn-agrisense",), nothing, False),
    "an owner": ("member", ("kr-hanpack",), nothing, True),
    "an officer": ("officer", (), nothing, True),
    "an admin": ("admin", (), nothing, True),
    "a requested introduction": ("member", ("vn-chipviet",),
                                 lambda db: introduce(db, "vn-chipviet", "kr-hanpack", "requested"), False),
    "a declined introduction": ("member", ("vn-chipviet",),
                                lambda db: introduce(db, "vn-chipviet", "kr-hanpack", "declined"), False),
    "an accepted introduction": ("member", ("vn-chipviet",),
                                 lambda db: introduce(db, "kr-hanpack", "vn-chipviet", "accepted"), True),
    "an accepted introduction, then a declined one": (
        "member", ("vn-chipviet",),
        lambda db: (introduce(db, "vn-chipviet", "kr-hanpack", "accepted"),
                    introduce(db, "kr-hanpack", "vn-chipviet", "declined")), True),
    "a proposed meeting": ("member", ("vn-chipviet",), lambda db: meet(db, "vn-chipviet", "kr-hanpack", "proposed"),
                           False),
    "a confirmed meeting": ("member", ("vn-chipviet",), lambda db: meet(db, "vn-chipviet", "kr-hanpack", "confirmed"),
                            True),
}


def seen_by_every_path(db: Database, settings: Settings, user: UserRow) -> dict[str, bool]:
    """Whether each path shows kr-hanpack's contact e-mail to ``user``."""
    headers = {"Authorization": f"Bearer {create_token(db, user.email)[1]}"}
    with db.connection() as conn:
        rule = visibility.may_see_contact(conn, user, PROFILE)
    with web_client(settings, db) as c:
        one = c.get(f"/api/v1/profiles/{PROFILE}", headers=headers).json()
        items = c.get("/api/v1/profiles", params={"limit": 100}, headers=headers).json()["items"]
        sign_in(c, user.email)
        page = c.get(f"/profiles/{PROFILE}").text
    return {"rule": rule, "page": SECRET in page, "api": one.get("contact_email") == SECRET,
            "api list": any(p.get("contact_email") == SECRET for p in items)}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_path_agrees_with_the_rule(db: Database, settings: Settings, scenario: str) -> None:
    role, owns, before, expected = SCENARIOS[scenario]
    load_small(db)
    user = member(db, "viewer@x.example", owns=owns, role=role)
    before(db)
    assert seen_by_every_path(db, settings, user) == dict.fromkeys(("rule", "page", "api", "api list"), expected)


def test_a_disabled_account_sees_no_contact_details_anywhere(db: Database, settings: Settings) -> None:
    """Even with an accepted introduction: the rule, the profile page's service, the introduction's
    page, the signed-in page (the session ends) and the API (the token stops working)."""
    load_small(db)
    user = member(db, "viewer@x.example", owns=("vn-chipviet",))
    intro = introduce(db, "vn-chipviet", "kr-hanpack", "accepted")
    headers = {"Authorization": f"Bearer {create_token(db, user.email)[1]}"}
    with web_client(settings, db) as c:
        sign_in(c, user.email)
        assert SECRET in c.get(f"/profiles/{PROFILE}").text  # before: the introduction shows it
        set_disabled(db, user.email, True)
        assert SECRET not in c.get(f"/profiles/{PROFILE}").text
        assert c.get(f"/api/v1/profiles/{PROFILE}", headers=headers).status_code == 401
    with db.connection() as conn:
        disabled = user_store.get_user_by_email(conn, user.email)
        assert disabled is not None and disabled.disabled
        assert not visibility.may_see_contact(conn, disabled, PROFILE)
        assert visibility.record_for(conn, disabled, {"id": PROFILE, "contact_email": SECRET}) == {"id": PROFILE}
    page = directory.profile_page(db, disabled, PROFILE)
    assert not page.show_contact and "contact_email" not in page.record
    assert intros.get_for(db, Party.of(db, disabled), intro).contact is None


def test_a_disabled_officer_sees_no_contact_details(db: Database) -> None:
    load_small(db)
    officer = member(db, "officer@x.example", role="officer")
    set_disabled(db, officer.email, True)
    with db.connection() as conn:
        disabled = user_store.get_user_by_email(conn, officer.email)
        assert disabled is not None and not visibility.may_see_contact(conn, disabled, PROFILE)


def test_the_command_line_export_is_the_operators_and_carries_contact_details(db: Database,
                                                                               settings: Settings) -> None:
    """Export → import must give back the same records, so the operator sees what an admin sees."""
    load_small(db)
    args = ["--data-dir", str(settings.data_dir), "--database-url", str(settings.database_url)]
    exported = json.loads(CliRunner().invoke(main, [*args, "export"], catch_exceptions=False).stdout)
    shown = json.loads(CliRunner().invoke(main, [*args, "profiles", "show", PROFILE, "--json"]).stdout)
    assert {r["id"]: r.get("contact_email") for r in exported}[PROFILE] == SECRET == shown["contact_email"]
    with db.connection() as conn:
        assert visibility.may_see_contact(conn, visibility.OPERATOR, PROFILE)
