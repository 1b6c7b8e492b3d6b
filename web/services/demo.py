"""Demo accounts for `caunoi demo`: a startup, a foreign partner, an officer and an admin.

Passwords are generated once per data folder and kept in ``DATA_DIR/demo-accounts.json`` so that
every later `caunoi demo` prints the same ones.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from web.db.pool import Database
from web.services.accounts import create_user
from web.services.security import generate_password
from web.store import users as user_store

# the sample profiles the demo member accounts own (first existing one wins)
DEMO_STARTUP_IDS = ("vn-mattran-vision-ai",)
DEMO_PARTNER_IDS = ("kr-hanul-ai-chips",)
STARTUP_EMAIL = "startup@demo.caunoi.example"
PARTNER_EMAIL = "partner@demo.caunoi.example"
OFFICER_EMAIL = "officer@demo.caunoi.example"
ADMIN_EMAIL = "admin@demo.caunoi.example"


@dataclass
class DemoAccount:
    email: str
    password: str
    role: str
    note: str
    profile_id: str | None = None


def _pick_profile(db: Database, preferred: tuple[str, ...], kind: str, side: str) -> str | None:
    with db.connection() as conn:
        for pid in preferred:
            if conn.execute("SELECT 1 FROM profiles WHERE id = %(id)s", {"id": pid}).fetchone():
                return pid
        row = conn.execute(
            "SELECT id FROM profiles WHERE kind = %(k)s AND side = %(s)s"
            " AND cardinality(cooperation_sought) > 0 ORDER BY id LIMIT 1",
            {"k": kind, "s": side},
        ).fetchone()
    return row[0] if row else None


def ensure_demo_accounts(db: Database) -> list[DemoAccount]:
    path = db.settings.data_dir / "demo-accounts.json"
    if path.exists():
        accounts = [DemoAccount(**a) for a in json.loads(path.read_text(encoding="utf-8"))]
    else:
        startup = _pick_profile(db, DEMO_STARTUP_IDS, "startup", "vn")
        partner = _pick_profile(db, DEMO_PARTNER_IDS, "partner", "foreign")
        accounts = [
            DemoAccount(STARTUP_EMAIL, generate_password(), "member", f"owns the Vietnamese startup {startup}",
                        startup),
            DemoAccount(PARTNER_EMAIL, generate_password(), "member", f"owns the foreign partner {partner}", partner),
            DemoAccount(OFFICER_EMAIL, generate_password(), "officer", "programme officer"),
            DemoAccount(ADMIN_EMAIL, generate_password(), "admin", "administrator"),
        ]
    for acc in accounts:
        with db.connection() as conn:
            user = user_store.get_user_by_email(conn, acc.email)
        if user is None:
            user = create_user(db, acc.email, acc.role, acc.password, actor="demo").user
        if acc.profile_id:
            with db.connection() as conn:
                user_store.insert_owner(conn, user.id, acc.profile_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(a) for a in accounts], indent=2), encoding="utf-8")
    path.chmod(0o600)
    return accounts
