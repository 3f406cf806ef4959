"""A full disk, for real: the app's instance on a small tmpfs filled to the last byte.

A visit sent then is refused with 507 and the out-of-storage message (the phone's outbox
keeps it and sends again), nothing half-written is left, people can still sign in (the
storage reserve), and once space returns the same visit is stored. Needs root to mount a
tmpfs; skipped, saying so, where it cannot.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import uuid

import pytest

from fieldapp import storage
from fieldapp.queries import connect
from tests.conftest import AuthActions, csrf_token, make_app
from tests.visit_helpers import add_premises, jpeg_bytes, visit_form


def _mount(where) -> bool:
    if os.geteuid() != 0:
        return False
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(where)], capture_output=True
    )
    return done.returncode == 0


def _fill(disk) -> None:
    """Write a file until the disk refuses another byte (unbuffered: nothing waits to be
    written when it is closed)."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


@pytest.fixture
def full_disk(tmp_path):
    disk = tmp_path / "disk"
    if not _mount(disk):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount rights)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _send(client, premises_id: int, visit_id: str):
    url = f"/premises/{premises_id}/visits/new"
    token = csrf_token(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, **visit_form(visit_id=visit_id)}
    data["photos"] = [(io.BytesIO(jpeg_bytes()), "evidence.jpg")]
    return client.post(
        url,
        data=data,
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )


def test_a_visit_on_a_full_disk_is_refused_kept_and_stored_when_space_returns(full_disk):
    app = make_app(full_disk)  # no reserve: the write itself fails for lack of space
    premises_id = add_premises(app)
    client = app.test_client()
    assert AuthActions(client).login("inspector").status_code == 302
    client.get(f"/premises/{premises_id}/visits/new")  # the session's last write, before
    visit_id = str(uuid.uuid4())
    uploads = app.config["UPLOAD_DIR"]

    _fill(full_disk)
    refused = _send(client, premises_id, visit_id)
    assert refused.status_code == 507
    assert refused.get_json()["reason"] == "storage_full"
    assert "kept on this phone" in refused.get_json()["error"]
    page = client.get(f"/premises/{premises_id}/visits/new")  # reading still works
    assert page.status_code == 200

    (full_disk / "filler").unlink()
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT count(*) FROM visits").fetchone()[0] == 0
    left = [name for _, _, names in os.walk(uploads) for name in names]
    assert not left, f"a photo was left behind: {left}"
    db.conn.close()
    stored = _send(client, premises_id, visit_id)
    assert stored.status_code == 201, stored.get_data(as_text=True)[:400]
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT count(*) FROM visits WHERE id = ?", [visit_id]).fetchone()[0] == 1
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.conn.close()


def test_the_out_of_storage_page_for_a_form_sent_from_a_computer(full_disk):
    app = make_app(full_disk)
    premises_id = add_premises(app)
    client = app.test_client()
    assert AuthActions(client).login("coordinator").status_code == 302
    url = f"/premises/{premises_id}/visits/new"
    token = csrf_token(client.get(url).get_data(as_text=True))
    _fill(full_disk)
    response = client.post(url, data={"csrf_token": token, **visit_form()})
    (full_disk / "filler").unlink()
    assert response.status_code == 507
    text = response.get_data(as_text=True)
    assert "The service is out of storage" in text and "Tell your administrator" in text


@pytest.mark.parametrize(
    ("error", "full"),
    [
        (sqlite3.OperationalError("database or disk is full"), True),
        (OSError(28, "No space left on device"), True),
        (sqlite3.OperationalError("database is locked"), False),
        (OSError(13, "Permission denied"), False),
        (ValueError("x"), False),
    ],
)
def test_what_counts_as_out_of_storage(error, full):
    assert storage.is_full(error) is full
    wrapped = RuntimeError("while storing")
    wrapped.__cause__ = error
    assert storage.is_full(wrapped) is full


def test_people_can_still_sign_in_when_the_disk_fills(full_disk):
    app = make_app(full_disk, STORAGE_RESERVE_MB=1)
    reserve = storage.reserve_path(app.config["DATABASE"])
    assert reserve.stat().st_size == storage.MB  # set aside when the app started
    premises_id = add_premises(app)
    officer = app.test_client()
    assert AuthActions(officer).login("inspector").status_code == 302
    officer.get(f"/premises/{premises_id}/visits/new")
    _fill(full_disk)

    # The disk is full: the reserve is given up, a visit is refused before it is written...
    refused = _send(officer, premises_id, str(uuid.uuid4()))
    assert refused.status_code == 507 and not reserve.exists()
    # ...and the room it freed lets someone sign in, more than once.
    for role in ("coordinator", "admin"):
        assert AuthActions(app.test_client()).login(role).status_code == 302
    assert refused.status_code == 507
    again = _send(officer, premises_id, str(uuid.uuid4()))
    assert again.status_code == 507, "visits must not eat the room kept for signing in"

    (full_disk / "filler").unlink()
    visit_id = str(uuid.uuid4())
    assert _send(officer, premises_id, visit_id).status_code == 201
    assert reserve.exists(), "the reserve is set aside again once there is room"
