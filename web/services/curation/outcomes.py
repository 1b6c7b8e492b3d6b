"""Outcomes after an introduction or a meeting (met, NDA/MoU, pilot, licence, investment, joint
R&D, technology transfer), entered by either side or by an officer, and the officers' dashboard:
counts by event, sector, partner country and outcome over time, and each event's day (meetings
scheduled, held, missed, cancelled, walk-ins, and the follow-ups beyond "met").

On the dashboard an outcome type counts once per introduction or meeting, dated by its first
record, however many people recorded it (both sides often report the same meeting).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import psycopg

from web.db.pool import Database
from web.errors import Conflict, Invalid, NotFound
from web.i18n import N_
from web.params import first, whole_number
from web.services.curation.forms import parse_dated_note
from web.services.curation.targets import TargetCounts, target_counts
from web.store import audit as audit_store
from web.store import eventday as eventday_store
from web.store import introductions as intro_store
from web.store import match_lists as list_store
from web.store import meetings as meeting_store
from web.store import outcomes as store
from web.store import targets as target_store
from web.store import users as user_store
from web.store.match_lists import ListSummaryRow
from web.store.outcomes import TYPES, OutcomeFact, OutcomeRow
from web.store.users import UserRow

TYPE_LABELS = {
    "met": N_("Met"),
    "nda_mou": N_("NDA or MoU signed"),
    "pilot": N_("Pilot project"),
    "licence": N_("Licence agreement"),
    "investment": N_("Investment"),
    "joint_rnd": N_("Joint R&D"),
    "technology_transfer": N_("Technology transfer"),
}
# the dashboard counts a target acquired or licensed (web.services.curation.targets) as an outcome too
DASHBOARD_TYPES = (*TYPES, "acquired")
DASHBOARD_LABELS = {**TYPE_LABELS, "acquired": N_("Technology acquired or licensed")}
OFFICER_ROLES = ("officer", "admin")


@dataclass(frozen=True)
class Reference:
    """What an outcome follows: ``kind`` is "meeting" or "introduction"."""

    kind: str
    id: int
    a_id: str
    b_id: str
    list_id: int | None
    open_to_participants: bool


def _reference(conn: psycopg.Connection, kind: str, ref_id: int) -> Reference:
    if kind == "meeting":
        m = meeting_store.get_meeting(conn, ref_id)
        if m is None or m.list_state == "draft":
            raise NotFound(N_("This meeting does not exist."))
        return Reference(kind, m.id, m.a_id, m.b_id, m.list_id, m.state != "declined")
    if kind == "introduction":
        i = intro_store.get_introduction(conn, ref_id)
        if i is None:
            raise NotFound(N_("This introduction does not exist."))
        return Reference(kind, i.id, i.from_profile, i.to_profile, None, i.state == "accepted")
    raise Invalid(N_("Unknown kind of follow-up."))


def parse_outcome(type_: str, occurred_on: str, note: str) -> tuple[str, date, str]:
    if type_ not in TYPES:
        raise Invalid(N_("Choose what happened."), field="type")
    when, note = parse_dated_note(occurred_on, note)
    return type_, when, note


def record(db: Database, user: UserRow, kind: str, ref_id: int, type_: str, occurred_on: str, note: str = "") -> int:
    """Record an outcome of a meeting or an introduction. A user who owns one of its two profiles
    records it as that participant; otherwise officers and admins record it as officer."""
    type_, when, note = parse_outcome(type_, occurred_on, note)
    with db.connection() as conn, conn.transaction():
        ref = _reference(conn, kind, ref_id)
        owned = set(user_store.list_owned_profile_ids(conn, user.id))
        mine = next((p for p in (ref.a_id, ref.b_id) if p in owned), None)
        if mine is None and user.role not in OFFICER_ROLES:
            raise NotFound(N_("This meeting does not exist.") if kind == "meeting"
                           else N_("This introduction does not exist."))
        if mine is not None and not ref.open_to_participants:
            raise Conflict(N_("Outcomes can be recorded once the meeting or introduction has been accepted."))
        outcome_id = store.insert_outcome(
            conn, introduction_id=ref.id if kind == "introduction" else None,
            meeting_id=ref.id if kind == "meeting" else None, list_id=ref.list_id, a_id=ref.a_id, b_id=ref.b_id,
            type=type_, occurred_on=when, note=note, entered_by=user.id,
            entered_role="participant" if mine else "officer", entered_for=mine)
        audit_store.insert_audit(conn, "outcome-recorded", kind, str(ref.id), {"outcome": outcome_id, "type": type_},
                                   actor="web", actor_id=user.id)
    return outcome_id


def list_for(db: Database, user: UserRow, kind: str, ref_id: int) -> tuple[Reference, list[OutcomeRow]]:
    """The outcomes of one meeting or introduction, for one of its participants or an officer."""
    with db.connection() as conn:
        ref = _reference(conn, kind, ref_id)
        owned = set(user_store.list_owned_profile_ids(conn, user.id))
        if not ({ref.a_id, ref.b_id} & owned) and user.role not in OFFICER_ROLES:
            raise NotFound(N_("This introduction does not exist."))
        outcomes = store.list_outcomes(conn, meeting_id=ref.id if kind == "meeting" else None,
                                       introduction_id=ref.id if kind == "introduction" else None)
        return ref, outcomes


@dataclass
class DashboardFilter:
    since: date | None = None
    until: date | None = None
    list_id: int | None = None

    @classmethod
    def parse(cls, params: Mapping[str, Sequence[str]]) -> DashboardFilter:
        """From query parameters ``since``, ``until`` (YYYY-MM-DD) and ``list``; bad values ignored."""
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(first(params, name)) if first(params, name) else None
            except ValueError:
                return None

        try:
            list_id = whole_number(first(params, "list"), low=1)
        except ValueError:
            list_id = None
        return cls(day("since"), day("until"), list_id)

    def query(self) -> str:
        parts = [f"since={self.since}" if self.since else "", f"until={self.until}" if self.until else "",
                 f"list={self.list_id}" if self.list_id else ""]
        return "&".join(p for p in parts if p)


def partner_country(f: OutcomeFact) -> str:
    """The foreign side's country (the b side's when neither or both are foreign)."""
    if f.b_side == "foreign" or f.a_side != "foreign":
        return f.b_country
    return f.a_country


@dataclass
class FunnelRow:
    """One published list: its meetings by state, and its outcomes (as counted on the dashboard)."""

    list_id: int
    name: str
    states: dict[str, int]
    outcomes: int

    @property
    def proposed(self) -> int:
        return sum(self.states.values())


@dataclass
class EventDayRow:
    """One event list with a plan: its day's meetings (``eventday_store.count_attendance_by_list``)
    and its follow-ups, the outcomes of its meetings other than "met", as ``(type, count)``."""

    list_id: int
    name: str
    starts_on: date | None
    ends_on: date | None
    scheduled: int = 0
    held: int = 0
    no_show: int = 0
    cancelled: int = 0
    walk_in: int = 0
    follow_ups: list[tuple[str, int]] = field(default_factory=list)

    @property
    def follow_up_total(self) -> int:
        return sum(n for _, n in self.follow_ups)


@dataclass
class Dashboard:
    filters: DashboardFilter
    facts: list[OutcomeFact]
    by_type: list[tuple[str, int]] = field(default_factory=list)
    by_list: list[tuple[str | None, int]] = field(default_factory=list)
    by_sector: list[tuple[str, int]] = field(default_factory=list)
    by_country: list[tuple[str, int]] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    by_month: dict[str, dict[str, int]] = field(default_factory=dict)      # type -> month -> n
    funnel: list[FunnelRow] = field(default_factory=list)
    event_days: list[EventDayRow] = field(default_factory=list)
    lists: list[tuple[int, str]] = field(default_factory=list)
    targets: list[TargetCounts] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.facts)


def _months(first: date, last: date) -> list[str]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _in_period(filters: DashboardFilter, row: ListSummaryRow) -> bool:
    """Whether the list's dates overlap the filter's period (an undated list only without one)."""
    if filters.since is None and filters.until is None:
        return True
    if row.starts_on is None:
        return False
    last = row.ends_on or row.starts_on
    return (filters.since is None or last >= filters.since) and (filters.until is None or row.starts_on <= filters.until)


def event_days(filters: DashboardFilter, rows: Sequence[ListSummaryRow], attendance: Mapping[int, Mapping[str, int]],
               facts: Sequence[OutcomeFact]) -> list[EventDayRow]:
    """The event lists with a plan, in the lists' order, those of the chosen list and period only.
    Follow-ups come from ``facts``, already filtered like the rest of the page: outcomes recorded
    in the period, each type once per meeting."""
    follow = Counter((f.list_id, f.type) for f in facts if f.ref_kind == "meeting" and f.type != "met")
    out = []
    for row in rows:
        counts = attendance.get(row.id)
        if counts is None or filters.list_id not in (None, row.id) or not _in_period(filters, row):
            continue
        out.append(EventDayRow(row.id, row.name, row.starts_on, row.ends_on, **counts,
                               follow_ups=[(t, n) for t in TYPES if (n := follow[row.id, t])]))
    return out


def dashboard(db: Database, filters: DashboardFilter) -> Dashboard:
    with db.connection() as conn:
        facts = store.list_outcome_facts(conn, filters.since, filters.until, filters.list_id)
        facts += target_store.list_acquired_facts(conn, filters.since, filters.until, filters.list_id)
        targets = target_counts(conn, filters.list_id)
        funnel_rows = meeting_store.count_meetings_by_list(conn)
        rows = list_store.list_match_lists(conn)
        attendance = eventday_store.count_attendance_by_list(conn)
    facts.sort(key=lambda f: (f.occurred_on, f.ref_kind, f.ref_id, f.type))
    out = Dashboard(filters, facts, lists=[(r.id, r.name) for r in rows], targets=targets)
    out.event_days = event_days(filters, rows, attendance, facts)
    out.by_type = [(t, n) for t in DASHBOARD_TYPES if (n := sum(f.type == t for f in facts))]
    out.by_list = Counter(f.list_name for f in facts).most_common()
    out.by_sector = Counter(s for f in facts for s in sorted(set(f.a_sectors) | set(f.b_sectors))).most_common()
    out.by_country = Counter(partner_country(f) for f in facts).most_common()
    if facts:
        out.months = _months(min(f.occurred_on for f in facts), max(f.occurred_on for f in facts))
        series: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(out.months, 0))
        for f in facts:
            series[f.type][f.occurred_on.strftime("%Y-%m")] += 1
        out.by_month = {t: dict(series[t]) for t in DASHBOARD_TYPES if t in series}
    funnel: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for list_id, name, state, n in funnel_rows:
        if filters.list_id in (None, list_id):
            funnel[list_id, name][state] = n
    per_list = Counter(f.list_id for f in facts)
    out.funnel = [FunnelRow(lid, name, states, per_list.get(lid, 0)) for (lid, name), states in funnel.items()]
    return out
