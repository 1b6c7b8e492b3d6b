"""The demo's technology-acquisition target list (part of ``caunoi demo``, called by
``web.services.curation.demo.seed_story``): a Vietnamese chip-packaging startup looking abroad
for packaging and sensing technology, with targets at several stages, one licensed (so that the
dashboard counts it) and one dropped. Made through the services the app uses; made once (a list
of that name is never made twice)."""

from __future__ import annotations

from datetime import date, timedelta

from web.db.pool import Database
from web.services.curation import lists, targets
from web.services.curation.forms import parse_list_form
from web.store import match_lists as list_store
from web.store.users import UserRow

BUYER = "vn-kinhbac-wirebond"
# (target, [(status, days ago, note)]): every target was identified 60 days ago
TARGETS = (
    ("kr-hanbit-semicon", [("contacted", 40, "(demo) Đã gửi thư giới thiệu qua văn phòng KOTRA."),
                           ("nda", 21, "(demo) Hai bên đã ký thỏa thuận bảo mật."),
                           ("negotiating", 7, "(demo) Đang đàm phán điều khoản cấp phép quy trình.")]),
    ("jp-kagayaki-sensors", [("contacted", 30, "(demo) Gặp tại hội chợ bán dẫn."),
                             ("acquired", 10, "(demo) Đã ký hợp đồng cấp phép công nghệ cảm biến.")]),
    ("us-lumenforge-edge-ai", [("dropped", 15, "(demo) Chi phí cấp phép vượt ngân sách.")]),
)


def seed_targets(db: Database, officer: UserRow, mark: str) -> int:
    """Make the demo target list (its name ends in ``mark``); 1 when made, 0 when it was there or
    its profiles are missing."""
    name = f"Tiếp nhận công nghệ đóng gói vi mạch cho Kinh Bắc {mark}"
    with db.connection() as conn:
        present = set(list_store.list_profile_sides(conn, [BUYER, *(t for t, _ in TARGETS)]))
    if any(row.name == name for row in lists.list_lists(db)) or BUYER not in present:
        return 0
    form = parse_list_form({"name": name, "kind": "targets", "min_a": "0", "location": "Bắc Ninh",
                            "description": "(demo) Danh sách mục tiêu minh hoạ. A sample target list."})
    list_id = lists.create_list(db, officer, form)
    lists.add_by_hand(db, officer, list_id, [BUYER], "a")
    for profile_id, changes in TARGETS:
        if profile_id not in present:
            continue
        found_on = (date.today() - timedelta(days=60)).isoformat()
        target_id = targets.add_target(db, officer, list_id, BUYER, profile_id, on=found_on)
        for status, days, note in changes:
            when = (date.today() - timedelta(days=days)).isoformat()
            if target_id is not None:
                targets.change_status(db, officer, list_id, target_id, status, when, note)
    return 1
