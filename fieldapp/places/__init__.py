"""Places from open data a council loads once: postcodes and UPRNs, looked up offline.

A postcode centroid or a UPRN's point puts a premises on the map and in its ward without
sending its address to anyone (the public geocoder allows one lookup a second and sees every
address). No Flask here: callers pass a sqlite-utils ``Database`` and a path, so the shell
command, a later admin page and tests share every rule.

- :func:`load_postcodes` reads the ONS Postcode Directory (ONSPD, one CSV with a header row)
  or Code-Point Open (no header, British National Grid only: converted by PROJ a batch at a
  time), as a single CSV, a folder of them or OS's zip; :func:`load_uprns` reads OS Open
  UPRN. The kind is told from the first row, not the file's name. Each load is one
  transaction; a live postcode is never replaced by a terminated one.
- Malformed rows are reported by the line a text editor shows (the header is line 1), the
  first twenty listed and all counted; the good rows still load.
- :func:`postcode_places` and :func:`uprn_places` answer many keys at once, for an import;
  :func:`summary` says what is held.

Rooms: ``model`` (rules, dataclasses), ``files`` (one file, a folder or a zip, streamed),
``read`` (the kinds of file, read in checked batches), ``rows`` (one row's checks), ``load``
(writing), ``lookup`` (reading), ``report`` (sentences); the SQL is in
fieldapp.queries.places.
"""

from __future__ import annotations

from fieldapp.places.load import load_postcodes, load_uprns
from fieldapp.places.lookup import postcode_places, summary, uprn_places
from fieldapp.places.model import (
    LoadRecord,
    LoadReport,
    PlacesFileError,
    PlacesSummary,
    PostcodePlace,
    Problem,
    UprnPlace,
    normalise_postcode,
    normalise_uprn,
)
from fieldapp.places.report import describe, describe_summary

__all__ = [
    "LoadRecord",
    "LoadReport",
    "PlacesFileError",
    "PlacesSummary",
    "PostcodePlace",
    "Problem",
    "UprnPlace",
    "describe",
    "describe_summary",
    "load_postcodes",
    "load_uprns",
    "normalise_postcode",
    "normalise_uprn",
    "postcode_places",
    "summary",
    "uprn_places",
]
