"""Control and direction characters never reach the database; letters and accents do."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from wtforms import PasswordField

from fieldapp.imports import csvfile
from fieldapp.queries import users as users_q
from fieldapp.text import clean
from fieldapp.web.forms import kept_as_typed
from tests.test_operations import plan
from tests.test_premises import new_premises_form
from tests.test_visits import post_visit
from tests.visit_helpers import add_premises, visit_form

POLISH = "Myjnia Łódź – Żółć & Gęś"
ARABIC = "مغسلة السيارات اليدوية"
CHINESE = "美甲沙龙 · 王小明"
EVIL = "Evil\u202eWash\x00"


@pytest.mark.parametrize("text", [POLISH, ARABIC, CHINESE, "Zoë’s Nails (Café) №5", "Ünal 😀"])
def test_letters_accents_and_every_script_survive(text):
    assert clean(text) == text
    assert clean(text, multiline=True) == text


@pytest.mark.parametrize(
    ("raw", "single_line", "multiline"),
    [
        (EVIL, "EvilWash", "EvilWash"),
        ("a\u202ab\u202bc\u202cd\u202de", "abcde", "abcde"),
        ("\u2066isolated\u2067\u2068\u2069", "isolated", "isolated"),
        ("mark\u200eed\u200f", "marked", "marked"),
        ("bell\x07 esc\x1b del\x7f c1\x85\x9f", "bell esc del c1", "bell esc del c1"),
        ("two\nlines\tand tab", "two lines and tab", "two\nlines\tand tab"),
        ("windows\r\nline", "windows  line", "windows\nline"),
    ],
)
def test_control_and_direction_characters_go(raw, single_line, multiline):
    assert clean(raw) == single_line
    assert clean(raw, multiline=True) == multiline


def test_premises_fields_are_cleaned(app, as_role, db):
    as_role("inspector").post(
        "/premises/new",
        new_premises_form(name=EVIL, address="2 Test\u202e Street\x00", postcode="LE1\x00 5AA"),
    )
    row = next(db.query("SELECT name, address, postcode FROM premises"))
    assert row == {"name": "EvilWash", "address": "2 Test Street", "postcode": "LE1 5AA"}


def test_premises_names_in_any_script_are_kept(app, as_role, db):
    officer = as_role("inspector")
    officer.post("/premises/new", new_premises_form(name=POLISH))
    officer.post("/premises/new", new_premises_form(name=ARABIC, latitude="52.7", confirm_new="y"))
    names = {r["name"] for r in db.query("SELECT name FROM premises")}
    assert {POLISH, ARABIC} <= names


def test_visit_notes_reasons_and_referral_references_are_cleaned(client, as_role, app, db):
    as_role("inspector")
    premises_id = add_premises(app)
    form = visit_form(
        **{
            "notes": "Line one\u202e\r\nLine\ttwo\x00",
            "note-cash_only": "Cash\x1b only",
            "accuracy_m": "500",
            "location_reason": "Under a\u2066 canopy",
            "q-spoken_for": "yes",
        }
    )
    assert post_visit(client, premises_id, form).status_code == 303
    visit = next(db.query("SELECT notes, location_reason FROM visits"))
    assert visit == {"notes": "Line one\nLine\ttwo", "location_reason": "Under a canopy"}
    note = db.execute("SELECT note FROM answers WHERE question_id = 'cash_only'").fetchone()[0]
    assert note == "Cash only"
    from tests.conftest import csrf_token

    url = f"/visits/{form['visit_id']}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    response = client.post(
        f"{url}/referrals",
        data={
            "csrf_token": token,
            "route": "nrm",
            "reference": "NRM\u202e-0042\x00",
            "adults": "1",
            "exploitation": "labour",
            "consent_recorded": "yes",
        },
    )
    assert response.status_code == 303
    assert db.execute("SELECT reference FROM referrals").fetchone()[0] == "NRM-0042"


def test_amendment_reasons_are_cleaned(client, as_role, app, db):
    from tests.conftest import parse

    as_role("inspector")
    premises_id = add_premises(app)
    form = visit_form()
    post_visit(client, premises_id, form)
    amend_url = f"/visits/{form['visit_id']}/amend"
    new_id = parse(client.get(amend_url).get_data(as_text=True)).select_one(
        'input[name="visit_id"]'
    )["value"]
    fields = {**form, "visit_id": new_id, "amendment_reason": "Typo\u202e in\x00 price"}
    assert post_visit(client, premises_id, fields, url=amend_url).status_code == 303
    reason = db.execute("SELECT amendment_reason FROM visits WHERE id = ?", [new_id]).fetchone()
    assert reason[0] == "Typo in price"


def test_operation_fields_are_cleaned(app, as_role, db):
    coordinator = as_role("coordinator")
    add_premises(app)
    operation_id = plan(
        coordinator,
        "take=all&band=none",
        name="Operation\u202e Sweep\x00",
        briefing="Meet at 07:30\r\nBring\x1b vests",
    )
    row = db.execute(
        "SELECT name, briefing FROM operations WHERE id = ?", [operation_id]
    ).fetchone()
    assert tuple(row) == ("Operation Sweep", "Meet at 07:30\nBring vests")


def test_user_display_names_are_cleaned_and_passwords_left_alone(as_role, db, app):
    from tests.test_admin import NEW_USER

    admin = as_role("admin")
    password = "twelve chars\u202e or more"  # odd, but the owner's own: never changed
    admin.post(
        "/admin/users/new", {**NEW_USER, "display_name": CHINESE + "\u202e", "password": password}
    )
    user = users_q.find_by_username(db, "nia.new")
    assert user["display_name"] == CHINESE
    from tests.conftest import AuthActions

    signed_in = AuthActions(app.test_client()).login(username="nia.new", password=password)
    assert signed_in.status_code == 302


def test_every_password_field_is_left_as_typed(app):
    """A password field named so the cleaning would touch it fails here first."""
    import fieldapp.web  # noqa: F401 - every form class is imported with its area

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = {
        name
        for form in subclasses(FlaskForm)
        for name, field in vars(form).items()
        if getattr(field, "field_class", None) is PasswordField
    }
    assert names, "no password fields found: the walk is broken"
    assert all(kept_as_typed(name) for name in names), names
    assert kept_as_typed("username")  # refused by its own rules, not quietly changed


def test_the_csv_import_cleans_every_cell():
    data = (
        "name,sector,address,postcode\n"
        f'{EVIL},hand car wash,"1 High\u202e St\x00",LE1 5AA\n'
        f"{POLISH},nail bar,2 High St,LE1 5AB\n"
        f"{ARABIC},nail bar,3 High St,LE1 5AD\n"
    ).encode()
    parsed = csvfile.parse(data)
    assert [r.name for r in parsed.rows] == ["EvilWash", POLISH, ARABIC]
    assert parsed.rows[0].address == "1 High St"
