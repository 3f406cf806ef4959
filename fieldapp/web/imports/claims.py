"""Taking an upload to import it, and noticing an import that did not finish.

No Flask here: the pages pass the upload's three files (:class:`Files`) and act on what
comes back. An upload waits as ``<token>.csv`` beside its details, ``<token>.json``. The
import that takes it (:func:`take`) holds an exclusive ``flock`` on the file and renames
it ``<token>.importing``; it removes the file once the details say what was done
(:meth:`Claim.finish`), or renames it back if the import failed (:meth:`Claim.give_back`).

A server killed mid-import leaves the register as it was (the import is one database
transaction) and the file still named ``.importing``. The lock belongs to the open file,
so it went with the process: a page that finds the file with no result and can take the
lock itself knows the import did not finish, renames the file back and notes it in the
details (:func:`settle`), so the report can say so and offer the button again. If the lock
is held, an import really is running (in another worker, or another thread: ``flock``
locks of two opens exclude each other even in one process).

Every rename of an upload's file is made with the file's lock held, and the file is
checked to be still where it was once locked, so two pages can never both move it: of two
presses of the button only one imports, and a page cannot take back a file an import is
using. :func:`sweep` removes uploads older than a day that nothing holds, including what
an import that did not finish left, so no file is stuck for ever.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from fieldapp.timeutil import now_iso, parse_stored

SUFFIXES = (".csv", ".json", ".importing", ".tmp")


class Files(NamedTuple):
    """One upload's files (in the order the import pages' ``_paths`` gives them)."""

    kept: Path  # <token>.csv: waiting to be imported
    meta: Path  # <token>.json: who uploaded it and when, then what the import did
    claimed: Path  # <token>.importing: taken by an import

    @classmethod
    def in_folder(cls, folder: Path, token: str) -> Files:
        return cls(folder / f"{token}.csv", folder / f"{token}.json", folder / f"{token}.importing")


class State(enum.Enum):
    READY = "ready"  # waiting as <token>.csv (again, if an import did not finish)
    RUNNING = "running"  # an import holds it now
    FINISHED = "finished"  # imported: the details say what was done
    GONE = "gone"  # no details, or nothing left to import


READY, RUNNING, FINISHED, GONE = State.READY, State.RUNNING, State.FINISHED, State.GONE


@dataclass
class Settled:
    """Where an upload stands, with its details as they are now."""

    state: State
    meta: dict


class _Held(Exception):
    """Someone else holds the file's lock."""


def _lock(path: Path) -> int | None:
    """An open descriptor of ``path`` holding its exclusive lock, without waiting.

    None when there is no such file, or it was moved between opening and locking it (the
    caller looks again); :class:`_Held` when someone else holds the lock.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise _Held from None
    try:
        here = os.stat(path)
    except FileNotFoundError:
        here = None
    mine = os.fstat(fd)
    if here is None or (here.st_dev, here.st_ino) != (mine.st_dev, mine.st_ino):
        os.close(fd)
        return None
    return fd


def _read(meta_path: Path) -> dict:
    return json.loads(meta_path.read_text())


def _write(meta_path: Path, meta: dict) -> None:
    """Replace the details at once (as the pages do), so no one reads half of them."""
    temporary = meta_path.with_suffix(".tmp")
    temporary.write_text(json.dumps(meta))
    os.replace(temporary, meta_path)


class Claim:
    """An upload taken for import. Its lock is held until :meth:`finish` or :meth:`give_back`."""

    def __init__(self, files: Files, fd: int, meta: dict):
        self.files, self._fd, self.meta = files, fd, meta

    @property
    def path(self) -> Path:
        """The file being imported (``<token>.importing``)."""
        return self.files.claimed

    def finish(self) -> None:
        """The import is done and its details written: remove the file, let go of it."""
        self.files.claimed.unlink(missing_ok=True)
        self._release()

    def give_back(self) -> None:
        """Nothing was written: put the file back so it can be imported again (the report
        says this import did not finish, as for one whose server died)."""
        try:
            with contextlib.suppress(OSError, ValueError):  # the details are a nicety here
                _note_unfinished(self.files.meta, _read(self.files.meta))
            os.rename(self.files.claimed, self.files.kept)
        finally:
            self._release()

    def _release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file lets go of its lock
            self._fd = None


def take(files: Files) -> Claim | None:
    """Take the waiting upload to import it; None if it is not waiting (imported, being
    imported, or left by an import that did not finish: :func:`settle` says which).

    ``started_at`` goes in the details, for the pages to say when the import began.
    """
    try:
        fd = _lock(files.kept)
    except _Held:
        return None
    if fd is None:
        return None
    try:
        meta = _read(files.meta)
        meta.pop("interrupted", None)  # that was an earlier try
        meta["started_at"] = now_iso()
        _write(files.meta, meta)
        os.rename(files.kept, files.claimed)
    except (OSError, ValueError):  # removed by the sweep meanwhile
        os.close(fd)
        return None
    return Claim(files, fd, meta)


def settle(files: Files, committed: Callable[[], dict | None] = lambda: None) -> Settled:
    """Where the upload stands, first putting back a file an import did not finish.

    A recovered upload is READY, with ``interrupted`` in its details: when that import
    started (``started_at``, if known) and when it was found (``found_at``). ``committed``
    answers the import's summary if its transaction did commit (the server stopped between
    the commit and writing the result): then the upload is FINISHED with that summary.
    """
    for _ in range(3):  # files may move between looking and locking: look again
        try:
            meta = _read(files.meta)
        except (OSError, ValueError):
            return Settled(GONE, {})
        if "result" in meta:
            files.claimed.unlink(missing_ok=True)  # an import stopped just after it finished
            return Settled(FINISHED, meta)
        if files.kept.exists():
            return Settled(READY, meta)
        try:
            fd = _lock(files.claimed)
        except _Held:
            return Settled(RUNNING, meta)
        if fd is None:
            continue  # not there, or moved since: the import may have just finished
        try:
            return _recover(files, committed)
        finally:
            os.close(fd)
    # Nothing to import, or files moving at every look: say what is there, touching nothing.
    if files.kept.exists():
        return Settled(READY, meta)
    return Settled(RUNNING if files.claimed.exists() else GONE, meta)


def _recover(files: Files, committed: Callable[[], dict | None]) -> Settled:
    """With the claimed file's lock held: its import died, so put the file back (or, if
    it died just after committing, record what it did)."""
    try:
        meta = _read(files.meta)  # again: nothing else can change it now
    except (OSError, ValueError):  # removed by the sweep meanwhile
        return Settled(GONE, {})
    summary = None if "result" in meta else committed()
    if summary is not None:
        meta["imported_at"] = meta.pop("started_at", None) or now_iso()
        meta["result"] = {
            **{k: summary.get(k, 0) for k in ("unchanged", "skipped", "without_location")},
            "skipped_by_sector": summary.get("skipped_by_sector", 0),
            "created": [],
            "updated": [],
            "created_count": summary.get("created", 0),
            "updated_count": summary.get("updated", 0),
        }
        _write(files.meta, meta)
    if "result" in meta:
        files.claimed.unlink(missing_ok=True)
        return Settled(FINISHED, meta)
    _note_unfinished(files.meta, meta)
    os.rename(files.claimed, files.kept)
    return Settled(READY, meta)


def _note_unfinished(meta_path: Path, meta: dict) -> None:
    """Say in the details that the import begun at ``started_at`` did not finish."""
    meta["interrupted"] = {"started_at": meta.pop("started_at", None), "found_at": now_iso()}
    _write(meta_path, meta)


def sweep(folder: Path, older_than: datetime) -> list[str]:
    """Remove the uploads in ``folder`` older than ``older_than`` that no import holds,
    whoever made them, with anything an import that did not finish left; return their
    tokens.

    An upload's age is its details' ``uploaded_at``; with no details (an upload cut short
    between its two files, or a file left behind) the age of its newest file. Details that
    cannot be read make the upload useless, so it goes whatever its age.
    """
    tokens = sorted({p.stem for p in folder.iterdir() if p.suffix in SUFFIXES})
    return [
        token
        for token in tokens
        if _old(Files.in_folder(folder, token), older_than)
        and _remove_unless_held(Files.in_folder(folder, token))
    ]


def _every_file(files: Files) -> tuple[Path, ...]:
    return (*files, files.meta.with_suffix(".tmp"))


def _old(files: Files, older_than: datetime) -> bool:
    try:
        return parse_stored(_read(files.meta)["uploaded_at"]) < older_than
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError):
        return True
    times = []
    for path in _every_file(files):
        try:
            times.append(path.stat().st_mtime)
        except FileNotFoundError:
            continue
    return bool(times) and max(times) < older_than.timestamp()


def _remove_unless_held(files: Files) -> bool:
    """Remove the upload's files unless an import holds them; whether they were removed.

    The waiting file is locked before the claimed one: an import renames one to the other
    with its lock held, so the file cannot slip past between the two looks.
    """
    held: list[int] = []
    try:
        for path in (files.kept, files.claimed):
            try:
                fd = _lock(path)
            except _Held:
                return False
            if fd is not None:
                held.append(fd)
        for path in _every_file(files):
            path.unlink(missing_ok=True)
        return True
    finally:
        for fd in held:
            os.close(fd)
