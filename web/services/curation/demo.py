"""The demo story of ``caunoi demo``: activity on top of the sample ecosystem, so that every page
shows what it is for on first open. Introductions in every state, one past brokerage event whose
published assignment was accepted and declined and whose day is over (a published timetable with
a lunch break, a partner there only in the morning and one on video; most meetings held, one
participant who did not come, one cancellation, one walk-in), an upcoming delegation still in
draft, outcomes over the last six months (none on a meeting that did not take place), and a
technology-acquisition target list with targets at several stages (``demo_targets``).

Everything goes through the services the app uses (states, audit, mail to the outbox); only what
needs time to pass is dated afterwards (``web.store.demo``). It is marked as demo data: the lists'
names end in ``MARK``, messages and notes start with "(demo)", and the other organisations'
owners are accounts nobody can sign in to. Running it again adds nothing: an introduction or a
list is made only when none is there yet between those profiles or by that name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from web.db.pool import Database
from web.matching.contract import MatchingContract
from web.services import introductions
from web.services.curation import demo_targets, lists, meetings, outcomes, runs
from web.services.curation.forms import parse_list_form
from web.services.demo import OFFICER_EMAIL, PARTNER_EMAIL, STARTUP_EMAIL, DemoAccount
from web.services.eventday import day, presence, timetable
from web.services.eventday.event import Event, load_event
from web.services.eventday.plan import parse_plan_form
from web.services.introductions import Party
from web.services.mail import Mailer
from web.store import audit as audit_store
from web.store import demo as store
from web.store import profiles as profile_store
from web.store import runs as run_store
from web.store import users as user_store
from web.store.meetings import MeetingRow
from web.store.users import UserRow

MARK = "(minh hoạ · demo)"
OWNER_DOMAIN = "demo.caunoi.example"
# an argon2 verifier never accepts this: the other organisations' owners cannot sign in
NO_PASSWORD = "!demo-owner"
EVENT_DAYS_AGO = 100
EVENT = {
    "name": f"Ngày kết nối Bán dẫn & AI {MARK}",
    "kind": "event", "location": "Hà Nội", "min_a": "1", "max_a": "2", "min_b": "1", "max_b": "3",
    "description": "(demo) Sự kiện minh hoạ do `caunoi demo` tạo. A sample event created by `caunoi demo`.",
}
EVENT_A = ("vn-hoalu-npu-silicon", "vn-kinhbac-wirebond", "vn-congcu-eda-verify", "vn-kiemdinh-ai-qc")
EVENT_B = ("jp-kagayaki-sensors", "us-lumenforge-edge-ai", "kr-hanbit-semicon")
# the event's day: 30-minute meetings, 5 minutes to change tables, lunch from 12:00 to 13:30, six
# tables and one video room; only confirmed meetings get a place (include_proposed left out)
EVENT_PLAN = (("meeting_minutes", "30"), ("changeover_minutes", "5"), ("breaks", "12:00-13:30"),
              ("table_count", "6"), ("video_rooms", "1"), ("min_gap", "0"), ("timezone", "Asia/Ho_Chi_Minh"),
              ("day_start", "09:00"), ("day_end", "17:00"))
AFTER_LUNCH = time(13, 30)
DELEGATION = {
    "name": f"Đoàn doanh nghiệp công nghệ xanh châu Âu {MARK}",
    "kind": "delegation", "location": "TP. Hồ Chí Minh", "min_a": "1", "max_a": "2", "min_b": "0", "max_b": "3",
    "description": "(demo) Chuyến thăm minh hoạ, chưa công bố. A sample visit, still being planned.",
}
DELEGATION_IDS = ("vn-haiduong-cbam-carbon-ledger", "vn-binhduong-rooftop-solar-ppa",
                  "vn-haiphong-second-life-battery", "de-ruhr-cbam-advisory", "dk-nordic-climate-investment-fund",
                  "de-rhein-carbon-saas")


@dataclass(frozen=True)
class Intro:
    """One introduction of the story: ``S`` and ``P`` stand for the demo startup's and partner's
    profiles. ``days`` is how long ago it was requested, ``decided`` how long ago it was answered."""

    sender: str
    to: str
    state: str
    days: int
    message: str
    decided: int = 0
    reason: str = ""
    thread: tuple[str, ...] = ()                      # messages after acceptance, the sender's first
    outcomes: tuple[tuple[str, int, str], ...] = ()   # (type, days ago, note), recorded by the recipient


INTRODUCTIONS = (
    Intro("S", "P", "accepted", 172, "(demo) We build vision AI for factory lines and look for an NPU partner "
          "to run our models at the edge.", decided=168,
          thread=("(demo) Thank you for accepting! Could we meet during your visit to Hanoi?",
                  "(demo) Yes — our team is in Hanoi next month. We will bring evaluation boards."),
          outcomes=(("met", 160, "(demo) First meeting in Hanoi."), ("nda_mou", 118, "(demo) NDA signed."),
                    ("joint_rnd", 52, "(demo) Joint R&D on edge inference for quality control."))),
    Intro("P", "vn-congcu-eda-verify", "accepted", 134, "(demo) We are looking for verification tooling "
          "for our next NPU tape-out.", decided=130,
          thread=("(demo) Thank you! Could we try your tool on our next block?",
                  "(demo) Rất vui được hợp tác. Chúng tôi sẽ gửi bản dùng thử trong tuần này."),
          outcomes=(("met", 125, "(demo) Online meeting."),
                    ("licence", 24, "(demo) Tool licence for one team."))),
    Intro("jp-kagayaki-sensors", "S", "declined", 47, "(demo) Our image sensors could suit your inspection "
          "cameras.", decided=43, reason="(demo) Chúng tôi đã có nhà cung cấp cảm biến cho năm nay."),
    Intro("S", "sg-straitsgate-ventures", "withdrawn", 27, "(demo) We are preparing a seed round.", decided=25),
    Intro("P", "vn-senvang-ic-design", "expired", 31, "(demo) Would you design a sensor interface chip with us?"),
    Intro("vn-anhsang-lidar", "P", "requested", 3, "(demo) Chúng tôi muốn trao đổi về chip xử lý cho cảm biến "
          "LiDAR và hợp tác R&D."),
    Intro("S", "kr-bluepeak-ventures", "requested", 2, "(demo) We are raising a seed round to scale our "
          "inspection systems in Korea."),
)


@dataclass
class Story:
    """What one run of ``seed_story`` added (zero everywhere on a second run)."""

    introductions: int = 0
    lists: int = 0
    meetings: int = 0
    outcomes: int = 0

    def summary(self) -> str:
        if not (self.introductions or self.lists or self.outcomes):
            return "the demo story is already in place"
        return (f"demo story: {self.introductions} introductions, {self.lists} match lists, "
                f"{self.meetings} meetings, {self.outcomes} outcomes (marked {MARK})")


def seed_story(db: Database, mailer: Mailer, accounts: list[DemoAccount], matching: Callable[[], MatchingContract]) -> Story:
    """Add the demo story where it is missing. ``matching()`` gives the service that scores the
    event's pairs (``pair_scores``); it is called only when those scores are needed."""
    users = _users(db, accounts)
    startup, partner, officer = (users.get(email) for email in (STARTUP_EMAIL, PARTNER_EMAIL, OFFICER_EMAIL))
    if startup is None or partner is None or officer is None or not startup[1] or not partner[1]:
        return Story()
    cast = {"S": startup[1], "P": partner[1]}
    story = Story()
    for intro in INTRODUCTIONS:
        _introduction(db, mailer, story, intro, cast)
    event_a = [startup[1], *_existing(db, EVENT_A)]
    event_b = [partner[1], *_existing(db, EVENT_B)]
    _event(db, mailer, story, officer[0], event_a, event_b, matching)
    _delegation(db, story, officer[0])
    story.lists += demo_targets.seed_targets(db, officer[0], MARK)
    return story


def _users(db: Database, accounts: list[DemoAccount]) -> dict[str, tuple[UserRow, str]]:
    """``{email: (user, owned profile id or "")}`` of the demo accounts that exist."""
    out = {}
    with db.connection() as conn:
        for acc in accounts:
            user = user_store.get_user_by_email(conn, acc.email)
            if user is not None:
                out[acc.email] = (user, acc.profile_id or "")
    return out


def _existing(db: Database, ids: tuple[str, ...]) -> list[str]:
    with db.connection() as conn:
        return [pid for pid in ids if (row := profile_store.get_profile(conn, pid)) is not None and row.published]


def _ago(days: int, hour: int = 9) -> datetime:
    return datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0) - timedelta(days=days)


def _owner(db: Database, profile_id: str) -> UserRow:
    """An owner of the profile: its first one, else a demo account made for it that cannot sign
    in (no password hash: made here rather than by ``create_user``, which would spend half a
    second hashing a password nobody will type)."""
    with db.connection() as conn, conn.transaction():
        emails = user_store.list_owner_emails(conn, profile_id)
        user = user_store.get_user_by_email(conn, emails[0]) if emails else None
        if user is None:
            profile = profile_store.get_profile(conn, profile_id)
            email = f"{profile_id}@{OWNER_DOMAIN}"
            user = user_store.insert_user(conn, email, NO_PASSWORD, "member",
                                          f"{profile.name if profile else profile_id} (demo)", None)
            user_store.insert_owner(conn, user.id, profile_id)
            audit_store.insert_audit(conn, "create", "user", str(user.id), {"email": email, "role": "member"},
                                       actor="demo")
    return user


def _party(db: Database, profile_id: str) -> tuple[UserRow, Party]:
    user = _owner(db, profile_id)
    return user, Party.of(db, user)


def _introduction(db: Database, mailer: Mailer, story: Story, intro: Intro, cast: dict[str, str]) -> None:
    sender, to = cast.get(intro.sender, intro.sender), cast.get(intro.to, intro.to)
    if len(_existing(db, (sender, to))) < 2 or to in introductions.states_for(db, sender):
        return
    _, asking = _party(db, sender)
    answerer, answering = _party(db, to)
    intro_id = introductions.request(db, mailer, asking, sender, to, intro.message)
    # its deadline (days ago): passed for the expired request, to come for those waiting, whatever the setting
    due = intro.days - db.settings.introduction_expiry_days
    due = {"expired": max(due, 1), "requested": min(due, -1)}.get(intro.state, due)
    asked, expires = _ago(intro.days), _ago(due)
    if intro.state == "accepted":
        introductions.accept(db, mailer, answering, intro_id)
    elif intro.state == "declined":
        introductions.decline(db, mailer, answering, intro_id, intro.reason, share_reason=True)
    elif intro.state == "withdrawn":
        introductions.withdraw(db, mailer, asking, intro_id)
    with db.connection() as conn:
        store.update_introduction_times(conn, intro_id, asked, expires,
                                        _ago(intro.decided, 14) if intro.state != "requested" else None)
    if intro.state == "expired":
        introductions.expire_due(db)
        with db.connection() as conn:
            store.update_introduction_times(conn, intro_id, asked, expires, expires)
    for n, body in enumerate(intro.thread):
        msg_id = introductions.post_message(db, answering if n % 2 else asking, intro_id, body)
        with db.connection() as conn:
            store.update_message_time(conn, msg_id, _ago(intro.decided - 1 - n, 10 + n))
    for type_, days, note in intro.outcomes:
        outcomes.record(db, answerer, "introduction", intro_id, type_, _day(days), note)
    story.introductions += 1
    story.outcomes += len(intro.outcomes)


def _day(days_ago: int) -> str:
    return (date.today() - timedelta(days=days_ago)).isoformat()


def _find_list(db: Database, name: str) -> int | None:
    return next((row.id for row in lists.list_lists(db) if row.name == name), None)


def _new_list(db: Database, story: Story, officer: UserRow, values: dict[str, str], starts: date,
              a_ids: list[str], b_ids: list[str]) -> int:
    form = parse_list_form({**values, "starts_on": starts.isoformat(), "ends_on": starts.isoformat()})
    list_id = lists.create_list(db, officer, form)
    lists.add_by_hand(db, officer, list_id, a_ids, "a")
    lists.add_by_hand(db, officer, list_id, b_ids, "b")
    story.lists += 1
    return list_id


def _event(db: Database, mailer: Mailer, story: Story, officer: UserRow, a_ids: list[str], b_ids: list[str],
           matching: Callable[[], MatchingContract]) -> None:
    """The past event: the officer blocks the pairs that already met, gives the demo startup and
    partner two meetings each, solves, takes the weakest other pair out and solves again around
    it, publishes; the participants answer; outcomes follow."""
    if _find_list(db, EVENT["name"]) is not None or not a_ids or not b_ids:
        return
    held = date.today() - timedelta(days=EVENT_DAYS_AGO)
    list_id = _new_list(db, story, officer, EVENT, held, a_ids, b_ids)
    lists.block_already_met(db, officer, list_id)
    for pid, side in ((a_ids[0], "a"), (b_ids[0], "b")):
        lists.update_participant(db, officer, list_id, pid, side, 2, 2, None)
    scorer = matching()
    first = runs.run_assignment(db, scorer, officer, list_id)
    with db.connection() as conn:
        others = [p for p in run_store.list_run_pairs(conn, first) if p.a_id != a_ids[0] and p.b_id != b_ids[0]]
    if others:
        weakest = min(others, key=lambda p: (p.fit, p.a_id, p.b_id))
        runs.edit_run(db, officer, list_id, first, "remove", weakest.a_id, weakest.b_id)
    run_id = runs.run_assignment(db, scorer, officer, list_id, parent_run=first)
    story.meetings += meetings.publish(db, mailer, officer, list_id, run_id, force=True)
    confirmed = _answer(db, mailer, list_id, a_ids[0], b_ids[0])
    with db.connection() as conn:
        store.update_list_times(conn, list_id, _ago(EVENT_DAYS_AGO + 30), _ago(EVENT_DAYS_AGO + 14))
        store.update_meeting_times(conn, list_id, _ago(EVENT_DAYS_AGO + 14), _ago(EVENT_DAYS_AGO + 10))
    if confirmed:
        took_place = _event_day(db, mailer, officer, list_id, held, a_ids, b_ids)
        story.meetings += sum(m.walk_in for m in took_place)
        story.outcomes += _follow_up(db, officer, [(m.id, m.a_id, m.b_id) for m in took_place])


def _answer(db: Database, mailer: Mailer, list_id: int, startup: str, partner: str) -> list[tuple[int, str, str]]:
    """Answer the published meetings; returns the confirmed ones as ``(id, a, b)``.

    The demo startup accepts its first meeting and declines its second; the demo partner's second
    meeting waits for its answer (something to do on its /meetings page); of the others, one in
    four is declined by the foreign side."""
    seen: dict[str, int] = {}
    confirmed = []
    for n, m in enumerate(meetings.list_meetings(db, list_id)):
        nth = {pid: seen.get(pid, 0) for pid in (m.a_id, m.b_id)}
        seen.update({pid: k + 1 for pid, k in nth.items()})
        a_says, b_says = "accepted", "accepted"
        if m.a_id == startup and nth[startup] == 1:
            a_says, b_says = "declined", ""
        elif m.b_id == partner and nth[partner] == 1:
            b_says = ""
        elif m.a_id != startup and m.b_id != partner and n % 4 == 3:
            b_says = "declined"
        for pid, says in ((m.a_id, a_says), (m.b_id, b_says)):
            if says:
                meetings.answer(db, mailer, _party(db, pid)[1], m.id, says)
        if a_says == b_says == "accepted":
            confirmed.append((m.id, m.a_id, m.b_id))
    return confirmed


# what followed the event's confirmed meetings, by position: (type, days after the event, note)
FOLLOW_UPS: tuple[tuple[tuple[str, int, str], ...], ...] = (
    (("nda_mou", 30, "(demo) Ký NDA để trao đổi dữ liệu kỹ thuật."),
     ("pilot", 62, "(demo) Pilot on one production line.")),
    (("investment", 85, "(demo) Vòng hạt giống, nhà đầu tư dẫn dắt."),),
    (("technology_transfer", 90, "(demo) Process know-how transferred to the Hanoi team."),),
    (),
)


def _event_day(db: Database, mailer: Mailer, officer: UserRow, list_id: int, held: date, a_ids: list[str],
               b_ids: list[str]) -> list[MeetingRow]:
    """The event's timetable and its day, through the services the pages use (``_timetable``, then
    ``_on_the_day``), dated before and on the day. Returns the meetings held, in order of id."""
    after_lunch, away = _timetable(db, mailer, officer, list_id, held, b_ids)
    _on_the_day(db, mailer, officer, list_id, a_ids[0], b_ids[0], after_lunch, away)
    with db.connection() as conn:
        store.update_event_day_times(conn, list_id, _ago(EVENT_DAYS_AGO + 7), _ago(EVENT_DAYS_AGO + 5),
                                     _ago(EVENT_DAYS_AGO, 6))
    return sorted((m for m in _load(db, list_id).meetings if m.attendance == "held"), key=lambda m: m.id)


def _timetable(db: Database, mailer: Mailer, officer: UserRow, list_id: int, held: date,
               b_ids: list[str]) -> tuple[int, set[str]]:
    """The officer sets up the plan and the presence (the first two other partners with a meeting:
    one there only in the morning, one on video), schedules and publishes the agenda. Returns the
    first slot after lunch and the partners not at a table then."""
    timetable.save_plan(db, officer, list_id, parse_plan_form([*EVENT_PLAN, ("day_date", held.isoformat())]))
    ev = _load(db, list_id)
    after_lunch = next(s.number for s in ev.slots if s.starts_at.time() >= AFTER_LUNCH)
    partners = [b for b in b_ids[1:] if any(m.b_id == b and ev.live(m) for m in ev.meetings)]
    if partners:
        presence.set_presence(db, officer, list_id, partners[0], "slots", list(range(after_lunch)))
    if len(partners) > 1:
        presence.set_presence(db, officer, list_id, partners[1], "remote", [])
    timetable.schedule(db, officer, list_id)
    timetable.publish(db, mailer, officer, list_id)
    return after_lunch, set(partners[:2])


def _on_the_day(db: Database, mailer: Mailer, officer: UserRow, list_id: int, startup: str, partner: str,
                after_lunch: int, away: set[str]) -> None:
    """One participant does not come, the weakest meeting without the demo startup or partner is
    cancelled, two participants there after lunch ask for a walk-in, every other meeting is held."""
    ev = _load(db, list_id)
    missing = _no_show([m for m in ev.meetings if ev.live(m)], startup, partner)
    if missing:
        day.no_show(db, officer, list_id, missing, 0)
        ev = _load(db, list_id)
    others = [m for m in ev.meetings
              if ev.live(m) and m.slot is not None and not {m.a_id, m.b_id} & {startup, partner}]
    if others:
        day.mark(db, mailer, officer, list_id, min(others, key=lambda m: (m.fit, m.id)).id, "cancelled")
    pair = _walk_in(db, ev, away | {missing})
    if pair:
        day.walk_in(db, mailer, officer, list_id, *pair, after_lunch)
    ev = _load(db, list_id)
    for m in ev.meetings:
        if ev.live(m) and m.slot is not None and m.attendance is None:
            day.mark(db, mailer, officer, list_id, m.id, "held")


def _load(db: Database, list_id: int) -> Event:
    with db.connection() as conn:
        return load_event(conn, list_id)


def _no_show(booked: list[MeetingRow], startup: str, partner: str) -> str:
    """Who does not come ("" when nobody fits): the side-a participant with the fewest meetings
    (then by id), neither the demo startup nor one meeting the demo partner."""
    spared = {startup} | {m.a_id for m in booked if m.b_id == partner}
    count = Counter(m.a_id for m in booked if m.a_id not in spared)
    return min(count, key=lambda a: (count[a], a), default="")


def _walk_in(db: Database, ev: Event, away: set[str]) -> tuple[str, str] | None:
    """Two participants there after lunch who have no meeting on the list and had not met before
    (no blocked pair): the first such pair in the list's order of participants."""
    pairs = {frozenset((m.a_id, m.b_id)) for m in ev.meetings}
    detail = lists.detail(db, ev.row.id)
    pairs |= {frozenset((p.a_id, p.b_id)) for p in detail.pairs}
    return next(((a.profile_id, b.profile_id) for a in detail.a for b in detail.b
                 if not {a.profile_id, b.profile_id} & away and frozenset((a.profile_id, b.profile_id)) not in pairs),
                None)


def _follow_up(db: Database, officer: UserRow, confirmed: list[tuple[int, str, str]]) -> int:
    """Every meeting held on the event's day was recorded as met; some went further."""
    count = 0
    for n, (meeting_id, a_id, _) in enumerate(confirmed):
        who = _owner(db, a_id) if n % 2 == 0 else officer   # a participant or the officer records it
        steps = (("met", 0, "(demo) Gặp tại sự kiện."), *FOLLOW_UPS[n % len(FOLLOW_UPS)])
        for type_, after, note in steps:
            outcomes.record(db, who, "meeting", meeting_id, type_, _day(EVENT_DAYS_AGO - after), note)
            count += 1
    return count


def _delegation(db: Database, story: Story, officer: UserRow) -> None:
    """An upcoming delegation visit, still a draft: participants chosen, no assignment run yet."""
    if _find_list(db, DELEGATION["name"]) is not None:
        return
    present = _existing(db, DELEGATION_IDS)
    a_ids = [p for p in present if p.startswith("vn-")]
    b_ids = [p for p in present if not p.startswith("vn-")]
    if a_ids and b_ids:
        visit = date.today() + timedelta(days=35)
        list_id = _new_list(db, story, officer, DELEGATION, visit, a_ids, b_ids)
        with db.connection() as conn:
            store.update_list_times(conn, list_id, _ago(6), None)
