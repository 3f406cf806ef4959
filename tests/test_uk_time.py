"""A visit at 00:30 BST on 1 April 2026 is stored as 23:30 UTC on 31 March, and is on
1 April everywhere a person or a partner's system reads it: pages, exports, filters."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from flask import render_template_string

from fieldapp import recording, submission
from fieldapp import sitefilter as filters
from fieldapp.exports import encoders
from fieldapp.queries import operations as ops_q
from fieldapp.queries import referrals as referrals_q
from fieldapp.queries import sites as sites_q
from fieldapp.queries import users as users_q
from fieldapp.queries import visits as visits_q
from fieldapp.referrals import Referral
from tests.conftest import USERS, AuthActions
from tests.factories import record_visit
from tests.visit_helpers import add_premises, visit_form

STORED = "2026-03-31T23:30:00+00:00"  # 00:30 BST on 1 April 2026


@pytest.fixture
def april_visit(app, monkeypatch):
    """(premises id, visit id) of April Wash, visited only at 00:30 BST on 1 April 2026."""
    # The visit form refuses a time more than 30 days old: record it as if sent that night.
    sent = datetime(2026, 3, 31, 23, 31, tzinfo=UTC)
    monkeypatch.setattr(submission, "utcnow", lambda: sent)
    monkeypatch.setattr(recording, "now_iso", lambda: sent.isoformat())
    premises_id = add_premises(app, "April Wash")
    visit_id = record_visit(app, premises_id, visit_form(visited_at=STORED, fix_at=STORED))
    return premises_id, visit_id


def test_the_premises_page_shows_the_visit_at_half_past_midnight_bst_on_1_april(
    as_role, april_visit
):
    premises_id, _ = april_visit
    page = as_role("inspector").get(f"/premises/{premises_id}")
    when = page.select_one("tbody time")
    assert when.text == "1 April 2026, 12:30am BST"
    assert when["datetime"] == "2026-04-01T00:30:00+01:00"
    rows = page.select(".govuk-summary-list__row")
    last_visit = next(row.dd.text for row in rows if row.dt.text == "Last visit")
    assert last_visit == "1 April 2026"
    assert "UTC" not in page.text and "31 March" not in page.text


def test_lists_and_the_map_popup_say_1_april(as_role, april_visit):
    premises_id, _ = april_visit
    coordinator = as_role("coordinator")
    row = coordinator.get("/sites?sort=name").select_one(f'tr[data-id="{premises_id}"]')
    assert "1 April 2026" in row.text
    recent = coordinator.get("/visits/recent").text
    assert "1 April 2026" in recent and "2026-03-31" not in recent
    popup = coordinator.client.get(f"/sites/{premises_id}/summary.json").json
    assert popup["last_visit"] == "1 April 2026"


@pytest.mark.parametrize("fmt", ["csv", "geojson", "kml"])
def test_exports_give_the_visit_its_uk_date(app, april_visit, fmt):
    client = app.test_client()
    assert AuthActions(client).login("coordinator").status_code == 302
    response = client.get(f"/exports/sites.{fmt}?agency=police&everything=1")
    assert response.status_code == 200
    data = response.get_data()
    if fmt == "csv":
        rows = encoders.read_csv(data)
        assert [r["last_visit_date"] for r in rows if r["name"] == "April Wash"] == ["2026-04-01"]
    elif fmt == "geojson":
        features = json.loads(data)["features"]
        assert [f["properties"]["last_visit_date"] for f in features] == ["2026-04-01"]
    else:
        assert b'<SimpleData name="last_visit_date">2026-04-01</SimpleData>' in data
    assert b"2026-03-31" not in data


def test_an_export_says_when_it_was_made_in_uk_time():
    meta = encoders.Metadata(
        marking="OFFICIAL-SENSITIVE",
        made_at="2026-03-31T23:45:00+00:00",
        made_by="Cole Coordinator (cole.coordinator)",
        agency="police",
        agency_name="Police",
        filter="all sites",
        checklist_versions=(),
        site_count=0,
    )
    assert meta.as_dict()["made_at"] == "2026-04-01T00:45:00+01:00"
    assert dict(meta.labelled())["Made at"] == (
        "1 April 2026, 12:45am BST (2026-04-01T00:45:00+01:00)"
    )
    winter = encoders.Metadata(**{**meta.__dict__, "made_at": "2026-12-01T09:00:00+00:00"})
    assert dict(winter.labelled())["Made at"] == (
        "1 December 2026, 9am GMT (2026-12-01T09:00:00+00:00)"
    )


@pytest.mark.parametrize(
    ("args", "included"),
    [
        ({"visited_after": "2026-04-01"}, True),
        ({"visited_before": "2026-03-31"}, False),
        ({"visited_before": "2026-04-01"}, True),
        ({"visited_after": "2026-04-02"}, False),
        ({"visited_after": "2026-04-01", "visited_before": "2026-04-01"}, True),
    ],
)
def test_visit_date_filters_are_uk_days(db, april_visit, args, included):
    f = filters.parse(args)
    assert not f.errors
    assert (april_visit[0] in {r["id"] for r in sites_q.select(db, f)}) is included


def test_the_site_list_filter_is_a_uk_day_too(as_role, april_visit):
    premises_id, _ = april_visit
    coordinator = as_role("coordinator")
    rows = coordinator.get("/sites?visited_after=2026-04-01").select("tr[data-id]")
    assert [int(r["data-id"]) for r in rows] == [premises_id]
    assert not coordinator.get("/sites?visited_before=2026-03-31").select("tr[data-id]")


def test_referrals_count_in_the_period_of_their_uk_day(db, april_visit):
    _, visit_id = april_visit
    visit = visits_q.get(db, visit_id)
    user = users_q.find_by_username(db, USERS["inspector"][0])
    referrals_q.add(
        db,
        visit=visit,
        referral=Referral(route="nrm", reference=None, made_at=STORED, adults=1),
        user_id=user["id"],
    )
    april = ops_q.in_period(db, date(2026, 4, 1), date(2026, 4, 30))
    march = ops_q.in_period(db, date(2026, 3, 1), date(2026, 3, 31))
    assert april["routine_referrals"] == {"nrm": 1}
    assert march["routine_referrals"] == {}


def test_logs_show_uk_time_with_the_zone(app, as_role):
    admin = as_role("admin")  # signing in is audited
    page = admin.get("/admin/audit")
    assert [th.text for th in page.select("thead th")][0] == "When"
    times = page.select("tbody time")
    assert times
    for when in times:
        instant = datetime.fromisoformat(when["datetime"])
        assert when.text.endswith("BST" if instant.utcoffset() else "GMT")
    assert "UTC" not in page.text


@pytest.mark.parametrize(
    ("template", "text"),
    [
        ('{{ "2026-03-31T23:30:00+00:00" | uk_datetime }}', "1 April 2026, 12:30am BST"),
        ('{{ "2026-03-31T23:30:00+00:00" | uk_date }}', "1 April 2026"),
        ('{{ "2026-04-01" | uk_date }}', "1 April 2026"),
        (
            '{{ "2026-03-31T23:30:00+00:00" | uk_time_element }}',
            '<time datetime="2026-04-01T00:30:00+01:00">1 April 2026, 12:30am BST</time>',
        ),
        ('{{ none | uk_datetime("Never") }}', "Never"),
        ("{{ none | uk_date }}", ""),
        ('{{ none | uk_time_element("—") }}', "—"),
        ('{{ "<b>soon</b>" | uk_time_element }}', "&lt;b&gt;soon&lt;/b&gt;"),
        (
            '{{ "2026-03-31T23:30:09+00:00" | uk_time_element(seconds=True) }}',
            '<time datetime="2026-04-01T00:30:09+01:00">1 April 2026, 12:30:09am BST</time>',
        ),
    ],
)
def test_the_template_filters(app, template, text):
    with app.test_request_context():
        assert render_template_string(template) == text
