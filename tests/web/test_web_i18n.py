"""Languages: every UI string has a Vietnamese translation and no catalogue entry is left empty,
catalogs compile in memory, dates and numbers follow the locale, visitors get the default language,
every page shown in Vietnamese holds no English UI text, and the dashboard's charts are fetched and
kept per language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.web.nasty import app_routes
from tests.web.webkit import member, post, sign_in, web_client
from web.db.pool import Database
from web.i18n import LOCALES, Renderer, po_path
from web.services.alerts_mail import unsubscribe_all_token, unsubscribe_token
from web.services.demo import STARTUP_EMAIL
from web.settings import Settings
from web.store import saved_searches as saved_store
from web.store import users as user_store

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


def test_no_vietnamese_msgstr_is_empty() -> None:
    """Every entry of the Vietnamese catalogue is translated (all plural forms), used or not."""
    catalog = read_po(po_path("vi").open("rb"), locale="vi")
    empty = [repr(m.id) for m in catalog if m.id and not all(
        m.string if isinstance(m.string, tuple | list) else (m.string,))]
    assert not empty, "empty msgstr in web/locale/vi/LC_MESSAGES/messages.po:\n" + "\n".join(empty)


# --- every page in Vietnamese -------------------------------------------------------------------

# not pages: probes; the next two only redirect; the header's unread count (an htmx fragment: a number
# and an aria-label, translated as every catalogue message is: test_every_ui_string_has_a_vietnamese_translation)
SKIPPED_ROUTES = {"/healthz", "/readyz", "/admin", "/officer", "/notifications/badge"}
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
_TAG = re.compile(r"<[^>]+>")


class _Text(HTMLParser):
    """The text a reader meets on a page, in segments: each block's text (inline elements such as
    links and emphasis stay inside it; scripts and styles are left out), and each attribute that
    is read out or shown (alt, title, placeholder, aria-label) alone."""

    READ = ("alt", "title", "placeholder", "aria-label")
    INLINE = {"a", "abbr", "b", "bdi", "code", "em", "i", "kbd", "mark", "q", "s", "small", "span", "strong",
              "sub", "sup", "time", "u", "var"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [f"\n{v}\n" for k, v in attrs if k in self.READ and v]
        if tag not in self.INLINE:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        self.parts.append(" " if tag in self.INLINE else "\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_segments(markup: str) -> list[str]:
    parser = _Text()
    parser.feed(markup)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return [line for line in lines if line]


@dataclass(frozen=True)
class Leak:
    """A catalogue message whose Vietnamese differs from its English, as a pattern. A message of
    one or two words must be a whole segment (``Open``, ``Met``: English users write them too); a
    longer one may be part of a segment."""

    msgid: str
    pattern: re.Pattern[str]
    whole: bool
    needle: str       # its longest literal piece: a cheap test before the pattern

    @classmethod
    def of(cls, msgid: str) -> Leak | None:
        text = " ".join(_TAG.sub(" ", msgid.replace("%%", "%")).split())
        pieces = _PLACEHOLDER.split(text)
        words = re.findall(r"[A-Za-z]{2,}", " ".join(pieces))
        if not words:
            return None  # nothing but placeholders and punctuation
        body = r".+?".join(re.escape(p) for p in pieces)
        edge = (r"(?<!\w)" if re.match(r"\w", text) else "") + body + (r"(?!\w)" if re.search(r"\w$", text) else "")
        return cls(msgid, re.compile(edge), len(words) < 3, max((p.strip() for p in pieces), key=len))

    def hits(self, segment: str) -> list[str]:
        if self.needle not in segment:
            return []
        if self.whole:
            core = segment.strip(" :·.,!?()*")
            return [core] if self.pattern.fullmatch(core) else []
        return [m.group() for m in self.pattern.finditer(segment)]


def english_leaks() -> list[Leak]:
    catalog = read_po(po_path("vi").open("rb"), locale="vi")
    out = []
    for m in catalog:
        ids = m.id if isinstance(m.id, tuple | list) else (m.id,)
        strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
        for msgid in ids:
            if msgid and msgid not in strings and (leak := Leak.of(str(msgid))) is not None:
                out.append(leak)
    return out


def user_texts(db: Database) -> list[str]:
    """Every text members and officers wrote (profiles, lists, messages, notes, names): shown as
    written, in whichever language they wrote it."""
    out: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            out.add(" ".join(value.split()))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    with db.connection() as conn:
        for (record,) in conn.execute("SELECT record FROM profiles"):
            walk(record)
        for (text,) in conn.execute(
                "SELECT name FROM match_lists UNION SELECT description FROM match_lists"
                " UNION SELECT location FROM match_lists UNION SELECT message FROM introductions"
                " UNION SELECT decline_reason FROM introductions UNION SELECT body FROM introduction_messages"
                " UNION SELECT note FROM outcomes UNION SELECT display_name FROM users"):
            walk(text)
    return sorted((t for t in out if t), key=len, reverse=True)


def leaks_in(segments: list[str], leaks: list[Leak], written: list[str]) -> list[str]:
    """The catalogue's English found in a page's ``segments``, outside what users wrote (whole, or
    cut short with an ellipsis on a card)."""
    found = []
    for segment in segments:
        for leak in leaks:
            for hit in leak.hits(segment):
                cut = segment.rstrip(".…").strip()
                if any(cut in w for w in written if hit in w) or any(
                        hit in w and w in segment for w in written):
                    continue
                found.append(f"{leak.msgid!r} in {segment[:120]!r}")
    return found


def page_urls(app: Any, ids: dict[str, list[str]]) -> dict[str, list[str]]:
    """``{route path: [concrete URLs]}`` of every GET page of the app (not the API, downloads or probes)."""
    out: dict[str, list[str]] = {}
    for path, route in app_routes(app):
        if "GET" not in route.methods or path.startswith("/api") or path in SKIPPED_ROUTES \
                or path.endswith((".csv", ".xlsx", ".ics")):
            continue
        urls = [path]
        for name in re.findall(r"\{(\w+)\}", path):
            urls = [u.replace("{" + name + "}", value) for u in urls for value in ids[name]]
        if path.endswith(".svg"):  # the charts with data and empty, in the page's language
            urls = [f"{u}?{q}" for u in urls for q in ("lang=vi", "lang=vi&since=2999-01-01")]
        if path.endswith("/compare"):
            urls = [f"{u}?left={left}&right={right}" for u in urls for left, right in pairwise(ids["run_id"])]
        out[path] = urls
    return out


@pytest.mark.slow
def test_every_page_in_vietnamese_shows_no_english_ui_text(db: Database, settings: Settings) -> None:
    """Each GET page, for every role that may open it, on the demo's data: no message of the
    catalogue whose Vietnamese differs appears in English."""
    from tests.web.demo_support import demo_database

    accounts = demo_database(db)
    leaks, written = english_leaks(), user_texts(db)
    with db.connection() as conn:
        ids = {name: [str(r[0]) for r in conn.execute(sql)] for name, sql in {
            "intro_id": "SELECT id FROM introductions", "meeting_id": "SELECT id FROM meetings",
            "list_id": "SELECT id FROM match_lists", "run_id": "SELECT id FROM assignment_runs",
            "search_id": "SELECT id FROM saved_searches"}.items()}
        # a saved search of the demo startup, for its mails' one-click unsubscribe page (a valid link)
        startup = user_store.get_user_by_email(conn, STARTUP_EMAIL)
        assert startup is not None
        saved = saved_store.insert_saved_search(conn, startup.id, "search", "Chip AI", None, "q=chip", None, "weekly")
    ids["search_id"] = [str(saved.id)]
    ids |= {"profile_id": [a.profile_id for a in accounts if a.profile_id],
            "user_id": [str(startup.id)],
            "token": ["not-a-token", unsubscribe_token(saved, db.settings.resolved_secret_key()),
                      unsubscribe_all_token(startup.id, db.settings.resolved_secret_key())],
            "name": ["time", "type", "event", "sector", "country"]}
    people = [(None, "")] + [(a.email, a.password) for a in accounts]
    vietnamese = settings.model_copy(update={"default_locale": "vi"})
    shown: dict[str, int] = {}
    problems = []
    for email, password in people:
        with web_client(vietnamese, db) as client:
            if email:
                sign_in(client, email, password)
            for path, urls in page_urls(client.app, ids).items():
                for url in urls:
                    r = client.get(url, follow_redirects=False)
                    if r.status_code != 200:
                        continue
                    assert path.endswith(".svg") or '<html lang="vi">' in r.text, url
                    shown[path] = shown.get(path, 0) + 1
                    problems += [f"{email or 'visitor'} {url}: {leak}"
                                 for leak in leaks_in(page_segments(r.text), leaks, written)]
    assert not problems, "English UI text on Vietnamese pages:\n" + "\n".join(sorted(set(problems)))
    missing = set(page_urls(client.app, ids)) - set(shown)
    assert not missing, f"pages never rendered: {sorted(missing)}"


def test_dashboard_charts_are_fetched_and_kept_per_language(db: Database, settings: Settings) -> None:
    """A chart's URL names its language, so the copy a browser keeps for a minute is never shown
    after the language switch; an empty chart says so in that language."""
    member(db, "o@x.example", role="officer")
    renderer = Renderer()
    with web_client(settings, db) as client:
        sign_in(client, "o@x.example")
        charts = re.findall(r'src="(/officer/dashboard/charts/\w+\.svg[^"]*)"', client.get("/officer/dashboard").text)
        assert len(charts) == 5 and all("lang=vi" in c for c in charts)
        post(client, "/locale", {"lang": "en"})
        charts = re.findall(r'src="(/officer/dashboard/charts/\w+\.svg[^"]*)"', client.get("/officer/dashboard").text)
        assert all("lang=en" in c and "lang=vi" not in c for c in charts)
        for lang in ("vi", "en"):  # the URL decides, whatever the session's language
            svg = client.get(f"/officer/dashboard/charts/type.svg?lang={lang}")
            assert svg.status_code == 200 and "private" in svg.headers["cache-control"]
            assert renderer.gettext(lang, "No outcome recorded yet.") in svg.text
        assert "No outcome" not in client.get("/officer/dashboard/charts/time.svg?lang=vi").text
        assert client.get("/officer/dashboard/charts/time.svg?lang=fr").status_code == 404
