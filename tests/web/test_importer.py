"""Parsing and validation of import files: every problem names file, record, id, field and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from web.interchange.importer import ImportFailed, export_lines, load_files

DATA = Path(__file__).parent / "data"
VALID = json.loads((DATA / "small.json").read_text(encoding="utf-8"))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def problems_of(paths: list[Path]) -> list[str]:
    with pytest.raises(ImportFailed) as info:
        load_files(paths)
    return [str(p) for p in info.value.problems]


def with_bad(tmp_path: Path, index: int, **changes: object) -> Path:
    records = [dict(r) for r in VALID]
    records[index].update(changes)
    records[index] = {k: v for k, v in records[index].items() if v is not None}
    return write(tmp_path, "bad.json", json.dumps(records, ensure_ascii=False, indent=1))


def test_valid_file_loads_every_record() -> None:
    records = load_files([DATA / "small.json"])
    assert [r["id"] for r in records] == [r["id"] for r in VALID]


def test_unknown_sector_key_names_record_field_and_valid_keys(tmp_path: Path) -> None:
    [msg] = problems_of([with_bad(tmp_path, 2, sectors=["agritech", "blockchainz"])])
    assert "bad.json" in msg and "record [2]" in msg and "'vn-agrisense'" in msg
    assert "sectors[1]" in msg and "'blockchainz'" in msg and "agritech" in msg


def test_bad_country_code_is_rejected(tmp_path: Path) -> None:
    [msg] = problems_of([with_bad(tmp_path, 1, country="XX")])
    assert "'kr-hanpack'" in msg and "country" in msg and "ISO 3166-1" in msg


def test_malformed_country_code_is_rejected(tmp_path: Path) -> None:
    [msg] = problems_of([with_bad(tmp_path, 1, country="Korea")])
    assert "country" in msg and "'KOREA'" in msg


def test_missing_required_field_is_named(tmp_path: Path) -> None:
    [msg] = problems_of([with_bad(tmp_path, 3, description=None)])
    assert "'sg-lionfund'" in msg and "required field 'description' is missing" in msg


def test_duplicate_id_in_one_file_names_both_places(tmp_path: Path) -> None:
    records = VALID + [dict(VALID[0], name="Other")]
    path = write(tmp_path, "dup.json", json.dumps(records, ensure_ascii=False))
    [msg] = problems_of([path])
    assert "record [6]" in msg and "duplicate id" in msg and "record [0]" in msg


def test_duplicate_id_across_files_is_rejected(tmp_path: Path) -> None:
    a = write(tmp_path, "a.jsonl", json.dumps(VALID[0], ensure_ascii=False) + "\n")
    b = write(tmp_path, "b.jsonl", json.dumps(VALID[0], ensure_ascii=False) + "\n")
    [msg] = problems_of([a, b])
    assert "b.jsonl" in msg and "already used at" in msg and "a.jsonl" in msg


def test_oversized_description_reports_length_not_the_text(tmp_path: Path) -> None:
    [msg] = problems_of([with_bad(tmp_path, 0, description="á" * 20001)])
    assert "description" in msg and "20001 characters" in msg and "20000" in msg
    assert len(msg) < 300


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    content = (json.dumps(VALID[0], ensure_ascii=False) + "\n").encode() + b'{"id": "x\xff\xfe"}\n'
    [msg] = problems_of([write(tmp_path, "latin.jsonl", content)])
    assert "latin.jsonl" in msg and "line 2" in msg and "not valid UTF-8" in msg


def test_truncated_json_array_is_reported_as_truncated(tmp_path: Path) -> None:
    text = json.dumps(VALID, ensure_ascii=False, indent=1)
    [msg] = problems_of([write(tmp_path, "cut.json", text[: len(text) // 2])])
    assert "cut.json" in msg and "invalid JSON" in msg and "truncated" in msg


def test_truncated_jsonl_line_is_reported_with_its_line(tmp_path: Path) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in VALID]
    lines[-1] = lines[-1][:40]
    [msg] = problems_of([write(tmp_path, "cut.jsonl", "\n".join(lines))])
    assert f"line {len(lines)}" in msg and "truncated" in msg


def test_every_problem_of_every_record_is_reported(tmp_path: Path) -> None:
    records = [dict(r) for r in VALID]
    records[0]["stage"] = "unicorn"
    records[4]["kind"] = "accelerator"
    records[5]["extra_field"] = 1
    msgs = problems_of([write(tmp_path, "many.json", json.dumps(records, ensure_ascii=False))])
    assert len(msgs) == 3
    assert any("record [0]" in m and "stage" in m for m in msgs)
    assert any("record [4]" in m and "kind" in m for m in msgs)
    assert any("record [5]" in m and "extra_field" in m for m in msgs)


def test_csv_list_fields_split_on_semicolons_and_numbers_parse(tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "id,kind,name,country,description,sectors,founded\n"
                 "vn-abc,startup,ABC,VN,Mô tả,ai; iot,2020\n")
    [record] = load_files([path])
    assert record["sectors"] == ["ai", "iot"] and record["founded"] == 2020


def test_csv_bad_number_and_unknown_column_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "id,kind,name,country,description,founded\nvn-abc,startup,ABC,VN,x,twenty\n")
    [msg] = problems_of([path])
    assert "line 2" in msg and "founded" in msg and "'twenty'" in msg
    path = write(tmp_path, "q.csv", "id,kind,name,country,description,colour\nvn-abc,startup,ABC,VN,x,red\n")
    [msg] = problems_of([path])
    assert "colour" in msg and "unknown column" in msg


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_export_then_load_gives_back_the_same_records(tmp_path: Path, fmt: str) -> None:
    records = load_files([DATA / "small.json"])
    text = "".join(export_lines(records, fmt))
    path = write(tmp_path, f"out.{fmt}", text)
    again = load_files([path])
    assert again == records
    assert "".join(export_lines(again, fmt)) == text


def test_normalisation_is_canonical(tmp_path: Path) -> None:
    """Lower-case country, decomposed Vietnamese and padded strings are stored canonically."""
    import unicodedata

    raw = dict(VALID[2], country="vn", name="  Nông Sản  ", description=unicodedata.normalize("NFD", "Cảm biến tôm"))
    [record] = load_files([write(tmp_path, "n.json", json.dumps([raw], ensure_ascii=False))])
    assert record["country"] == "VN" and record["name"] == "Nông Sản"
    assert record["description"] == unicodedata.normalize("NFC", "Cảm biến tôm")


def test_nul_character_is_named_not_a_database_error(tmp_path: Path) -> None:
    [msg] = problems_of([with_bad(tmp_path, 0, offers="abc\u0000def")])
    assert "'vn-chipviet'" in msg and "offers" in msg and "NUL" in msg


def test_a_json_lines_record_with_a_line_separator_in_its_text_loads(tmp_path: Path) -> None:
    """U+2028 may stand in a JSON string; records are split at line feeds only."""
    record = dict(VALID[0], description="Dòng một\u2028dòng hai\u0085.")
    path = write(tmp_path, "p.jsonl", json.dumps(record, ensure_ascii=False) + "\n")
    [loaded] = load_files([path])
    assert loaded["description"] == "Dòng một\u2028dòng hai\u0085."


def test_a_csv_documents_cell_python_reads_badly_and_unicode_digits_are_named(tmp_path: Path) -> None:
    deep = '"' + "[" * 3000 + "]" * 3000 + '"'
    path = write(tmp_path, "p.csv", "id,kind,name,country,description,founded,documents\n"
                                    f"vn-abc,startup,ABC,VN,x,²,{deep}\n")
    founded, documents = problems_of([path])
    assert "line 2" in founded and "founded" in founded and "'²' is not a whole number" in founded
    assert "documents" in documents and "nested more than 32 levels deep" in documents


def test_fields_of_another_kind_and_unknown_taxonomy_keys_are_named(tmp_path: Path) -> None:
    """The schema says partner_type is only for partners and availability only for experts, and
    which taxonomy each key list comes from."""
    path = with_bad(tmp_path, 1, availability=["advisory"],
                    ip_assets=[{"title": "Wafer bonding", "asset_type": "recipe", "transfer": ["licence", "gift"]}])
    problems = problems_of([path])
    assert all(p.startswith(f"{path}, record [1] (line ") and "id 'kr-hanpack': " in p for p in problems)
    assert [p.split("id 'kr-hanpack': ")[1] for p in problems] == [
        "ip_assets[0].asset_type: unknown key 'recipe'; valid keys: patent, patent_application, software, design, "
        "know_how, dataset",
        "ip_assets[0].transfer[1]: unknown key 'gift'; valid keys: licence, sale, joint_development, acquisition",
        "availability: applies only to kind 'expert', not to kind 'partner'"]
