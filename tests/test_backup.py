"""Backups: create, verify and restore round trips, a backup taken while visits are being
written, tampered and malicious archives, and the storage figures on /healthz."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
from pathlib import Path

import pytest

from fieldapp import backup
from fieldapp.queries import backup as backup_q
from fieldapp.queries import connect
from tests.conftest import _build_app, make_app
from tests.factories import record_visit
from tests.test_visits import post_visit
from tests.visit_helpers import add_premises, jpeg_bytes, visit_form


@pytest.fixture
def premises_id(app):
    return add_premises(app)


@pytest.fixture
def with_photos(app, client, as_role, premises_id):
    """Two visits with a photo each, posted through the form."""
    as_role("inspector")
    for name in ("a.jpg", "b.jpg"):
        response = post_visit(
            client, premises_id, visit_form(), files=[(io.BytesIO(jpeg_bytes()), name)]
        )
        assert response.status_code == 303
    client.get("/sign-out")
    return app


def create(app, directory: Path) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", "create", str(directory)])
    assert result.exit_code == 0, result.output
    archives = sorted(directory.glob("fieldapp-backup-*.tar"))
    assert str(archives[-1]) in result.output
    assert f"sha256 {backup.sha256_file(archives[-1])}" in result.output
    return archives[-1]


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=["backup", *map(str, args)])


def empty_app(tmp_path, **overrides):
    """An installation with no database and no photos yet (same AUDIT_KEY as the tests')."""
    return _build_app(tmp_path, overrides)


def photo_hashes(app) -> dict[str, str]:
    root = Path(app.config["UPLOAD_DIR"]) / "visits"
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def counts_and_head(app) -> tuple[dict, dict]:
    db = connect(app.config["DATABASE"])
    try:
        return backup_q.table_counts(db), backup_q.audit_head(db)
    finally:
        db.conn.close()


def test_create_verify_restore_round_trip(with_photos, tmp_path):
    app = with_photos
    archive = create(app, tmp_path / "backups")
    assert not list((tmp_path / "backups").glob("*.part")) and len(photo_hashes(app)) == 4

    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        names = set(tar.getnames())
    counts, head = counts_and_head(app)
    assert manifest["tables"] == counts and manifest["audit_head"] == head
    assert head["rows"] > 0 and len(head["mac"]) == 64
    assert manifest["schema"][-1].startswith("m0") and manifest["missing"] == []
    assert names == {"manifest.json", *manifest["files"]} and len(names) == 6
    assert archive.stat().st_mode & 0o777 == 0o600
    raw = archive.read_bytes()
    assert b"test-audit-key" not in raw and b"test-secret" not in raw  # never the keys

    verified = invoke(app, "verify", archive)
    assert verified.exit_code == 0, verified.output
    assert "verifies" in verified.output

    target = empty_app(tmp_path / "restored")
    result = invoke(target, "restore", archive)
    assert result.exit_code == 0, result.output
    assert "audit trail intact" in result.output and "restored 4 photo files" in result.output
    assert counts_and_head(target) == (counts, head)
    assert photo_hashes(target) == photo_hashes(app)
    restored = connect(target.config["DATABASE"])
    assert restored.journal_mode == "wal"  # as the app runs it, not the archive's copy
    restored.conn.close()


def test_restore_into_a_migrated_empty_database_and_a_photo_still_pending(with_photos, tmp_path):
    # A photo committed a moment before the copy may not have its final name yet.
    photo = next((Path(with_photos.config["UPLOAD_DIR"]) / "visits").rglob("*.stripped.*"))
    photo.rename(photo.with_name(photo.name + ".pending"))
    archive = create(with_photos, tmp_path / "backups")
    assert invoke(with_photos, "verify", archive).exit_code == 0

    target = empty_app(tmp_path / "target")
    migrated = target.test_cli_runner().invoke(args=["db", "migrate"])
    assert migrated.exit_code == 0, migrated.output
    result = invoke(target, "restore", archive)
    assert result.exit_code == 0, result.output
    restored = Path(target.config["UPLOAD_DIR"]) / photo.relative_to(
        with_photos.config["UPLOAD_DIR"]
    )
    assert restored.read_bytes() == photo.with_name(photo.name + ".pending").read_bytes()


def test_a_backup_taken_while_visits_are_written_verifies_and_restores(
    app, premises_id, tmp_path, monkeypatch
):
    stop, written, errors = threading.Event(), [], []
    real_copy = backup_q.copy_database

    def wait_for_a_visit():
        seen = len(written)
        for _ in range(500):
            if len(written) > seen or errors:
                return
            threading.Event().wait(0.01)

    def copy_between_visits(*args):
        # Make sure visits land just before and just after the copy, while it is archived.
        wait_for_a_visit()
        real_copy(*args)
        wait_for_a_visit()

    monkeypatch.setattr(backup_q, "copy_database", copy_between_visits)

    def keep_recording():
        try:
            while not stop.is_set() and len(written) < 200:
                written.append(record_visit(app, premises_id, visit_form()))
        except Exception as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    writer = threading.Thread(target=keep_recording)
    writer.start()
    try:
        while len(written) < 3 and writer.is_alive():
            threading.Event().wait(0.01)
        archives = [create(app, tmp_path / f"backups{n}") for n in range(3)]
        during = len(written)
    finally:
        stop.set()
        writer.join()
    assert not errors, errors
    assert during >= 3 + 6, "visits were not being written while the backups ran"
    for n, archive in enumerate(archives):
        assert invoke(app, "verify", archive).exit_code == 0
        target = empty_app(tmp_path / f"restored{n}")
        result = invoke(target, "restore", archive)
        assert result.exit_code == 0, result.output
        counts, head = counts_and_head(target)
        assert 3 <= counts["visits"] <= len(written)
        with tarfile.open(archive) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())
        assert manifest["tables"] == counts and manifest["audit_head"] == head


def rewrite(archive: Path, change) -> Path:
    """A copy of ``archive`` with each member's bytes passed through ``change(name, data)``
    (None drops the member)."""
    out = archive.with_name("changed-" + archive.name)
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for member in src.getmembers():
            data = change(member.name, src.extractfile(member).read())
            if data is not None:
                member.size = len(data)
                dst.addfile(member, io.BytesIO(data))
    return out


def photo_member(archive: Path, stripped: bool = False) -> str:
    with tarfile.open(archive) as tar:
        return next(
            n for n in tar.getnames() if n.startswith("uploads/") and ("stripped" in n) == stripped
        )


def test_verify_names_a_changed_byte_and_a_missing_photo(with_photos, tmp_path):
    archive = create(with_photos, tmp_path / "backups")
    photo = photo_member(archive)

    def flip(name, data):
        return data[:100] + bytes([data[100] ^ 1]) + data[101:] if name == photo else data

    result = invoke(with_photos, "verify", rewrite(archive, flip))
    assert result.exit_code == 1
    assert f"{photo}: its SHA-256 does not match the manifest" in result.output
    assert f"photo {photo}: does not match the SHA-256 the database recorded" in result.output

    dropped = rewrite(archive, lambda name, data: None if name == photo else data)
    result = invoke(with_photos, "verify", dropped)
    assert result.exit_code == 1
    assert f"photo {photo}: named by the database but not in the archive" in result.output


def test_a_photo_missing_from_the_installation_is_reported(with_photos, tmp_path):
    stripped = next((Path(with_photos.config["UPLOAD_DIR"]) / "visits").rglob("*.stripped.*"))
    stripped.unlink()
    result = invoke(with_photos, "create", tmp_path / "backups")
    assert result.exit_code == 0 and "was not found" in result.output
    archive = next((tmp_path / "backups").glob("*.tar"))
    result = invoke(with_photos, "verify", archive)
    assert result.exit_code == 1
    assert f"{stripped.name}: named by the database but not in the archive" in result.output


def test_verify_catches_a_changed_database_and_a_stray_file(with_photos, tmp_path):
    archive = create(with_photos, tmp_path / "backups")

    def change(name, data):
        return data[:-1] + bytes([data[-1] ^ 1]) if name == "fieldapp.db" else data

    result = invoke(with_photos, "verify", rewrite(archive, change))
    assert result.exit_code == 1 and "fieldapp.db: its SHA-256 does not match" in result.output

    stray = rewrite(archive, lambda name, data: data)
    with tarfile.open(stray, "a") as tar:
        info = tarfile.TarInfo("uploads/visits/x/stray.jpg")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    result = invoke(with_photos, "verify", stray)
    assert result.exit_code == 1
    assert "uploads/visits/x/stray.jpg: a stray file" in result.output


def test_restore_refuses_an_installation_with_data_or_photos(with_photos, tmp_path):
    archive = create(with_photos, tmp_path / "backups")
    result = invoke(with_photos, "restore", archive)
    assert result.exit_code == 1 and "already holds data" in result.output
    assert counts_and_head(with_photos)[0]["visits"] == 2

    target = empty_app(tmp_path / "target")
    photo = Path(target.config["UPLOAD_DIR"]) / "visits" / "v" / "left.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"not mine")
    result = invoke(target, "restore", archive)
    assert result.exit_code == 1 and "already holds files" in result.output
    assert not Path(target.config["DATABASE"]).exists()


def test_restore_says_when_the_audit_key_does_not_match(with_photos, tmp_path):
    archive = create(with_photos, tmp_path / "backups")
    target = empty_app(tmp_path / "target", AUDIT_KEY="a different installation's key")
    result = invoke(target, "restore", archive)
    assert result.exit_code == 1
    assert "does not verify with this installation's AUDIT_KEY" in result.output


def malicious(path: Path, name: str, kind: bytes = tarfile.REGTYPE) -> Path:
    with tarfile.open(path, "w") as tar:
        manifest = json.dumps({"format": 1, "files": {}}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
        info = tarfile.TarInfo(name)
        info.type = kind
        if kind == tarfile.SYMTYPE:
            info.linkname = "/etc/passwd"
            tar.addfile(info)
        else:
            info.size = 4
            tar.addfile(info, io.BytesIO(b"evil"))
    return path


@pytest.mark.parametrize(
    ("name", "kind", "why"),
    [
        ("../evil", tarfile.REGTYPE, "climbs out"),
        ("uploads/../../evil", tarfile.REGTYPE, "climbs out"),
        ("/tmp/evil", tarfile.REGTYPE, "absolute path"),
        ("uploads/visits/v/evil.jpg", tarfile.SYMTYPE, "a link"),
    ],
)
def test_restore_refuses_a_malicious_archive(tmp_path, name, kind, why):
    target = empty_app(tmp_path / "target")
    archive = malicious(tmp_path / "evil.tar", name, kind)
    for command in ("verify", "restore"):
        result = invoke(target, command, archive)
        assert result.exit_code == 1
        assert "unsafe archive, nothing extracted" in result.output and why in result.output
    assert not (tmp_path / "evil").exists() and not Path("/tmp/evil").exists()
    assert not Path(target.config["DATABASE"]).exists()
    assert not Path(target.config["UPLOAD_DIR"]).exists()


def test_healthz_shows_free_space_and_degrades_below_the_threshold(tmp_path):
    ok = make_app(tmp_path / "ok", STORAGE_WARN_FREE_MB=0).test_client().get("/healthz")
    body = ok.get_json()
    assert ok.status_code == 200 and body["status"] == "ok"
    assert body["storage"]["database"]["free_mb"] > 0 and body["storage"]["uploads"]["free_mb"] > 0

    low = make_app(tmp_path / "low", STORAGE_WARN_FREE_MB=10**12).test_client().get("/healthz")
    body = low.get_json()
    assert low.status_code == 200 and body["status"] == "degraded"
    assert body["problems"] == [
        "database: under 1000000000000 MB free",
        "uploads: under 1000000000000 MB free",
    ]
