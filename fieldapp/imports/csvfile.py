"""Reading a premises list: the file's encoding, its delimiter, its header and its rows."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable

from fieldapp.imports.model import (
    COLUMN_ALIASES,
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    WINDOWS_ENCODING,
    ImportFileError,
    ParsedFile,
    Problem,
    Row,
)
from fieldapp.imports.rows import check_row


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read with."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            "The file is an Excel workbook, not a CSV file. In Excel choose File, Save as, "
            "then 'CSV UTF-8', and upload that file."
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), WINDOWS_ENCODING
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file's text could not be read. Save it from Excel as 'CSV UTF-8' and upload "
            "it again."
        ) from None


def _delimiter(text: str) -> str:
    """Comma, unless the header row plainly uses semicolons or tabs (some Excel settings)."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _column_key(heading: str) -> str:
    key = re.sub(r"[\s\-]+", "_", heading.strip().lower())
    return COLUMN_ALIASES.get(key, key)


def _records(text: str) -> Iterable[tuple[int, list[str]]]:
    """``(spreadsheet line, cells)`` for every record; a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise ImportFileError(
            f"The file could not be read as CSV at line {reader.line_num} ({error}). "
            "Save it from your spreadsheet as 'CSV UTF-8' and upload it again."
        ) from None


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


def _header(line: int, cells: list[str]) -> tuple[dict[str, int], list[str]]:
    """Map each known column to its position; name the headings that are not used."""
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, heading in enumerate(cells):
        key = _column_key(heading)
        if key in COLUMNS:
            if key in positions:
                raise ImportFileError(
                    f"The column '{key}' appears twice in the first row. Remove one of them "
                    "and upload the file again."
                )
            positions[key] = index
        elif heading.strip():
            ignored.append(heading.strip())
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        names = missing[-1] if len(missing) == 1 else f"{', '.join(missing[:-1])} or {missing[-1]}"
        raise ImportFileError(
            f"The file has no {names} column, so nothing can be imported. The first row "
            f"(line {line}) must name the columns: name, sector, address and postcode, and "
            "optionally latitude, longitude, external_ref and local_authority. Add the "
            "missing column and upload the file again."
        )
    if ("latitude" in positions) != ("longitude" in positions):
        raise ImportFileError(
            "The file has a latitude or a longitude column but not both. Add the other one, "
            "or remove both and the addresses will be looked up."
        )
    return positions, ignored


def parse(data: bytes) -> ParsedFile:
    """Read and check a whole file. Raises :class:`ImportFileError` if it cannot be used."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller "
            "files and import each one."
        )
    text, encoding = decode(data)
    if not text.strip():
        raise ImportFileError("The file is empty. Add a header row and a row for each premises.")
    positions: dict[str, int] | None = None
    width = 0
    ignored: list[str] = []
    rows: list[Row] = []
    problems: list[Problem] = []
    count = 0
    for line, cells in _records(text):
        if _blank(cells):
            continue  # spreadsheets often save empty rows at the end
        if positions is None:
            positions, ignored = _header(line, cells)
            width = len(cells)
            continue
        count += 1
        if count > MAX_ROWS:
            raise ImportFileError(
                f"The file has more than {MAX_ROWS:,} rows of premises. Split it into files "
                f"of {MAX_ROWS:,} rows or fewer and import each one."
            )
        row, reasons = check_row(line, cells, positions, width)
        if row is None:
            problems.append(Problem(line, "; ".join(reasons)))
        else:
            rows.append(row)
    if positions is None or count == 0:
        raise ImportFileError(
            "The file has a header row but no premises. Add a row for each premises."
        )
    return ParsedFile(rows, problems, encoding, ignored)
