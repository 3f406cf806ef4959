"""The audit log page an administrator or DPO reads: actions in words, records by their
names, detail as key and value, and filters by person, action, record, UK days and (for
reads) why, with every mistake a clear 400."""

from __future__ import annotations

import ast
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from fieldapp import audit, audit_labels
from fieldapp.queries import read_audit as read_audit_q
from fieldapp.web.admin import views as admin_views
from tests.conftest import USERS, parse

PACKAGE = Path(__file__).resolve().parent.parent / "fieldapp"
ZED = audit.Actor(None, "zed.person", "10.0.0.7")
YAN = audit.Actor(None, "yan.other", "10.0.0.8")


def put(db, monkeypatch, at, action, table=None, record_id=None, actor=ZED, **detail):
    """An audit row written as the app writes one (so the chain stays valid), at ``at``."""
    with monkeypatch.context() as patch:
        patch.setattr(audit, "now_iso", lambda: at)
        audit.record(action, table, record_id, db=db, actor=actor, **detail)


def shown(page) -> list[str]:
    """Each row's What cell (changes) as the page shows it, top to bottom."""
    return [row.select("td")[2].get_text(" ", strip=True) for row in page.select("tbody tr")]


def records(page) -> list[str]:
    """Each row's Record cell, top to bottom (changes), but the signed-in admin's own."""
    return [
        row.select("td")[3].get_text(" ", strip=True)
        for row in page.select("tbody tr")
        if len(row.select("td")) > 1 and row.select("td")[1].text != USERS["admin"][0]
    ]


# -- Every action code the app writes has words -------------------------------------------


def _written_codes() -> tuple[set[str], list[str]]:
    """Every action code the source passes to audit.record (the import writer calls it
    ``record``), and any call whose code cannot be read from the source."""
    codes, unread = set(), []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            is_audit = (
                isinstance(func, ast.Attribute)
                and func.attr == "record"
                and isinstance(func.value, ast.Name)
                and func.value.id == "audit"
            )
            is_import_writer = path.parent.name == "imports" and (
                isinstance(func, ast.Name) and func.id == "record"
            )
            if not (is_audit or is_import_writer):
                continue
            first = node.args[0]
            options = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
            for option in options:
                if isinstance(option, ast.Constant) and isinstance(option.value, str):
                    codes.add(option.value)
                elif ast.unparse(option) == "f'premises.{action}'":
                    # premises.set_flag: its actions are flag, unflag and clear.
                    codes.update({"premises.flag", "premises.unflag", "premises.clear"})
                else:
                    unread.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return codes, unread


def test_every_action_code_the_app_writes_has_a_label():
    codes, unread = _written_codes()
    assert unread == [], f"audit codes the test cannot read (add them here): {unread}"
    assert len(codes) > 30, codes  # the scan found the calls
    missing = sorted(codes - set(audit_labels.ACTIONS))
    assert missing == [], f"add a label to fieldapp/audit_labels.py ACTIONS for: {missing}"


def test_the_flag_actions_are_the_ones_set_flag_takes():
    source = (PACKAGE / "queries" / "premises.py").read_text(encoding="utf-8")
    assert '{"flag": "flag", "unflag": "unflag", "clear": None}[action]' in source


# -- What an entry looks like ----------------------------------------------------------------


def test_labels_are_shown_with_the_code_small_beside_them(as_role, db, monkeypatch):
    put(db, monkeypatch, "2026-06-01T10:00:00+00:00", "visit.create", "visits", "v-1", band="red")
    put(db, monkeypatch, "2026-06-01T10:01:00+00:00", "export.sent", "export_log", 3, rows=40)
    page = as_role("admin").get("/admin/audit?person=zed.person")
    assert shown(page) == [
        "Data exported or sent by API export.sent",
        "Visit recorded visit.create",
    ]
    assert [c.text for c in page.select("tbody code.app-audit-code")] == [
        "export.sent",
        "visit.create",
    ]


def test_a_person_filter_finds_the_sign_ins_tried_in_their_name(as_role, auth):
    """A failed sign-in has no one signed in; the name that was typed is what a DPO
    looking into an account searches for."""
    for tried in ("zed.person", "someone.else"):
        assert auth.login(username=tried, password="not it").status_code == 200
    page = as_role("admin").get("/admin/audit?person=zed.person")
    assert [what.split(" auth.")[0] for what in shown(page)] == ["Sign-in failed"]
    assert "zed.person" in page.select_one("tbody tr").get_text()


def test_a_code_with_no_label_is_shown_as_recorded(as_role, db, monkeypatch):
    put(db, monkeypatch, "2026-06-01T10:00:00+00:00", "legacy.thing", "things", "x")
    page = as_role("admin").get("/admin/audit?person=zed.person")
    assert shown(page) == ["legacy.thing"]
    assert records(page) == ["things x"]


def test_records_are_named_in_words_and_linked_where_the_admin_may_open_them(
    as_role, db, monkeypatch
):
    put(db, monkeypatch, "2026-06-01T10:00:00+00:00", "premises.flag", "premises", 40, reason="r")
    put(db, monkeypatch, "2026-06-01T10:01:00+00:00", "user.update", "users", 2)
    page = as_role("admin").get("/admin/audit?person=zed.person")
    assert records(page) == ["User 2", "Premises 40"]
    links = [a["href"] for a in page.select("tbody td a")]
    # Administrators manage users; a premises' page is the field roles', so no link there.
    assert links == ["/admin/users/2"]


def test_detail_is_a_list_of_readable_keys_and_values_not_json(as_role, db, monkeypatch):
    put(
        db,
        monkeypatch,
        "2026-06-01T10:00:00+00:00",
        "user.update",
        "users",
        2,
        changes={"role": ["inspector", "coordinator"], "active": [1, 0]},
    )
    put(
        db,
        monkeypatch,
        "2026-06-01T10:01:00+00:00",
        "visit.create",
        "visits",
        "v-1",
        band="amber",
        red_flags=2,
        amends=None,
        premises_ids=[4, 5],
    )
    page = as_role("admin").get("/admin/audit?person=zed.person")
    visit, user = page.select("tbody tr")
    pairs = [(dt.text, dt.find_next_sibling("dd").text) for dt in visit.select("dl dt")]
    assert pairs == [  # "amends" was None: a visit that corrects none
        ("Risk band", "amber"),
        ("Premises", "4, 5"),
        ("Red flags", "2"),
    ]
    pairs = [(dt.text, dt.find_next_sibling("dd").text) for dt in user.select("dl dt")]
    assert pairs == [("Active changed", "1 → 0"), ("Role changed", "inspector → coordinator")]
    assert "{" not in page.select_one("tbody").text


def test_a_long_value_is_cut_short_and_wraps(as_role, db, monkeypatch):
    at = "2026-06-01T10:00:00+00:00"
    put(db, monkeypatch, at, "premises.flag", "premises", 1, reason="w" * 5000)
    page = as_role("admin").get("/admin/audit?person=zed.person")
    value = page.select_one("tbody dd").text
    assert len(value) == audit_labels.LONGEST_VALUE and value.endswith("…")
    assert "app-break-words" in page.select("tbody td")[4]["class"]


HOSTILE = "<script>alert(1)</script>\u202eevil\x00\nforged"


def test_hostile_detail_keys_and_values_are_escaped_and_made_visible(as_role, db, monkeypatch):
    detail = {"reason": HOSTILE, "<b>key</b>": "<img src=x onerror=alert(1)>"}
    put(db, monkeypatch, "2026-06-01T10:00:00+00:00", "premises.flag", "premises", 1, **detail)
    response = as_role("admin").client.get("/admin/audit?person=zed.person")
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>key" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\\u202eevil\\u0000\\u000aforged" in html
    assert "&lt;b&gt;key&lt;/b&gt;" in html and "\u202e" not in html and "\x00" not in html


# -- Filters ---------------------------------------------------------------------------------


@pytest.fixture
def log(db, monkeypatch):
    """Four entries by two people about three records over two days."""
    put(db, monkeypatch, "2026-05-30T09:00:00+00:00", "user.update", "users", 2)
    put(db, monkeypatch, "2026-05-30T10:00:00+00:00", "visit.create", "visits", "v-1", actor=YAN)
    put(db, monkeypatch, "2026-05-31T09:00:00+00:00", "premises.flag", "premises", 40, reason="x")
    put(db, monkeypatch, "2026-05-31T10:00:00+00:00", "premises.unflag", "premises", 41, actor=YAN)
    return db


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("person=zed.person", ["Premises 40", "User 2"]),
        ("person=yan.other", ["Premises 41", "Visit v-1"]),
        ("person=zed", []),  # exact, not "starts with"
        ("action=premises.flag", ["Premises 40"]),
        ("record-type=premises", ["Premises 41", "Premises 40"]),
        ("record-type=premises&record-id=41", ["Premises 41"]),
        ("record-type=premises&record-id=041", ["Premises 41"]),
        ("record-type=visits&record-id=V-1", ["Visit v-1"]),
        ("record-type=users&record-id=40", []),  # Premises 40 is not User 40
        (
            "from-day=31&from-month=5&from-year=2026&to-day=31&to-month=5&to-year=2026",
            ["Premises 41", "Premises 40"],
        ),
        ("to-day=30&to-month=5&to-year=2026", ["Visit v-1", "User 2"]),
        ("person=yan.other&from-day=31&from-month=5&from-year=2026", ["Premises 41"]),
        ("action=user.update&to-day=29&to-month=5&to-year=2026", []),
    ],
)
def test_each_filter_narrows_to_the_right_entries(as_role, log, query, expected):
    page = as_role("admin").get(f"/admin/audit?{query}")
    assert records(page) == expected
    if query:
        assert page.select_one("#audit-filtered") and page.select_one("a[href='/admin/audit']")


def test_the_filters_show_what_was_asked_for(as_role, log):
    page = as_role("admin").get(
        "/admin/audit?person=yan.other&action=premises.unflag&record-type=premises"
        "&record-id=41&from-day=1&from-month=5&from-year=2026"
    )
    assert page.select_one("#person")["value"] == "yan.other"
    assert page.select_one("#action option[selected]")["value"] == "premises.unflag"
    assert page.select_one("#record-type option[selected]").text == "Premises"
    assert page.select_one("#record-id")["value"] == "41"
    assert page.select_one("#from-day")["value"] == "1"
    assert records(page) == ["Premises 41"]
    # Every action is offered by its label, with its code for those who search by it.
    options = {o["value"]: o.text for o in page.select("#action option") if o["value"]}
    assert options["visit.create"] == "Visit recorded (visit.create)"
    assert set(options) == set(audit_labels.ACTIONS)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # 23:30 UTC on 31 May is 00:30 BST on 1 June: a 1 June entry, not a 31 May one.
        ("from-day=1&from-month=6&from-year=2026&to-day=1&to-month=6&to-year=2026", ["B"]),
        ("to-day=31&to-month=5&to-year=2026", ["A", "C", "D"]),
        ("from-day=31&from-month=5&from-year=2026&to-day=31&to-month=5&to-year=2026", ["A"]),
        # In winter the UK is on GMT: 00:30 UTC on 1 January is 1 January.
        ("from-day=1&from-month=1&from-year=2026&to-day=1&to-month=1&to-year=2026", ["C"]),
        ("to-day=31&to-month=12&to-year=2025", ["D"]),
    ],
)
def test_a_date_is_a_uk_day(as_role, db, monkeypatch, query, expected):
    put(db, monkeypatch, "2025-12-31T23:59:59+00:00", "user.update", "users", "D")
    put(db, monkeypatch, "2026-01-01T00:30:00+00:00", "user.update", "users", "C")
    put(db, monkeypatch, "2026-05-31T22:59:59+00:00", "user.update", "users", "A")
    put(db, monkeypatch, "2026-05-31T23:30:00+00:00", "user.update", "users", "B")
    page = as_role("admin").get(f"/admin/audit?person=zed.person&{query}")
    assert [r.removeprefix("User ") for r in records(page)] == expected


def test_pagination_keeps_the_filters(as_role, db, monkeypatch):
    for number in range(1, 6):
        put(db, monkeypatch, f"2026-05-30T10:0{number}:00+00:00", "user.update", "users", number)
        put(db, monkeypatch, "2026-05-31T10:00:00+00:00", "user.update", "users", 99, actor=YAN)
    monkeypatch.setattr(admin_views, "AUDIT_PAGE_SIZE", 2)
    admin = as_role("admin")
    page = admin.get("/admin/audit?person=zed.person&record-type=users")
    assert records(page) == ["User 5", "User 4"]
    seen = []
    while True:
        seen += records(page)
        older = page.select_one("a[rel=next]")
        if older is None:
            break
        args = parse_qs(urlsplit(older["href"]).query)
        assert args["person"] == ["zed.person"] and args["record-type"] == ["users"]
        page = admin.get(older["href"])
    assert seen == ["User 5", "User 4", "User 3", "User 2", "User 1"]
    newer = page.select_one("a[rel=prev]")["href"]
    assert parse_qs(urlsplit(newer).query)["person"] == ["zed.person"]


# -- The reads ---------------------------------------------------------------------------------


def _reads(db):
    rows = [
        ("2026-05-31T23:30:00+00:00", None, "zed.person", "visits", "v-1", "case_work", "10.0.0.7"),
        (
            "2026-05-31T10:00:00+00:00",
            None,
            "yan.other",
            "premises",
            "40",
            "partner_disclosure",
            "",
        ),
        ("2026-05-30T10:00:00+00:00", None, "zed.person", "premises", "40", "case_work", None),
    ]
    read_audit_q.record(db, rows)


def read_records(page) -> list[str]:
    return [
        row.select("td")[2].get_text(" ", strip=True)
        for row in page.select("tbody tr")
        if len(row.select("td")) > 1
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("person=zed.person", ["Premises 40", "Visit v-1"]),
        ("why=partner_disclosure", ["Premises 40"]),
        ("person=zed.person&record-type=premises&record-id=40", ["Premises 40"]),
        ("person=zed.person&from-day=1&from-month=6&from-year=2026", ["Visit v-1"]),
        ("record-type=premises&to-day=30&to-month=5&to-year=2026", ["Premises 40"]),
    ],
)
def test_the_reads_can_be_filtered_too(as_role, db, query, expected):
    _reads(db)
    page = as_role("admin").get(f"/admin/audit?kind=reads&{query}")
    assert read_records(page) == expected
    assert page.select_one("input[name=kind]")["value"] == "reads"
    assert page.select_one("#action") is None  # reads have no action
    clear = page.select_one("#audit-filters a.govuk-link")
    assert clear.text == "Clear filters" and clear["href"] == "/admin/audit?kind=reads"


def test_viewing_the_filtered_log_is_itself_recorded(as_role, db, log):
    admin = as_role("admin")
    admin.get("/admin/audit?person=yan.other")
    admin.get("/admin/audit?kind=reads&why=case_work")
    last = db.execute("SELECT table_name, why FROM reads ORDER BY id DESC LIMIT 2").fetchall()
    assert last == [("reads", "audit_review"), ("audit", "audit_review")]


# -- Mistakes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from-day=31&from-month=2&from-year=2026", "from-day", "From date must be a real date"),
        ("to-day=1&to-month=13&to-year=2026", "to-day", "To date must be a real date"),
        ("from-day=1&from-year=2026", "from-month", "From date must include a month"),
        ("from-day=1&from-month=5&from-year=26", "from-year", "Year must include 4 numbers"),
        ("from-day=x&from-month=5&from-year=2026", "from-day", "must be a real date, in numbers"),
        (
            "from-day=2&from-month=6&from-year=2026&to-day=1&to-month=6&to-year=2026",
            "to-day",
            "To date must be the same as or after the from date",
        ),
        ("record-type=premises&record-id=abc", "record-id", "Record number must be a whole number"),
        ("record-type=premises&record-id=-1", "record-id", "Record number must be a whole number"),
        ("record-id=12", "record-type", "Select the type of record"),
        ("record-type=nonsense", "record-type", "Select a type of record from the list"),
        ("record-type=visits&record-id=%3Cb%3E", "record-id", "Enter the record's reference"),
        ("person=" + "a" * 10000, "person", "Username must be 64 characters or fewer"),
        ("person=%3Cscript%3Ealert(1)%3C/script%3E", "person", "Username can only contain"),
        ("person=ivy%00inspector", "person", "Username can only contain"),
        ("person=ivy%E2%80%AEinspector", "person", "Username can only contain"),
        ("action=visit.destroy", "action", "Select an action from the list"),
        ("kind=reads&why=curiosity", "why", "Select a reason from the list"),
    ],
)
def test_a_mistake_is_a_400_with_a_summary_naming_the_field(as_role, log, query, field, message):
    admin = as_role("admin")
    response = admin.client.get(f"/admin/audit?{query}")
    assert response.status_code == 400, response.status_code
    page = parse(response.get_data(as_text=True))
    assert page.title.text.startswith("Error: ")
    link = page.select_one(f'.govuk-error-summary a[href="#{field}"]')
    assert link is not None and message in link.text, page.select_one(".govuk-error-summary")
    assert page.select_one(f"#{field}") is not None  # the link goes somewhere
    assert page.select("tbody tr") == []  # no entries until the filters are right
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "\x00" not in html and "\u202e" not in html


def test_what_was_typed_wrong_is_shown_again_escaped(as_role, log):
    response = as_role("admin").client.get("/admin/audit?person=%3Cb%3Ehi%3C/b%3E")
    assert response.status_code == 400
    page = parse(response.get_data(as_text=True))
    assert page.select_one("#person")["value"] == "<b>hi</b>"
    assert "<b>hi" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["inspector", "coordinator", "partner"])
def test_only_admins_see_the_log(as_role, log, role):
    as_role(role).get("/admin/audit?person=zed.person", expected=403)


def test_signed_out_visitors_are_sent_to_sign_in(client, log):
    response = client.get("/admin/audit?person=zed.person")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
