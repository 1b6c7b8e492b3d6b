"""Two versions of one profile field by field: what the editor shows when a save comes too late
(someone saved the profile after this form was loaded), so that the owner chooses what to keep
instead of one version silently replacing the other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web.i18n import N_

#: the editor's fields in the form's order, with the form's own labels
FIELDS = (
    ("kind", N_("Kind")), ("partner_type", N_("Type of partner")), ("stage", N_("Stage")), ("name", N_("Name")),
    ("country", N_("Country")), ("region", N_("Province, city or region")), ("founded", N_("Founded (year)")),
    ("employees", N_("Employees")), ("website", N_("Website")), ("languages", N_("Working languages")),
    ("contact_email", N_("Contact e-mail")), ("description", N_("Description")), ("offers", N_("What you offer")),
    ("needs", N_("What you need from a partner")), ("technologies", N_("Technologies")), ("sectors", N_("Sectors")),
    ("cooperation_sought", N_("Cooperation you are looking for")),
    ("cooperation_offered", N_("Cooperation you can offer")),
    ("preferred_countries", N_("Preferred partner countries")), ("documents", N_("Documents")),
    ("affiliation", N_("Affiliation")), ("overseas_vietnamese", N_("I am a Vietnamese expert living abroad")),
    ("availability", N_("How you can work with Vietnam")), ("ip_assets", N_("Technology and IP you can transfer")),
    ("visibility", N_("Visibility")),
)


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str   # the form's label (a msgid)
    stored: Any  # the value as stored now; None when empty
    mine: Any    # the value in the form just sent; None when empty


@dataclass(frozen=True)
class EditConflict:
    """The stored version (at ``revision``, the one to save against now) against the user's."""

    revision: int
    fields: list[FieldDiff]


def _value(record: dict[str, Any], field: str) -> Any:
    value = record.get(field)
    return None if value in (None, "", [], {}) else value


def differences(stored: dict[str, Any], mine: dict[str, Any]) -> list[FieldDiff]:
    """The editor's fields where the two records differ, in the form's order."""
    return [FieldDiff(field, label, _value(stored, field), _value(mine, field)) for field, label in FIELDS
            if _value(stored, field) != _value(mine, field)]
