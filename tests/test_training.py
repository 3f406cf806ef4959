"""First responder training: the rule for in date, recording and withdrawing, the Training
page and its CSV, who may see and change them, and the officer's own line on the home page."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from fieldapp import config as config_module
from fieldapp import timeutil, training
from fieldapp.permissions import FIELD_ROLES
from fieldapp.queries import training as training_q
from fieldapp.queries import users as users_q
from fieldapp.timeutil import add_months, uk_today
from tests.conftest import USERS, parse

HOME_OFFICE = "Home Office first responder e-learning"
LOCAL = "Local modern slavery awareness"


def user_id(db, role: str) -> int:
    return users_q.find_by_username(db, USERS[role][0])["id"]


def add_officer(db, username: str, role: str = "inspector", active: bool = True) -> int:
    new = users_q.insert(
        db,
        username=username,
        display_name=username.replace(".", " ").title(),
        role=role,
        agency="glaa" if role == "partner" else None,
        password_hash="x",
    )
    if not active:
        users_q.update(
            db,
            new,
            {"display_name": username, "role": role, "agency": None, "active": 0},
            end_sessions=False,
        )
    db.conn.commit()
    return new


def trained(db, who: int, on: str, course: str = HOME_OFFICE) -> int:
    new = training_q.insert(
        db, user_id=who, course=course, trained_on=date.fromisoformat(on), recorded_by=None
    )
    db.conn.commit()
    return new


def form(day: date | None = None, course: str = HOME_OFFICE, other: str = "") -> dict:
    day = day or uk_today()
    return {
        "trained_on": [str(day.day), str(day.month), str(day.year)],
        "course": course,
        "other_course": other,
    }


def audit_rows(db, action: str) -> list[dict]:
    return list(db.query("SELECT * FROM audit WHERE action = ? ORDER BY id", [action]))


# -- The rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "due"),
    [
        ("2025-04-01", 12, "2026-04-01"),
        ("2024-02-29", 12, "2025-02-28"),  # no 29 February: the month's last day
        ("2026-01-31", 1, "2026-02-28"),
        ("2026-11-30", 3, "2027-02-28"),
        ("2026-03-31", -1, "2026-02-28"),
        ("2026-12-15", 1, "2027-01-15"),
    ],
)
def test_months_are_added_to_the_same_day_or_the_months_last(day, months, due):
    assert add_months(date.fromisoformat(day), months) == date.fromisoformat(due)


def test_trained_count_follows_the_rule(query_db):
    """On 1 April 2026 with a 12-month refresh: training from 1 April 2025 to that very day
    is in date; 31 March 2025 is overdue; 2 April 2026 has not happened yet."""
    db = query_db
    on, months = date(2026, 4, 1), 12
    cases = {
        "a.year.to.the.day": ["2025-04-01"],
        "b.that.very.day": ["2026-04-01"],
        "c.a.day.too.old": ["2025-03-31"],
        "d.not.yet": ["2026-04-02"],
        "e.latest.counts": ["2019-06-01", "2026-01-10"],
        "f.old.only": ["2016-05-05"],
        "g.never": [],
    }
    for username, days in cases.items():
        who = add_officer(db, username, role="coordinator" if username[0] in "bf" else "inspector")
        for day in days:
            trained(db, who, day)
    # A withdrawn record never counts; other roles and disabled accounts are not officers.
    withdrawn = add_officer(db, "h.withdrawn")
    training_q.withdraw(db, trained(db, withdrawn, "2026-03-01"), reason="wrong", withdrawn_by=None)
    trained(db, add_officer(db, "i.disabled", active=False), "2026-03-01")
    trained(db, user_id(db, "admin"), "2026-03-01")
    # Ivy Inspector and Cole Coordinator, the test users, are untrained officers too.
    assert training_q.trained_count(db, on, months) == {
        "officers": 10,
        "trained": 3,  # a, b, e
        "overdue": 2,  # c, f
        "untrained": 5,  # d, g, h, Ivy, Cole
    }
    # The day before, b has not done it yet and c is on its last day in date.
    before = training_q.trained_count(db, on - timedelta(days=1), months)
    assert (before["trained"], before["overdue"], before["untrained"]) == (3, 1, 6)
    # The day after, a is overdue too.
    after = training_q.trained_count(db, on + timedelta(days=1), months)
    assert (after["trained"], after["overdue"], after["untrained"]) == (3, 3, 4)
    # A longer refresh period brings c and f back into date.
    assert training_q.trained_count(db, on, 120)["trained"] == 5


def test_standing_at_the_month_end(query_db):
    leap = date(2024, 2, 29)
    assert training_q.standing(leap, date(2025, 2, 28), 12) == training_q.TRAINED
    assert training_q.standing(leap, date(2025, 3, 1), 12) == training_q.OVERDUE
    assert training_q.standing(None, date(2025, 3, 1), 12) == training_q.UNTRAINED


def test_the_officers_counted_are_the_field_roles():
    assert training_q.OFFICER_ROLES == FIELD_ROLES


def test_refresh_months_is_a_setting_of_a_whole_number():
    assert config_module.DEFAULTS["TRAINING_REFRESH_MONTHS"] == 12
    assert training.refresh_months({"TRAINING_REFRESH_MONTHS": 6}) == 6
    for wrong in (0, -3, "12", 1.5, True):
        with pytest.raises(ValueError, match="TRAINING_REFRESH_MONTHS"):
            training.refresh_months({"TRAINING_REFRESH_MONTHS": wrong})


# -- The table ----------------------------------------------------------------------------


def test_records_cannot_be_changed_or_deleted_only_withdrawn(query_db):
    db = query_db
    record = trained(db, user_id(db, "inspector"), "2026-01-05")
    for sql in (
        "UPDATE training SET trained_on = '2026-01-06'",
        "DELETE FROM training",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)
    training_q.withdraw(db, record, reason="wrong person", withdrawn_by=None)
    for sql in ("UPDATE training_withdrawals SET reason = 'x'", "DELETE FROM training_withdrawals"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)
    with pytest.raises(sqlite3.IntegrityError):  # withdrawn once only
        training_q.withdraw(db, record, reason="again", withdrawn_by=None)


@pytest.mark.parametrize("day", ["2026-02-30", "1 April 2026", "2026-4-1", ""])
def test_the_table_holds_only_real_iso_dates(query_db, day):
    with pytest.raises(sqlite3.IntegrityError):
        query_db.execute(
            "INSERT INTO training (user_id, course, trained_on, recorded_at) "
            "VALUES (?, 'A course', ?, 'now')",
            [user_id(query_db, "inspector"), day],
        )


# -- Recording --------------------------------------------------------------------------------


def test_admin_records_training_and_it_is_audited(as_role, db):
    admin = as_role("admin")
    ivy = user_id(db, "inspector")
    url = f"/admin/training/users/{ivy}"
    day = uk_today() - timedelta(days=3)
    response = admin.post(url, form(day), expected=303)
    assert response.headers["Location"] == url
    (record,) = training_q.for_user(db, ivy)
    assert (record["course"], record["trained_on"]) == (HOME_OFFICE, day.isoformat())
    assert record["recorded_by"] == user_id(db, "admin")
    (row,) = audit_rows(db, "training.record")
    assert (row["username"], row["table_name"], row["record_id"]) == (
        "ada.admin",
        "training",
        str(record["id"]),
    )
    assert json.loads(row["detail"]) == {
        "for_user_id": ivy,
        "course": HOME_OFFICE,
        "trained_on": day.isoformat(),
    }
    page = admin.get(url)
    assert "Training recorded for Ivy Inspector" in page.text
    assert timeutil.long_date(day) in page.select_one("#training-records").text


def test_another_course_is_recorded_by_name(as_role, db):
    admin = as_role("admin")
    cole = user_id(db, "coordinator")
    admin.post(
        f"/admin/training/users/{cole}",
        form(course="other", other="  Salvation Army first responder workshop "),
        expected=303,
    )
    assert [r["course"] for r in training_q.for_user(db, cole)] == [
        "Salvation Army first responder workshop"
    ]


TOMORROW = uk_today() + timedelta(days=1)


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({"trained_on": ["", "", ""]}, "trained_on", "Enter the date of the training"),
        ({"trained_on": ["31", "2", "2026"]}, "trained_on", "Date of the training must be a real"),
        ({"trained_on": ["1", "13", "2026"]}, "trained_on", "Date of the training must be a real"),
        ({"trained_on": ["x", "4", "2026"]}, "trained_on", "Date of the training must be a real"),
        (
            {"trained_on": [str(TOMORROW.day), str(TOMORROW.month), str(TOMORROW.year)]},
            "trained_on",
            "Date of the training must be today or in the past",
        ),
        (
            {"trained_on": ["31", "12", "2014"]},
            "trained_on",
            "Date of the training must be in 2015 or later",
        ),
        ({"course": ""}, "course", "Select the course"),
        ({"course": "Made up"}, "course", "Select the course from the list"),
        (
            {"course": "other", "other_course": "   "},
            "other_course",
            "Enter the name of the other course",
        ),
        (
            {"course": "other", "other_course": "x" * 201},
            "other_course",
            "Name of the other course must be 200 characters or fewer",
        ),
        (
            {"course": "other", "other_course": "\u202e\x00\x07"},
            "other_course",
            "Enter the name of the other course",
        ),
        (
            {"course": HOME_OFFICE, "other_course": "Something else"},
            "other_course",
            "Select Another course to record the name of the other course",
        ),
    ],
)
def test_errors_name_the_field_and_nothing_is_recorded(as_role, db, data, field_id, message):
    admin = as_role("admin")
    ivy = user_id(db, "inspector")
    response = admin.post(f"/admin/training/users/{ivy}", {**form(), **data}, expected=400)
    page = parse(response.get_data(as_text=True))
    links = page.select(f'.govuk-error-summary a[href="#{field_id}"]')
    assert links and links[0].text.strip().startswith(message), [a.text for a in links]
    assert message in page.select_one(f"#{field_id}-error").text
    assert page.title.text.startswith("Error:")
    assert training_q.for_user(db, ivy) == []
    assert audit_rows(db, "training.record") == []


def test_the_same_course_on_the_same_day_is_not_recorded_twice(as_role, db):
    admin = as_role("admin")
    url = f"/admin/training/users/{user_id(db, 'inspector')}"
    admin.post(url, form(), expected=303)
    page = parse(admin.post(url, form(), expected=400).get_data(as_text=True))
    assert "already recorded" in page.select_one("#course-error").text


def test_training_is_today_in_the_uk_not_in_utc(as_role, db, monkeypatch):
    """At 00:30 BST on 1 April 2026 it is still 31 March in UTC: 1 April is today, not the
    future, and counts as in date."""
    admin = as_role("admin")
    monkeypatch.setattr(timeutil, "utcnow", lambda: datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    assert uk_today() == date(2026, 4, 1)
    ivy = user_id(db, "inspector")
    url = f"/admin/training/users/{ivy}"
    admin.post(url, form(date(2026, 4, 2)), expected=400)
    admin.post(url, form(date(2026, 4, 1)), expected=303)
    page = admin.get("/admin/training")
    assert "Ivy Inspector" in page.select_one("#trained").text
    assert page.select_one('[data-count="trained"]').text == "1"


def test_training_is_recorded_only_for_officers(as_role, db):
    admin = as_role("admin")
    partner = user_id(db, "partner")
    admin.post(f"/admin/training/users/{partner}", form(), expected=404)
    page = admin.get(f"/admin/training/users/{partner}")
    assert "only for inspectors and coordinators" in page.text
    assert page.select(f"form[action$='/training/users/{partner}']") == []
    with pytest.raises(training.TrainingError):
        training.record(db, partner, course=HOME_OFFICE, trained_on=uk_today(), recorded_by=None)


# -- Withdrawing ------------------------------------------------------------------------------


def test_a_wrong_record_is_withdrawn_with_a_reason_and_stops_counting(as_role, db):
    admin = as_role("admin")
    ivy = user_id(db, "inspector")
    record = trained(db, ivy, (uk_today() - timedelta(days=10)).isoformat())
    assert training_q.trained_count(db, uk_today(), 12)["trained"] == 1
    url = f"/admin/training/{record}/withdraw"
    page = parse(admin.post(url, {"reason": ""}, expected=400).get_data(as_text=True))
    assert "Enter why the record is wrong" in page.select_one("#reason-error").text
    admin.post(url, {"reason": "Recorded for the wrong person"}, expected=303)
    (row,) = training_q.for_user(db, ivy)  # still there, marked
    assert row["withdrawn_reason"] == "Recorded for the wrong person"
    assert row["withdrawn_by_name"] == "Ada Admin"
    assert training_q.trained_count(db, uk_today(), 12)["trained"] == 0
    (audited,) = audit_rows(db, "training.withdraw")
    assert audited["username"] == "ada.admin" and audited["record_id"] == str(record)
    assert json.loads(audited["detail"])["reason"] == "Recorded for the wrong person"
    person = admin.get(f"/admin/training/users/{ivy}")
    assert "Withdrawn" in person.select_one("#training-records").text
    assert "Recorded for the wrong person" in person.text
    assert "No first responder training recorded" in person.select_one("#latest-training").text
    # Once only: a second go says so and writes nothing.
    again = admin.client.get(url)
    assert again.status_code == 303
    assert len(audit_rows(db, "training.withdraw")) == 1


# -- The Training page and its CSV ------------------------------------------------------------


def test_the_page_lists_untrained_overdue_and_in_date_officers(as_role, db):
    today = uk_today()
    trained(db, user_id(db, "inspector"), add_months(today, -12).isoformat())  # to the day
    trained(db, user_id(db, "coordinator"), (add_months(today, -12) - timedelta(1)).isoformat())
    add_officer(db, "una.untrained")
    trained(db, user_id(db, "admin"), today.isoformat())  # not an officer
    page = as_role("admin").get("/admin/training")
    groups = {g: page.select_one(f"#{g}").text for g in ("untrained", "overdue", "trained")}
    assert "Una Untrained" in groups["untrained"]
    assert "Cole Coordinator" in groups["overdue"]
    assert "Ivy Inspector" in groups["trained"]
    assert not any("Ada Admin" in text for text in groups.values())
    counts = {d["data-count"]: d.text for d in page.select("[data-count]")}
    assert counts == {"officers": "3", "trained": "1", "overdue": "1", "untrained": "1"}
    assert timeutil.long_date(today) in groups["trained"]  # refresh due today


def test_the_refresh_period_is_the_setting(app, as_role, db):
    app.config["TRAINING_REFRESH_MONTHS"] = 6
    trained(db, user_id(db, "inspector"), add_months(uk_today(), -7).isoformat())
    page = as_role("coordinator").get("/admin/training")
    assert "Ivy Inspector" in page.select_one("#overdue").text
    assert "every 6 months" in page.text


def read_csv(response) -> tuple[list[list[str]], list[dict]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:], newline="")))
    return lines[:2], [dict(zip(lines[2], row, strict=True)) for row in lines[3:]]


def test_the_csv_lists_everyone_and_its_download_is_audited(as_role, db):
    day = uk_today() - timedelta(days=1)
    trained(db, user_id(db, "inspector"), day.isoformat(), course=LOCAL)
    response = as_role("admin").client.get("/admin/training.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="training-{uk_today().isoformat()}.csv"'
    )
    head, rows = read_csv(response)
    assert head == [["Status on", uk_today().isoformat()], []]
    by_name = {r["Name"]: r for r in rows}
    assert set(by_name) == {"Ivy Inspector", "Cole Coordinator"}
    assert by_name["Ivy Inspector"] == {
        "Name": "Ivy Inspector",
        "Username": "ivy.inspector",
        "Role": "Inspector",
        "Status": "In date",
        "Latest training": day.isoformat(),
        "Course": LOCAL,
        "Refresh due": add_months(day, 12).isoformat(),
        "Recorded by": "",
        "Recorded at": by_name["Ivy Inspector"]["Recorded at"],
    }
    assert by_name["Cole Coordinator"]["Status"] == "Untrained"
    (audited,) = audit_rows(db, "training.download")
    assert json.loads(audited["detail"]) == {"officers": 2}


# -- Hostile text -----------------------------------------------------------------------------


def test_hostile_course_names_are_cleaned_escaped_and_formula_safe(as_role, db):
    admin = as_role("admin")
    ivy = user_id(db, "inspector")
    hostile = '=HYPERLINK("http://evil.example","<b>click</b>")\u202e\x00<script>x()</script>'
    admin.post(f"/admin/training/users/{ivy}", form(course="other", other=hostile), expected=303)
    (record,) = training_q.for_user(db, ivy)
    assert (
        record["course"] == '=HYPERLINK("http://evil.example","<b>click</b>")<script>x()</script>'
    )
    raw = admin.client.get("/admin/training").get_data(as_text=True)
    assert "<script>x()</script>" not in raw and "<b>click</b>" not in raw
    assert "&lt;script&gt;x()&lt;/script&gt;" in raw
    _, rows = read_csv(admin.client.get("/admin/training.csv"))
    (ivy_row,) = [r for r in rows if r["Username"] == "ivy.inspector"]
    assert ivy_row["Course"].startswith("'=HYPERLINK(")


def test_a_formula_in_a_name_is_harmless_in_the_csv(as_role, db):
    users_q.update(
        db,
        user_id(db, "inspector"),
        {"display_name": "@SUM(1+1)*cmd", "role": "inspector", "agency": None, "active": 1},
        end_sessions=False,
    )
    db.conn.commit()
    _, rows = read_csv(as_role("admin").client.get("/admin/training.csv"))
    assert "'@SUM(1+1)*cmd" in [r["Name"] for r in rows]


# -- Who may see and change it ----------------------------------------------------------------

READ_PAGES = ["/admin/training", "/admin/training.csv", "/admin/training/users/1"]


@pytest.mark.parametrize("role", ["inspector", "partner"])
@pytest.mark.parametrize("url", READ_PAGES)
def test_inspectors_and_partners_cannot_see_training(as_role, role, url):
    as_role(role).get(url, expected=403)


@pytest.mark.parametrize("role", ["inspector", "partner", "coordinator"])
def test_only_admins_record_or_withdraw(as_role, db, role):
    ivy = user_id(db, "inspector")
    record = trained(db, ivy, uk_today().isoformat())
    client = as_role(role)
    # A CSRF token from a page this role can open, so only the role rule can refuse.
    client.post(f"/admin/training/users/{ivy}", form(), expected=403, form_url="/")
    client.post(f"/admin/training/{record}/withdraw", {"reason": "x"}, expected=403, form_url="/")
    client.get(f"/admin/training/{record}/withdraw", expected=403)
    assert len(training_q.for_user(db, ivy)) == 1
    assert training_q.for_user(db, ivy)[0]["withdrawn_at"] is None


def test_coordinators_read_the_list_but_get_no_forms(as_role, db):
    ivy = user_id(db, "inspector")
    trained(db, ivy, uk_today().isoformat())
    coordinator = as_role("coordinator")
    listing = coordinator.get("/admin/training")
    assert "Ivy Inspector" in listing.select_one("#trained").text
    person = coordinator.get(f"/admin/training/users/{ivy}")
    assert person.select("main form") == []
    assert "Withdraw" not in person.select_one("#training-records").text
    menu = [a.text.strip() for a in coordinator.get("/").select(".govuk-service-navigation__link")]
    assert "Training" in menu


def test_record_pages_need_a_csrf_token(as_role, db):
    client = as_role("admin").client
    response = client.post(f"/admin/training/users/{user_id(db, 'inspector')}", data=form())
    assert response.status_code == 400
    assert training_q.for_user(db, user_id(db, "inspector")) == []


# -- The officer's own training ---------------------------------------------------------------


def test_an_officer_sees_their_own_training_on_the_home_page(as_role, db):
    inspector = as_role("inspector")
    own = inspector.get("/").select_one("#own-training").text
    assert "No first responder training recorded: ask your coordinator" in own
    trained(db, user_id(db, "inspector"), "2026-04-01")
    own = " ".join(inspector.get("/").select_one("#own-training").text.split())
    assert f"Your first responder training: 1 April 2026 ({HOME_OFFICE})" in own
    if uk_today() > date(2027, 4, 1):
        assert "due to be refreshed by 1 April 2027: ask your coordinator" in own
    else:
        assert "Refresh it by 1 April 2027" in own


def test_an_overdue_officer_is_told_to_ask(as_role, db):
    trained(db, user_id(db, "coordinator"), "2016-02-29")
    own = " ".join(as_role("coordinator").get("/").select_one("#own-training").text.split())
    assert "It was due to be refreshed by 28 February 2017: ask your coordinator." in own


@pytest.mark.parametrize("role", ["admin", "partner"])
def test_other_roles_see_no_training_line(as_role, role):
    assert as_role(role).get("/").select_one("#own-training") is None


def test_an_officers_user_page_links_to_their_training(as_role, db):
    admin = as_role("admin")
    ivy = user_id(db, "inspector")
    links = admin.get(f"/admin/users/{ivy}").select(f'a[href="/admin/training/users/{ivy}"]')
    assert links
    partner = user_id(db, "partner")
    assert admin.get(f"/admin/users/{partner}").select('a[href^="/admin/training/"]') == []


def test_a_post_without_the_date_boxes_is_told_to_enter_the_date(as_role, db):
    """A hand-made request with no day, month or year at all gets the form back."""
    ivy = user_id(db, "inspector")
    data = {k: v for k, v in form().items() if k != "trained_on"}
    response = as_role("admin").post(f"/admin/training/users/{ivy}", data, expected=400)
    page = parse(response.get_data(as_text=True))
    assert "Enter the date of the training" in page.select_one("#trained_on-error").text
