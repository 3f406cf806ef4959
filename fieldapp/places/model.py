"""What a places load reads and reports, and what a lookup answers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A UK postcode without its space: the shape fieldapp.imports.model.POSTCODE checks. Kept
# here rather than imported because the import step looks places up, so this package must
# not depend on fieldapp.imports (a test keeps the two the same).
POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
# An ONS (GSS) area code: a letter and eight digits, E06000016.
AREA_CODE = re.compile(r"[A-Z][0-9]{8}")

# The UK (Channel Islands, Shetland and Northern Ireland too) in WGS84 degrees, with a margin.
LATITUDE = (49.0, 61.0)
LONGITUDE = (-8.7, 2.0)
# ONSPD's "no grid reference" position (its longitude is 0.000000).
NO_POSITION_LATITUDE = 99.999999

# Rows written per executemany: large enough that each call's overhead vanishes, small
# enough that a batch of Code-Point rows converts in one PROJ call without much memory.
BATCH_ROWS = 50_000
# Malformed rows listed by line in a report; all of them are counted.
MAX_LISTED = 20


class PlacesFileError(Exception):
    """A file that cannot be loaded at all; ``message`` says which and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalise_postcode(value: str) -> str:
    """Upper case, no spaces: how postcodes are keyed (as fieldapp.imports compares them)."""
    return "".join(value.split()).upper()


def display_postcode(key: str) -> str:
    """A normalised postcode in its standard form: ``LE15AA`` to ``LE1 5AA``."""
    return f"{key[:-3]} {key[-3:]}"


def normalise_uprn(value: str) -> str | None:
    """A UPRN as text without leading zeros (as fieldapp.imports keeps it), or None if
    ``value`` is not one to twelve digits."""
    text = value.strip()
    if not (0 < len(text) <= 12 and text.isascii() and text.isdigit()):
        return None
    return text.lstrip("0") or "0"


@dataclass(frozen=True, slots=True)
class PostcodePlace:
    """Where a postcode is (its centroid: tens of metres out, good enough to map a
    premises and find its ward, not to judge a GPS fix by)."""

    postcode: str  # display form, LE1 5AA
    latitude: float
    longitude: float
    easting: int | None
    northing: int | None
    local_authority: str | None  # ONS code, E06000016
    ward: str | None  # ONS code
    terminated: str | None  # yyyymm, or None while in use
    source: str  # onspd or codepoint


@dataclass(frozen=True, slots=True)
class UprnPlace:
    """Where an addressable place is, from OS Open UPRN."""

    uprn: str
    latitude: float
    longitude: float
    easting: float
    northing: float


@dataclass(frozen=True)
class Problem:
    """A row that was not loaded: the file (in a folder or zip), its line and why."""

    file: str | None
    line: int
    reason: str

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.file else f"line {self.line}"
        return f"{where}: {self.reason}"


@dataclass
class LoadReport:
    """What one load read and wrote. ``held`` and ``live_held`` are the totals after it."""

    kind: str  # onspd, codepoint or uprn
    file_name: str
    loaded: int = 0
    live: int = 0
    terminated: int = 0
    kept_live: int = 0  # terminated rows whose postcode is held live, so left as it was
    no_position: int = 0
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)
    candidates: int = 0  # well-formed rows offered to the database
    ignored: list[str] = field(default_factory=list)  # files in a folder or zip not read
    held: int = 0
    live_held: int | None = None

    def problem(self, file: str | None, line: int, reason: str) -> None:
        """Count a malformed row; list it if fewer than MAX_LISTED are listed."""
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(Problem(file, line, reason))

    @property
    def read(self) -> int:
        """Rows read from the file (the header and blank lines aside)."""
        return self.candidates + self.no_position + self.problem_count

    @property
    def skipped(self) -> int:
        """Rows read but not loaded, for whatever reason."""
        return self.read - self.loaded


@dataclass(frozen=True)
class LoadRecord:
    """One past load, as ``place_loads`` keeps it."""

    kind: str
    file_name: str
    rows_loaded: int
    rows_skipped: int
    held: int
    live_held: int | None
    loaded_at: str


@dataclass(frozen=True)
class PlacesSummary:
    """What the app holds, for the admin page and ``flask places status``."""

    postcodes: int
    live_postcodes: int
    uprns: int
    last_postcode_load: LoadRecord | None
    last_uprn_load: LoadRecord | None

    @property
    def terminated_postcodes(self) -> int:
        return self.postcodes - self.live_postcodes
