"""Looking places up for an import: many postcodes or UPRNs at once, and what is held."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from fieldapp.places.model import (
    POSTCODE,
    LoadRecord,
    PlacesSummary,
    PostcodePlace,
    UprnPlace,
    normalise_postcode,
    normalise_uprn,
)
from fieldapp.queries import places as places_q


def postcode_places(db: Database, postcodes: Iterable[str]) -> dict[str, PostcodePlace]:
    """The place of each postcode held, keyed by the normalised postcode (``LE15AA``).

    Postcodes may be in any case and spacing; ones that are not postcodes, or not held, are
    simply absent from the answer. Terminated postcodes are included (with ``terminated``
    set): an old premises list often still uses them.
    """
    keys = sorted({k for p in postcodes if p and POSTCODE.fullmatch(k := normalise_postcode(p))})
    return {row[0]: PostcodePlace(*row[1:]) for row in places_q.postcodes(db, keys)}


def uprn_places(db: Database, uprns: Iterable[str]) -> dict[str, UprnPlace]:
    """The place of each UPRN held, keyed by the UPRN without leading zeros."""
    keys = sorted({k for u in uprns if u and (k := normalise_uprn(str(u))) is not None})
    return {row[0]: UprnPlace(*row) for row in places_q.uprns(db, keys)}


def summary(db: Database) -> PlacesSummary:
    """How many postcodes and UPRNs are held, and the last load of each, from the loads'
    own record (counting 2.7 million rows on every page view would be slow)."""
    postcode_load = _record(places_q.last_load(db, ("onspd", "codepoint")))
    uprn_load = _record(places_q.last_load(db, ("uprn",)))
    return PlacesSummary(
        postcodes=postcode_load.held if postcode_load else 0,
        live_postcodes=(postcode_load.live_held or 0) if postcode_load else 0,
        uprns=uprn_load.held if uprn_load else 0,
        last_postcode_load=postcode_load,
        last_uprn_load=uprn_load,
    )


def _record(row: dict | None) -> LoadRecord | None:
    if row is None:
        return None
    return LoadRecord(
        kind=row["kind"],
        file_name=row["file_name"],
        rows_loaded=row["rows_loaded"],
        rows_skipped=row["rows_skipped"],
        held=row["held"],
        live_held=row["live_held"],
        loaded_at=row["loaded_at"],
    )
