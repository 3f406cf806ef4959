"""Bringing premises onto the register from a CSV file: read, check, match and write.

No Flask here. Callers pass the file's bytes and a sqlite-utils ``Database``; the write step
takes the audit function as an argument and expects the caller to hold the transaction, so
the web page and the shell command share every rule and tests need no app for the rules.

The steps:

- :func:`parse` reads the bytes (UTF-8, with or without Excel's byte-order mark, or
  Windows-1252 from older Excel) and checks every row, reporting each bad row by the line
  number a spreadsheet shows (the header is line 1).
- :func:`plan` matches the good rows against the register (by ``external_ref`` when given,
  else by name and postcode) and works out what is new, what changes and what is the same.
  It only reads: nothing is written until :func:`write` runs.
- Rows without coordinates take them from the geocoder's cache (:func:`cached_locator`);
  filling the cache is the caller's job, because it is slow and can be done in steps.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from fieldapp import geo
from fieldapp.timeutil import now_iso, utcnow

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

REQUIRED_COLUMNS = ("name", "sector", "address", "postcode")
OPTIONAL_COLUMNS = ("latitude", "longitude", "external_ref", "local_authority")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Other headings people use for the same thing.
COLUMN_ALIASES = {"lat": "latitude", "lon": "longitude", "lng": "longitude", "long": "longitude"}

SECTOR_NAMES = {"hand_car_wash": "hand car wash", "nail_bar": "nail bar"}
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


# -- Reading ---------------------------------------------------------------------------------


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


# -- Checking one row ------------------------------------------------------------------------


def _show(value: str, limit: int = 40) -> str:
    """A cell's value, quoted and shortened, for a message."""
    value = " ".join(value.split())
    return f"'{value[:limit]}…'" if len(value) > limit else f"'{value}'"


def normalise_sector(value: str) -> str | None:
    """``hand_car_wash`` or ``nail_bar`` from the ways people write them, else None."""
    words = " ".join(re.split(r"[\s_\-]+", value.strip().lower())).strip()
    return SECTOR_ALIASES.get(words)


def normalise_postcode(value: str) -> str:
    """Upper case, no spaces: how postcodes are compared."""
    return "".join(value.split()).upper()


def format_postcode(value: str) -> str:
    """A valid postcode in its standard form, e.g. ``LE1 5AA``."""
    key = normalise_postcode(value)
    return f"{key[:-3]} {key[-3:]}"


def normalise_name(value: str) -> str:
    """Lower case with punctuation and runs of spaces collapsed: how names are compared."""
    return " ".join(re.sub(r"[\W_]+", " ", value.casefold()).split())


def _coordinate(column: str, raw: str, low: float, high: float) -> tuple[float | None, str | None]:
    text = raw.strip()
    if not text:
        return None, None
    try:
        value = float(text)
    except ValueError:
        if "," in text:
            return None, f"{column} {_show(text)} is not a number: use a full stop for decimals"
        return None, f"{column} {_show(text)} is not a number: enter decimal degrees, like 52.6344"
    if value != value or not low <= value <= high:  # NaN or out of range
        return None, f"{column} {_show(text)} is not between {low:g} and {high:g}"
    return value, None


def check_row(
    line: int, cells: list[str], positions: dict[str, int], width: int
) -> tuple[Row | None, list[str]]:
    """A cleaned :class:`Row`, or None and the reasons it cannot be imported.

    ``positions`` maps each column to its place in ``cells``; ``width`` is the number of
    headings, so a cell beyond it (an unquoted comma in an address) is noticed.
    """

    def cell(column: str) -> str:
        index = positions.get(column)
        if index is None or index >= len(cells):
            return ""
        return " ".join(cells[index].split())  # also joins lines inside a quoted cell

    reasons: list[str] = []
    if any(c.strip() for c in cells[width:]):
        reasons.append(
            "the row has more cells than the header row has columns: put quotes around "
            "any text that contains a comma"
        )
    name = cell("name")
    if not name:
        reasons.append("name is empty: enter the business name")
    sector_text = cell("sector")
    sector = normalise_sector(sector_text)
    if not sector_text:
        reasons.append("sector is empty: enter hand car wash or nail bar")
    elif sector is None:
        reasons.append(
            f"sector {_show(sector_text)} is not hand car wash or nail bar: change it to one "
            "of those"
        )
    address = cell("address")
    if not address:
        reasons.append("address is empty: enter the street address")
    external_ref = cell("external_ref") or None
    postcode_text = cell("postcode")
    postcode = ""
    if postcode_text:
        if POSTCODE.match(normalise_postcode(postcode_text)):
            postcode = format_postcode(postcode_text)
        else:
            reasons.append(
                f"postcode {_show(postcode_text)} is not a UK postcode: correct it, like LE1 5AA"
            )
    elif external_ref is None:
        # Without either, a second import could not tell this premises from a new one.
        reasons.append(
            "postcode is empty: enter the postcode, like LE1 5AA (it can be left empty only "
            "when the row has an external_ref)"
        )
    local_authority = cell("local_authority")
    for column, value in (
        ("name", name),
        ("address", address),
        ("external_ref", external_ref or ""),
        ("local_authority", local_authority),
    ):
        if len(value) > MAX_LENGTHS[column]:
            reasons.append(f"{column} is longer than {MAX_LENGTHS[column]} characters: shorten it")
    latitude, lat_error = _coordinate("latitude", cell("latitude"), -90, 90)
    longitude, lon_error = _coordinate("longitude", cell("longitude"), -180, 180)
    reasons += [e for e in (lat_error, lon_error) if e]
    if not (lat_error or lon_error):
        if (latitude is None) != (longitude is None):
            given, empty = (
                ("latitude", "longitude") if longitude is None else ("longitude", "latitude")
            )
            reasons.append(
                f"{given} is filled in but {empty} is empty: enter both, or neither and the "
                "address will be looked up"
            )
        elif latitude is not None and _looks_swapped(latitude, longitude):
            reasons.append(
                "latitude and longitude look the wrong way round: in the UK latitude is "
                "about 50 to 60 and longitude about -8 to 2"
            )
    if reasons:
        return None, reasons
    return (
        Row(
            line=line,
            name=name,
            sector=sector,
            address=address,
            postcode=postcode,
            latitude=latitude,
            longitude=longitude,
            external_ref=external_ref,
            local_authority=local_authority,
        ),
        [],
    )


def _looks_swapped(latitude: float, longitude: float) -> bool:
    return -9 <= latitude <= 3 and 49 <= longitude <= 61


# -- Matching against the register -----------------------------------------------------------

# What a locator answers for a query it has never looked up.
NOT_LOOKED_UP = "not looked up"

Located = tuple[float, float] | None | str  # a place, None (not found) or NOT_LOOKED_UP
Locator = Callable[[str], Located]


def cached_locator(db: Database) -> Locator:
    """Answer from the geocoder's cache only, never the network.

    A remembered miss counts as "not found" until the geocoder would ask again (a week).
    """

    def locate(query: str) -> Located:
        key = geo.normalise_query(query)
        rows = _rows(db, "SELECT * FROM geocode_cache WHERE query = ?", [key])
        if not rows:
            return NOT_LOOKED_UP
        row = rows[0]
        if row["latitude"] is not None:
            return (row["latitude"], row["longitude"])
        if datetime.fromisoformat(row["fetched_at"]) > utcnow() - geo.MISS_TTL:
            return None
        return NOT_LOOKED_UP

    return locate


@dataclass
class Entry:
    """What importing one good row will do.

    ``action`` is ``new``, ``update`` or ``unchanged``; ``changes`` maps each changed column
    to ``(old, new)``; ``location`` says where the premises' coordinates will come from:
    ``file``, ``register`` (kept), ``lookup``, ``not_found`` or ``not_looked_up``.
    """

    row: Row
    action: str
    premises: dict | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    location: str = "file"

    @property
    def has_location(self) -> bool:
        return self.location in ("file", "register", "lookup")


@dataclass
class Plan:
    """Everything an import will do, and every row it will skip."""

    entries: list[Entry]
    problems: list[Problem]
    parsed: ParsedFile

    def _count(self, action: str) -> int:
        return sum(1 for e in self.entries if e.action == action)

    @property
    def new(self) -> int:
        return self._count("new")

    @property
    def updated(self) -> int:
        return self._count("update")

    @property
    def unchanged(self) -> int:
        return self._count("unchanged")

    @property
    def bad(self) -> int:
        return len(self.problems)

    @property
    def to_write(self) -> list[Entry]:
        """The entries that change the register."""
        return [e for e in self.entries if e.action != "unchanged"]

    def without_location(self, reason: str) -> list[Entry]:
        """Entries that will end up with no coordinates, for ``not_found`` or
        ``not_looked_up``."""
        return [e for e in self.entries if e.location == reason]

    def lookup_progress(self) -> tuple[int, int]:
        """``(done, total)``: distinct addresses looked up so far, out of all that need it."""
        keys = {
            geo.normalise_query(e.row.lookup_query)
            for e in self.entries
            if e.location in ("lookup", "not_found", "not_looked_up")
        }
        return len(keys) - len(self.lookup_queries()), len(keys)

    def lookup_queries(self) -> list[str]:
        """The distinct addresses still to be looked up, in file order."""
        queries: dict[str, str] = {}
        for entry in self.without_location("not_looked_up"):
            queries.setdefault(geo.normalise_query(entry.row.lookup_query), entry.row.lookup_query)
        return list(queries.values())


def _rows(db: Database, sql: str, params: Iterable[Any] = ()) -> list[dict]:
    cursor = db.conn.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _name_key(name: str, postcode: str) -> tuple[str, str]:
    return normalise_name(name), normalise_postcode(postcode)


def plan(db: Database, parsed: ParsedFile, locate: Locator | None = None) -> Plan:
    """Match each good row to the register and work out what importing it would change.

    Reads only. ``locate`` answers address lookups for premises that would otherwise have no
    coordinates; by default only the geocoder's cache is used.
    """
    locate = locate or cached_locator(db)
    register = _rows(
        db,
        "SELECT id, name, sector, address, postcode, local_authority, external_ref, "
        "latitude, longitude, location_source FROM premises ORDER BY id",
    )
    by_ref: dict[str, list[dict]] = defaultdict(list)
    by_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for premises in register:
        if premises["external_ref"]:
            by_ref[premises["external_ref"]].append(premises)
        by_name[_name_key(premises["name"], premises["postcode"])].append(premises)

    entries: list[Entry] = []
    problems = list(parsed.problems)
    seen_ref: dict[str, int] = {}
    seen_name: dict[tuple[str, str], int] = {}
    for row in parsed.rows:
        name_key = _name_key(row.name, row.postcode)
        if row.external_ref and row.external_ref in seen_ref:
            problems.append(
                Problem(
                    row.line,
                    f"external_ref {_show(row.external_ref)} is also on line "
                    f"{seen_ref[row.external_ref]}: remove one of the two rows",
                )
            )
            continue
        if not row.external_ref and name_key in seen_name:
            problems.append(
                Problem(
                    row.line,
                    f"the same name and postcode are also on line {seen_name[name_key]}: "
                    "remove one of the two rows, or give each an external_ref",
                )
            )
            continue
        if row.external_ref:
            seen_ref[row.external_ref] = row.line
        seen_name.setdefault(name_key, row.line)

        if row.external_ref:
            # An unknown reference may still be a premises an officer added by hand (which
            # has none): match those on name and postcode, but never one with another ref.
            candidates = by_ref.get(row.external_ref) or [
                p for p in by_name.get(name_key, []) if not p["external_ref"]
            ]
        else:
            candidates = by_name.get(name_key, [])
        if len(candidates) > 1:
            problems.append(
                Problem(
                    row.line,
                    f"matches {len(candidates)} premises already on the register: give the row "
                    "an external_ref, or merge the duplicates on the register first",
                )
            )
            continue
        existing = candidates[0] if candidates else None
        if existing is not None and existing["sector"] != row.sector:
            problems.append(
                Problem(
                    row.line,
                    f"sector is {SECTOR_NAMES[row.sector]} but {_show(existing['name'])} on the "
                    f"register is a {SECTOR_NAMES[existing['sector']]}: check the sector"
                    + (" and the external_ref" if row.external_ref else ""),
                )
            )
            continue
        entries.append(_entry(row, existing, locate))
    problems.sort(key=lambda p: p.line)
    return Plan(entries, problems, parsed)


def _entry(row: Row, existing: dict | None, locate: Locator) -> Entry:
    """What to do for one row, given the premises it matched (if any)."""
    latitude, longitude, source, location = row.latitude, row.longitude, SOURCE_FILE, "file"
    if latitude is None:
        # Never wipe a location the register already has: it may be an officer's GPS fix.
        if existing is not None and existing["latitude"] is not None:
            latitude, longitude = existing["latitude"], existing["longitude"]
            source, location = existing["location_source"], "register"
        else:
            found = locate(row.lookup_query)
            if isinstance(found, tuple):
                (latitude, longitude), source, location = found, SOURCE_GEOCODER, "lookup"
            else:
                source = None
                location = "not_looked_up" if found == NOT_LOOKED_UP else "not_found"
    if existing is None:
        return Entry(
            row, "new", location=location, changes=_new_values(row, latitude, longitude, source)
        )
    changes: dict[str, tuple[Any, Any]] = {}
    for column, new in (("name", row.name), ("address", row.address)):
        if existing[column] != new:
            changes[column] = (existing[column], new)
    if row.postcode and normalise_postcode(existing["postcode"]) != normalise_postcode(
        row.postcode
    ):
        changes["postcode"] = (existing["postcode"], row.postcode)
    # A blank optional cell never clears what the register holds.
    if row.local_authority and existing["local_authority"] != row.local_authority:
        changes["local_authority"] = (existing["local_authority"], row.local_authority)
    if row.external_ref and not existing["external_ref"]:
        changes["external_ref"] = (existing["external_ref"], row.external_ref)
    if latitude is not None and not _same_place(existing, latitude, longitude):
        changes["latitude"] = (existing["latitude"], latitude)
        changes["longitude"] = (existing["longitude"], longitude)
        changes["location_source"] = (existing["location_source"], source)
    action = "update" if changes else "unchanged"
    return Entry(row, action, premises=existing, changes=changes, location=location)


def _new_values(row: Row, latitude, longitude, source) -> dict[str, tuple[Any, Any]]:
    values = {
        "name": row.name,
        "sector": row.sector,
        "address": row.address,
        "postcode": row.postcode,
        "local_authority": row.local_authority,
        "external_ref": row.external_ref,
        "latitude": latitude,
        "longitude": longitude,
        "location_source": source if latitude is not None else None,
    }
    return {column: (None, value) for column, value in values.items()}


def _same_place(existing: dict, latitude: float, longitude: float) -> bool:
    if existing["latitude"] is None or existing["longitude"] is None:
        return False
    # About a centimetre: spreadsheets round coordinates in their last digits.
    return (
        abs(existing["latitude"] - latitude) < 1e-7
        and abs(existing["longitude"] - longitude) < 1e-7
    )


# -- Writing ---------------------------------------------------------------------------------


@dataclass
class Result:
    """What an import did: ids and names of the premises created and updated."""

    created: list[tuple[int, str]]
    updated: list[tuple[int, str]]
    unchanged: int
    skipped: int
    without_location: int

    def as_dict(self) -> dict:
        return {
            "created": [list(p) for p in self.created],
            "updated": [list(p) for p in self.updated],
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "without_location": self.without_location,
        }


AuditRecord = Callable[..., None]  # fieldapp.audit.record


def write(
    db: Database,
    import_plan: Plan,
    *,
    record: AuditRecord,
    source: str,
    created_by: int | None = None,
) -> Result:
    """Apply a plan, with one audit row per premises created or updated and one summary.

    Must run inside the caller's transaction, with the plan made inside that same
    transaction, so the whole file lands or none of it does and nobody's edit in between
    is overwritten unseen. ``record`` is ``fieldapp.audit.record``.
    """
    if not db.conn.in_transaction:
        raise RuntimeError("imports.write() must run inside a transaction")
    now = now_iso()
    created: list[tuple[int, str]] = []
    updated: list[tuple[int, str]] = []
    for entry in import_plan.to_write:
        row = entry.row
        if entry.action == "new":
            values = {column: new for column, (_old, new) in entry.changes.items()}
            premises_id = _insert(db, values, created_by, now)
            created.append((premises_id, row.name))
            record(
                "premises.import_create",
                "premises",
                premises_id,
                db=db,
                file=source,
                line=row.line,
                name=row.name,
                sector=row.sector,
                location_source=values["location_source"],
            )
        else:
            premises = {**entry.premises}
            premises.update({column: new for column, (_old, new) in entry.changes.items()})
            _update(db, premises, now)
            updated.append((premises["id"], row.name))
            record(
                "premises.import_update",
                "premises",
                premises["id"],
                db=db,
                file=source,
                line=row.line,
                changes={column: list(pair) for column, pair in entry.changes.items()},
            )
    without_location = sum(1 for e in import_plan.to_write if not e.has_location)
    result = Result(
        created=created,
        updated=updated,
        unchanged=import_plan.unchanged,
        skipped=import_plan.bad,
        without_location=without_location,
    )
    record(
        "premises.import",
        "premises",
        None,
        db=db,
        file=source,
        created=len(created),
        updated=len(updated),
        unchanged=result.unchanged,
        skipped=result.skipped,
        without_location=without_location,
    )
    return result


def _insert(db: Database, values: dict, created_by: int | None, now: str) -> int:
    cursor = db.conn.execute(
        "INSERT INTO premises (uuid, name, sector, address, postcode, local_authority, "
        "external_ref, latitude, longitude, location_source, created_at, created_by, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            str(uuid.uuid4()),
            values["name"],
            values["sector"],
            values["address"],
            values["postcode"],
            values["local_authority"] or "",
            values["external_ref"],
            values["latitude"],
            values["longitude"],
            values["location_source"],
            now,
            created_by,
            now,
        ],
    )
    return int(cursor.lastrowid)


def _update(db: Database, premises: dict, now: str) -> None:
    db.conn.execute(
        "UPDATE premises SET name = ?, address = ?, postcode = ?, local_authority = ?, "
        "external_ref = ?, latitude = ?, longitude = ?, location_source = ?, updated_at = ? "
        "WHERE id = ?",
        [
            premises["name"],
            premises["address"],
            premises["postcode"],
            premises["local_authority"],
            premises["external_ref"],
            premises["latitude"],
            premises["longitude"],
            premises["location_source"],
            now,
            premises["id"],
        ],
    )


def run_import(
    db: Database, parsed: ParsedFile, *, source: str, created_by: int | None = None
) -> tuple[Plan, Result]:
    """Import every good row of ``parsed`` in one transaction, or nothing at all.

    The plan is made again inside the transaction: the register may have changed since the
    file was checked, and importing the same file twice must not add anything twice.
    """
    from fieldapp import audit
    from fieldapp.queries import transaction

    with transaction(db):
        plan_now = plan(db, parsed)
        # audit.record is looked up now, not at import time, so tests can replace it.
        result = write(db, plan_now, record=audit.record, source=source, created_by=created_by)
    return plan_now, result
