"""Inputs that have broken web applications before (this one included: issue 12), for the fuzz
tests of the web pages and the API, how to put them on the wire as a browser or a script would,
and the routes to send them to.

A value is text (sent as its UTF-8 bytes, lone surrogates as the three bytes a lenient encoder
writes for them) or raw bytes (sent as they are, e.g. not UTF-8 at all).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_from_bytes

from fastapi.routing import APIRoute

Value = str | bytes

NASTY: tuple[Value, ...] = (
    "", " ",
    "\x00", "a\x00b",                                   # PostgreSQL text cannot hold U+0000
    "\ud800", "x\udfffy",                               # lone surrogates
    b"\xff\xfe\xfa", b"\xc3",                           # not UTF-8
    "²", "٣", "１２",                                     # digits that str.isdigit() accepts
    "-1", "0", "-0", "+1", "1.5", "1e309", "NaN", "Infinity", "0x1F", "1_000", " 7 ",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "9" * 40, "9" * 4301,
    "%", "%s%n%(x)s", "100%)", "{}", "{{ 7*7 }}", "{% raw %}", "[]", "null", "true",
    "<script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>",
    "'; DROP TABLE profiles; --", "' OR '1'='1",
    "../../../../etc/passwd", "..\\..\\windows\\win.ini", "/\\evil.example", "//evil.example",
    "https://evil.example/", "javascript:alert(1)", "/ệ\\x", "\r\nSet-Cookie: x=1", "\t\x0b\x0c\x1b\x7f",
    "\u202eevil\u202c", "مرحبا بالعالم", "😀" * 50, "e\u0301" * 100, "\ufeff", "\u2028\u2029",
    "x" * 10_000, "Việt Nam " * 12_000,               # about 100,000 characters
    "2026-02-30", "9999-12-31", "0000-00-00", "vn-chipviet|", "|",
)

#: the values every field gets, whatever else it is sent (the causes of issue 12's server errors)
CORE: tuple[Value, ...] = ("\x00", "\ud800", b"\xff\xfe\xfa", "²", "9223372036854775808", "9" * 4301, "100%)",
                           "/ệ\\x", " ")


def raw(value: Value) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def encoded(value: Value) -> str:
    """``value`` percent-encoded for a path segment, a query string or a url-encoded form."""
    return quote_from_bytes(raw(value), safe="")


def form_body(pairs: list[tuple[Value, Value]]) -> bytes:
    """An ``application/x-www-form-urlencoded`` body of ``pairs``."""
    return "&".join(f"{encoded(k)}={encoded(v)}" for k, v in pairs).encode("ascii")


def values_for(index: int, count: int) -> list[Value]:
    """The values one field gets: every ``CORE`` value and ``count`` more of ``NASTY``, a window
    that moves with the field's ``index`` so that together the fields get every value."""
    rest = [v for v in NASTY if v not in CORE]
    start = (index * count) % len(rest)
    window = (rest + rest)[start:start + count]
    return [*CORE, *window]


def app_routes(app: Any) -> Iterator[tuple[str, APIRoute]]:
    """``(full path, route)`` of every route of ``app``, included routers and their prefixes too."""
    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, APIRoute]]:
        for r in routes:
            inner = getattr(r, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes, prefix + r.include_context.prefix)
            elif isinstance(r, APIRoute):
                yield prefix + r.path, r

    return walk(app.routes, "")
