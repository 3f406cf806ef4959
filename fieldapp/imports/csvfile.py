"""Reading a premises list: the file's encoding, its delimiter, its header and its rows."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from fieldapp.imports.mapping import SKIP, Mapping, guess, heading_key
from fieldapp.imports.model import (
    MAX_BYTES,
    MAX_ROWS,
    ImportFileError,
    ParsedFile,
    Problem,
)
from fieldapp.imports.rows import check_row, row_values
from fieldapp.text import clean

# The first label of the block of metadata rows the app's own CSV export started with until
# the export became a plain table; the table follows the first blank row after it. Kept so
# an export made before then still re-imports without editing.
EXPORT_PREAMBLE = "Handling marking"
SAMPLES = 5


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
        return data.decode("cp1252"), "Windows-1252"
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


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


@dataclass
class Table:
    """A file's header and its non-blank records, each with the line a spreadsheet shows."""

    encoding: str
    header_line: int
    headings: list[str]
    records: list[tuple[int, list[str]]]

    def samples(self, limit: int = SAMPLES) -> dict[int, list[str]]:
        """Up to ``limit`` distinct non-empty values of each column, by position."""
        found: dict[int, list[str]] = {i: [] for i in range(len(self.headings))}
        for _line, cells in self.records:
            for i, cell in enumerate(cells[: len(self.headings)]):
                value = " ".join(cell.split())
                if value and len(found[i]) < limit and value not in found[i]:
                    found[i].append(value)
            if all(len(v) >= limit for v in found.values()):
                break
        return found

    def column(self, position: int) -> list[str]:
        """Every record's value in one column ("" where the record is short)."""
        return [cells[position] if position < len(cells) else "" for _line, cells in self.records]


def read_table(data: bytes) -> Table:
    """Decode a file and split it into its header and records. Raises ImportFileError."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller "
            "files and import each one."
        )
    text, encoding = decode(data)
    if not text.strip():
        raise ImportFileError("The file is empty. Add a header row and a row for each premises.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header: tuple[int, list[str]] | None = None
    records: list[tuple[int, list[str]]] = []
    in_preamble = False
    try:
        for line, cells in enumerate(reader, start=1):
            if line == 1 and cells and cells[0].strip() == EXPORT_PREAMBLE:
                in_preamble = True
            if _blank(cells):
                in_preamble = False  # spreadsheets also save empty rows at the end
                continue
            if in_preamble:
                continue
            if header is None:
                # Headings are shown and saved in mappings: no control characters in them.
                header = (line, [" ".join(clean(c).split()) for c in cells])
                continue
            records.append((line, cells))
            if len(records) > MAX_ROWS:
                raise ImportFileError(
                    f"The file has more than {MAX_ROWS:,} rows of premises. Split it into "
                    f"files of {MAX_ROWS:,} rows or fewer and import each one."
                )
    except csv.Error as error:
        raise ImportFileError(
            f"The file could not be read as CSV at line {reader.line_num} ({error}). "
            "Save it from your spreadsheet as 'CSV UTF-8' and upload it again."
        ) from None
    if header is None or not records:
        raise ImportFileError(
            "The file has a header row but no premises. Add a row for each premises."
        )
    return Table(encoding, header[0], header[1], records)


def proposed(table: Table) -> Mapping:
    """The mapping :func:`parse` uses when it is given none: guessed from the file."""
    return guess(table.headings, table.samples())


def _check_headings(table: Table, mapping: Mapping) -> None:
    """A heading the mapping uses must appear once, or which column is meant is unclear."""
    keys = [heading_key(h) for h in table.headings]
    for heading in mapping.columns.values():
        if keys.count(heading_key(heading)) > 1:
            raise ImportFileError(
                f"The column '{heading}' appears twice in the first row. Remove one of them "
                "and upload the file again."
            )


def parse(data: bytes, mapping: Mapping | None = None) -> ParsedFile:
    """Read and check a whole file with ``mapping`` (guessed from the file when None).

    Raises :class:`ImportFileError` if the file cannot be used at all.
    """
    table = read_table(data)
    mapping = mapping or proposed(table)
    _check_headings(table, mapping)
    positions = mapping.positions(table.headings)
    used = set(positions.values())
    ignored = [h for i, h in enumerate(table.headings) if i not in used and h]
    width = len(table.headings)
    parsed = ParsedFile([], [], table.encoding, ignored)
    for line, cells in table.records:
        values = row_values(cells, positions)
        sector = mapping.sector_for(values.get("sector", ""))
        if sector == SKIP:
            parsed.skip(values.get("sector", ""))
            continue
        overflow = any(c.strip() for c in cells[width:])
        row, reasons = check_row(line, values, sector, overflow)
        if row is None:
            parsed.problems.append(Problem(line, "; ".join(reasons)))
        else:
            parsed.rows.append(row)
    return parsed
