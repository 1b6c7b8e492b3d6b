"""`caunoi import/export/profiles/stats/db` against the real PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from web.cli import main
from web.db.pool import Database
from web.settings import Settings

DATA = Path(__file__).parent / "data"


def run(settings: Settings, *args: str, input: str | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(main, ["--data-dir", str(settings.data_dir), "--database-url", str(settings.database_url),
                                  *args], input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_import_export_import_reports_all_unchanged(db: Database, settings: Settings, tmp_path: Path) -> None:
    code, out, _ = run(settings, "import", str(DATA / "small.json"))
    assert code == 0 and out.strip() == "imported 6, updated 0, unchanged 0"
    exported = tmp_path / "out.json"
    assert run(settings, "export", "-o", str(exported))[0] == 0
    code, out, _ = run(settings, "import", str(exported))
    assert out.strip() == "imported 0, updated 0, unchanged 6"
    code, again, _ = run(settings, "export")
    assert again == exported.read_text(encoding="utf-8")


def test_export_import_export_is_byte_identical_in_every_format(db: Database, settings: Settings, tmp_path: Path) -> None:
    run(settings, "import", str(DATA / "small.json"))
    for fmt in ("json", "jsonl", "csv"):
        first = run(settings, "export", "--format", fmt)[1]
        path = tmp_path / f"x.{fmt}"
        path.write_text(first, encoding="utf-8")
        assert run(settings, "import", str(path))[1].strip() == "imported 0, updated 0, unchanged 6"
        assert run(settings, "export", "--format", fmt)[1] == first


def test_changed_record_is_updated_and_its_revision_grows(db: Database, settings: Settings, tmp_path: Path) -> None:
    run(settings, "import", str(DATA / "small.json"))
    records = json.loads((DATA / "small.json").read_text(encoding="utf-8"))
    records[0]["needs"] = "Đối tác đóng gói chip tiên tiến."
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    assert run(settings, "import", str(path))[1].strip() == "imported 0, updated 1, unchanged 5"
    shown = json.loads(run(settings, "profiles", "show", "vn-chipviet", "--json")[1])
    assert shown["_revision"] == 2 and shown["needs"] == "Đối tác đóng gói chip tiên tiến."


def test_one_bad_record_leaves_the_database_unchanged(db: Database, settings: Settings, tmp_path: Path) -> None:
    run(settings, "import", str(DATA / "small.json"))
    before = run(settings, "export")[1]
    records = json.loads((DATA / "small.json").read_text(encoding="utf-8"))
    records[0]["name"] = "Renamed"
    records.append({"id": "vn-new-one", "kind": "startup", "name": "New", "country": "VN", "description": "x"})
    records[3]["cooperation_offered"] = ["money"]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(settings, "import", str(path))
    assert code == 1 and out == ""
    assert "record [3]" in err and "'sg-lionfund'" in err and "cooperation_offered[0]" in err and "'money'" in err
    assert "nothing was imported" in err
    assert run(settings, "export")[1] == before


def test_profiles_list_show_delete_and_stats(db: Database, settings: Settings) -> None:
    run(settings, "import", str(DATA / "small.json"))
    listed = json.loads(run(settings, "profiles", "list", "--json")[1])
    assert [p["id"] for p in listed] == sorted(p["id"] for p in listed) and len(listed) == 6
    stats = json.loads(run(settings, "stats", "--json")[1])
    assert stats["total"] == 6 and stats["kind"]["startup"] == 2 and stats["country"]["VN"] == 3
    assert stats["sector"]["semiconductors"] == 2
    code, out, _ = run(settings, "profiles", "delete", "kr-hanpack", "--json")
    assert code == 0 and json.loads(out) == {"deleted": "kr-hanpack"}
    code, _, err = run(settings, "profiles", "show", "kr-hanpack")
    assert code == 1 and "no profile with id 'kr-hanpack'" in err


def test_export_filters_by_kind(db: Database, settings: Settings) -> None:
    run(settings, "import", str(DATA / "small.json"))
    out = run(settings, "export", "--format", "jsonl", "--kind", "partner")[1]
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["kr-hanpack", "sg-lionfund"]


def test_db_status_lists_applied_migrations(db: Database, settings: Settings) -> None:
    status = json.loads(run(settings, "db", "status", "--json")[1])
    assert status["migrations"] and all(m["applied"] for m in status["migrations"])


def test_backup_and_restore_bring_back_deleted_data(db: Database, settings: Settings, tmp_path: Path) -> None:
    run(settings, "import", str(DATA / "small.json"))
    backup = tmp_path / "b.dump"
    code, _, err = run(settings, "db", "backup", str(backup))
    assert code == 0, err
    run(settings, "profiles", "delete", "vn-chipviet")
    code, _, err = run(settings, "db", "restore", str(backup), "--yes")
    assert code == 0, err
    assert run(settings, "profiles", "show", "vn-chipviet")[0] == 0
    # the restore re-created the vector type: pooled connections must learn its new oid
    db.close()
    db.open(migrate=False)
