"""Bad input answered as bad input, never as a server error: one test per root cause the fuzz tests
found (issue 12), each naming the cause it guards against.

Causes: U+0000 in a path, a parameter or a field; digits ``str.isdigit()`` accepts and ``int()``
refuses (``²``); numbers beyond bigint; user text %-formatted by gettext; a CSRF token with
letters beyond ASCII; a fragment rendered without the macros its page imports; redirect targets
with a backslash or letters a header cannot carry; JSON with a lone surrogate, nesting 5,000 deep
or an integer over 4,300 digits; fields the schema gives to another kind; numbers over the
schema's maxima.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.web.curation_support import PARTNERS, STARTUPS, FakeMatching, import_event
from tests.web.webkit import csrf, load_small, member, post, sign_in, web_client
from web.app import create_app
from web.cli import main
from web.db.pool import Database
from web.http.render import site_path
from web.interchange.importer import ImportFailed, load_files
from web.params import MAX_JSON_DEPTH, UnreadableJson, load_json, page_number, whole_number
from web.services.accounts import create_token, create_user
from web.settings import Settings

HTMX = {"HX-Request": "true"}
DATA = Path(__file__).parent / "data"
CHIPVIET = next(r for r in json.loads((DATA / "small.json").read_text(encoding="utf-8")) if r["id"] == "vn-chipviet")
# the three JSON bodies Python's json module reads badly: a lone surrogate, 5,000 levels, 5,000 digits
LONE_SURROGATE = json.dumps(dict(CHIPVIET, offers="ok \ud800 ok"))  # json.dumps escapes it as \ud800
DEEP = json.dumps(dict(CHIPVIET, offers="x"))[:-1] + ', "documents": ' + "[" * 5000 + "]" * 5000 + "}"
LONG_NUMBER = json.dumps(CHIPVIET)[:-1] + ', "employees": ' + "1" * 5000 + "}"


# --- the parsing rules ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["²", "٣", "１２", "1.5", "0x1F", "1_000", "+1", "9223372036854775808", "9" * 4301])
def test_a_whole_number_is_ascii_digits_within_bigint(text: str) -> None:
    with pytest.raises(ValueError):
        whole_number(text)
    assert page_number(text) == 1


def test_whole_numbers_and_pages_that_are_fine() -> None:
    assert whole_number(" 42 ") == 42 and whole_number("") is None and whole_number("-3", low=-5) == -3
    assert whole_number("9223372036854775807") == 2**63 - 1
    assert page_number("3") == 3 and page_number("0") == 1 and page_number("10001") == 1


@pytest.mark.parametrize(("text", "field", "reason"), [
    ('{"a": {"b": ["x\\ud800"]}}', "a.b[0]", "lone surrogate"),
    ('{"n": ' + "7" * 4301 + "}", "n", "4301 digits"),
    ("[" * 40 + "]" * 40, "[0]" * MAX_JSON_DEPTH, "nested more than"),
    ("[" * 5000 + "]" * 5000, None, "nested more than"),
])
def test_json_that_python_reads_badly_is_refused_naming_the_field(text: str, field: str | None, reason: str) -> None:
    with pytest.raises(UnreadableJson) as info:
        load_json(text)
    assert info.value.field == field and reason in info.value.reason


# --- web pages -----------------------------------------------------------------------------------

@pytest.fixture
def officer_client(db: Database, settings: Settings) -> Iterator[tuple[TestClient, int]]:
    """An officer signed in, with a match list of the event's participants."""
    records = import_event(db)
    member(db, "o@x.example", role="officer")
    with web_client(settings, db, FakeMatching(records)) as c:
        sign_in(c, "o@x.example")
        r = post(c, "/officer/lists", {"name": "Days", "kind": "event", "min_a": "1"})
        list_id = int(re.findall(r"\d+", r.headers["location"])[0])
        post(c, f"/officer/lists/{list_id}/participants/import", {"text": "\n".join(STARTUPS + PARTNERS)})
        yield c, list_id


@pytest.mark.parametrize(("path", "data"), [
    ("/login", {"email": "a\x00b@x.example", "password": "x"}),
    ("/password/forgot", {"email": "\x00"}),
    ("/register", {"email": "\x00@x.example", "password": "a-long-password"}),
])
def test_a_nul_character_in_a_form_is_a_bad_request_naming_nothing_internal(
        db: Database, settings: Settings, path: str, data: dict[str, str]) -> None:
    """U+0000 in a field: 400 with a message the user can act on (PostgreSQL would refuse it)."""
    with web_client(settings, db) as c:
        post(c, "/locale", {"lang": "en"})
        r = post(c, path, data)
    assert r.status_code == 400, r.text[:300]
    assert "control character (U+0000)" in r.text and "Traceback" not in r.text and "0x00" not in r.text


def test_a_nul_character_in_a_members_form_or_query_is_a_bad_request(db: Database, settings: Settings) -> None:
    load_small(db)
    member(db, "m@x.example", owns=("vn-chipviet",))
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        assert c.get("/directory?kind=%00").status_code == 400
        assert c.get("/directory?q=chip%00").status_code == 400
        assert post(c, "/matches/feedback", {"profile": "vn-chipviet", "target": "kr\x00", "verdict": "saved"}
                    ).status_code == 400
        assert post(c, "/introductions", {"from_profile": "vn-chipviet", "to_profile": "kr-hanpack",
                                          "message": "hi\x00"}).status_code == 400


def test_a_nul_character_in_the_path_names_nothing(db: Database, settings: Settings) -> None:
    with web_client(settings, db) as c:
        r = c.get("/profiles/a%00b")
    assert r.status_code == 404 and "Traceback" not in r.text


def test_a_nul_character_in_the_officers_participant_search(officer_client: tuple[TestClient, int]) -> None:
    c, list_id = officer_client
    assert c.get(f"/officer/lists/{list_id}/participants?q=chip%00").status_code == 400


@pytest.mark.parametrize("page", ["%C2%B2", "%D9%A3", "9223372036854775808", "-4", "abc"])
def test_a_page_that_is_not_a_page_number_shows_the_first_page(db: Database, settings: Settings, page: str) -> None:
    """``²`` passes ``str.isdigit()`` but not ``int()``; the directory showed a server error."""
    load_small(db)
    with web_client(settings, db) as c:
        r = c.get(f"/directory?page={page}")
    assert r.status_code == 200 and "ChipViệt" in r.text


@pytest.mark.parametrize("value", ["%C2%B2", "9223372036854775808", "-1"])
def test_the_dashboard_ignores_a_list_that_is_not_a_list_id(officer_client: tuple[TestClient, int], value: str) -> None:
    c, _ = officer_client
    for path in ("/officer/dashboard", "/officer/dashboard.csv", "/officer/dashboard/charts/event.svg"):
        assert c.get(f"{path}?list={value}").status_code == 200, path


@pytest.mark.parametrize("parent", ["²", "9223372036854775808", "9" * 4301])
def test_a_run_from_a_parent_that_is_not_a_run_id_is_not_found(officer_client: tuple[TestClient, int], parent: str) -> None:
    c, list_id = officer_client
    assert post(c, f"/officer/lists/{list_id}/runs", {"parent": parent}).status_code == 404


@pytest.mark.parametrize("path", ["/officer/lists/9223372036854775808", "/officer/lists/0/rules",
                                  "/officer/lists/1/runs/99999999999999999999999", "/officer/lists/1/compare?left=²&right=1"])
def test_an_id_beyond_bigint_or_below_one_is_invalid_input(officer_client: tuple[TestClient, int], path: str) -> None:
    assert officer_client[0].get(path).status_code == 422


def test_the_admins_pages_read_any_page_number(db: Database, settings: Settings) -> None:
    member(db, "a@x.example", role="admin")
    with web_client(settings, db) as c:
        sign_in(c, "a@x.example")
        for page in ("9223372036854775808", "%C2%B2", "-5"):
            assert c.get(f"/admin/outbox?page={page}").status_code == 200
            assert c.get(f"/admin/audit?page={page}").status_code == 200
        assert c.get("/introductions/9223372036854775808").status_code == 422


def test_a_validation_message_quoting_a_percent_sign_keeps_the_editor(db: Database, settings: Settings) -> None:
    """The reason quotes the user's ``en (100%)``; gettext %-formatted it and the form was lost."""
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        post(c, "/locale", {"lang": "en"})
        r = post(c, "/me/profiles/new", {"kind": "startup", "name": "Phần Trăm", "country": "VN",
                                         "description": "Chip design.", "languages": "vi, en (100%)"})
    assert r.status_code == 422
    assert "en (100%)" in r.text and 'value="Phần Trăm"' in r.text


def test_a_message_with_a_literal_percent_and_no_variables_is_shown_as_written() -> None:
    from web.i18n import Renderer

    env = Renderer().envs["en"]
    html = env.from_string("{{ _(m) }}|{{ _('%(n)s profiles', n=2) }}|{% trans %}100%{% endtrans %}").render(m="50% off")
    assert html == "50% off|2 profiles|100%"


@pytest.mark.parametrize("token", ["²", "Việt", "\u202e"])
def test_a_csrf_token_beyond_ascii_is_refused_not_compared(db: Database, settings: Settings, token: str) -> None:
    """``hmac.compare_digest`` raises TypeError on such strings: every form answered 500."""
    with web_client(settings, db) as c:
        csrf(c)
        r = c.post("/locale", data={"lang": "en", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403


def test_the_match_list_fragment_renders_the_introduction_state(db: Database, settings: Settings) -> None:
    """htmx asks for the ``list`` block alone, which lacked the macros its page imports."""
    load_small(db)
    member(db, "m@x.example", owns=("vn-chipviet",))
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        assert post(c, "/introductions", {"from_profile": "vn-chipviet", "to_profile": "kr-hanpack"}).status_code == 303
        r = c.get("/matches?profile=vn-chipviet", headers=HTMX)
    assert r.status_code == 200 and 'id="match-list"' in r.text and "<html" not in r.text


@pytest.mark.parametrize(("target", "expected"), [
    ("/\\evil.example", "/"), ("//evil.example", "/"), ("https://evil.example/", "/"), ("javascript:alert(1)", "/"),
    ("/directory?q=ệ\\x", "/directory?q=%E1%BB%87%5Cx"), ("/a\r\nSet-Cookie: x=1", "/a%0D%0ASet-Cookie:%20x=1"),
])
def test_a_redirect_goes_to_a_percent_encoded_path_of_this_site(db: Database, settings: Settings, target: str,
                                                                 expected: str) -> None:
    """HX-Redirect carried the target raw: a backslash (``/\\host`` is another site to a browser),
    or letters beyond Latin-1, which no header can carry (a server error)."""
    assert site_path(target) == expected
    with web_client(settings, db) as c:
        token = csrf(c)
        r = c.post("/locale", data={"lang": "en", "next": target, "csrf_token": token}, headers=HTMX)
        assert r.status_code == 204 and r.headers["HX-Redirect"] == expected
        r = c.post("/locale", data={"lang": "en", "next": target, "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == expected


# --- the API -------------------------------------------------------------------------------------

@pytest.fixture
def api(db: Database, settings: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    load_small(db)
    create_user(db, "o@x.example", "officer", "a-long-password")
    headers = {"Authorization": f"Bearer {create_token(db, 'o@x.example')[1]}", "Content-Type": "application/json"}
    with TestClient(create_app(settings, database=db)) as c:
        yield c, headers


@pytest.mark.parametrize(("body", "field", "reason"), [
    (LONE_SURROGATE, "offers", "lone surrogate"),
    (DEEP, None, "nested more than"),
    (LONG_NUMBER, "employees", "5000 digits"),
])
def test_a_put_of_json_python_reads_badly_is_invalid_input_naming_the_field(
        api: tuple[TestClient, dict[str, str]], body: str, field: str | None, reason: str) -> None:
    c, headers = api
    r = c.put("/api/v1/profiles/vn-chipviet", content=body.encode("utf-8", "surrogatepass"), headers=headers)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert reason in problem["detail"]
    if field:
        assert problem["errors"] == [{"field": field, "reason": problem["detail"]}]


def test_a_nul_character_in_an_api_query_is_a_bad_request(api: tuple[TestClient, dict[str, str]]) -> None:
    r = api[0].get("/api/v1/profiles?q=a%00b")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "q"


def test_employees_beyond_the_schemas_maximum_is_refused_and_the_page_still_shows(
        api: tuple[TestClient, dict[str, str]]) -> None:
    """``employees: 10**400`` was stored, and the profile page failed on it forever after."""
    c, headers = api
    r = c.put("/api/v1/profiles/vn-chipviet", content=json.dumps(dict(CHIPVIET, employees=10**400)), headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "employees"
    assert "401 digits" in r.json()["errors"][0]["reason"]
    assert c.get("/profiles/vn-chipviet").status_code == 200


def test_a_partner_type_on_a_startup_is_refused_naming_the_field(api: tuple[TestClient, dict[str, str]]) -> None:
    c, headers = api
    r = c.put("/api/v1/profiles/vn-chipviet", content=json.dumps(dict(CHIPVIET, partner_type="investor")),
              headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "partner_type",
                                   "reason": "applies only to kind 'partner', not to kind 'startup'"}]


# --- caunoi import -------------------------------------------------------------------------------

@pytest.mark.parametrize(("record", "field", "reason"), [
    (LONE_SURROGATE, ": offers: ", "lone surrogate"),
    (DEEP, "", "nested more than 32 levels deep"),
    (LONG_NUMBER, ": employees: ", "5000 digits"),
])
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_caunoi_import_names_the_record_and_field_of_json_python_reads_badly(
        settings: Settings, tmp_path: Path, record: str, field: str, reason: str, fmt: str) -> None:
    path = tmp_path / f"bad.{fmt}"
    text = f"[\n{record}\n]" if fmt == "json" else f"{json.dumps(CHIPVIET)}\n{record}\n"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    result = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "--database-url",
                                       str(settings.database_url), "import", str(path)])
    assert result.exit_code == 1 and (result.exception is None or isinstance(result.exception, SystemExit))
    [line, summary] = result.stderr.strip().splitlines()
    where = "record [0] (line 2)" if fmt == "json" else "line 2"
    assert line.startswith(f"caunoi: {path}, {where}{field}") and reason in line
    assert "Traceback" not in result.output + result.stderr and "nothing was imported" in summary


def test_the_import_refuses_a_partner_type_on_a_startup_naming_record_and_field(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps([dict(CHIPVIET, partner_type="investor")]), encoding="utf-8")
    with pytest.raises(ImportFailed) as info:
        load_files([path])
    assert [str(p) for p in info.value.problems] == [
        f"{path}, record [0] (line 1), id 'vn-chipviet': partner_type: applies only to kind 'partner', "
        "not to kind 'startup'"]


def test_the_editor_preview_of_a_blank_profile_id_is_a_new_profiles(db: Database, settings: Settings) -> None:
    """A profile id of spaces became no id at all once normalised, and the preview looked it up."""
    load_small(db)
    member(db, "m@x.example")
    with web_client(settings, db) as c:
        sign_in(c, "m@x.example")
        r = post(c, "/me/profiles/preview", {"profile_id": "  ", "kind": "startup", "name": "X", "country": "VN",
                                             "description": "chip design and packaging", "sectors": "semiconductors",
                                             "cooperation_sought": "technology_transfer"}, headers=HTMX)
    assert r.status_code == 200 and "HanPack" in r.text
