"""The one input-parsing layer: numbers and pages from query strings and forms, and JSON read from
a request body or an import file (``web.http.deps`` applies it to requests: the guard against U+0000,
row ids in paths, page numbers).

Why each rule exists: ``str.isdigit()`` passes '²' and '٣', which ``int()`` refuses or reads as
another number, so a number is ASCII digits only; PostgreSQL stores no integer beyond bigint, so
none goes further than here; Python's json reads ``"\\ud800"`` (a lone surrogate, which no UTF-8
encoder can write back), recurses once per nesting level and refuses integers over 4,300 digits
by raising ``ValueError`` from deep inside. Each becomes a domain error (or ``ValueError`` for a
caller that words its own) naming the field where there is one, instead of a server error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from web.errors import Invalid

BIGINT_MAX = 2**63 - 1  # the database's ids and counts
MAX_PAGE = 10_000
_WHOLE = re.compile(r"-?[0-9]{1,19}")  # ASCII only; 19 digits hold every bigint


def whole_number(text: str | None, *, low: int = 0, high: int = BIGINT_MAX) -> int | None:
    """``text`` as an int from ``low`` to ``high`` (ASCII digits, an optional minus sign, spaces
    around); None when it is empty. Anything else raises ``ValueError``."""
    text = (text or "").strip()
    if not text:
        return None
    if not _WHOLE.fullmatch(text) or not low <= int(text) <= high:
        raise ValueError(f"not a whole number from {low} to {high}")
    return int(text)


def page_number(text: str | None) -> int:
    """A page number from 1 to ``MAX_PAGE``; anything else is the first page (an edited link
    still shows something)."""
    try:
        return whole_number(text, low=1, high=MAX_PAGE) or 1
    except ValueError:
        return 1


def first(params: Mapping[str, Sequence[str]], name: str) -> str:
    """The first value of ``name`` in ``{name: [values]}`` parameters, trimmed ('' when absent)."""
    return ((params.get(name) or [""])[0] or "").strip()


# --- JSON -----------------------------------------------------------------------------------------

MAX_JSON_DEPTH = 32  # a profile is 4 levels deep (record, documents, document, transfer modes)
MAX_INT_DIGITS = 4300  # Python's own limit for reading a decimal integer (sys.int_info)


class UnreadableJson(Invalid):
    """JSON that parses but cannot be taken in: ``field`` is where (``documents[1].text``, None
    for the whole), ``reason`` why, without the field."""

    def __init__(self, reason: str, field: str | None) -> None:
        super().__init__(f"{field}: {reason}" if field else reason, field=field)
        self.reason = reason


class _LongNumber:
    """Stands in for an integer too long to read, until the walk names its field."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _int(text: str) -> int | _LongNumber:
    digits = len(text.lstrip("-"))
    return _LongNumber(digits) if digits > MAX_INT_DIGITS else int(text)


DECODER = json.JSONDecoder(parse_int=_int)


def decode_json(text: str, pos: int = 0) -> tuple[Any, int]:
    """One JSON value at ``text[pos:]`` and the position after it (``json.JSONDecoder.raw_decode``).

    Syntax errors raise ``json.JSONDecodeError``; a value nested deeper than ``MAX_JSON_DEPTH``, an
    integer longer than ``MAX_INT_DIGITS`` digits or a lone surrogate raises ``UnreadableJson``.
    """
    try:
        value, end = DECODER.raw_decode(text, pos)
    except RecursionError:
        raise UnreadableJson(f"is nested more than {MAX_JSON_DEPTH} levels deep", None) from None
    _check(value, "", 1)
    return value, end


def load_json(text: str) -> Any:
    """The JSON document ``text`` (only white space around it), checked as ``decode_json`` does."""
    start = len(text) - len(text.lstrip())
    value, end = decode_json(text, start)
    if text[end:].strip():
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _check(value: Any, path: str, depth: int) -> None:
    if isinstance(value, str):
        if not _is_text(value):
            raise UnreadableJson("holds a lone surrogate (\\ud800 to \\udfff), which is not Unicode text", path or None)
        return
    if isinstance(value, _LongNumber):
        raise UnreadableJson(f"is a number of {value.digits} digits; at most {MAX_INT_DIGITS} are read", path or None)
    if isinstance(value, dict | list) and depth > MAX_JSON_DEPTH:
        raise UnreadableJson(f"is nested more than {MAX_JSON_DEPTH} levels deep", path or None)
    if isinstance(value, dict):
        for key, item in value.items():
            if not _is_text(key):
                raise UnreadableJson("has a key with a lone surrogate (\\ud800 to \\udfff), which is not Unicode text",
                                     path or None)
            _check(item, f"{path}.{key}" if path else key, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]", depth + 1)


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
