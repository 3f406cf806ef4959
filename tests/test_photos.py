"""Photo uploads: limits checked before decoding, pending files, the sweeper."""

from __future__ import annotations

import io
import os
import struct
import time
import zlib
from pathlib import Path

import pytest

from fieldapp import photos
from fieldapp.queries import visits as visits_q
from fieldapp.web.visits import uploads
from tests.conftest import AuthActions, make_app, parse
from tests.test_visits import post_visit
from tests.visit_helpers import add_premises, jpeg_bytes, visit_form


@pytest.fixture
def premises_id(app):
    return add_premises(app)


@pytest.fixture
def inspector(as_role):
    return as_role("inspector")


@pytest.fixture
def decodes(monkeypatch):
    """Count every decode of a photo."""
    calls = []
    real = photos.decode

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(photos, "decode", counting)
    return calls


def files_in(app, visit_id) -> list[str]:
    folder = Path(app.config["UPLOAD_DIR"]) / "visits" / visit_id
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def age(app, hours: float) -> None:
    """Make every photo file look ``hours`` old."""
    then = time.time() - hours * 3600
    for path in (Path(app.config["UPLOAD_DIR"]) / "visits").rglob("*"):
        os.utime(path, (then, then))


def photo_error(response) -> str:
    return parse(response.get_data(as_text=True)).select_one("#photos-error").get_text(" ")


def test_sixty_photos_are_refused_at_once_without_decoding_any(
    client, inspector, premises_id, db, app, decodes
):
    form = visit_form()
    files = [(io.BytesIO(jpeg_bytes()), f"p{i}.jpg") for i in range(60)]
    response = post_visit(client, premises_id, form, files=files)
    assert response.status_code == 400
    assert "You attached 60 photos. Attach 10 photos or fewer" in photo_error(response)
    assert decodes == []
    assert files_in(app, form["visit_id"]) == []
    assert db.execute("SELECT count(*) FROM visits").fetchone()[0] == 0


def test_one_file_too_large_refuses_the_lot_before_decoding(tmp_path, decodes):
    app = make_app(tmp_path, PHOTO_MAX_BYTES=2048)
    client = app.test_client()
    AuthActions(client).login("inspector")
    form = visit_form()
    files = [(io.BytesIO(jpeg_bytes()), "small.jpg"), (io.BytesIO(b"x" * 4096), "big.jpg")]
    response = post_visit(client, add_premises(app), form, files=files)
    assert response.status_code == 400
    assert "big.jpg is too large" in photo_error(response)
    assert decodes == []
    assert files_in(app, form["visit_id"]) == []


def test_a_photo_with_too_many_pixels_is_refused(tmp_path):
    app = make_app(tmp_path, PHOTO_MAX_PIXELS=100 * 100)
    client = app.test_client()
    AuthActions(client).login("inspector")
    form = visit_form()
    big = jpeg_bytes(size=(200, 100))
    response = post_visit(client, add_premises(app), form, files=[(io.BytesIO(big), "wide.jpg")])
    assert response.status_code == 400
    assert "wide.jpg has too many pixels. Take it at a lower resolution" in photo_error(response)
    assert files_in(app, form["visit_id"]) == []


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be ``width`` x ``height`` but holds almost no data (a "bomb")."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def test_pils_decompression_bomb_guard_is_set_to_our_limit_and_refuses_clearly(tmp_path):
    from PIL import Image

    assert Image.MAX_IMAGE_PIXELS == photos.MAX_PIXELS
    bomb = _png_header_only(100_000, 100_000)  # ten gigapixels, a few hundred bytes
    with pytest.raises(photos.PhotoError, match="bomb.png has too many pixels"):
        photos.check_and_store(bomb, "bomb.png", tmp_path, 10_000_000)
    assert list(tmp_path.iterdir()) == []


def test_photos_stay_pending_until_the_visit_is_committed(
    client, inspector, premises_id, app, monkeypatch
):
    seen = []

    def spy(db, visit_id, rows, now):
        seen.extend(files_in(app, visit_id))
        real(db, visit_id, rows, now)

    real = visits_q.insert_photos
    monkeypatch.setattr(visits_q, "insert_photos", spy)
    form = visit_form()
    response = post_visit(client, premises_id, form, files=[(io.BytesIO(jpeg_bytes()), "a.jpg")])
    assert response.status_code == 303
    assert seen and all(name.endswith(".pending") for name in seen)
    assert not any(name.endswith(".pending") for name in files_in(app, form["visit_id"]))
    assert len(files_in(app, form["visit_id"])) == 2


def test_a_failed_html_submission_leaves_nothing_after_a_sweep(
    client, inspector, premises_id, app, runner
):
    form = visit_form(accuracy_m="500")  # needs a reason: refused, form shown again
    response = post_visit(client, premises_id, form, files=[(io.BytesIO(jpeg_bytes()), "a.jpg")])
    assert response.status_code == 400
    staged = files_in(app, form["visit_id"])
    assert len(staged) == 2 and all(name.endswith(".pending") for name in staged)

    fresh = runner.invoke(args=["photos", "sweep"])
    assert files_in(app, form["visit_id"]) == staged  # kept for the officer to send again
    assert "0 removed" in fresh.output

    age(app, hours=2)  # the officer never came back
    result = runner.invoke(args=["photos", "sweep"])
    assert result.exit_code == 0, result.output
    assert "2 removed, 0 finalised" in result.output
    assert all(
        f"removed {Path(app.config['UPLOAD_DIR'])}" in line
        for line in result.output.splitlines()[:2]
    )
    assert files_in(app, form["visit_id"]) == []


def test_sending_a_staged_form_again_removes_the_staged_files(client, inspector, premises_id, app):
    form = visit_form(accuracy_m="500")
    response = post_visit(client, premises_id, form, files=[(io.BytesIO(jpeg_bytes()), "a.jpg")])
    staged = [
        i["value"]
        for i in parse(response.get_data(as_text=True)).select('input[name="staged_photo"]')
    ]
    again = post_visit(client, premises_id, {**form, "staged_photo": staged})  # still no reason
    assert again.status_code == 400
    assert len(files_in(app, form["visit_id"])) == 2  # the new staged copy only
    assert staged[0].split(".")[0] not in " ".join(files_in(app, form["visit_id"]))


def test_a_refused_json_submission_leaves_no_files(client, inspector, premises_id, app):
    form = visit_form(accuracy_m="500")
    page = client.get(f"/premises/{premises_id}/visits/new")
    from tests.conftest import csrf_token

    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **form}
    data["photos"] = [(io.BytesIO(jpeg_bytes()), "a.jpg")]
    response = client.post(
        f"/premises/{premises_id}/visits/new",
        data=data,
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert files_in(app, form["visit_id"]) == []


def test_a_crash_between_writing_photos_and_commit_leaves_no_final_files(
    client, inspector, premises_id, app, db, runner, monkeypatch
):
    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(visits_q, "insert_photos", crash)
    # A killed worker runs no clean-up: only the sweeper is left to clear up after it.
    monkeypatch.setattr(uploads, "discard", lambda *args: None)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    form = visit_form()
    response = post_visit(client, premises_id, form, files=[(io.BytesIO(jpeg_bytes()), "a.jpg")])
    assert response.status_code == 500
    left = files_in(app, form["visit_id"])
    assert left and all(name.endswith(".pending") for name in left)
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 0

    age(app, hours=2)
    result = runner.invoke(args=["photos", "sweep"])
    assert "2 removed" in result.output
    assert not (Path(app.config["UPLOAD_DIR"]) / "visits" / form["visit_id"]).exists()


def test_a_failed_store_removes_its_photos_at_once(
    client, inspector, premises_id, app, monkeypatch
):
    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(visits_q, "insert_photos", crash)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    form = visit_form()
    response = post_visit(client, premises_id, form, files=[(io.BytesIO(jpeg_bytes()), "a.jpg")])
    assert response.status_code == 500
    assert files_in(app, form["visit_id"]) == []


def test_a_crash_after_commit_is_finished_by_the_sweeper(
    client, inspector, premises_id, app, db, runner, monkeypatch
):
    monkeypatch.setattr(uploads, "finalise", lambda *args: None)  # killed just after commit
    form = visit_form()
    data = jpeg_bytes()
    response = post_visit(client, premises_id, form, files=[(io.BytesIO(data), "a.jpg")])
    assert response.status_code == 303
    photo_id = db.execute("SELECT id FROM photos").fetchone()[0]
    assert client.get(f"/visits/photos/{photo_id}").status_code == 404

    age(app, hours=2)
    result = runner.invoke(args=["photos", "sweep"])
    assert "0 removed, 2 finalised" in result.output
    assert client.get(f"/visits/photos/{photo_id}").data == data


def test_the_sweeper_removes_old_orphans_and_keeps_stored_and_recent_files(tmp_path):
    visits = tmp_path / "visits"
    folder = visits / "v1"
    folder.mkdir(parents=True)
    names = ["kept.jpg", "kept.stripped.jpg", "orphan.jpg", "half.jpg.part", "new.jpg.pending"]
    for name in names:
        (folder / name).write_bytes(b"x")
    old = time.time() - 7200
    for name in names[:-1]:
        os.utime(folder / name, (old, old))
    report = photos.sweep(visits, lambda photo_id: photo_id == "kept")
    assert sorted(Path(p).name for p in report.removed) == ["half.jpg.part", "orphan.jpg"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "kept.jpg",
        "kept.stripped.jpg",
        "new.jpg.pending",
    ]


def test_the_app_sweeps_on_start_at_most_once_an_hour(tmp_path):
    app = make_app(tmp_path)
    folder = Path(app.config["UPLOAD_DIR"]) / "visits" / "abandoned"
    folder.mkdir(parents=True)
    stale = folder / "0f0e.jpg.pending"
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 7200,) * 2)
    make_app(tmp_path)
    assert not stale.exists()
    marker = Path(app.config["UPLOAD_DIR"]) / ".last-sweep"
    assert marker.exists()

    folder.mkdir(parents=True)
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 7200,) * 2)
    make_app(tmp_path)  # swept minutes ago: skipped
    assert stale.exists()


def test_the_sweep_command_reports_what_the_start_up_sweep_removed(tmp_path):
    app = make_app(tmp_path)
    folder = Path(app.config["UPLOAD_DIR"]) / "visits" / "abandoned"
    folder.mkdir(parents=True)
    stale = folder / "0f0e.jpg.pending"
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 7200,) * 2)
    again = make_app(tmp_path)  # as `flask photos sweep` starts the app first
    assert not stale.exists()
    result = again.test_cli_runner().invoke(args=["photos", "sweep"])
    assert f"removed {stale}" in result.output
    assert "1 removed, 0 finalised" in result.output


def test_a_staged_photo_cleared_by_the_sweeper_is_an_error_not_dropped_quietly(
    client, inspector, premises_id, app, db, runner
):
    form = visit_form(accuracy_m="500")
    response = post_visit(client, premises_id, form, files=[(io.BytesIO(jpeg_bytes()), "a.jpg")])
    page = parse(response.get_data(as_text=True))
    staged = [i["value"] for i in page.select('input[name="staged_photo"]')]
    age(app, hours=2)
    runner.invoke(args=["photos", "sweep"])
    fixed = {**form, "location_reason": "Under a canopy", "staged_photo": staged}
    again = post_visit(client, premises_id, fixed)
    assert again.status_code == 400
    assert "1 of the photos you attached before were kept for an hour only" in photo_error(again)
    assert db.execute("SELECT count(*) FROM visits").fetchone()[0] == 0
