"""Which of a file's columns is which of our fields, and which of its sector words are ours.

Councils' files never arrive in our column names: a case-management export says
``Premises Name`` and ``Address Line 1``..``4``, a business rates list ``Ratepayer Name`` and
``Full Property Address``, and their sectors are words like ``CAR WASH AND PREMISES`` or
``Beauty Salon - Nails``. A :class:`Mapping` says, for one file's shape, which heading holds
which field and what each sector value means (a sector we visit, or "skip these rows").

:func:`guess` proposes one from the headings and a sample of values; the person importing
confirms or changes it, and may save it as a named preset (fieldapp.imports.presets).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from fieldapp.checklists.model import SECTORS
from fieldapp.imports.model import POSTCODE, ImportFileError

# Our fields, in the order the mapping page lists them, with what each holds.
FIELDS: dict[str, str] = {
    "name": "Name",
    "trading_name": "Trading name",
    "sector": "Sector or business type",
    "address": "Full address (one column)",
    "address_line_1": "Address line 1",
    "address_line_2": "Address line 2",
    "address_line_3": "Address line 3",
    "address_line_4": "Address line 4",
    "postcode": "Postcode",
    "uprn": "UPRN",
    "external_ref": "Reference in your system",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "easting": "Easting (British National Grid)",
    "northing": "Northing (British National Grid)",
    "local_authority": "Local authority",
    "date_registered": "Date registered",
}
ADDRESS_LINES = ("address_line_1", "address_line_2", "address_line_3", "address_line_4")
SKIP = "skip"
# What a sector value can be mapped to.
SECTOR_CHOICES: dict[str, str] = {**SECTORS, SKIP: "Skip these rows"}
# What happens to a sector value a mapping does not list (a preset used on a later file):
# "ask" refuses the row, naming the value; "skip" leaves the row out.
OTHER_SECTORS = ("ask", SKIP)

# Headings people use for each field, compared in :func:`heading_key` form. The first
# heading in a file that matches wins; the rest are left for the person to choose.
HEADINGS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "premises_name",
        "business_name",
        "businessname",
        "establishment_name",
        "company_name",
        "ratepayer_name",
        "ratepayer",
    ),
    "trading_name": ("trading_name", "trading_as", "trade_name", "t_a"),
    "sector": (
        "sector",
        "business_type",
        "businesstype",
        "premises_type",
        "business_category",
        "category",
        "type",
        "description",
        "property_description",
        "primary_description",
        "licence_type",
        "activity",
    ),
    "address": (
        "address",
        "full_address",
        "full_property_address",
        "property_address",
        "premises_address",
        "site_address",
    ),
    "address_line_1": ("address_line_1", "addressline1", "address_1", "address1", "line_1"),
    "address_line_2": ("address_line_2", "addressline2", "address_2", "address2", "line_2"),
    "address_line_3": ("address_line_3", "addressline3", "address_3", "address3", "line_3"),
    "address_line_4": ("address_line_4", "addressline4", "address_4", "address4", "line_4"),
    "postcode": ("postcode", "post_code", "postal_code", "pcode"),
    "uprn": ("uprn", "unique_property_reference_number", "property_uprn", "blpu_uprn"),
    "external_ref": (
        "external_ref",
        "reference",
        "ref",
        "premises_ref",
        "premises_reference",
        "premises_id",
        "property_reference",
        "property_ref",
        "licence_number",
        "licence_no",
        "licence_reference",
        "fhrsid",
    ),
    "latitude": ("latitude", "lat", "geocode_latitude"),
    "longitude": ("longitude", "lon", "lng", "long", "geocode_longitude"),
    "easting": (
        "easting",
        "eastings",
        "x",
        "x_coordinate",
        "grid_easting",
        "os_easting",
    ),
    "northing": (
        "northing",
        "northings",
        "y",
        "y_coordinate",
        "grid_northing",
        "os_northing",
    ),
    "local_authority": (
        "local_authority",
        "local_authority_name",
        "localauthorityname",
        "billing_authority_code",
        "billing_authority",
        "authority",
        "council",
    ),
    "date_registered": (
        "date_registered",
        "registered",
        "registration_date",
        "date_of_registration",
        "liability_start_date",
        "start_date",
        "licence_start_date",
        "date_licence_granted",
    ),
}

# Words in a sector value that say which sector it is. Anything else is skipped by a guess:
# a business rates list holds every shop in the area, and those rows are not ours.
SECTOR_WORDS = (
    ("hand_car_wash", re.compile(r"car[\s-]*wash|hand[\s-]*wash|valet", re.IGNORECASE)),
    ("nail_bar", re.compile(r"\bnails?\b|manicur", re.IGNORECASE)),
)


def heading_key(heading: str) -> str:
    """A heading in the form headings are compared: ``Address Line 1`` -> ``address_line_1``,
    ``Geocode/Latitude`` -> ``geocode_latitude``."""
    return re.sub(r"[^a-z0-9]+", "_", heading.casefold()).strip("_")


def value_key(value: str) -> str:
    """A sector value in the form values are compared (case and spacing ignored)."""
    return " ".join(value.split()).casefold()


def guess_sector(value: str) -> str | None:
    """The sector a value names (``Hand Car Wash``, ``CAR WASH AND PREMISES``, ``nails``),
    or None."""
    text = value.replace("_", " ")
    for sector, words in SECTOR_WORDS:
        if words.search(text):
            return sector
    return None


@dataclass(frozen=True)
class Mapping:
    """Our field -> the file's heading; sector value (:func:`value_key`) -> sector or skip.

    ``sector_default`` is the sector of every row of a file with no sector column (a nail
    bar licence register). ``name`` is the preset it came from, if any.
    """

    columns: dict[str, str]
    sectors: dict[str, str] = field(default_factory=dict)
    sector_default: str | None = None
    other_sectors: str = "ask"
    name: str = ""

    def as_dict(self) -> dict:
        return {
            "columns": dict(self.columns),
            "sectors": dict(self.sectors),
            "sector_default": self.sector_default,
            "other_sectors": self.other_sectors,
            "name": self.name,
        }

    @classmethod
    def from_dict(cls, data: dict, *, where: str = "The mapping") -> Mapping:
        """A mapping from stored or hand-written data; ImportFileError says what is wrong."""
        columns = data.get("columns") or {}
        sectors = data.get("sectors") or {}
        if not isinstance(columns, dict) or not isinstance(sectors, dict):
            raise ImportFileError(f"{where} needs a [columns] table and may have [sectors].")
        unknown = [f for f in columns if f not in FIELDS]
        if unknown:
            raise ImportFileError(
                f"{where} names {', '.join(unknown)}, which are not fields: use any of "
                f"{', '.join(FIELDS)}."
            )
        bad = {v: s for v, s in sectors.items() if s not in SECTOR_CHOICES}
        if bad:
            value, sector = next(iter(bad.items()))
            raise ImportFileError(
                f"{where} maps the sector value '{value}' to '{sector}': use one of "
                f"{', '.join(SECTOR_CHOICES)}."
            )
        default = data.get("sector_default") or None
        if default is not None and default not in SECTORS:
            raise ImportFileError(f"{where}: sector_default must be one of {', '.join(SECTORS)}.")
        other = data.get("other_sectors") or "ask"
        if other not in OTHER_SECTORS:
            raise ImportFileError(f"{where}: other_sectors must be 'ask' or 'skip'.")
        return cls(
            columns={f: str(h) for f, h in columns.items() if str(h).strip()},
            sectors={value_key(str(v)): s for v, s in sectors.items()},
            sector_default=default,
            other_sectors=other,
            name=str(data.get("name") or ""),
        )

    def filled_from(self, other: Mapping) -> Mapping:
        """This mapping, plus ``other``'s choices for the fields and headings this one leaves
        free (a preset, with a guess for the columns it does not know)."""
        used = {heading_key(h) for h in self.columns.values()}
        extra = {
            name: heading
            for name, heading in other.columns.items()
            if name not in self.columns and heading_key(heading) not in used
        }
        return replace(self, columns={**self.columns, **extra})

    def sector_for(self, value: str) -> str | None:
        """The sector of a row whose sector cell is ``value``: a sector id, SKIP, or None
        when the mapping does not say (the row is refused, naming the value)."""
        if "sector" not in self.columns:
            return self.sector_default
        key = value_key(value)
        if key in self.sectors:
            return self.sectors[key]
        found = guess_sector(value) if key else None
        if found:
            return found
        return SKIP if self.other_sectors == SKIP else None

    def positions(self, headings: list[str]) -> dict[str, int]:
        """Each mapped field's place among ``headings``; ImportFileError if the mapping does
        not fit the file (a heading it names is missing) or lacks what every row needs."""
        positions = self.locate(headings)
        check_complete(positions, self.sector_default)
        return positions

    def locate(self, headings: list[str]) -> dict[str, int]:
        """Each mapped field's place among ``headings``; ImportFileError naming a heading
        the mapping uses that the file does not have."""
        index = {heading_key(h): i for i, h in reversed(list(enumerate(headings)))}
        positions: dict[str, int] = {}
        missing = []
        for name, heading in self.columns.items():
            key = heading_key(heading)
            if key in index:
                positions[name] = index[key]
            else:
                missing.append(heading)
        if missing:
            names = ", ".join(f"'{h}'" for h in missing)
            raise ImportFileError(
                f"The file has no column {names}, which the mapping uses. Choose the "
                "columns again, or check this is the right file."
            )
        return positions


def check_complete(fields_found, sector_default: str | None = None) -> None:
    """Refuse a mapping without what every row needs, naming what to add."""
    found = set(fields_found)
    missing = []
    if not found & {"name", "trading_name"}:
        missing.append("the name (or trading name)")
    if "sector" not in found and not sector_default:
        missing.append("the sector (or say which sector every row is)")
    if not found & {"address", "address_line_1"}:
        missing.append("the address (one full address, or address line 1)")
    if missing:
        raise ImportFileError(
            "The file has no column for "
            + _and(missing)
            + ", so nothing can be imported. Choose which column holds it, or add the "
            "column to the file and upload it again."
        )
    for one, other in (("latitude", "longitude"), ("easting", "northing")):
        if (one in found) != (other in found):
            given, absent = (one, other) if one in found else (other, one)
            raise ImportFileError(
                f"The file has a {given} column but no {absent} column. Choose both, or neither."
            )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def guess(headings: list[str], samples: dict[int, list[str]] | None = None) -> Mapping:
    """A proposed mapping from the headings (and, for the postcode and sector, the values).

    ``samples`` holds some non-empty values of each column by position. Nothing here is
    final: the person importing sees it and confirms it.
    """
    samples = samples or {}
    keys = [heading_key(h) for h in headings]
    columns: dict[str, str] = {}
    taken: set[int] = set()
    for name, known in HEADINGS.items():
        for i, key in enumerate(keys):
            if i not in taken and key in known:
                columns[name] = headings[i].strip()
                taken.add(i)
                break
    for name, test in (("postcode", _mostly_postcodes), ("sector", _mostly_sectors)):
        if name not in columns:
            for i, heading in enumerate(headings):
                if i not in taken and heading.strip() and test(samples.get(i, [])):
                    columns[name] = heading.strip()
                    taken.add(i)
                    break
    return Mapping(columns=columns)


def _mostly_postcodes(values: list[str]) -> bool:
    good = sum(1 for v in values if POSTCODE.match("".join(v.split()).upper()))
    return bool(values) and good >= 0.8 * len(values)


def _mostly_sectors(values: list[str]) -> bool:
    return bool(values) and sum(1 for v in values if guess_sector(v)) >= 0.5 * len(values)


def sector_values(values: list[str]) -> list[tuple[str, int]]:
    """Each distinct sector value (first spelling seen, empty as "") with its count, most
    frequent first."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for value in values:
        key = value_key(value)
        counts[key] += 1
        spelling.setdefault(key, " ".join(value.split()))
    return [(spelling[key], n) for key, n in counts.most_common()]
