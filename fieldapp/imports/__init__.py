"""Bringing premises onto the register from a CSV file: read, check, match and write.

No Flask here. Callers pass the file's bytes and a sqlite-utils ``Database``; the write step
takes the audit function as an argument and expects the caller to hold the transaction, so
the web page and the shell command share every rule and tests need no app for the rules.

The steps:

- :func:`read_table` splits the bytes into headings and records; :func:`guess` proposes a
  :class:`Mapping` from the file's headings to our fields (and its sector words to our
  sectors), which the person importing confirms (fieldapp.imports.mapping, presets).
- :func:`parse` reads the bytes (UTF-8, with or without Excel's byte-order mark, or
  Windows-1252 from older Excel) and checks every row, reporting each bad row by the line
  number a spreadsheet shows (the header is line 1).
- :func:`plan` matches the good rows against the register (by ``external_ref`` when given,
  else by name and postcode) and works out what is new, what changes and what is the same.
  It only reads: nothing is written until :func:`write` runs.
- Rows without coordinates take them from the geocoder's cache (:func:`cached_locator`);
  filling the cache is the caller's job, because it is slow and can be done in steps.

Rooms: ``model`` (columns, rows, problems), ``rows`` (one row's checks), ``csvfile``
(reading a file), ``plan`` (matching), ``write`` (writing); the SQL is in
fieldapp.queries.imports.
"""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp import audit
from fieldapp.imports.csvfile import Table, decode, parse, proposed, read_table
from fieldapp.imports.mapping import FIELDS, SECTOR_CHOICES, SKIP, Mapping, guess
from fieldapp.imports.model import (
    MAX_BYTES,
    MAX_ROWS,
    SOURCE_FILE,
    SOURCE_GEOCODER,
    ImportFileError,
    ParsedFile,
    Problem,
    Row,
)
from fieldapp.imports.placing import NOT_LOOKED_UP, cached_locator
from fieldapp.imports.plan import Entry, Plan, plan
from fieldapp.imports.rows import normalise_name, normalise_postcode
from fieldapp.imports.write import Result, write
from fieldapp.queries import transaction

__all__ = [
    "FIELDS",
    "MAX_BYTES",
    "MAX_ROWS",
    "NOT_LOOKED_UP",
    "SOURCE_FILE",
    "SECTOR_CHOICES",
    "SKIP",
    "SOURCE_GEOCODER",
    "Entry",
    "ImportFileError",
    "Mapping",
    "ParsedFile",
    "Plan",
    "Problem",
    "Result",
    "Row",
    "Table",
    "cached_locator",
    "decode",
    "guess",
    "normalise_name",
    "normalise_postcode",
    "parse",
    "plan",
    "proposed",
    "read_table",
    "run_import",
    "write",
]


def run_import(
    db: Database,
    parsed: ParsedFile,
    *,
    source: str,
    created_by: int | None = None,
    upload: str | None = None,
) -> tuple[Plan, Result]:
    """Import every good row of ``parsed`` in one transaction, or nothing at all.

    The plan is made again inside the transaction: the register may have changed since the
    file was checked, and importing the same file twice must not add anything twice.
    ``upload`` (the web upload's token) is kept in the import's audit row, so a server that
    stopped just after the commit can tell the import finished.
    """
    with transaction(db):
        plan_now = plan(db, parsed)
        # audit.record is looked up now, not at import time, so tests can replace it.
        result = write(
            db,
            plan_now,
            record=audit.record,
            source=source,
            created_by=created_by,
            upload=upload,
        )
    return plan_now, result
