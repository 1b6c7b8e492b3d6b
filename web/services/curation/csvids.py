"""Participants from a CSV of profile ids, every problem reported by line.

Accepted: a header row with an ``id`` column and optional ``side`` (a/b), ``min``, ``max`` and
``group`` columns (the format of the list's own CSV export), or no header at all: one id per line
in the first column. Blank lines are skipped; line numbers are those of the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from web.i18n import N_
from web.services.curation.forms import parse_count

MAX_BYTES = 1_000_000
MAX_ROWS = 5000
COLUMNS = ("id", "side", "min", "max", "group")


@dataclass(frozen=True)
class LineError:
    """A problem on one line: ``message`` is a msgid with a ``%(value)s`` placeholder."""

    line: int
    message: str
    value: str = ""


@dataclass(frozen=True)
class IdEntry:
    line: int
    profile_id: str
    side: str | None
    min_pairs: int | None
    max_pairs: int | None
    group_label: str | None


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM); anything else is reported as one error on line 1."""
    if len(data) > MAX_BYTES:
        raise ValueError(N_("The file is too large (at most 1 MB)."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(N_("The file is not UTF-8 text. Save it as CSV UTF-8 and try again.")) from None


def _header(first: list[str]) -> dict[str, int] | None:
    names = [cell.strip().lower() for cell in first]
    if "id" not in names:
        return None
    return {name: names.index(name) for name in COLUMNS if name in names}


def _cell(row: list[str], pos: dict[str, int], name: str) -> str:
    i = pos.get(name)
    return row[i].strip() if i is not None and i < len(row) else ""


def _entry(line: int, row: list[str], pos: dict[str, int], errors: list[LineError]) -> IdEntry | None:
    pid = _cell(row, pos, "id")
    if not pid:
        errors.append(LineError(line, N_("line %(line)s: the id is empty")))
        return None
    side = _cell(row, pos, "side").lower() or None
    if side not in (None, "a", "b"):
        errors.append(LineError(line, N_("line %(line)s: side %(value)s is not a or b"), side or ""))
        return None
    counts: dict[str, int | None] = {}
    for name in ("min", "max"):
        try:
            counts[name] = parse_count(_cell(row, pos, name))
        except ValueError:
            errors.append(LineError(line, N_("line %(line)s: %(value)s is not a whole number from 0 to 1000"),
                                    _cell(row, pos, name)))
            return None
    low, high = counts["min"], counts["max"]
    if low is not None and high is not None and low > high:
        errors.append(LineError(line, N_("line %(line)s: the minimum is above the maximum")))
        return None
    return IdEntry(line, pid, side, low, high, _cell(row, pos, "group")[:100] or None)


def parse_ids(text: str) -> tuple[list[IdEntry], list[LineError]]:
    """Entries and errors of a CSV of ids; an id listed twice is an error on its second line."""
    reader = csv.reader(io.StringIO(text))
    entries: list[IdEntry] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    pos: dict[str, int] = {"id": 0}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if not entries and not errors and not seen and line == 1 and (header := _header(row)):
                pos = header
                continue
            if len(entries) + len(errors) >= MAX_ROWS:
                errors.append(LineError(line, N_("line %(line)s: too many rows (at most 5000)")))
                break
            entry = _entry(line, row, pos, errors)
            if entry is None:
                continue
            if entry.profile_id in seen:
                errors.append(LineError(line, N_("line %(line)s: %(value)s is already listed on an earlier line"),
                                        entry.profile_id))
                continue
            seen[entry.profile_id] = line
            entries.append(entry)
    except csv.Error:
        errors.append(LineError(reader.line_num, N_("line %(line)s: this line is not readable as CSV")))
    return entries, errors
