"""Parsing officers' input: a match list's settings, counts and dates, with errors per field.

Messages are English msgids (``N_``), translated where they are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from web.errors import Invalid
from web.i18n import N_
from web.params import whole_number

# experts: side B holds experts (issue 16); targets: a buyer's technology-acquisition targets
LIST_KINDS = ("event", "delegation", "cohort", "experts", "targets")
FAIRNESS = ("none", "total", "mean")
MAX_NAME = 200
MAX_TEXT = 5000
MAX_COUNT = 1000
MAX_NOTE = 1000


class FieldErrors(dict[str, str]):
    """``{field: message}``; the first error of a field wins."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, message)


def parse_count(value: str | None, *, allow_empty: bool = True) -> int | None:
    """A whole number 0..1000 from a form field; empty gives None; anything else ValueError."""
    count = whole_number(value, low=0, high=MAX_COUNT)
    if count is None and not allow_empty:
        raise ValueError("a count is required")
    return count


def parse_date(value: str | None) -> date | None:
    text = (value or "").strip()
    return date.fromisoformat(text) if text else None


def parse_dated_note(occurred_on: str, note: str, *, today_when_empty: bool = False) -> tuple[date, str]:
    """The date something happened (not in the future; today when empty, if allowed) and a note of
    at most 1000 characters, as an outcome or a target's status change records them."""
    text = occurred_on.strip()
    try:
        when = date.today() if not text and today_when_empty else date.fromisoformat(text)
    except ValueError:
        raise Invalid(N_("Enter a date as YYYY-MM-DD."), field="occurred_on") from None
    if when > date.today() + timedelta(days=1):
        raise Invalid(N_("The date is in the future."), field="occurred_on")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise Invalid(N_("The note is too long (at most 1000 characters)."), field="note")
    return when, note


@dataclass
class ListForm:
    """A match list's settings as typed, the parsed values, and what is wrong with them."""

    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: FieldErrors = field(default_factory=FieldErrors)

    @property
    def ok(self) -> bool:
        return not self.errors


def _count_field(form: ListForm, name: str, default: int | None, low: int = 0) -> None:
    try:
        value = parse_count(form.raw.get(name))
    except ValueError:
        form.errors.add(name, N_("Enter a whole number from 0 to 1000, or leave it empty."))
        return
    if value is not None and value < low:
        form.errors.add(name, N_("Enter at least 1, or leave it empty."))
        return
    form.values[name] = default if value is None else value


def parse_list_form(items: Mapping[str, str]) -> ListForm:
    """Validate the list form (name, kind, dates, place, description, capacities, rules)."""
    raw = {k: str(v) for k, v in items.items()}
    form = ListForm(raw)
    name = raw.get("name", "").strip()
    if not name:
        form.errors.add("name", N_("Give the list a name."))
    elif len(name) > MAX_NAME:
        form.errors.add("name", N_("The name is too long (at most 200 characters)."))
    form.values["name"] = name
    kind = raw.get("kind", "event")
    if kind not in LIST_KINDS:
        form.errors.add("kind", N_("Choose an event, a delegation visit or a programme cohort."))
    form.values["kind"] = kind
    for key in ("starts_on", "ends_on"):
        try:
            form.values[key] = parse_date(raw.get(key))
        except ValueError:
            form.errors.add(key, N_("Enter a date as YYYY-MM-DD."))
    starts, ends = form.values.get("starts_on"), form.values.get("ends_on")
    if starts and ends and ends < starts:
        form.errors.add("ends_on", N_("The end date is before the start date."))
    form.values["location"] = raw.get("location", "").strip()[:MAX_NAME]
    description = raw.get("description", "").strip()
    if len(description) > MAX_TEXT:
        form.errors.add("description", N_("The description is too long (at most 5000 characters)."))
    form.values["description"] = description
    _count_field(form, "min_a", 1)
    _count_field(form, "max_a", None)
    _count_field(form, "min_b", 0)
    _count_field(form, "max_b", None)
    _count_field(form, "max_per_group", None, low=1)
    try:
        min_fit = parse_count(raw.get("min_fit")) or 0
        if min_fit > 100:
            raise ValueError(min_fit)
        form.values["min_fit"] = min_fit
    except ValueError:
        form.errors.add("min_fit", N_("Enter a fit from 0 to 100."))
    fairness = raw.get("fairness", "none") or "none"
    if fairness not in FAIRNESS:
        form.errors.add("fairness", N_("Unknown fairness rule."))
    form.values["fairness"] = fairness
    for side in ("a", "b"):
        low, high = form.values.get(f"min_{side}"), form.values.get(f"max_{side}")
        if low is not None and high is not None and low > high:
            form.errors.add(f"max_{side}", N_("The maximum is below the minimum."))
    return form


def form_from_row(row: Any) -> ListForm:
    """The form of an existing list (``MatchListRow``), for editing."""
    raw = {}
    for key in ("name", "kind", "location", "description", "fairness"):
        raw[key] = str(getattr(row, key) or "")
    for key in ("starts_on", "ends_on"):
        value = getattr(row, key)
        raw[key] = value.isoformat() if value else ""
    for key in ("min_a", "max_a", "min_b", "max_b", "max_per_group", "min_fit"):
        value = getattr(row, key)
        raw[key] = "" if value is None else str(value)
    return parse_list_form(raw)
