"""The editor's fields beyond an organisation's basics: an expert's own (affiliation, availability,
overseas-Vietnamese flag), the IP assets any profile may hold, and the visibility choice.

Read from the form here, checked by the one write path (``web.services.profiles``) like every
other field; this module only words the problems people make most often in the form's own
language, and gives the template each vocabulary with its labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from matcher import labels
from matcher.profile import FieldError
from web.i18n import N_

EXPERT_CHECKBOXES = ("availability",)
EXPERT_SCALARS = ("affiliation",)
FLAGS = ("overseas_vietnamese",)  # a ticked box is True; an unticked one sends nothing: omitted
VISIBILITIES = ("public", "anonymous")
DEFAULT_VISIBILITY = "public"  # the schema's default, so not stored

ASSET_FIELDS = ("title", "asset_type", "reference", "trl", "transfer", "description")
# the form's names of an asset row's inputs -> the record's: ip_title_0, ip_type_0, ip_transfer_0 (repeated)...
_ASSET_INPUTS = {"title": "title", "type": "asset_type", "reference": "reference", "trl": "trl",
                 "transfer": "transfer", "description": "description", "remove": "remove"}
ASSET_KEY = re.compile(r"^ip_(title|type|reference|trl|transfer|description|remove)_(\d{1,2})$")

# key -> (vi, en): the vocabularies the editor offers, in the taxonomy's order
CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "availability": labels.AVAILABILITY,
    "asset_type": labels.IP_ASSET_TYPES,
    "transfer": labels.IP_TRANSFER_MODES,
}

# by field, row numbers taken out (``ip_assets[].trl``): what to tell the person filling the form
_FRIENDLY = {
    "availability": N_("Availability: choose only from the options listed."),
    "affiliation": N_("Affiliation: at most 200 characters."),
    "visibility": N_("Visibility: choose public or anonymous."),
    "ip_assets": N_("At most 50 IP assets."),
    "ip_assets[]": N_("Give each IP asset a title."),
    "ip_assets[].title": N_("Asset title: at most 300 characters."),
    "ip_assets[].trl": N_("TRL (technology readiness level): a whole number from 1 to 9."),
    "ip_assets[].asset_type": N_("Asset type: choose one from the list."),
    "ip_assets[].transfer": N_("Transfer: choose only from the modes listed."),
    "ip_assets[].reference": N_("Reference: at most 100 characters."),
    "ip_assets[].description": N_("Asset description: at most 3,000 characters."),
}


def choice_labels(locale: str) -> dict[str, list[tuple[str, str]]]:
    """``{vocabulary: [(key, label in locale), ...]}`` for the editor's checkboxes and selects."""
    return {name: [(key, labels.label(table, key, locale)) for key in table] for name, table in CHOICES.items()}


def read_asset_rows(rows: dict[int, dict[str, list[str]]], as_value: Callable[[str], Any]) -> list[dict[str, Any]]:
    """The IP assets of the form's rows (``{row: {input: [values]}}``), in row order: rows ticked
    for removal and blank rows left out, the TRL read as a number by ``as_value`` when it is one
    (otherwise kept as typed, for the check to name)."""
    assets = []
    for _, row in sorted(rows.items()):
        values = {_ASSET_INPUTS[k]: [v.strip() for v in vs] for k, vs in row.items()}
        if values.pop("remove", None):
            continue
        asset: dict[str, Any] = {k: values[k][0] for k in ASSET_FIELDS if k != "transfer" and values.get(k, [""])[0]}
        if "trl" in asset:
            asset["trl"] = as_value(asset["trl"])
        transfer = [v for v in values.get("transfer", []) if v]
        if transfer:
            asset["transfer"] = transfer
        if asset:
            assets.append({k: asset[k] for k in ASSET_FIELDS if k in asset})
    return assets


def form_key(field: str) -> str:
    """Where a problem shows in the form: a document's or an asset's field by row
    (``ip_assets[2].trl``; a list inside one by its name: ``ip_assets[2].transfer``), any other
    field by its name (``availability[1]`` shows at ``availability``)."""
    if field.startswith(("documents[", "ip_assets[")):
        head, _, sub = field.partition(".")
        return f"{head}.{sub.split('[')[0]}" if sub else head
    return field.split("[")[0]


def friendly(problem: FieldError) -> str | None:
    """The form's own words for a problem with one of this module's fields (None: another field)."""
    return _FRIENDLY.get(re.sub(r"\[\d+\]", "[]", form_key(problem.field)))


# what an expert's profile is missing: (field, weight, hint); the editor's meter for experts
EXPERT_COMPLETENESS = (
    ("description", 3, N_("Describe your expertise and experience in at least a few sentences.")),
    ("offers", 3, N_("Add what you can offer: advice, research, training, co-founding.")),
    ("documents", 3, N_("Add a publication, patent or project report.")),
    ("sectors", 2, N_("Pick the sectors you work in.")),
    ("availability", 2, N_("Say how you are available to work with Vietnam.")),
    ("affiliation", 1, N_("Add your university, institute or company.")),
    ("technologies", 1, N_("List a few technologies you work with.")),
    ("languages", 1, N_("Say which languages you work in.")),
    ("needs", 1, N_("Add what you are looking for in Vietnam.")),
    ("contact_email", 1, N_("Add a contact e-mail (shown only after an accepted introduction).")),
)
