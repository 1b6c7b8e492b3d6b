"""Validate and normalise profile records of the shared import schema.

A record is a plain ``dict`` as read from JSON, JSON Lines or CSV. ``normalise_record``
returns the canonical form that is stored and exported (NFC text, trimmed strings, codes in
their canonical case, duplicates dropped from lists, keys in schema order, empty values
omitted), so that export → import → export is byte-identical. ``validate_record`` returns
every problem it finds, each naming the field, so that an importer can report them all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from matcher.schema import load_schema, load_taxonomy

# ISO 3166-1 alpha-2 officially assigned codes, plus XK (Kosovo, user-assigned but widely used).
ISO_COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN
    HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK
    LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF
    NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD
    SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
    UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW""".split()
)

HOME_COUNTRY = "VN"

_SCHEMA = load_schema()
FIELD_ORDER: tuple[str, ...] = tuple(_SCHEMA["properties"])
DOCUMENT_FIELD_ORDER: tuple[str, ...] = tuple(
    _SCHEMA["properties"]["documents"]["items"]["properties"]
)
LIST_FIELDS = frozenset(k for k, v in _SCHEMA["properties"].items() if v.get("type") == "array")
INT_FIELDS = frozenset(k for k, v in _SCHEMA["properties"].items() if v.get("type") == "integer")
TEXT_FIELDS = ("description", "offers", "needs")
_VALIDATOR = Draft202012Validator(_SCHEMA)
# fields the schema describes as "Only for kind=partner." (JSON Schema itself cannot say it
# without if/then blocks the shared contract does not have): field -> the one kind it applies to
KIND_ONLY_FIELDS: dict[str, str] = {
    k: m.group(1) for k, v in _SCHEMA["properties"].items()
    if (m := re.search(r"\bOnly for kind=(\w+)", v.get("description", "")))
}


@dataclass(frozen=True)
class FieldError:
    """One problem in one record: the field (``documents[2].text`` style) and why."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    return value


def _dedupe(items: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for item in items:
        key = item if not isinstance(item, dict) else repr(sorted(item.items()))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _normalise_value(field: str, value: Any) -> Any:
    if isinstance(value, str):
        value = _nfc(value)
        if field in ("country",):
            return value.upper()
        if field in ("kind", "partner_type", "stage", "id"):
            return value.lower()
        return value
    if isinstance(value, list):
        items = [_nfc(v) for v in value]
        if field == "preferred_countries":
            items = [v.upper() if isinstance(v, str) else v for v in items]
        elif field in ("languages", "sectors", "cooperation_offered", "cooperation_sought"):
            items = [v.lower() if isinstance(v, str) else v for v in items]
        elif field == "documents":
            items = [_normalise_document(d) for d in value]
        if field != "technologies" or all(isinstance(v, str) for v in items):
            items = [v for v in items if v != ""]
        return _dedupe(items)
    return value


def _normalise_document(doc: Any) -> Any:
    if not isinstance(doc, dict):
        return doc
    out = {k: _nfc(doc[k]) for k in DOCUMENT_FIELD_ORDER if k in doc and doc[k] not in (None, "")}
    out.update({k: v for k, v in doc.items() if k not in DOCUMENT_FIELD_ORDER})
    return out


def normalise_record(record: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a record: schema key order, NFC, trimmed, empties omitted.

    Unknown keys are kept (after the known ones) so that validation can name them.
    """
    out: dict[str, Any] = {}
    for key in FIELD_ORDER:
        if key not in record:
            continue
        value = _normalise_value(key, record[key])
        if value is None or value == "" or value == []:
            continue
        out[key] = value
    for key, value in record.items():
        if key not in FIELD_ORDER:
            out[key] = value
    return out


def _path_name(path: Any) -> str:
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _reason(err: Any) -> str:
    """A short, human reason for a jsonschema error (never echoing a 20,000-character value)."""
    v, inst = err.validator, err.instance
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return f"required field '{missing}' is missing"
    if v == "maxLength":
        return f"is {len(inst)} characters long; the limit is {err.validator_value}"
    if v == "minLength":
        return "must not be empty"
    if v == "pattern":
        return f"{str(inst)[:60]!r} does not match the expected format {err.validator_value}"
    if v == "enum":
        return f"{str(inst)[:60]!r} is not one of: {', '.join(map(str, err.validator_value))}"
    if v == "type":
        return f"must be of type {err.validator_value}, got {type(inst).__name__}"
    if v in ("minimum", "maximum"):
        shown = str(inst) if len(str(inst)) <= 20 else f"a number of {len(str(inst).lstrip('-'))} digits"
        return f"{shown} is {'below the minimum' if v == 'minimum' else 'above the maximum'} {err.validator_value}"
    if v == "additionalProperties":
        return err.message.replace("Additional properties are not allowed", "unknown field(s)")
    if v == "maxItems":
        return f"has {len(inst)} items; the limit is {err.validator_value}"
    if v == "uniqueItems":
        return "contains duplicates"
    return err.message[:200]


def validate_record(record: Any) -> list[FieldError]:
    """Every problem in one (already normalised) record; an empty list means valid.

    Beyond the JSON Schema this checks the taxonomy keys (sectors, cooperation modes) and that
    country codes are assigned ISO 3166-1 codes.
    """
    if not isinstance(record, dict):
        return [FieldError("(record)", f"must be a JSON object, got {type(record).__name__}")]
    errors: list[FieldError] = []
    for err in sorted(_VALIDATOR.iter_errors(record), key=lambda e: list(map(str, e.absolute_path))):
        field = _path_name(err.absolute_path)
        if err.validator == "additionalProperties":
            for extra in sorted(set(err.instance) - set(err.schema.get("properties", {}))):
                prefix = f"{field}." if field else ""
                errors.append(FieldError(prefix + extra, "unknown field (not in the profile schema)"))
            continue
        errors.append(FieldError(field or "(record)", _reason(err)))
    errors.extend(_vocabulary_errors(record))
    kind = record.get("kind")
    for field, only in KIND_ONLY_FIELDS.items():
        if field in record and isinstance(kind, str) and kind != only:
            errors.append(FieldError(field, f"applies only to kind {only!r}, not to kind {kind!r}"))
    for field, value in _strings(record):
        if "\x00" in value:
            errors.append(FieldError(field, "contains a NUL character, which cannot be stored"))
    country = record.get("country")
    if isinstance(country, str) and len(country) == 2 and country.isupper() and country not in ISO_COUNTRIES:
        errors.append(FieldError("country", f"{country!r} is not an ISO 3166-1 alpha-2 country code"))
    for i, code in enumerate(record.get("preferred_countries") or []):
        if isinstance(code, str) and len(code) == 2 and code.isupper() and code not in ISO_COUNTRIES:
            errors.append(
                FieldError(f"preferred_countries[{i}]", f"{code!r} is not an ISO 3166-1 alpha-2 country code")
            )
    return errors


def _vocabulary_errors(record: dict[str, Any]) -> list[FieldError]:
    """Keys that are not in their taxonomy.json vocabulary (sectors, modes, availability, IP assets)."""
    taxonomy = load_taxonomy()
    lists: list[tuple[str, Any, dict[str, Any]]] = [
        ("sectors", record.get("sectors"), taxonomy["sectors"]),
        ("cooperation_offered", record.get("cooperation_offered"), taxonomy["cooperation_modes"]),
        ("cooperation_sought", record.get("cooperation_sought"), taxonomy["cooperation_modes"]),
        ("availability", record.get("availability"), taxonomy["expert_availability"]),
    ]
    assets = record.get("ip_assets")
    for i, asset in enumerate(assets if isinstance(assets, list) else []):
        if isinstance(asset, dict):
            lists.append((f"ip_assets[{i}].asset_type", [asset.get("asset_type")], taxonomy["ip_asset_types"]))
            lists.append((f"ip_assets[{i}].transfer", asset.get("transfer"), taxonomy["ip_transfer_modes"]))
    errors = []
    for field, keys, vocabulary in lists:
        for i, key in enumerate(keys if isinstance(keys, list) else []):
            if isinstance(key, str) and key not in vocabulary:
                name = field if field.endswith("asset_type") else f"{field}[{i}]"
                errors.append(FieldError(name, f"unknown key {key!r}; valid keys: {', '.join(vocabulary)}"))
    return errors


def _strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string inside ``value`` with its field path."""
    if isinstance(value, str):
        return [(path or "(record)", value)]
    if isinstance(value, dict):
        return [hit for k, v in value.items() for hit in _strings(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [hit for i, v in enumerate(value) for hit in _strings(v, f"{path}[{i}]")]
    return []


def side_of(record: dict[str, Any]) -> str:
    """``"vn"`` for the Vietnamese side, ``"foreign"`` otherwise (by country)."""
    return "vn" if record.get("country") == HOME_COUNTRY else "foreign"
