"""What an import reads: the columns it knows, a checked row, and why a row is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

REQUIRED_COLUMNS = ("name", "sector", "address", "postcode")
OPTIONAL_COLUMNS = (
    "latitude",
    "longitude",
    "easting",
    "northing",
    "uprn",
    "external_ref",
    "local_authority",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Other headings people use for the same thing.
COLUMN_ALIASES = {
    "lat": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "long": "longitude",
    # British National Grid (EPSG:27700), as council case-management systems export it.
    "x": "easting",
    "y": "northing",
    "x_coordinate": "easting",
    "y_coordinate": "northing",
    "eastings": "easting",
    "northings": "northing",
    "grid_easting": "easting",
    "grid_northing": "northing",
    "unique_property_reference_number": "uprn",
    "property_uprn": "uprn",
}

SECTOR_ALIASES = {
    "hand car wash": "hand_car_wash",
    "car wash": "hand_car_wash",
    "nail bar": "nail_bar",
    "nails": "nail_bar",
}

MAX_LENGTHS = {"name": 200, "address": 300, "external_ref": 100, "local_authority": 100}
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")

# Where coordinates came from, stored in premises.location_source.
SOURCE_FILE = "import"
SOURCE_GEOCODER = "geocoder"

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
