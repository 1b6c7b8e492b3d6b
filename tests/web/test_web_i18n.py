"""Languages: every UI string has a Vietnamese translation, catalogs compile in memory, dates and
numbers follow the locale, and visitors get the default language."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.web.webkit import web_client
from web.db import Database
from web.i18n import LOCALES, Renderer, po_path
from web.settings import Settings

REPO = Path(__file__).resolve().parents[2]
JINJA = {"extensions": "jinja2.ext.i18n", "trim_blocks": "True", "lstrip_blocks": "True"}
METHODS = [("web/**.py", "python"), ("web/templates/**.html", "jinja2"), ("web/templates/**.txt", "jinja2")]


def extracted() -> dict[str | tuple[str, ...], str]:
    """Every message of the web app's templates and ``N_``-marked Python strings, with where it is."""
    out: dict[str | tuple[str, ...], str] = {}
    found = extract_from_dir(str(REPO), METHODS, options_map={"web/templates/**": JINJA},
                             keywords={"N_": None, "_": None, "gettext": None, "ngettext": (1, 2)})
    for filename, lineno, message, _comments, _context in found:
        out[message] = f"{filename}:{lineno}"
    return out


def test_every_ui_string_has_a_vietnamese_translation() -> None:
    messages = extracted()
    assert len(messages) > 200
    catalog = read_po(po_path("vi").open("rb"), locale="vi")
    missing = []
    for msgid, where in messages.items():
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = catalog.get(key)
        strings = entry.string if entry is not None else None
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(f"{where}: {msgid!r}")
    assert not missing, "untranslated (add them to web/locale/vi/LC_MESSAGES/messages.po):\n" + "\n".join(missing)


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)s", text))


def test_translations_keep_their_placeholders() -> None:
    catalog = read_po(po_path("vi").open("rb"), locale="vi")
    for message in catalog:
        if not message.id:
            continue
        ids = [str(i) for i in (message.id if isinstance(message.id, tuple | list) else (message.id,))]
        strings = [str(s) for s in (message.string if isinstance(message.string, tuple | list) else (message.string,))]
        allowed = placeholders(ids[0]) | placeholders(ids[-1])
        for s in filter(None, strings):  # missing ones are the test above's business
            assert placeholders(s) <= allowed, message.id
            assert placeholders(s) >= placeholders(ids[0]) - {"%(count)s"}, message.id


def test_catalogs_compile_in_memory_and_format_per_locale() -> None:
    renderer = Renderer()
    assert set(renderer.translations) == set(LOCALES)
    assert renderer.gettext("vi", "Sign in") == "Đăng nhập" and renderer.gettext("en", "Sign in") == "Sign in"
    when = datetime(2026, 3, 5, 14, 30)
    vi: dict[str, Any] = dict(renderer.envs["vi"].globals)
    en: dict[str, Any] = dict(renderer.envs["en"].globals)
    assert vi["format_date"](when) != en["format_date"](when) and "2026" in vi["format_date"](when)
    assert vi["format_number"](1234567) == "1.234.567" and en["format_number"](1234567) == "1,234,567"
    assert vi["country_name"]("KR") == "Hàn Quốc" and en["country_name"]("KR") == "South Korea"
    assert vi["sector_label"]("semiconductors") == "Bán dẫn, vi mạch"
    assert not list(REPO.glob("web/locale/**/*.mo"))  # no compiled binaries in the tree


def test_visitors_get_the_default_language_and_both_uis_render(db: Database, settings: Settings) -> None:
    with web_client(settings, db) as c:
        page = c.get("/").text
        assert '<html lang="vi">' in page and "Danh bạ" in page and "Đăng nhập" in page
    english = settings.model_copy(update={"default_locale": "en"})
    with web_client(english, db) as c:
        page = c.get("/").text
        assert '<html lang="en">' in page and "Directory" in page and "Sign in" in page
