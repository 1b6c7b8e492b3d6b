"""Accessibility basics on every main page: a language, one h1, a main landmark, a skip link, and a
label for every form control."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.web.webkit import load_small, member, post, sign_in, web_client
from web.db.pool import Database
from web.settings import Settings


class Controls(HTMLParser):
    """Form controls that need a label, the label targets, and landmarks."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[tuple[str, str | None, bool]] = []  # (tag, id, inside a label)
        self.label_for: set[str] = set()
        self.in_label = 0
        self.h1 = 0
        self.main = False
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.label_for.add(str(a["for"]))
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            self.controls.append((tag, a.get("id"), self.in_label > 0 or bool(a.get("aria-label"))))
        elif tag == "h1":
            self.h1 += 1
        elif tag == "main":
            self.main = True
        elif tag == "html":
            self.lang = a.get("lang")

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label -= 1


@pytest.mark.parametrize("who", ["visitor", "member", "admin"])
def test_every_control_has_a_label_and_pages_have_landmarks(db: Database, settings: Settings, who: str) -> None:
    load_small(db)
    member(db, "m@x.example", owns=("vn-chipviet",), role="admin" if who == "admin" else "member")
    member(db, "p@x.example", owns=("kr-hanpack",))
    pages = ["/", "/directory", "/profiles/kr-hanpack", "/login", "/register", "/password/forgot", "/nowhere"]
    with web_client(settings, db) as c:
        if who != "visitor":
            sign_in(c, "m@x.example")
            url = post(c, "/introductions", {"from_profile": "vn-chipviet", "to_profile": "kr-hanpack"}).headers["location"]
            pages += ["/me/profiles", "/me/profiles/new?kind=partner", "/me/profiles/vn-chipviet", "/matches",
                      "/introductions", url]
        if who == "admin":
            pages += ["/admin/users", "/admin/outbox", "/admin/audit"]
        for path in pages:
            parser = Controls()
            parser.feed(c.get(path).text)
            assert parser.lang in ("vi", "en") and parser.main and parser.h1 == 1, path
            unlabeled = [(tag, id_) for tag, id_, wrapped in parser.controls
                         if not wrapped and (id_ is None or id_ not in parser.label_for)]
            assert not unlabeled, (path, unlabeled)
