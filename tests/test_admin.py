"""Admins manage users in the browser; every change is audited."""

import pytest

from fieldapp import accounts
from fieldapp.queries import users as users_q
from tests.conftest import parse

NEW_USER = {
    "display_name": "Nia New",
    "username": "nia.new",
    "role": "partner",
    "agency": "hmrc_nmw",
    "password": "twelve chars or more",
}


def test_admin_creates_a_partner_user(as_role, db):
    admin = as_role("admin")
    response = admin.post("/admin/users/new", NEW_USER)
    assert response.headers["Location"] == "/admin/users"
    user = users_q.find_by_username(db, "nia.new")
    assert (user["role"], user["agency"]) == ("partner", "hmrc_nmw")
    page = admin.get("/admin/users")
    assert "Nia New" in page.text and "HMRC National Minimum Wage" in page.text
    audit = next(
        db.query(
            "SELECT * FROM audit WHERE action = 'user.create' AND record_id = ?", [str(user["id"])]
        )
    )
    assert audit["username"] == "ada.admin"
    assert "twelve chars" not in (audit["detail"] or "")


@pytest.mark.parametrize(
    ("change", "field_id", "message"),
    [
        ({"display_name": ""}, "display_name", "Enter the person's full name"),
        ({"username": "has space"}, "username", "Username can only contain letters"),
        ({"username": "ivy.inspector"}, "username", "The username ivy.inspector is already taken"),
        ({"role": ""}, "role", "Select a role"),
        ({"agency": ""}, "agency", "Select the agency this partner user belongs to"),
        ({"password": "short"}, "password", "Password must be 12 characters or more"),
    ],
)
def test_new_user_errors_name_the_field(as_role, db, change, field_id, message):
    admin = as_role("admin")
    response = admin.post("/admin/users/new", {**NEW_USER, **change}, expected=200)
    page = parse(response.get_data(as_text=True))
    links = page.select(f'.govuk-error-summary a[href="#{field_id}"]')
    assert [a.text.strip() for a in links] and links[0].text.strip().startswith(message)
    assert message in page.select_one(f"#{field_id}-error").text
    assert users_q.find_by_username(db, "nia.new") is None


def test_admin_changes_role_and_disables_user_and_it_is_audited(as_role, db):
    admin = as_role("admin")
    target = users_q.find_by_username(db, "ivy.inspector")
    url = f"/admin/users/{target['id']}"
    admin.post(
        url, {"display_name": "Ivy Inspector", "role": "coordinator", "agency": "", "active": "y"}
    )
    assert users_q.get(db, target["id"])["role"] == "coordinator"
    admin.post(url, {"display_name": "Ivy Inspector", "role": "coordinator", "agency": ""})
    assert users_q.get(db, target["id"])["active"] == 0
    details = [
        r["detail"]
        for r in db.query(
            "SELECT detail FROM audit WHERE action = 'user.update' AND record_id = ? ORDER BY id",
            [str(target["id"])],
        )
    ]
    assert details == [
        '{"changes": {"role": ["inspector", "coordinator"]}}',
        '{"changes": {"active": [1, 0]}}',
    ]


def test_admin_cannot_remove_their_own_admin_rights(as_role, db):
    admin = as_role("admin")
    me = users_q.find_by_username(db, "ada.admin")
    response = admin.post(
        f"/admin/users/{me['id']}",
        {"display_name": "Ada Admin", "role": "inspector", "agency": ""},
        expected=200,
    )
    summary = error_summary(response)
    assert summary["#role"] == "You cannot remove your own admin rights"
    assert summary["#active"] == "You cannot disable your own account"
    assert users_q.get(db, me["id"])["role"] == "admin"


def error_summary(response) -> dict[str, str]:
    page = parse(response.get_data(as_text=True))
    return {a["href"]: a.text.strip() for a in page.select(".govuk-error-summary a")}


def test_admin_cannot_disable_their_own_account(as_role, db):
    admin = as_role("admin")
    me = users_q.find_by_username(db, "ada.admin")
    response = admin.post(
        f"/admin/users/{me['id']}",
        {"display_name": "Ada Admin", "role": "admin", "agency": ""},
        expected=200,
    )
    assert error_summary(response) == {"#active": "You cannot disable your own account"}
    assert "You cannot remove your own admin rights" not in response.get_data(as_text=True)
    assert users_q.get(db, me["id"])["active"] == 1


def test_admin_cannot_take_away_their_own_admin_role(as_role, db):
    admin = as_role("admin")
    me = users_q.find_by_username(db, "ada.admin")
    response = admin.post(
        f"/admin/users/{me['id']}",
        {"display_name": "Ada Admin", "role": "coordinator", "agency": "", "active": "y"},
        expected=200,
    )
    assert error_summary(response) == {"#role": "You cannot remove your own admin rights"}
    assert users_q.get(db, me["id"])["role"] == "admin"


def test_admin_resets_a_password(as_role, db):
    admin = as_role("admin")
    target = users_q.find_by_username(db, "ivy.inspector")
    admin.post(f"/admin/users/{target['id']}/password", {"password": "fresh password here"})
    assert accounts.verify(db, "ivy.inspector", "fresh password here")
    response = admin.post(
        f"/admin/users/{target['id']}/password", {"password": "short"}, expected=200
    )
    assert "Password must be 12 characters or more" in response.get_data(as_text=True)


def test_audit_log_lists_sign_ins(as_role):
    page = as_role("admin").get("/admin/audit")
    assert "auth.sign_in" in page.text
