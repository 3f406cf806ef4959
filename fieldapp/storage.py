"""Knowing when a write failed because the disk holding the database or photos is full,
and keeping room back so that people can still sign in when it is.

SQLite says "database or disk is full" (SQLITE_FULL) when it cannot grow its file or its
write-ahead log; writing a photo says ENOSPC. Either way nothing was stored (the
transaction rolled back, the photo was removed), so the officer is told the service is
out of storage and the phone keeps the visit to send again, rather than a generic error.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path

SQLITE_FULL = 13
MESSAGE = (
    "The service is out of storage: your visit is kept on this phone and will be sent "
    "when there is room. Tell your administrator."
)


def is_io_error(error: BaseException) -> bool:
    """A SQLite "disk I/O error": what it says when it cannot grow its shared-memory or
    log file on some filesystems, so out of storage if the disk is also (nearly) full."""
    return isinstance(error, sqlite3.OperationalError) and "disk I/O error" in str(error)


def is_full(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is the disk or the database being full."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, sqlite3.Error) and (
            getattr(error, "sqlite_errorcode", None) == SQLITE_FULL
            or "database or disk is full" in str(error)
        ):
            return True
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return True
        error = error.__cause__ or error.__context__
    return False


# Room kept back on the database's disk so people can still sign in when it fills: a
# file of STORAGE_RESERVE_MB, given up the first time a write fails for lack of space.
# Until the disk has room again, visits are refused before they are written (507), so
# what the reserve freed is left for signing in and sessions, which write a few bytes.
RESERVE_NAME = ".fieldapp-storage-reserve"
MB = 1_048_576


def reserve_path(database: str) -> Path:
    return Path(database).resolve().parent / RESERVE_NAME


def free_mb(folder: Path) -> int:
    return shutil.disk_usage(folder).free // MB


def keep_reserve(database: str, size_mb: int) -> bool:
    """Set the reserve aside if it is not there and the disk has room for it three times
    over; whether it is there now."""
    path = reserve_path(database)
    if size_mb <= 0 or path.exists():
        return size_mb > 0
    if not path.parent.is_dir() or free_mb(path.parent) < size_mb * 3:
        return False
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.posix_fallocate(fd, 0, size_mb * MB)  # blocks really allocated, not a sparse file
    except OSError:
        os.close(fd)
        path.unlink(missing_ok=True)
        return False
    os.close(fd)
    return True


def release_reserve(database: str) -> bool:
    """Give the reserve up; whether there was one."""
    path = reserve_path(database)
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed


def room_for_records(database: str, size_mb: int) -> bool:
    """Whether a visit may be written: yes while the reserve is kept (or switched off);
    once it has been given up, only when the disk has room to set it aside again."""
    if size_mb <= 0 or reserve_path(database).exists():
        return True
    return keep_reserve(database, size_mb)
