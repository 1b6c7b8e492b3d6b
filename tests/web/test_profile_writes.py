"""One check, one write path and one delete path for profiles: the import, the editor, the API and
the command line all refuse the same records, and every write is stored, audited, queued for
embedding and wakes the workers; every delete is audited and reaches the live indexes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.web.fakes import FakeMatching
from tests.web.webkit import load_small, member, scalar
from web.app import create_app
from web.cli import main
from web.db.pool import Database
from web.interchange.importer import ImportFailed, load_files
from web.services import editor, profiles
from web.services.accounts import create_token
from web.settings import Settings
from web.store import events
from web.store import jobs as job_store

NEW = {"id": "vn-moi", "kind": "startup", "name": "Mới", "country": "VN", "description": "Khởi nghiệp AI",
       "contact_email": "lienhe@moi.example"}


@pytest.fixture
def listener(pg_url: str) -> Iterator[Callable[[str], list[str]]]:
    """``heard(channel)``: the payloads received on ``channel`` since the test began."""
    conn = psycopg.connect(pg_url, autocommit=True)
    for channel in (events.JOBS_CHANNEL, events.INDEX_CHANNEL):
        events.listen(conn, channel)

    def heard(channel: str) -> list[str]:
        return [n.payload for n in conn.notifies(timeout=1.0) if n.channel == channel]

    yield heard
    conn.close()


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database=db)) as c:
        yield c


def bearer(db: Database, email: str, role: str = "member") -> dict[str, str]:
    member(db, email, role=role)
    return {"Authorization": f"Bearer {create_token(db, email)[1]}"}


def cli(settings: Settings, *args: str) -> Any:
    return CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "--database-url", str(settings.database_url),
                                     *args])


def test_a_bad_contact_email_is_refused_by_the_import_the_api_and_the_editor(
        db: Database, client: TestClient, tmp_path: Path) -> None:
    bad = {**NEW, "contact_email": "lienhe at moi"}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([bad], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ImportFailed) as info:
        load_files([path])
    [problem] = info.value.problems
    assert (problem.where, problem.record_id, problem.field) == ("record [0] (line 1)", "vn-moi", "contact_email")
    r = client.put("/api/v1/profiles/vn-moi", json=bad, headers=bearer(db, "o@x.example", "officer"))
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["contact_email"]
    assert list(editor.check_form(bad)[1]) == ["contact_email"]
    assert scalar(db, "SELECT count(*) FROM profiles") == 0


def test_a_bad_contact_email_is_refused_by_the_command_line_naming_the_record_and_the_field(
        db: Database, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({**NEW, "contact_email": "lienhe at moi"}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = cli(settings, "import", str(path))
    assert result.exit_code == 1
    assert f"{path}, line 1, id 'vn-moi': contact_email: is not an e-mail address" in result.stderr
    assert scalar(db, "SELECT count(*) FROM profiles") == 0


def test_the_write_path_checks_every_record_whatever_its_caller_checked(db: Database) -> None:
    """A record handed straight to either door of the write path (the batch and the single save)
    is checked there: refused naming the record and the field, nothing written."""
    owner = member(db, "m@x.example")
    bad = {**NEW, "contact_email": "lienhe at moi"}
    refusals = []
    with pytest.raises(profiles.InvalidProfile) as batch:
        profiles.import_records(db, [{**NEW, "id": "vn-tot"}, bad])
    refusals.append(batch.value)
    with pytest.raises(profiles.InvalidProfile) as single:
        profiles.save_profile(db, bad, owner, actor="web", claim=True)
    refusals.append(single.value)
    for refused in refusals:
        assert refused.errors == [{"field": "contact_email", "reason": profiles.BAD_EMAIL.reason}]
        assert refused.message.startswith("profile vn-moi is not valid: contact_email: ")
    for table in ("profiles", "jobs", "profile_owners"):
        assert scalar(db, f"SELECT count(*) FROM {table}") == 0
    assert scalar(db, "SELECT count(*) FROM audit_log WHERE entity = 'profile'") == 0


def test_the_import_the_api_and_the_editor_share_one_write_path(
        db: Database, client: TestClient, listener: Callable[[str], list[str]]) -> None:
    """Each stores the profile, audits it, queues its embedding and wakes the workers."""
    load_small(db)
    assert listener(events.JOBS_CHANNEL) == [""]
    owner = member(db, "m@x.example")

    def written(pid: str, action: str) -> None:
        assert scalar(db, "SELECT count(*) FROM profiles WHERE id = %(p)s", {"p": pid}) == 1
        assert scalar(db, "SELECT count(*) FROM jobs WHERE kind = %(k)s AND key = %(p)s",
                      {"k": job_store.EMBED_JOB, "p": pid}) == 1
        assert scalar(db, "SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == action
        assert listener(events.JOBS_CHANNEL) == [""]

    profiles.import_records(db, [profiles.checked_record({**NEW, "id": "vn-nhap"})])
    written("vn-nhap", "import")
    r = client.put("/api/v1/profiles/vn-api", json={**NEW, "id": "vn-api"}, headers=bearer(db, "a@x.example"))
    assert r.status_code == 201
    written("vn-api", "create")
    saved = editor.save(db, FakeMatching(db), owner, {k: v for k, v in NEW.items() if k != "id"}, None)
    assert saved.profile_id is not None and not saved.errors
    written(saved.profile_id, "create")
    assert scalar(db, "SELECT user_id FROM profile_owners WHERE profile_id = %(p)s", {"p": saved.profile_id}) == owner.id


def test_an_unchanged_save_writes_and_audits_nothing(db: Database, client: TestClient) -> None:
    headers = bearer(db, "a@x.example")
    assert client.put("/api/v1/profiles/vn-moi", json=NEW, headers=headers).status_code == 201
    assert client.put("/api/v1/profiles/vn-moi", json=NEW, headers=headers).status_code == 200
    assert scalar(db, "SELECT count(*) FROM audit_log WHERE entity = 'profile'") == 1
    assert scalar(db, "SELECT revision FROM profiles WHERE id = 'vn-moi'") == 1


def test_an_import_failing_half_way_leaves_nothing_written(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole import is one transaction: the first chunks written are rolled back with the rest."""
    records = [profiles.checked_record({**NEW, "id": f"vn-s{i}"}) for i in range(5)]
    monkeypatch.setattr(profiles, "IMPORT_CHUNK", 2)
    calls: list[list[str]] = []
    real = job_store.insert_jobs

    def insert_jobs(conn: psycopg.Connection, kind: str, keys: list[str]) -> int:
        calls.append(keys)
        if len(calls) == 2:
            raise RuntimeError("the process died here")
        return real(conn, kind, keys)

    monkeypatch.setattr(job_store, "insert_jobs", insert_jobs)
    with pytest.raises(RuntimeError):
        profiles.import_records(db, records)
    assert len(calls) == 2
    for table in ("profiles", "profile_texts", "jobs", "audit_log"):
        assert scalar(db, f"SELECT count(*) FROM {table}") == 0


def test_the_command_line_and_the_api_share_one_delete_path(
        db: Database, settings: Settings, client: TestClient, listener: Callable[[str], list[str]]) -> None:
    """Both audit the delete and tell the live indexes at once; a missing profile is the same error."""
    load_small(db)
    listener(events.JOBS_CHANNEL)
    assert client.delete("/api/v1/profiles/kr-hanpack", headers=bearer(db, "o@x.example", "officer")).status_code == 204
    assert listener(events.INDEX_CHANNEL) == ["kr-hanpack"]
    result = cli(settings, "profiles", "delete", "sg-lionfund")
    assert result.exit_code == 0 and result.stdout.strip() == "deleted sg-lionfund"
    assert listener(events.INDEX_CHANNEL) == ["sg-lionfund"]
    with db.connection() as conn:
        audit = conn.execute("SELECT action, entity_id, actor FROM audit_log WHERE action = 'delete' ORDER BY id"
                             ).fetchall()
    assert audit == [("delete", "kr-hanpack", "api"), ("delete", "sg-lionfund", "cli")]
    missing = cli(settings, "profiles", "delete", "sg-lionfund")
    assert missing.exit_code == 1 and "no profile with id 'sg-lionfund'" in missing.stderr
    r = client.delete("/api/v1/profiles/sg-lionfund", headers=bearer(db, "o2@x.example", "officer"))
    assert r.status_code == 404 and "no profile with id 'sg-lionfund'" in r.json()["detail"]


def test_live_index_notifications_stay_under_the_payload_limit(db: Database,
                                                               listener: Callable[[str], list[str]]) -> None:
    ids = [f"vn-{i:060d}" for i in range(300)]  # 64 characters each: about 19 500 bytes in all
    with db.connection() as conn, conn.transaction():
        events.notify_index(conn, ids)
    payloads = listener(events.INDEX_CHANNEL)
    assert len(payloads) == 3 and all(len(p) < 8000 for p in payloads)
    assert [i for p in payloads for i in p.split(",")] == ids
