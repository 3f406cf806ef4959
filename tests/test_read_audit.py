"""Reads on the record (DPA 2018 s62 "consultation"): who viewed which visit, photo,
premises, briefing pack or audit log, when and why; and the audit page shows what was
recorded as text, whatever it holds."""

from __future__ import annotations

import io

import pytest

from fieldapp import audit
from fieldapp.queries import read_audit as read_audit_q
from tests.conftest import USERS, AuthActions
from tests.test_operations import plan
from tests.test_visits import post_visit
from tests.visit_helpers import add_premises, jpeg_bytes, visit_form


def reads(db):
    return list(db.query("SELECT * FROM reads ORDER BY id"))


@pytest.fixture
def visit(app, client, auth):
    """A visit with a photo, sent by the inspector (signed in on ``client``)."""
    premises_id = add_premises(app)
    auth.login("inspector")
    form = visit_form()
    response = post_visit(client, premises_id, form, files=[(io.BytesIO(jpeg_bytes()), "x.jpg")])
    assert response.status_code == 303, response.get_data(as_text=True)
    return {"premises_id": premises_id, "visit_id": form["visit_id"]}


def test_viewing_a_visit_records_who_what_when_and_why(client, visit, db):
    before = len(reads(db))
    assert client.get(f"/visits/{visit['visit_id']}").status_code == 200
    new = reads(db)[before:]
    assert len(new) == 1
    row = new[0]
    assert (row["table_name"], row["record_id"], row["why"]) == (
        "visits",
        visit["visit_id"],
        "case_work",
    )
    assert row["username"] == USERS["inspector"][0] and row["user_id"] is not None
    assert row["ip"] == "127.0.0.1" and row["at"].endswith("+00:00")


def test_viewing_a_photo_and_a_premises_page_are_recorded(client, visit, db):
    photo_id = db.execute("SELECT id FROM photos").fetchone()[0]
    assert client.get(f"/visits/photos/{photo_id}").status_code == 200
    assert client.get(f"/premises/{visit['premises_id']}").status_code == 200
    assert [(r["table_name"], r["record_id"]) for r in reads(db)[-2:]] == [
        ("photos", photo_id),
        ("premises", str(visit["premises_id"])),
    ]


def test_a_briefing_pack_read_is_recorded_as_operation_briefing(app, as_role, db):
    add_premises(app)
    coordinator = as_role("coordinator")
    operation_id = plan(coordinator, "take=all")
    coordinator.get(f"/operations/{operation_id}/brief")
    row = reads(db)[-1]
    assert (row["table_name"], row["record_id"], row["why"]) == (
        "operations",
        str(operation_id),
        "operation_briefing",
    )
    assert row["username"] == USERS["coordinator"][0]


def test_the_audit_log_read_is_recorded_as_audit_review(as_role, db):
    admin = as_role("admin")
    admin.get("/admin/audit")
    admin.get("/admin/audit?kind=reads")
    admin.get("/admin/exports")
    assert [(r["table_name"], r["why"]) for r in reads(db)[-3:]] == [
        ("audit", "audit_review"),
        ("reads", "audit_review"),
        ("export_log", "audit_review"),
    ]


def test_a_refused_or_missing_record_is_not_a_read(app, visit, db):
    before = len(reads(db))
    partner = app.test_client()
    AuthActions(partner).login("partner")
    assert partner.get(f"/visits/{visit['visit_id']}").status_code == 403
    inspector = app.test_client()
    AuthActions(inspector).login("inspector")
    assert inspector.get("/visits/no-such-visit").status_code == 404
    assert len(reads(db)) == before


def test_reads_are_append_only(client, visit, db):
    client.get(f"/visits/{visit['visit_id']}")
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE reads SET username = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM reads")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute(
            "INSERT INTO reads (at, table_name, why) VALUES ('2026-01-01T00:00:00+00:00', 'x', "
            "'curiosity')"
        )


def test_read_audit_off_writes_nothing(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path, READ_AUDIT=False)
    premises_id = add_premises(app)
    client = app.test_client()
    AuthActions(client).login("inspector")
    assert client.get(f"/premises/{premises_id}").status_code == 200
    from fieldapp.queries import connect

    assert connect(app.config["DATABASE"]).execute("SELECT count(*) FROM reads").fetchone() == (0,)


def test_an_unknown_purpose_is_refused():
    from fieldapp.web import read_audit

    with pytest.raises(ValueError, match="unknown read purpose"):
        read_audit.consulted("visits", "x", "curiosity")
    assert set(read_audit_q.WHY) == {
        "case_work",
        "operation_briefing",
        "partner_disclosure",
        "audit_review",
    }


def test_admins_see_reads_on_the_audit_page(client, visit, app):
    client.get(f"/visits/{visit['visit_id']}")
    admin = app.test_client()
    AuthActions(admin).login("admin")
    page = admin.get("/admin/audit?kind=reads").get_data(as_text=True)
    assert f"Visit {visit['visit_id']}" in page  # the record type in words
    assert "Case work" in page and USERS["inspector"][0] in page
    changes = admin.get("/admin/audit").get_data(as_text=True)
    assert "Case work" not in changes  # reads are not among the changes


HOSTILE = "<script>alert(1)</script>\u202eevil\x00\nforged row"


def test_hostile_audit_details_render_as_plain_visible_text(app):
    with app.app_context():
        from fieldapp.queries import connect

        db = connect(app.config["DATABASE"])
        audit.record("test.hostile", "things", HOSTILE, db=db, username=HOSTILE, note=HOSTILE)
        db.conn.close()
    admin = app.test_client()
    AuthActions(admin).login("admin")
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for invisible in ("\u202e", "\x00"):
        assert invisible not in page
    assert "\\u202eevil\\u0000\\u000aforged row" in page  # the record id and username
    # The detail, as a key and its value.
    assert (
        "<dt>Note</dt><dd>&lt;script&gt;alert(1)&lt;/script&gt;"
        "\\u202eevil\\u0000\\u000aforged row</dd>"
    ) in page


def test_a_read_skips_the_fsync_but_leaves_the_connection_as_it_was(query_db):
    row = ("2026-12-01T00:00:00+00:00", None, "u", "visits", "v1", "case_work", "127.0.0.1")
    assert query_db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL, the default
    read_audit_q.record(query_db, [row, row])
    assert query_db.execute("PRAGMA synchronous").fetchone() == (2,)
    assert query_db.execute("SELECT count(*) FROM reads").fetchone() == (2,)
