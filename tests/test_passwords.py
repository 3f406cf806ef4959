"""The password policy (NCSC): 12 characters or more, not a common password, not the
username, the person's name or the service's name; clear messages everywhere it is set."""

import tomllib

import pytest

from fieldapp import passwords
from fieldapp.config import ROOT
from fieldapp.queries import users as users_q
from tests.conftest import parse

IVY = {"username": "ivy.inspector", "display_name": "Ivy Inspector"}
SERVICES = ("Fieldapp", "fieldapp")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Password must be 12 characters or more"),
        ("x" * 257, "Password must be 256 characters or fewer"),
        ("password1234", "Password is too common"),
        ("PassWord1234", "Password is too common"),
        ("qwertyuiop123", "Password is too common"),
        ("123456789012", "Password is too common"),
        ("password 1234", "Password is too common"),
        ("sunshine2026!", "Password is too common"),
        ("Liverpool1234", "Password is too common"),
        ("ivy.inspector2026", "Password must not contain the username"),
        ("IVY.INSPECTOR rocks", "Password must not contain the username"),
        ("grass is greener ivy", "Password must not contain the person's name"),
        ("the INSPECTOR calls", "Password must not contain the person's name"),
        ("my fieldapp secret", "Password must not contain the name of the service (Fieldapp)"),
        ("tab\tseparated words", "Password must not contain control characters"),
        ("nul\x00hidden in here", "Password must not contain control characters"),
    ],
)
def test_a_password_against_the_rule_is_refused_with_a_reason(password, message):
    found = passwords.problem(password, **IVY, service_names=SERVICES)
    assert found is not None and found.startswith(message)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",
        "purple tractor moonbeam",
        "Wézé café naïve 42",  # letters and accents are fine
        "x" * 256,
        "a" * 11 + "Q",
    ],
)
def test_a_long_uncommon_password_is_accepted(password):
    assert passwords.problem(password, **IVY, service_names=SERVICES) is None


def test_the_deny_list_is_real_data_of_several_hundred_lower_case_passwords():
    listed = passwords.common_passwords()
    assert len(listed) >= 500
    assert all(p == p.lower() and p.strip() == p and p for p in listed)
    long_ones = {p for p in listed if len(p) >= 12}
    assert {"password1234", "qwertyuiop123", "123456789012"} <= long_ones
    assert len(long_ones) >= 50
    header = (ROOT / "fieldapp" / "common_passwords.txt").read_text().splitlines()[:12]
    assert any("Source:" in line for line in header)


def test_the_deny_list_is_shipped_with_the_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "common_passwords.txt" in config["tool"]["setuptools"]["package-data"]["fieldapp"]


NEW_USER = {
    "display_name": "Nia New",
    "username": "nia.new",
    "role": "inspector",
    "agency": "",
    "password": "twelve chars or more",
}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password1234", "Password is too common"),
        ("nia.new is me!", "Password must not contain the username"),
        ("hello nia my friend", "Password must not contain the person's name"),
        ("short", "Password must be 12 characters or more"),
    ],
)
def test_admin_new_user_form_names_the_password_problem(as_role, db, password, message):
    response = as_role("admin").post(
        "/admin/users/new", {**NEW_USER, "password": password}, expected=200
    )
    page = parse(response.get_data(as_text=True))
    assert message in page.select_one("#password-error").text
    assert page.select('.govuk-error-summary a[href="#password"]')
    assert users_q.find_by_username(db, "nia.new") is None


def test_admin_password_reset_refuses_a_common_password(as_role, db):
    target = users_q.find_by_username(db, "ivy.inspector")
    url = f"/admin/users/{target['id']}/password"
    admin = as_role("admin")
    response = admin.post(url, {"password": "password1234"}, expected=200)
    assert "Password is too common" in response.get_data(as_text=True)
    response = admin.post(url, {"password": "ivy.inspector!!"}, expected=200)
    assert "Password must not contain the username" in response.get_data(as_text=True)


def test_command_line_refuses_a_common_password(runner, db):
    result = runner.invoke(
        args=["users", "create", "new.one", "--name", "New One", "--role", "inspector",
              "--password", "password1234"]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "password: Password is too common" in result.output
    target = users_q.find_by_username(db, "ivy.inspector")
    result = runner.invoke(args=["users", "reset-password", "ivy.inspector", "--password",
                                 "qwertyuiop123"])  # fmt: skip
    assert result.exit_code != 0
    assert "Password is too common" in result.output
    assert users_q.get(db, target["id"])["password_hash"] == target["password_hash"]


def test_command_line_refuses_markup_in_a_username(runner, db):
    result = runner.invoke(
        args=["users", "create", "<b>bold</b>", "--name", "Bold", "--role", "inspector",
              "--password", "purple tractor moonbeam"]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "username: Username can only contain letters" in result.output


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ('<script>alert("x")</script>', "whatever it is here", "Enter a correct username"),
        ("ivy.inspector", "y" * 5000, "Password must be 256 characters or fewer"),
        ("u" * 5000, "whatever it is here", "Username must be 200 characters or fewer"),
        ("ivy\x00.inspector", "correct horse battery", "Enter a correct username"),
        ("ivy.inspector", "correct\x00horse battery", "Enter a correct username"),
    ],
)
def test_hostile_sign_in_input_gets_a_clear_message_not_an_error(auth, username, password, message):
    response = auth.login(username=username, password=password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert "<script>alert" not in html
