"""Checking a backup archive without restoring it, and restoring one into an empty
installation (``flask backup verify / restore``; the archive is described in
fieldapp.backup).

A restore never overwrites anything: it refuses while the configured database holds
data or the photo folder holds files. It checks every member before extracting any (no
absolute paths, no ``..``, no links), checks the whole archive against its manifest,
then checks what it wrote: SQLite's integrity check, the audit chain under this
installation's AUDIT_KEY, and every photo the database names against its recorded hash.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from fieldapp import audit, migrations
from fieldapp.backup import (
    DATABASE,
    MANIFEST,
    PHOTOS,
    BackupError,
    check_database,
    expected_photos,
    extract,
    opened,
    sha256_file,
)
from fieldapp.queries import backup as backup_q
from fieldapp.queries import connect

SWEEP_MARKER = ".last-sweep"  # the photo sweeper's timestamp, not a photo


def _digest(tar: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    digest = hashlib.sha256()
    source = tar.extractfile(member)
    for block in iter(lambda: source.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def verify(archive: Path) -> tuple[dict, list[str]]:
    """The archive's manifest and every problem found in it (none: it will restore).

    Raises BackupError when it cannot be read at all, or holds an unsafe member.
    """
    with opened(archive) as (tar, members, manifest), tempfile.TemporaryDirectory() as work:
        return manifest, _problems(tar, members, manifest, Path(work) / DATABASE)


def _problems(tar, members: dict, manifest: dict, db_path: Path) -> list[str]:
    files = manifest.get("files") or {}
    problems = [
        f"{name}: in the archive but not in the manifest"
        for name in sorted(members.keys() - files.keys() - {MANIFEST})
    ]
    problems += [
        f"{name}: in the manifest but not in the archive"
        for name in sorted(files.keys() - members.keys())
    ]
    hashes = {}
    for name in sorted(files.keys() & members.keys()):
        member = members[name]
        hashes[name] = extract(tar, member, db_path) if name == DATABASE else _digest(tar, member)
        if hashes[name] != files[name]:
            problems.append(f"{name}: its SHA-256 does not match the manifest (changed or damaged)")
    if DATABASE not in hashes:
        return [*problems, f"{DATABASE}: the archive holds no database"]
    found = check_database(db_path, manifest)
    if any("integrity check" in p for p in found):
        return problems + found
    return problems + found + _photo_problems(db_path, hashes, members)


def _photo_problems(db_path: Path, hashes: dict, members: dict) -> list[str]:
    db = connect(str(db_path))
    try:
        expected = expected_photos(db)
    finally:
        db.conn.close()
    problems = []
    for name, recorded in sorted(expected.items()):
        if name not in members:
            problems.append(f"photo {name}: named by the database but not in the archive")
        elif hashes.get(name) != recorded:
            problems.append(f"photo {name}: does not match the SHA-256 the database recorded")
    problems += [
        f"{name}: a stray file, not a photo the database names"
        for name in sorted(members)
        if name.startswith(PHOTOS + "/") and name not in expected
    ]
    return problems


def refuse_unless_empty(config) -> None:
    """Raise BackupError unless this installation has no data and no photo files."""
    db_path, upload_dir = Path(config["DATABASE"]), Path(config["UPLOAD_DIR"])
    if db_path.is_file() and db_path.stat().st_size:
        db = connect(str(db_path))
        try:
            if backup_q.has_data(db):
                raise BackupError(
                    f"refusing to restore: {db_path} already holds data. A restore only goes "
                    "into an empty installation: point DATABASE and UPLOAD_DIR at new places "
                    "(or move these aside) and run it again."
                )
        finally:
            db.conn.close()
    if upload_dir.is_dir() and any(
        p.is_file() and p.name != SWEEP_MARKER for p in upload_dir.rglob("*")
    ):
        raise BackupError(
            f"refusing to restore: the photo folder {upload_dir} already holds files. A "
            "restore only goes into an empty installation."
        )


@dataclass
class Restored:
    """What a restore wrote and what the checks afterwards found."""

    manifest: dict
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def restore(config, archive: Path) -> Restored:
    """Restore ``archive`` into this (empty) installation and check the result."""
    refuse_unless_empty(config)
    manifest, problems = verify(archive)
    if problems:
        raise BackupError(
            "the backup does not verify, nothing restored:\n  " + "\n  ".join(problems)
        )
    known = {step.__name__.rsplit(".", 1)[-1] for step in migrations.STEPS}
    newer = [name for name in manifest["schema"] if name not in known]
    if newer:
        raise BackupError(
            f"the backup was made by a newer fieldapp (migrations {', '.join(newer)}): "
            "install that version or later, then restore"
        )
    _write(config, archive)
    result = Restored(manifest)
    _check_restored(config, result)
    return result


def _write(config, archive: Path) -> None:
    db_path, upload_dir = Path(config["DATABASE"]), Path(config["UPLOAD_DIR"])
    db_path.parent.mkdir(parents=True, exist_ok=True)
    incoming = db_path.with_name(db_path.name + ".restoring")
    written: list[Path] = []
    try:
        with opened(archive) as (tar, members, _manifest):
            extract(tar, members[DATABASE], incoming)
            for name in sorted(n for n in members if n.startswith(PHOTOS + "/")):
                target = upload_dir / PurePosixPath(name).relative_to(PHOTOS)
                target.parent.mkdir(parents=True, exist_ok=True)
                part = target.with_name(target.name + ".part")
                extract(tar, members[name], part)
                os.replace(part, target)
                written.append(target)
        for leftover in ("-wal", "-shm"):  # of the empty database being replaced
            db_path.with_name(db_path.name + leftover).unlink(missing_ok=True)
        os.replace(incoming, db_path)
        db = connect(str(db_path))
        try:
            db.enable_wal()  # as `db migrate` leaves it: readers carry on while visits are written
        finally:
            db.conn.close()
    except BaseException:
        incoming.unlink(missing_ok=True)
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _check_restored(config, result: Restored) -> None:
    db_path, upload_dir = Path(config["DATABASE"]), Path(config["UPLOAD_DIR"])
    manifest = result.manifest
    result.problems += check_database(db_path, manifest)
    db = connect(str(db_path))
    try:
        chain = audit.verify(db)
        expected = expected_photos(db)
    finally:
        db.conn.close()
    if not chain.intact:
        result.problems.append(
            "the audit trail does not verify with this installation's AUDIT_KEY: "
            f"{chain.message()}. If this installation has a new AUDIT_KEY, copy the old "
            "installation's AUDIT_KEY into instance/config.py and run `flask audit verify`."
        )
    for name, recorded in sorted(expected.items()):
        path = upload_dir / PurePosixPath(name).relative_to(PHOTOS)
        if not path.is_file() or sha256_file(path) != recorded:
            result.problems.append(f"photo {name}: missing or not as the database recorded")
    head = manifest["audit_head"]
    result.lines += [
        f"restored {DATABASE} to {db_path}: {sum(manifest['tables'].values())} rows in "
        f"{len(manifest['tables'])} tables (backup made {manifest['created_at']})",
        f"restored {len(expected)} photo files to {upload_dir}",
        f"schema: {len(manifest['schema'])} migrations applied, the latest "
        f"{manifest['schema'][-1] if manifest['schema'] else 'none'}",
        f"audit trail: {head['rows']} rows, latest row {head['id']} mac {head['mac']}",
        chain.message() if chain.intact else "audit trail: NOT VERIFIED (see below)",
    ]
    if len(manifest["schema"]) < len(migrations.STEPS):
        result.lines.append("the backup is from an older version: run `flask db migrate`")
