"""What an import reads: the columns it knows, a checked row, and why a row is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fieldapp import geo

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

MAX_LENGTHS = {
    "name": 200,
    "trading_name": 200,
    "address": 300,
    "external_ref": 100,
    "local_authority": 100,
}
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")

# Where coordinates came from, stored in premises.location_source.
SOURCE_FILE = "import"
SOURCE_GEOCODER = "geocoder"
SOURCE_UPRN = geo.SOURCE_UPRN
SOURCE_POSTCODE = geo.SOURCE_POSTCODE

WINDOWS_ENCODING = "Windows-1252"
WINDOWS_NOTE = (
    "The file is not saved as UTF-8, so it was read as Windows text (what older versions of "
    "Excel save). Check that names with accents look right. If they do not, save the file "
    "from Excel as 'CSV UTF-8' and import it again."
)


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; ``message`` says what to do about it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Row:
    """One good row of the file, cleaned: the sector is an id, the postcode in standard form."""

    line: int
    name: str
    sector: str
    address: str
    postcode: str
    latitude: float | None = None
    longitude: float | None = None
    external_ref: str | None = None
    local_authority: str = ""
    uprn: str | None = None
    trading_name: str = ""
    # The British National Grid position the file gave (kept beside the converted point).
    easting: float | None = None
    northing: float | None = None
    registered_on: str | None = None  # ISO date

    @property
    def lookup_query(self) -> str:
        """What the geocoder is asked (the same form the add-a-premises page uses)."""
        return ", ".join(p for p in (self.address, self.postcode) if p)


@dataclass(frozen=True)
class Problem:
    """Why a row cannot be imported, by the line number a spreadsheet shows."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ParsedFile:
    """Every row of a file, checked."""

    rows: list[Row]
    problems: list[Problem]
    encoding: str
    ignored_columns: list[str] = field(default_factory=list)
    # Rows left out because the mapping skips their sector value: value -> rows.
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, value: str) -> None:
        """Count a row left out by the sector mapping."""
        value = " ".join(value.split())
        self.skipped[value] = self.skipped.get(value, 0) + 1

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())

    @property
    def notes(self) -> list[str]:
        """Things about the file as a whole the person importing should know."""
        notes = []
        if self.encoding == WINDOWS_ENCODING:
            notes.append(WINDOWS_NOTE)
        if self.ignored_columns:
            names = ", ".join(f"'{c}'" for c in self.ignored_columns)
            notes.append(f"These columns are not used and were ignored: {names}.")
        return notes
