"""CSV input of the offline commands (``caunoi assign``, ``caunoi schedule``): rows read by header
name, every error located by file, line and column (exit status 1)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import click


class CsvError(click.ClickException):
    """Bad CSV input, located by file, line and column (exit status 1)."""

    def __init__(self, path: Path, line: int, column: str | None, message: str) -> None:
        where = f"{path}: line {line}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: {message}")


def csv_rows(path: Path, columns: tuple[str, ...],
             optional: tuple[str, ...] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, {column: stripped text})`` for each data row of ``path``: every one
    of ``columns`` (the header must name them) and of ``optional`` (``""`` where the header does
    not name it)."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise CsvError(path, 0, None, f"cannot open: {exc.strerror}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip().lower() for h in next(reader, [])]
            missing = [c for c in columns if c not in header]
            if missing:
                raise CsvError(
                    path,
                    1,
                    None,
                    f"missing column(s) {', '.join(missing)}; expected header {','.join(columns)}",
                )
            pos = {c: header.index(c) for c in (*columns, *optional) if c in header}
            absent = {c: "" for c in optional if c not in header}
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) < len(header):
                    raise CsvError(
                        path, reader.line_num, None, f"{len(row)} field(s), the header has {len(header)}"
                    )
                yield reader.line_num, {**absent, **{c: row[i].strip() for c, i in pos.items()}}
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CsvError(path, reader.line_num, None, f"not readable as CSV: {exc}") from None


def csv_id(path: Path, line: int, column: str, value: str) -> str:
    """``value`` as an id: an empty cell is an error."""
    if not value:
        raise CsvError(path, line, column, "empty id")
    return value
