"""Brokered anonymity (the Enterprise Europe Network model): a profile with ``visibility:
anonymous`` is shown to everyone but programme officers under a generated label ("A
semiconductors company in South Korea, open to licensing") built from fields that do not
identify it; its name, website, region, contact, document titles and asset references are
removed, and its own words are redacted wherever they name it.

``public_record`` is the one function every door uses to show an anonymous profile to a
non-officer (pages, fragments, API, exports, e-mails); ``redact`` cleans any other text that
quotes it (an explanation's quote of its description). Both are pure: the caller decides who is
an officer (``web.services.visibility``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from babel import Locale

from matcher import labels

ANONYMOUS = "anonymous"
MASK = "[…]"
#: fields an anonymous profile never shows to a non-officer
HIDDEN_FIELDS = ("name", "website", "region", "contact_email", "affiliation")
_LEGAL = re.compile(r"[\s,]+(co\.?,?\s*ltd\.?|ltd\.?|llc|inc\.?|gmbh|ag|s\.?a\.?s?|b\.?v\.?|plc|corp\.?|corporation|"
                    r"k\.?k\.?|pte\.?|jsc|co\.?)$", re.IGNORECASE)
# the generic start of an organisation's name, not its distinctive word ("Công ty TNHH Sao Việt")
_PREFIX = re.compile(r"^(the|công ty|cong ty|tập đoàn|tap doan|viện|vien|trung tâm|trung tam|trường|truong|"
                     r"hợp tác xã|hop tac xa)(\s+(tnhh|cổ phần|co phan|cp|mtv))*\s+", re.IGNORECASE)
_WHAT = {  # partner_type or kind -> (vi, en) noun
    "corporation": ("doanh nghiệp", "company"),
    "sme": ("doanh nghiệp vừa và nhỏ", "small company"),
    "research_institute": ("viện nghiên cứu", "research institute"),
    "university": ("trường đại học", "university"),
    "investor": ("nhà đầu tư", "investor"),
    "government_agency": ("cơ quan nhà nước", "government agency"),
    "development_agency": ("cơ quan phát triển", "development agency"),
    "startup": ("công ty khởi nghiệp", "startup"),
    "incubator": ("vườn ươm", "incubator"),
    "cluster": ("cụm đổi mới sáng tạo", "innovation cluster"),
    "partner": ("tổ chức", "organisation"),
    "expert": ("chuyên gia", "expert"),
}
_OPEN = {  # ip transfer mode or cooperation mode -> (vi, en) "open to ..."
    "licence": ("sẵn sàng cấp phép công nghệ", "open to licensing"),
    "licensing_ip": ("sẵn sàng cấp phép công nghệ", "open to licensing"),
    "sale": ("sẵn sàng bán tài sản công nghệ", "open to selling technology"),
    "acquisition": ("sẵn sàng được mua lại hoặc nhận đầu tư", "open to acquisition"),
    "joint_development": ("sẵn sàng cùng phát triển", "open to joint development"),
    "technology_transfer": ("sẵn sàng chuyển giao công nghệ", "open to technology transfer"),
    "joint_rnd": ("sẵn sàng hợp tác nghiên cứu", "open to joint R&D"),
    "investment": ("sẵn sàng đầu tư", "open to investing"),
}


ALIAS_PREFIX = "anon-"


def alias(profile_id: str, key: str) -> str:
    """The stable public id of an anonymous profile ("anon-" and 12 hex digits): an HMAC of its id
    under the server's secret ``key``, so that nobody can compute it from a guessed id (a
    profile id is often the company's name)."""
    digest = hmac.new(key.encode(), profile_id.encode(), hashlib.sha256).hexdigest()
    return ALIAS_PREFIX + digest[:12]


def query_names(query: str, record: Mapping[str, Any]) -> bool:
    """Whether a search ``query`` names ``record`` (contains one of its ``identifying_terms``,
    however typed): a non-officer's search must not find an anonymous profile by its name."""
    return redact(query, record) != unicodedata.normalize("NFC", query)


def is_anonymous(record: Mapping[str, Any]) -> bool:
    return record.get("visibility") == ANONYMOUS


def generated_label(record: Mapping[str, Any], locale: str) -> str:
    """A label that describes without identifying: what it is, its first sector, its country and
    what it is open to, e.g. "Một doanh nghiệp bán dẫn, vi mạch tại Hàn Quốc, sẵn sàng cấp phép
    công nghệ" / "A semiconductors company in South Korea, open to licensing"."""
    lang = "vi" if locale == "vi" else "en"
    i = labels.LANGS.index(lang)
    what = _WHAT.get(str(record.get("partner_type") or record.get("kind") or ""), _WHAT["partner"])[i]
    sectors = [s for s in record.get("sectors") or [] if s in labels.SECTORS]
    sector = labels.label(labels.SECTORS, sectors[0], lang) if sectors else ""
    country = Locale.parse(lang).territories.get(str(record.get("country") or ""), "")
    modes = [t for a in record.get("ip_assets") or [] for t in a.get("transfer") or []]
    modes += list(record.get("cooperation_offered") or [])
    opens = next((_OPEN[m][i] for m in modes if m in _OPEN), "")
    if lang == "vi":
        text = f"Một {what}" + (f" lĩnh vực {sector.lower()}" if sector else "") + (f" tại {country}" if country else "")
    else:
        article = "An" if (sector or what)[:1].lower() in "aeiou" else "A"
        text = f"{article} " + (f"{sector.lower()} " if sector else "") + what + (f" in {country}" if country else "")
    return text + (f", {opens}" if opens else "")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn").replace(
        "đ", "d").replace("Đ", "D")


def identifying_terms(record: Mapping[str, Any]) -> list[str]:
    """The strings that would identify the profile: its name (with and without the legal form
    and diacritics), its name's distinctive first word, website host, contact address, region,
    affiliation, document titles and asset references; longest first."""
    terms: set[str] = set()
    name = str(record.get("name") or "").strip()
    if name:
        bare = _LEGAL.sub("", name).strip()
        terms.update({name, bare, _fold(name), _fold(bare)})
        stem = _PREFIX.sub("", bare).strip()
        terms.update({stem, _fold(stem)})
        first = re.split(r"[\s,]+", stem)[0]
        if len(first) >= 4:
            terms.update({first, _fold(first)})
    website = str(record.get("website") or "")
    host = re.sub(r"^https?://(www\.)?", "", website).split("/")[0]
    terms.update(t for t in (website, host, *(str(record.get(k) or "") for k in ("contact_email", "region",
                                                                                 "affiliation"))) if t)
    for doc in record.get("documents") or []:
        if doc.get("title"):
            terms.add(str(doc["title"]).strip())
    for asset in record.get("ip_assets") or []:
        if asset.get("reference"):
            terms.add(str(asset["reference"]).strip())
    return sorted((t for t in terms if len(t) >= 3), key=len, reverse=True)


def redact(text: str, record: Mapping[str, Any], terms: Iterable[str] | None = None) -> str:
    """``text`` with every identifying term of ``record`` (``identifying_terms``) replaced by
    ``MASK``, matched whole-word and case-insensitively, with or without diacritics ("Hanbit",
    "Công ty Sao Việt" typed "Cong ty Sao Viet")."""
    words = [_fold(t) for t in (terms if terms is not None else identifying_terms(record))]
    if not text or not words:
        return text
    out = unicodedata.normalize("NFC", text)
    folded = _fold(out)
    if len(folded) != len(out):  # a character that folds to two: match as written only
        folded = out
    spans: list[tuple[int, int]] = []
    for term in sorted(set(words), key=len, reverse=True):
        for m in re.finditer(r"(?<!\w)" + re.escape(term) + r"(?!\w)", folded, re.IGNORECASE):
            if not any(a < m.end() and m.start() < b for a, b in spans):
                spans.append((m.start(), m.end()))
    for a, b in sorted(spans, reverse=True):
        out = out[:a] + MASK + out[b:]
    return out


def public_record(record: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """What a non-officer may see of ``record``: unchanged when it is public; for an anonymous
    one, the generated label as its name, ``HIDDEN_FIELDS`` removed, documents without titles
    or urls, assets without references, and every text redacted."""
    if not is_anonymous(record):
        return dict(record)
    terms = identifying_terms(record)
    out = {k: v for k, v in record.items() if k not in HIDDEN_FIELDS}
    out["name"] = generated_label(record, locale)
    for key in ("description", "offers", "needs"):
        if isinstance(out.get(key), str):
            out[key] = redact(out[key], record, terms)
    out["documents"] = [{"text": redact(str(d.get("text") or ""), record, terms),
                         **({"year": d["year"]} if d.get("year") else {})}
                        for d in record.get("documents") or []]
    out["ip_assets"] = [{k: (redact(v, record, terms) if isinstance(v, str) else v) for k, v in a.items()
                         if k != "reference"} for a in record.get("ip_assets") or []]
    return {k: v for k, v in out.items() if v not in ([], None)}
