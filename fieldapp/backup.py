"""Backups that restore: one tar archive of the database and the photos it names, with a
manifest to check it by (``flask backup create / verify / restore``).

An archive holds ``fieldapp.db`` (a consistent copy made with SQLite's online backup),
``uploads/visits/<visit>/<file>`` for each photo file that copy names, and ``manifest.json``:
when it was made, the migrations applied, rows per table, the SHA-256 of every other file
and the audit trail's head. Never the SECRET_KEY or the AUDIT_KEY: those stay in
``instance/config.py``, to be kept apart from the backups.

The archive is written under a temporary name and renamed once complete, so a backup
that was cut short never looks like a finished one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from fieldapp import migrations
from fieldapp.photos import ACCEPTED, PENDING, original_name, stripped_name
from fieldapp.queries import backup as backup_q
from fieldapp.queries import connect

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "fieldapp.db"
PHOTOS = "uploads"  # the archive's copy of UPLOAD_DIR
PREFIX = "fieldapp-backup-"
EXTENSIONS = {content_type: ext for content_type, ext in ACCEPTED.values()}


class BackupError(Exception):
    """A backup that cannot be made, read or restored; the message says why."""


@dataclass(frozen=True)
class Written:
    """A finished backup: where it is, its SHA-256 and what it holds."""

    path: Path
    sha256: str
    manifest: dict


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expected_photos(db) -> dict[str, str]:
    """Archive name -> the SHA-256 the database recorded, for every photo file it names."""
    expected = {}
    for row in backup_q.photos(db):
        ext = EXTENSIONS.get(row["content_type"], "bin")
        folder = f"{PHOTOS}/visits/{row['visit_id']}"
        expected[f"{folder}/{original_name(row['id'], ext)}"] = row["sha256"]
        expected[f"{folder}/{stripped_name(row['id'], ext)}"] = row["stripped_sha256"]
    return expected


def describe(db_path: Path) -> dict:
    """The manifest's account of a database file: schema, rows per table, audit head."""
    db = connect(str(db_path))
    try:
        return {
            "schema": [m.name for m in migrations.migrations.applied(db)],
            "tables": backup_q.table_counts(db),
            "audit_head": backup_q.audit_head(db),
        }
    finally:
        db.conn.close()


def create(config, directory: Path, now: datetime | None = None) -> Written:
    """Back this installation up into ``directory``; return what was written.

    Missing photo files are left out and listed under ``missing`` in the manifest
    (``verify`` then reports them): a backup of a damaged installation beats none.
    """
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"{PREFIX}{now.strftime('%Y%m%dT%H%M%SZ')}.tar"
    if final.exists():
        raise BackupError(f"{final} already exists: wait a second and run it again")
    with tempfile.TemporaryDirectory(prefix=".fieldapp-backup-", dir=directory) as work:
        snapshot = Path(work) / DATABASE
        backup_q.copy_database(config["DATABASE"], str(snapshot), config["SQLITE_BUSY_TIMEOUT_MS"])
        db = connect(str(snapshot))
        try:
            wanted = expected_photos(db)
        finally:
            db.conn.close()
        manifest = {
            "format": FORMAT,
            "app": "fieldapp",
            "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            **describe(snapshot),
        }
        partial = Path(work) / (final.name + ".part")
        _write_archive(partial, snapshot, Path(config["UPLOAD_DIR"]), wanted, manifest)
        os.replace(partial, final)
    _fsync_dir(directory)
    return Written(final, sha256_file(final), manifest)


def _open_photo(upload_dir: Path, name: str):
    """The photo file ``name`` opened for reading, or None when it is not on disk.

    A photo committed just before the copy may still have its pending name for a moment
    (it is renamed after the commit): that file is the photo. Tried final, pending, then
    final again, so a rename in between is not taken for a missing file.
    """
    path = upload_dir / PurePosixPath(name).relative_to(PHOTOS)
    for candidate in (path, path.with_name(path.name + PENDING), path):
        try:
            return open(candidate, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError:
            continue
    return None


class _Hashing(io.RawIOBase):
    """Reads a file and keeps the SHA-256 of what was read."""

    def __init__(self, fh):
        self.fh, self.digest = fh, hashlib.sha256()

    def read(self, size=-1):
        data = self.fh.read(size)
        self.digest.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, fh) -> str:
    """Add an open file to the archive as ``name``; return its SHA-256."""
    info = tar.gettarinfo(arcname=name, fileobj=fh)
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    reader = _Hashing(fh)
    tar.addfile(info, reader)
    return reader.digest.hexdigest()


def _write_archive(
    path: Path, snapshot: Path, upload_dir: Path, wanted: dict[str, str], manifest: dict
) -> None:
    """Write the database, the photos in ``wanted`` and, last, the manifest (which gains
    every file's hash and the photos not found)."""
    files, missing = {}, []
    # Readable by this user only, whatever the umask: it holds OFFICIAL-SENSITIVE records.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            with open(snapshot, "rb") as fh:
                files[DATABASE] = _add(tar, DATABASE, fh)
            for name in wanted:
                fh = _open_photo(upload_dir, name)
                if fh is None:
                    missing.append(name)
                    continue
                with fh:
                    files[name] = _add(tar, name, fh)
            manifest.update(files=files, missing=missing)
            data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
        raw.flush()
        os.fsync(raw.fileno())


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def member_problem(member: tarfile.TarInfo) -> str | None:
    """Why an archive member may not be extracted (None when it is a plain, safe file)."""
    name = member.name
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or path.is_absolute() or (name[1:2] == ":"):
        return f"{name}: an absolute path"
    if any(part in ("..", "") for part in name.split("/")) or "\\" in name:
        return f"{name}: a path that climbs out of the archive"
    if member.issym() or member.islnk():
        return f"{name}: a link (to {member.linkname})"
    if not member.isfile():
        return f"{name}: not a plain file"
    if name not in (MANIFEST, DATABASE) and path.parts[0] != PHOTOS:
        return f"{name}: not part of a fieldapp backup"
    return None


@contextmanager
def opened(archive: Path) -> Iterator[tuple[tarfile.TarFile, dict[str, tarfile.TarInfo], dict]]:
    """The archive, its members by name and its manifest, once every member is safe.

    Raises BackupError naming every unsafe member, or what is wrong with the manifest.
    """
    try:
        tar = tarfile.open(archive, mode="r:*")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{archive} is not a readable backup archive: {error}") from error
    with tar:
        members = tar.getmembers()
        unsafe = [p for p in map(member_problem, members) if p]
        names = [m.name for m in members]
        unsafe += [f"{n}: appears more than once" for n in sorted(set(names)) if names.count(n) > 1]
        if unsafe:
            raise BackupError("unsafe archive, nothing extracted:\n  " + "\n  ".join(unsafe))
        by_name = {m.name: m for m in members}
        if MANIFEST not in by_name:
            raise BackupError(f"{archive} has no {MANIFEST}: it is not a fieldapp backup")
        try:
            manifest = json.loads(tar.extractfile(by_name[MANIFEST]).read())
        except ValueError as error:
            raise BackupError(f"{MANIFEST} is not valid JSON: {error}") from error
        if not _well_formed(manifest):
            raise BackupError(f"{MANIFEST} is not a fieldapp backup manifest (format {FORMAT})")
        yield tar, by_name, manifest


def _well_formed(manifest) -> bool:
    shapes = {"files": dict, "tables": dict, "schema": list, "audit_head": dict, "missing": list}
    return (
        isinstance(manifest, dict)
        and manifest.get("format") == FORMAT
        and all(isinstance(manifest.get(key), shape) for key, shape in shapes.items())
        and isinstance(manifest.get("created_at"), str)
    )


def extract(tar: tarfile.TarFile, member: tarfile.TarInfo, destination: Path) -> str:
    """Write one (already checked) member to ``destination``; return its SHA-256."""
    digest = hashlib.sha256()
    source = tar.extractfile(member)
    with open(destination, "wb") as out:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def check_database(db_path: Path, manifest: dict) -> list[str]:
    """What is wrong with a database file from an archive, measured against the manifest."""
    db = connect(str(db_path))
    try:
        problems = [f"{DATABASE} integrity check: {p}" for p in backup_q.integrity_problems(db)]
    finally:
        db.conn.close()
    if problems:
        return problems
    found = describe(db_path)
    for table, count in sorted(manifest.get("tables", {}).items()):
        if found["tables"].get(table) != count:
            had = found["tables"].get(table, "no such table")
            problems.append(
                f"table {table}: the manifest says {count} rows, the database has {had}"
            )
    problems += [
        f"table {t}: not in the manifest"
        for t in found["tables"].keys() - manifest.get("tables", {}).keys()
    ]
    if found["schema"] != manifest.get("schema"):
        problems.append("the database's migrations differ from the manifest's schema")
    if found["audit_head"] != manifest.get("audit_head"):
        problems.append(
            f"audit head: the manifest says {manifest.get('audit_head')}, "
            f"the database has {found['audit_head']}"
        )
    return problems
