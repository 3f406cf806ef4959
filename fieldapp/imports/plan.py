"""Matching a file's rows against the register: what importing it would add, change or keep.

Reads only: nothing is written until :func:`fieldapp.imports.write.write` runs. Rows
without coordinates take them from the geocoder's cache (:func:`cached_locator`); filling
the cache is the caller's job, because it is slow and can be done in steps.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from fieldapp import geo
from fieldapp.checklists.model import SECTORS
from fieldapp.imports.model import ParsedFile, Problem, Row
from fieldapp.imports.placing import Gazetteer, Locator, cached_locator, placed
from fieldapp.imports.rows import normalise_name, normalise_postcode, quoted
from fieldapp.queries import imports as imports_q


@dataclass
class Entry:
    """What importing one good row will do.

    ``action`` is ``new``, ``update`` or ``unchanged``; ``changes`` maps each changed column
    to ``(old, new)``; ``location`` says where the premises' coordinates will come from, best
    first: ``file``, ``register`` (kept), ``uprn``, ``lookup``, ``postcode`` (its centre),
    else ``not_found`` or ``not_looked_up``. ``lookup_pending`` marks a row placed only by its
    postcode whose address the geocoder has not been asked, so a lookup could do better.
    """

    row: Row
    action: str
    premises: dict | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    location: str = "file"
    lookup_pending: bool = False

    @property
    def has_location(self) -> bool:
        return self.location in PLACED

    @property
    def wants_lookup(self) -> bool:
        return self.location == "not_looked_up" or self.lookup_pending


# Where a planned premises' position comes from, when it has one, best first.
PLACED = ("file", "register", "uprn", "lookup", "postcode")


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

    def placed_by(self) -> dict[str, int]:
        """How many of the entries that change the register will be placed each way."""
        counts: dict[str, int] = {}
        for entry in self.to_write:
            counts[entry.location] = counts.get(entry.location, 0) + 1
        return counts

    def lookup_progress(self) -> tuple[int, int]:
        """``(done, total)``: distinct addresses looked up so far, out of all that need it."""
        keys = {
            geo.normalise_query(e.row.lookup_query)
            for e in self.entries
            if e.location in ("lookup", "not_found", "not_looked_up", "postcode")
        }
        return len(keys) - len(self.lookup_queries()), len(keys)

    def lookup_queries(self) -> list[str]:
        """The distinct addresses still to be looked up, in file order."""
        queries: dict[str, str] = {}
        for entry in self.entries:
            if entry.wants_lookup:
                key = geo.normalise_query(entry.row.lookup_query)
                queries.setdefault(key, entry.row.lookup_query)
        return list(queries.values())


def _name_key(name: str, postcode: str) -> tuple[str, str]:
    return normalise_name(name), normalise_postcode(postcode)


def plan(db: Database, parsed: ParsedFile, locate: Locator | None = None) -> Plan:
    """Match each good row to the register and work out what importing it would change.

    Reads only. ``locate`` answers address lookups for premises that would otherwise have no
    coordinates; by default only the geocoder's cache is used.
    """
    locate = locate or cached_locator(db)
    register = _Register(imports_q.register(db))
    gazetteer = Gazetteer(db, parsed.rows)
    entries: list[Entry] = []
    problems = list(parsed.problems)
    seen = _Seen()
    for row in parsed.rows:
        problem = seen.repeat(row) or register.mismatch(row) or gazetteer.mismatch(row)
        if problem:
            problems.append(Problem(row.line, problem))
        else:
            entries.append(_entry(row, register.match(row), locate, gazetteer))
    problems.sort(key=lambda p: p.line)
    return Plan(entries, problems, parsed)


class _Seen:
    """The rows met so far in the file, to refuse a premises listed twice."""

    def __init__(self) -> None:
        self.ref: dict[str, int] = {}
        self.name: dict[tuple[str, str], int] = {}
        self.uprn: dict[str, int] = {}

    def repeat(self, row: Row) -> str | None:
        """Why ``row`` repeats an earlier row, or None (then it is remembered)."""
        name_key = _name_key(row.name, row.postcode)
        if row.uprn and row.uprn in self.uprn:
            return (
                f"UPRN {row.uprn} is also on line {self.uprn[row.uprn]}: remove one of the two rows"
            )
        if row.uprn:
            self.uprn[row.uprn] = row.line
        if row.external_ref and row.external_ref in self.ref:
            return (
                f"external_ref {quoted(row.external_ref)} is also on line "
                f"{self.ref[row.external_ref]}: remove one of the two rows"
            )
        if not row.external_ref and name_key in self.name:
            return (
                f"the same name and postcode are also on line {self.name[name_key]}: "
                "remove one of the two rows, or give each an external_ref"
            )
        if row.external_ref:
            self.ref[row.external_ref] = row.line
        self.name.setdefault(name_key, row.line)
        return None


class _Register:
    """The premises already on the register, by external reference and by name and postcode."""

    def __init__(self, premises: list[dict]) -> None:
        self.by_ref: dict[str, list[dict]] = defaultdict(list)
        self.by_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
        self.by_uprn: dict[str, list[dict]] = defaultdict(list)
        for p in premises:
            if p["uprn"]:
                self.by_uprn[p["uprn"]].append(p)
            if p["external_ref"]:
                self.by_ref[p["external_ref"]].append(p)
            self.by_name[_name_key(p["name"], p["postcode"])].append(p)

    def candidates(self, row: Row) -> list[dict]:
        """The premises a row may be: by UPRN first, then external reference, then name and
        postcode (never a premises that has another UPRN)."""
        if row.uprn and row.uprn in self.by_uprn:
            return self.by_uprn[row.uprn]
        found = self._by_ref_or_name(row)
        return [p for p in found if not (row.uprn and p["uprn"])]

    def _by_ref_or_name(self, row: Row) -> list[dict]:
        name_key = _name_key(row.name, row.postcode)
        if row.external_ref:
            # An unknown reference may still be a premises an officer added by hand (which
            # has none): match those on name and postcode, but never one with another ref.
            return self.by_ref.get(row.external_ref) or [
                p for p in self.by_name.get(name_key, []) if not p["external_ref"]
            ]
        return self.by_name.get(name_key, [])

    def mismatch(self, row: Row) -> str | None:
        """Why the row cannot be matched safely (several matches, another sector), or None."""
        candidates = self.candidates(row)
        if len(candidates) > 1:
            return (
                f"matches {len(candidates)} premises already on the register: give the row "
                "an external_ref, or merge the duplicates on the register first"
            )
        if candidates and candidates[0]["sector"] != row.sector:
            existing = candidates[0]
            return (
                f"sector is {SECTORS[row.sector].lower()} but {quoted(existing['name'])} on the "
                f"register is a {SECTORS[existing['sector']].lower()}: check the sector"
                + (" and the external_ref" if row.external_ref else "")
            )
        return None

    def match(self, row: Row) -> dict | None:
        """The premises the row is, or None for a new one (after :meth:`mismatch`)."""
        candidates = self.candidates(row)
        return candidates[0] if candidates else None


def _entry(row: Row, existing: dict | None, locate: Locator, gazetteer: Gazetteer) -> Entry:
    """What to do for one row, given the premises it matched (if any)."""
    latitude, longitude, source, location, pending = placed(row, existing, locate, gazetteer)
    if existing is None:
        return Entry(
            row,
            "new",
            location=location,
            lookup_pending=pending,
            changes=_new_values(row, latitude, longitude, source),
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
    if row.uprn and not existing["uprn"]:
        changes["uprn"] = (existing["uprn"], row.uprn)
    for column in ("trading_name", "registered_on"):
        if getattr(row, column) and existing[column] != getattr(row, column):
            changes[column] = (existing[column], getattr(row, column))
    if latitude is not None and not _same_place(existing, latitude, longitude):
        changes["latitude"] = (existing["latitude"], latitude)
        changes["longitude"] = (existing["longitude"], longitude)
        changes["location_source"] = (existing["location_source"], source)
        # A grid position describes the point it came with, and no other.
        changes["easting"] = (existing["easting"], row.easting)
        changes["northing"] = (existing["northing"], row.northing)
    action = "update" if changes else "unchanged"
    return Entry(
        row,
        action,
        premises=existing,
        changes=changes,
        location=location,
        lookup_pending=pending,
    )


def _new_values(row: Row, latitude, longitude, source) -> dict[str, tuple[Any, Any]]:
    values = {
        "name": row.name,
        "sector": row.sector,
        "address": row.address,
        "postcode": row.postcode,
        "local_authority": row.local_authority,
        "external_ref": row.external_ref,
        "uprn": row.uprn,
        "trading_name": row.trading_name,
        "registered_on": row.registered_on,
        "easting": row.easting,
        "northing": row.northing,
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
