"""Finding the CSV files a load reads (one file, a folder or a zip) and streaming their text.

Each file is read as a stream through a counter, so a progress bar can follow the bytes and
memory stays the same whether a file has a thousand rows or 2.7 million.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from fieldapp.places.model import PlacesFileError

# How much of a file is read to tell what it is: the longest header row (ONSPD's) is
# under 1,000 characters, and a file whose first row does not end by here is none of ours.
_HEAD_BYTES = 64 * 1024
_READ_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Member:
    """One CSV file of a load: a file on disk, or a file inside a zip."""

    name: str  # as messages name it: the file's name, or its path in the folder or zip
    size: int  # bytes, uncompressed
    path: Path
    inside: str | None = None  # the name within the zip

    def open(self) -> BinaryIO:
        """The file's bytes, from the start."""
        if self.inside is None:
            return self.path.open("rb", buffering=0)
        archive = zipfile.ZipFile(self.path)
        try:
            stream = archive.open(self.inside)
        except BaseException:
            archive.close()
            raise
        # The zip stays open while its member is read: ZipFile counts its open members.
        archive.close()
        return stream  # type: ignore[return-value]


def members(path: Path) -> tuple[list[Member], bool]:
    """The CSV files ``path`` holds, and whether it is a collection (a folder or a zip)
    rather than one file. A folder or zip is searched all the way down, as OS ships
    Code-Point Open with its data in ``Data/CSV/`` and column notes in ``Doc/``."""
    if path.is_dir():
        found = [
            Member(p.relative_to(path).as_posix(), p.stat().st_size, p)
            for p in sorted(path.rglob("*"))
            if p.is_file() and p.suffix.lower() == ".csv"
        ]
        return found, True
    if zipfile.is_zipfile(path):
        return _zip_members(path), True
    return [Member(path.name, path.stat().st_size, path)], False


def _zip_members(path: Path) -> list[Member]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise PlacesFileError(
            f"{path.name} looks like a zip file but cannot be opened ({error}). Download it "
            "again, or unzip it and load the CSV files in it."
        ) from None
    return [
        Member(info.filename, info.file_size, path, info.filename)
        for info in sorted(infos, key=lambda i: i.filename)
        if not info.is_dir()
        and info.filename.lower().endswith(".csv")
        # Finder's copies of each file's metadata, in zips made on a Mac.
        and not info.filename.startswith("__MACOSX/")
    ]


class _Counted(io.RawIOBase):
    """A binary stream that reports each chunk's size as it is read."""

    def __init__(self, raw: BinaryIO, progress: Callable[[int], None] | None):
        self._raw = raw
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        count = self._raw.readinto(buffer)
        if count and self._progress is not None:
            self._progress(count)
        return count or 0


@contextmanager
def text(member: Member, progress: Callable[[int], None] | None = None) -> Iterator[TextIO]:
    """The member's text, streamed. UTF-8 (the open data files are ASCII), with Excel's
    byte-order mark dropped; a byte that is not UTF-8 becomes U+FFFD, so the row it is in
    fails its checks and is reported rather than the whole file being refused."""
    with member.open() as raw:
        buffered = io.BufferedReader(_Counted(raw, progress), _READ_BYTES)
        stream = io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="replace", newline="")
        try:
            yield stream
        finally:
            stream.close()


def first_record(member: Member) -> list[str] | None:
    """The first non-blank CSV record of the member, read from its first 64 KB: ``[]`` if
    there is none (an empty file), None if it cannot be read as CSV."""
    with member.open() as raw:
        head = raw.read(_HEAD_BYTES)
    text_head = head.decode("utf-8-sig", errors="replace")
    if len(head) == _HEAD_BYTES:
        # Only whole lines: the last one may have been cut off by the 64 KB.
        text_head = text_head[: max(text_head.rfind("\n"), 0)]
    try:
        for cells in csv.reader(io.StringIO(text_head, newline="")):
            if any(c.strip() for c in cells):
                return cells
    except csv.Error:
        return None
    return None if len(head) == _HEAD_BYTES else []
