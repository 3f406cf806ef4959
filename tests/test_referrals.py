"""What a referral may record: a reference that is never a name, a date of birth, a phone
number or an email; a time that is not in the future or before the visit; the people it
concerns by age; and, for an adult's NRM referral, their consent. Corrections are appended,
and next steps are ticked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fieldapp import referrals
from fieldapp.queries import connect
from fieldapp.timeutil import UK
from tests.conftest import AuthActions, csrf_token, make_app, parse
from tests.test_visits import post_visit
from tests.visit_helpers import add_premises, visit_form

ROUTES = {
    r: {"id": r, "concern": "slavery"} for r in ("nrm", "duty_to_notify", "child", "police_999")
} | {"fair_work_agency": {"id": "fair_work_agency", "concern": "labour"}}
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
CONTEXT = referrals.Context(
    routes=ROUTES,
    agencies={"police": {}, "immigration": {}},
    visited_at=datetime(2026, 1, 10, 10, 0, tzinfo=UTC),
    now=NOW,
    zone=UK,
)
ADULT = {"route": "nrm", "adults": "1", "exploitation": "labour", "consent_recorded": "yes"}


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("John Smith", "a person's name"),
        ("Anna Kowalska 2026", "a person's name"),
        ("01/02/1990", "a date, such as a date of birth"),
        ("DOB 1.2.90", "a date, such as a date of birth"),
        ("1990-02-01", "a date, such as a date of birth"),
        ("born 1 February 1990", "a date, such as a date of birth"),
        ("01021990", "a date, such as a date of birth"),
        ("07700 900123", "a phone number"),
        ("+44 7700 900123", "a phone number"),
        ("0116 496 0123", "a phone number"),
        ("anna@example.com", "an email address"),
    ],
)
def test_a_reference_that_looks_personal_is_refused_saying_what_it_looks_like(typed, why):
    reference, problem = referrals.check_reference(typed)
    assert reference is None
    assert problem.startswith(f"The reference looks like {why}.")


@pytest.mark.parametrize(
    "typed",
    ["NRM/2026/01234", "DTN-2026/0042", "MS 000123", "EH/CASE/88812", "NRM-26-4410A"],
)
def test_home_office_and_council_style_references_are_accepted(typed):
    assert referrals.check_reference(typed) == (typed, None)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Smith", "has no numbers in it"),
        ("<script>1</script>", "letters, numbers, spaces, / and -"),
        ("=HYPERLINK(1)", "letters, numbers, spaces, / and -"),
        ("A" * 39 + "12", "up to 40 characters"),
    ],
)
def test_a_reference_that_is_not_a_reference_number_is_refused(typed, message):
    reference, problem = referrals.check_reference(typed)
    assert reference is None and message in problem


def test_control_characters_are_removed_from_a_reference():
    assert referrals.check_reference("NRM\u202e-0042\x00") == ("NRM-0042", None)


def test_a_time_in_the_future_or_before_the_visit_is_refused():
    later = (NOW + timedelta(hours=1)).astimezone(UK).strftime("%Y-%m-%dT%H:%M")
    _, errors = referrals.parse({**ADULT, "made_at": later}, CONTEXT)
    assert errors == {"made_at": "The time the referral was made cannot be in the future"}
    _, errors = referrals.parse({**ADULT, "made_at": "2026-01-01T09:00"}, CONTEXT)
    assert errors == {"made_at": "The referral cannot have been made before the visit"}
    # A phone clock a minute or two ahead of the server's is not "the future".
    soon = (NOW + timedelta(minutes=2)).astimezone(UK).strftime("%Y-%m-%dT%H:%M")
    assert referrals.parse({**ADULT, "made_at": soon}, CONTEXT)[1] == {}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2026-12-01T09:00", "2026-12-01T09:00:00+00:00"),  # GMT: UK time is UTC
        ("2026-07-01T00:30", "2026-06-30T23:30:00+00:00"),  # BST: the day before in UTC
        # The clocks go forward at 1am on 29 March: 12:30am is GMT, 2:30am is BST, and
        # 1:30am never happens (read as GMT, which is 2:30am BST).
        ("2026-03-29T00:30", "2026-03-29T00:30:00+00:00"),
        ("2026-03-29T02:30", "2026-03-29T01:30:00+00:00"),
        ("2026-03-29T01:30", "2026-03-29T01:30:00+00:00"),
        # They go back at 2am on 25 October: 1:30am happens twice, taken as the first (BST).
        ("2026-10-25T00:30", "2026-10-24T23:30:00+00:00"),
        ("2026-10-25T01:30", "2026-10-25T00:30:00+00:00"),
        ("2026-10-25T02:30", "2026-10-25T02:30:00+00:00"),
    ],
)
def test_a_referral_time_is_typed_in_uk_time(typed, stored):
    referral, errors = referrals.parse({**ADULT, "made_at": typed}, CONTEXT)
    assert errors == {}
    assert referral.made_at == stored


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"route": "nrm", "exploitation": "labour"}, "adults", "how many adults or children"),
        (
            {**ADULT, "consent_recorded": "no"},
            "consent_recorded",
            "Duty to Notify referral instead",
        ),
        ({**ADULT, "consent_recorded": ""}, "consent_recorded", "informed consent"),
        ({"route": "child", "adults": "2", "exploitation": "labour"}, "children", "one child"),
        (
            {"route": "duty_to_notify", "children": "1", "exploitation": "labour"},
            "children",
            "A child is referred to the NRM without consent",
        ),
        ({**ADULT, "exploitation": ""}, "exploitation", "kinds of exploitation"),
        ({**ADULT, "adults": "two"}, "adults", "as a whole number"),
        ({**ADULT, "adults": "1e308"}, "adults", "as a whole number"),
        ({**ADULT, "adults": "99999999999999999999"}, "adults", "from 0 to 500"),
        ({**ADULT, "route": "made_up"}, "route", "Select the referral you made"),
    ],
)
def test_a_modern_slavery_referral_counts_people_by_age_and_respects_consent(form, field, message):
    referral, errors = referrals.parse(form, CONTEXT)
    assert referral is None and message in errors[field]


def test_a_childs_nrm_referral_needs_no_consent_and_counts_are_kept():
    referral, errors = referrals.parse(
        {"route": "nrm", "children": "2", "exploitation": ["labour", "criminal", "bogus"]},
        CONTEXT,
    )
    assert errors == {}
    assert (referral.adults, referral.children, referral.consent_recorded) == (None, 2, None)
    assert referral.exploitation == ["labour", "criminal"]  # unknown kinds are dropped


def test_a_labour_referral_needs_no_count_of_victims():
    referral, errors = referrals.parse({"route": "fair_work_agency"}, CONTEXT)
    assert errors == {} and referral.route == "fair_work_agency"


# -- On the result page ----------------------------------------------------------------------


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def visit_url(app):
    client = app.test_client()
    AuthActions(client).login("inspector")
    premises_id = add_premises(app)
    form = visit_form(**{"q-spoken_for": "yes"})
    post_visit(client, premises_id, form)
    return client, f"/visits/{form['visit_id']}"


def _post(client, url, path, **data):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(f"{url}{path}", data={"csrf_token": token, **data})


def test_a_referral_with_counts_is_shown_and_a_correction_keeps_the_first(app, visit_url):
    client, url = visit_url
    sent = _post(client, url, "/referrals", **ADULT, reference="NRM/2026/01234",
                 agencies_told=["police", "immigration"])  # fmt: skip
    assert sent.status_code == 303, sent.get_data(as_text=True)[-2000:]
    page = parse(client.get(url).get_data(as_text=True))
    (record,) = page.select(".app-referral")
    text = " ".join(record.text.split())
    assert "1 adult, 0 children" in text and "Labour exploitation" in text
    assert "Informed consent recorded" in text and "NRM/2026/01234" in text
    referral_id = record["id"].removeprefix("referral-")

    refused = _post(client, url, f"/referrals/{referral_id}/correct", **ADULT, children="1")
    assert refused.status_code == 400
    errors = parse(refused.get_data(as_text=True)).select(".govuk-error-summary a")
    assert [(a["href"], a.text) for a in errors] == [
        (f"#fix{referral_id}-correction_reason", "Say what was wrong with the referral as recorded")
    ]
    fixed = _post(client, url, f"/referrals/{referral_id}/correct", **ADULT, children="1",
                  correction_reason="One of the workers is 16")  # fmt: skip
    assert fixed.status_code == 303
    page = parse(client.get(url).get_data(as_text=True))
    (record,) = page.select(".app-referral")
    text = " ".join(record.text.split())
    assert "1 adult, 1 child" in text and "One of the workers is 16" in text
    assert "1 earlier version kept" in text
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT count(*) FROM referrals").fetchone()[0] == 2
    with pytest.raises(Exception, match="referrals cannot be changed"):
        db.execute("UPDATE referrals SET adults = 9")
    # Only the corrected referral counts.
    from datetime import date

    from fieldapp.queries import operations as ops_q

    assert ops_q.in_period(db, date(2026, 1, 1), date(2027, 1, 1))["routine_referrals"] == {
        "nrm": 1
    }


def test_another_visits_referral_cannot_be_corrected_from_this_one(app, visit_url):
    client, url = visit_url
    _post(client, url, "/referrals", **ADULT)
    premises_id = add_premises(app, "Other Wash")
    form = visit_form(**{"q-spoken_for": "yes"})
    post_visit(client, premises_id, form)
    other = f"/visits/{form['visit_id']}"
    db = connect(app.config["DATABASE"])
    referral_id = db.execute("SELECT id FROM referrals").fetchone()[0]
    assert _post(client, other, f"/referrals/{referral_id}/correct", **ADULT,
                 correction_reason="x").status_code == 404  # fmt: skip


# -- Potential victims on a visit -----------------------------------------------------------


def test_a_visit_records_potential_victims_language_and_interpreter(app, visit_url):
    client, _ = visit_url
    premises_id = add_premises(app, "Counted Wash")
    form = visit_form(
        **{"q-spoken_for": "yes"},
        potential_victims="3",
        conversation_language="Romanian\u202e",
        interpreter="telephone",
    )
    assert post_visit(client, premises_id, form).status_code == 303
    db = connect(app.config["DATABASE"])
    row = next(db.query("SELECT * FROM visits WHERE id = ?", [form["visit_id"]]))
    assert (row["potential_victims"], row["conversation_language"], row["interpreter"]) == (
        3,
        "Romanian",
        "telephone",
    )
    page = parse(client.get(f"/visits/{form['visit_id']}").get_data(as_text=True))
    assert page.select_one("#potential-victims dd").text == "3"
    assert "Interpreter: a telephone interpreting service" in page.text
    # Correcting the visit starts from what was recorded.
    amend = parse(client.get(f"/visits/{form['visit_id']}/amend").get_data(as_text=True))
    assert amend.select_one("#potential_victims")["value"] == "3"
    assert amend.select_one("#interpreter-2").has_attr("checked")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"potential_victims": "lots"}, "potential_victims", "as a whole number"),
        ({"potential_victims": "-1"}, "potential_victims", "as a whole number"),
        ({"potential_victims": "501"}, "potential_victims", "from 0 to 500"),
        ({"conversation_language": "x" * 61}, "conversation_language", "60 characters"),
        ({"interpreter": "the manager"}, "interpreter", "from the list"),
    ],
)
def test_bad_counts_of_people_are_refused_naming_the_field(app, visit_url, fields, field, message):
    client, _ = visit_url
    premises_id = add_premises(app, "Bad Count Wash")
    form = visit_form(**fields)
    response = post_visit(client, premises_id, form)
    assert response.status_code == 400
    summary = parse(response.get_data(as_text=True)).select_one(".govuk-error-summary")
    link = summary.select_one(f'a[href="#{field}"]')
    assert link is not None and message in link.text
    db = connect(app.config["DATABASE"])
    assert (
        db.execute("SELECT count(*) FROM visits WHERE id = ?", [form["visit_id"]]).fetchone()[0]
        == 0
    )


def test_a_visit_sent_before_people_were_asked_hashes_as_it_did():
    import hashlib
    import json

    from fieldapp.submission import Submission

    sub = Submission(visit_id="v", visited_at="2026-01-01T00:00:00+00:00")
    # The fingerprint as visits were stored before these questions existed: a phone's outbox
    # re-sending such a visit must match it, not be taken for a different visit.
    old = {
        "premises_id": 1,
        "visited_at": sub.visited_at,
        "answers": {},
        "question_notes": {},
        "location": ["", None, None, None, None, ""],
        "notes": "",
        "outcome_reason": "",
        "photos": [],
    }
    text = json.dumps(old, sort_keys=True, separators=(",", ":"))
    assert sub.content_hash(1) == hashlib.sha256(text.encode()).hexdigest()
    sub.potential_victims = 0
    assert sub.content_hash(1) != hashlib.sha256(text.encode()).hexdigest()


def test_the_result_shows_follow_up_counts_and_every_note(app, visit_url):
    client, _ = visit_url
    premises_id = add_premises(app, "Noted Wash")
    form = visit_form(
        **{
            "q-living_on_site": "yes",
            "q-residents_count": "4",
            "note-residents_count": "Mattresses in the back office",
            "note-price_basic_wash": "Board says £6, charged £5",
        }
    )
    assert post_visit(client, premises_id, form).status_code == 303
    page = parse(client.get(f"/visits/{form['visit_id']}").get_data(as_text=True))
    follow_up = page.select_one('[data-follow-up="residents_count"]')
    assert " ".join(follow_up.text.split()) == (
        "How many people appear to live on site? 4 (note: Mattresses in the back office)"
    )
    other = " ".join(page.select_one("#other-notes").text.split())
    assert "£6.00. Note: Board says £6, charged £5" in other


def test_next_steps_are_ticked_and_unticked_and_unknown_steps_are_ignored(app, visit_url):
    client, url = visit_url
    _post(client, url, "/referrals", **ADULT)
    db = connect(app.config["DATABASE"])
    first = db.execute("SELECT id FROM referrals").fetchone()[0]
    ticked = _post(client, url, f"/referrals/{first}/steps", step=["nrm_submitted", "made_up"])
    assert ticked.status_code == 303
    assert db.execute("SELECT step, done FROM referral_steps").fetchall() == [("nrm_submitted", 1)]
    _post(client, url, f"/referrals/{first}/steps")  # nothing ticked now: untick it
    assert db.execute("SELECT step, done FROM referral_steps ORDER BY id").fetchall() == [
        ("nrm_submitted", 1),
        ("nrm_submitted", 0),
    ]
    page = parse(client.get(url).get_data(as_text=True))
    assert not page.select_one('input[name="step"][value="nrm_submitted"]').has_attr("checked")
