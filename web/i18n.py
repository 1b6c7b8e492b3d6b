"""UI languages: gettext catalogs compiled in memory, one Jinja2 environment per locale.

Catalogs are ``web/locale/<lang>/LC_MESSAGES/messages.po`` with English msgids; at startup each is
read with Babel and compiled to an in-memory ``.mo`` (no binaries in git). Each locale gets its
own Jinja2 environment with the i18n extension installed, so rendering needs no global state.
Python strings shown to users are marked with ``N_`` and translated where they are displayed.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from jinja2_fragments import render_block, render_blocks
from markupsafe import Markup, escape

from matcher import labels
from matcher.profile import HOME_COUNTRY, ISO_COUNTRIES
from matcher.schema import load_taxonomy

HERE = Path(__file__).parent
LOCALE_DIR = HERE / "locale"
TEMPLATE_DIR = HERE / "templates"
LOCALES = ("vi", "en")
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
_TAXONOMY = load_taxonomy()


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


def load_translations(locale: str) -> Translations:
    """Compile ``locale``'s .po catalog into gettext translations, in memory."""
    with po_path(locale).open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


def check_locale(value: str | None, default: str) -> str:
    """``value`` if it is a supported locale, else ``default``."""
    return value if value in LOCALES else default


PARTNER_TYPES = {
    "corporation": N_("Corporation"),
    "sme": N_("Small or medium enterprise"),
    "research_institute": N_("Research institute"),
    "university": N_("University"),
    "investor": N_("Investor"),
    "government_agency": N_("Government agency"),
    "development_agency": N_("Development agency"),
}

SIDES = {"vn": N_("Vietnamese side"), "foreign": N_("Foreign side")}


def _helpers(locale: str, tr: Translations) -> dict[str, Any]:
    loc = Locale.parse(locale)

    def country(code: str | None) -> str:
        return loc.territories.get(code or "", code or "")

    def language(code: str | None) -> str:
        return loc.languages.get(code or "", code or "")

    def fmt_date(value: date | datetime | None) -> str:
        return format_date(value, format="medium", locale=locale) if value else ""

    def fmt_datetime(value: datetime | None) -> str:
        return format_datetime(value, format="short", locale=locale) if value else ""

    def fmt_number(value: float | int | None) -> str:
        return format_decimal(value, locale=locale) if value is not None else ""

    def lab(table: dict[str, tuple[str, str]]) -> Callable[[str], str]:
        return lambda key: labels.label(table, key, locale)

    def translated(table: dict[str, str]) -> Callable[[str], str]:
        return lambda key: tr.gettext(table.get(key) or key)

    facet_labels: dict[str, Callable[[str], str]] = {
        "side": translated(SIDES),
        "kind": lab(labels.KINDS),
        "sector": lab(labels.SECTORS),
        "mode": lab(labels.MODES),
        "stage": lab(labels.STAGES),
        "availability": lab(labels.AVAILABILITY),
        "country": country,
    }

    def facet_label(facet: str, value: str) -> str:
        return facet_labels.get(facet, str)(value)

    home = loc.territories.get(HOME_COUNTRY, HOME_COUNTRY)
    countries = [(HOME_COUNTRY, home)] + sorted(
        ((c, loc.territories.get(c, c)) for c in ISO_COUNTRIES if c != HOME_COUNTRY), key=lambda p: p[1])
    return {
        "locale": locale,
        "countries": countries,
        "sector_keys": list(_TAXONOMY["sectors"]),
        "mode_keys": list(_TAXONOMY["cooperation_modes"]),
        "facet_label": facet_label,
        "country_name": country,
        "language_name": language,
        "sector_label": lab(labels.SECTORS),
        "mode_label": lab(labels.MODES),
        "kind_label": lab(labels.KINDS),
        "stage_label": lab(labels.STAGES),
        "partner_type_label": translated(PARTNER_TYPES),
        "side_label": translated(SIDES),
        "format_date": fmt_date,
        "format_datetime": fmt_datetime,
        "format_number": fmt_number,
    }


def _template_gettext(tr: Translations, known: frozenset[str]) -> Callable[..., str]:
    """Jinja's newstyle ``gettext`` (``_()`` and ``{% trans %}`` in templates), except that a
    message given no variables is not %-formatted: a message may carry the user's own words (a
    validation reason quoting ``en (100%)``), which are text, not a format string. For the same
    reason only a message of the catalogue (``known``) is trusted as markup: any other text
    handed to ``_()`` is escaped (Jinja would mark it safe)."""

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        rv = context.call(tr.gettext, message)
        if context.eval_ctx.autoescape:
            rv = Markup(rv) if message in known else escape(rv)
        # a msgid escapes a literal % as %% (as {% trans %} writes it); unescaped here, not formatted
        return rv % variables if variables else rv.replace("%%", "%")  # type: ignore[no-any-return]

    return gettext


class Renderer:
    """Renders templates (or one named block of them) in a given locale."""

    def __init__(self, directory: Path = TEMPLATE_DIR) -> None:
        self.translations = {loc: load_translations(loc) for loc in LOCALES}
        # every msgid of the catalogues (the Vietnamese one translates them all; a test checks)
        self.known = frozenset(m for tr in self.translations.values()
                               for m in getattr(tr, "_catalog", {}) if isinstance(m, str) and m)
        self.envs = {loc: self._env(directory, loc) for loc in LOCALES}

    def _env(self, directory: Path, locale: str) -> Environment:
        env = Environment(
            loader=FileSystemLoader(str(directory)),
            autoescape=select_autoescape(["html", "xml"], default_for_string=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        tr = self.translations[locale]
        env.install_gettext_translations(tr, newstyle=True)  # type: ignore[attr-defined]
        env.globals["gettext"] = _template_gettext(tr, self.known)
        env.globals.update(_helpers(locale, tr))
        env.globals["LOCALES"] = LOCALES
        env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
        return env

    def gettext(self, locale: str, message: str) -> str:
        return self.translations[locale].gettext(message)

    def render(self, locale: str, template: str, context: dict[str, Any],
               block: str | list[str] | None = None) -> str:
        """The whole template, or one named block, or several blocks concatenated."""
        env = self.envs[locale]
        if isinstance(block, list):
            return render_blocks(env, template, block, context)
        if block:
            return render_block(env, template, block, context)
        return env.get_template(template).render(context)

    def render_text(self, locale: str, template: str, context: dict[str, Any]) -> str:
        """A plain-text template (e-mails): rendered without HTML escaping."""
        env = self.envs[locale]
        source = env.loader.get_source(env, template)[0] if env.loader else ""
        # block tags must not eat the line breaks of a plain-text message
        text_env = env.overlay(autoescape=False, trim_blocks=False, lstrip_blocks=False)
        return str(text_env.from_string(source).render(context))
