"""The one escaping of a cell for spreadsheets, used by every CSV and XLSX export.

A spreadsheet runs a cell that starts with ``= + - @``, a tab or a carriage return as a formula
(``=HYPERLINK(...)`` in a participant's name becomes a live link, ``@SUM(...)`` a calculation), and
spreadsheets with an East Asian input method do the same with the full-width ``＝ ＋ － ＠``. Such text
gets a leading apostrophe (OWASP's CSV injection rule): shown as text, run as nothing.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would read as a formula;
    anything else (numbers, dates, None, other text) as it is."""
    if isinstance(value, str) and value[:1] in FORMULA_START:
        return "'" + value
    return value
