"""Read profile files (JSON array, JSON Lines, CSV), validate every record, write all or nothing.

Every problem is reported with its file, record position (line for JSON Lines and CSV, index and
line for a JSON array), the record's id, the field and the reason. ``import_files`` writes nothing
unless every record of every file is valid.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.profile import FIELD_ORDER, INT_FIELDS, LIST_FIELDS
from web.interchange.spreadsheet import safe_cell
from web.params import BIGINT_MAX, UnreadableJson, decode_json, load_json, whole_number
from web.services.profiles import record_problems

FORMATS = ("json", "jsonl", "csv")
CSV_LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Problem:
    """One reason an import cannot go ahead."""

    file: str
    where: str  # "line 12", "record [3] (line 40)", or "" for whole-file problems
    record_id: str | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.where:
            parts.append(self.where)
        if self.record_id:
            parts.append(f"id {self.record_id!r}")
        head = ", ".join(parts)
        return f"{head}: {self.field}: {self.reason}" if self.field else f"{head}: {self.reason}"


class ImportFailed(Exception):
    """Raised with every problem found; nothing has been written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


@dataclass
class SourceRecord:
    file: str
    where: str
    raw: Any


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json" if text.lstrip().startswith("[") else "jsonl"
    if suffix == ".csv":
        return "csv"
    head = text.lstrip()[:1]
    return {"[": "json", "{": "jsonl"}.get(head, "csv")


def decode_utf8(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailed(
            [Problem(name, f"line {line}", None, None, f"is not valid UTF-8 (byte offset {exc.start}: {exc.reason})")]
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _json_error(name: str, text: str, exc: json.JSONDecodeError) -> Problem:
    truncated = exc.pos >= len(text.rstrip()) - 1
    hint = " (the file looks truncated)" if truncated else ""
    return Problem(name, f"line {exc.lineno} column {exc.colno}", None, None, f"invalid JSON: {exc.msg}{hint}")


def parse_json_array(name: str, text: str) -> list[SourceRecord]:
    """Parse ``[ {...}, {...} ]`` keeping each record's index and line."""
    out: list[SourceRecord] = []
    pos = text.index("[") + 1
    try:
        while True:
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos < len(text) and text[pos] == "]" and not out:
                pos += 1
                break
            start = pos
            where = f"record [{len(out)}] (line {_line_of(text, start)})"
            try:
                value, pos = decode_json(text, pos)
            except UnreadableJson as exc:
                raise ImportFailed([Problem(name, where, None, exc.field, exc.reason)]) from None
            out.append(SourceRecord(name, where, value))
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if pos < len(text) and text[pos] == "]":
                pos += 1
                break
            raise json.JSONDecodeError("expected ',' or ']' after a record", text, pos)
    except json.JSONDecodeError as exc:
        raise ImportFailed([_json_error(name, text, exc)]) from None
    if text[pos:].strip():
        trailing = json.JSONDecodeError("unexpected text after the closing ']'", text, pos)
        raise ImportFailed([_json_error(name, text, trailing)])
    return out


def parse_jsonl(name: str, text: str) -> list[SourceRecord]:
    out: list[SourceRecord] = []
    problems: list[Problem] = []
    # records are split at line feeds only: a JSON string may hold U+2028 and the like, which
    # str.splitlines() would also split at
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            out.append(SourceRecord(name, f"line {lineno}", load_json(line)))
        except UnreadableJson as exc:
            problems.append(Problem(name, f"line {lineno}", None, exc.field, exc.reason))
        except json.JSONDecodeError as exc:
            hint = " (the line looks truncated)" if exc.pos >= len(line.rstrip()) - 1 else ""
            problems.append(Problem(name, f"line {lineno} column {exc.colno}", None, None, f"invalid JSON: {exc.msg}{hint}"))
    if problems:
        raise ImportFailed(problems)
    return out


def _csv_cell(field: str, value: str) -> Any:
    if field in LIST_FIELDS and field != "documents":
        return [v.strip() for v in value.split(CSV_LIST_SEPARATOR) if v.strip()]
    if field in INT_FIELDS:
        try:
            return whole_number(value, low=-BIGINT_MAX)
        except ValueError:
            raise ValueError(f"{value[:40]!r} is not a whole number") from None
    if field == "documents":
        try:
            return load_json(value)
        except UnreadableJson as exc:
            raise ValueError(f"must be a JSON array of documents: {exc.message}") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"must be a JSON array of documents: {exc.msg}") from None
    return value


def parse_csv(name: str, text: str) -> list[SourceRecord]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    unknown = [h for h in (reader.fieldnames or []) if h not in FIELD_ORDER]
    if unknown:
        raise ImportFailed([Problem(name, "line 1", None, h, "unknown column (not in the profile schema)") for h in unknown])
    out: list[SourceRecord] = []
    problems: list[Problem] = []
    for row in reader:
        where = f"line {reader.line_num}"
        record: dict[str, Any] = {}
        for field, value in row.items():
            if field is None:
                problems.append(Problem(name, where, row.get("id"), None, "more cells than columns in the header"))
                continue
            if value is None or value.strip() == "":
                continue
            try:
                record[field] = _csv_cell(field, value)
            except ValueError as exc:
                problems.append(Problem(name, where, row.get("id"), field, str(exc)))
        out.append(SourceRecord(name, where, record))
    if problems:
        raise ImportFailed(problems)
    return out


def read_source(path: Path, fmt: str | None = None) -> list[SourceRecord]:
    """Parse one file into records with their positions (no validation yet)."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed([Problem(name, "", None, None, f"cannot be read: {exc.strerror}")]) from None
    text = decode_utf8(data, name)
    if not text.strip():
        raise ImportFailed([Problem(name, "", None, None, "is empty")])
    fmt = fmt or detect_format(path, text)
    if fmt not in FORMATS:
        raise ImportFailed([Problem(name, "", None, None, f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")])
    if fmt == "json":
        if not text.lstrip().startswith("["):
            raise ImportFailed([Problem(name, "line 1", None, None, "a .json file must hold a JSON array of profiles")])
        return parse_json_array(name, text)
    if fmt == "jsonl":
        return parse_jsonl(name, text)
    return parse_csv(name, text)


def validate_sources(sources: Iterable[SourceRecord]) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Check every record (``record_problems``); duplicates across all sources are problems too."""
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    first_seen: dict[str, SourceRecord] = {}
    for src in sources:
        record, errors = record_problems(src.raw)
        rid = record.get("id") if isinstance(record, dict) and isinstance(record.get("id"), str) else None
        for err in errors:
            problems.append(Problem(src.file, src.where, rid, err.field, err.reason))
        if rid is not None:
            if rid in first_seen:
                first = first_seen[rid]
                problems.append(Problem(src.file, src.where, rid, "id",
                                        f"duplicate id: already used at {first.file} {first.where}"))
            else:
                first_seen[rid] = src
        if not errors:
            records.append(record)
    return records, problems


def load_files(paths: list[Path], fmt: str | None = None) -> list[dict[str, Any]]:
    """Parse and validate all files; raise ``ImportFailed`` with every problem found."""
    sources: list[SourceRecord] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            sources.extend(read_source(path, fmt))
        except ImportFailed as exc:
            problems.extend(exc.problems)
    records, invalid = validate_sources(sources)
    problems.extend(invalid)
    if problems:
        raise ImportFailed(problems)
    return records


# --- export -------------------------------------------------------------------------------------------

def _csv_value(field: str, value: Any) -> str:
    if field == "documents":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, list):
        return CSV_LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def export_lines(records: list[dict[str, Any]], fmt: str, *, excel_safe: bool = False) -> Iterator[str]:
    """Serialise canonical records; ``import`` of the output gives back the same records.

    ``excel_safe`` (CSV only, for files opened in a spreadsheet rather than imported again): each
    cell through ``web.interchange.spreadsheet.safe_cell``, so text starting like a formula gets an apostrophe.
    """
    if excel_safe and fmt != "csv":
        raise ValueError(f"excel_safe applies to the csv format, not {fmt!r}")
    if fmt == "json":
        yield json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "jsonl":
        for record in records:
            yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    elif fmt == "csv":
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(FIELD_ORDER)
        for record in records:
            cells = [_csv_value(f, record[f]) if f in record else "" for f in FIELD_ORDER]
            writer.writerow([safe_cell(c) for c in cells] if excel_safe else cells)
        yield buf.getvalue()
    else:
        raise ValueError(f"unknown export format {fmt!r}; valid formats: {', '.join(FORMATS)}")
