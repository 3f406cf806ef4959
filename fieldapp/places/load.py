"""Loading a postcode or UPRN file into the database, in one transaction.

Every file of the load is opened and recognised before anything is written, so a file that
cannot be loaded is refused whole with nothing changed; then the rows stream through the
checks into ``executemany`` a batch at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

from fieldapp.places import files
from fieldapp.places.model import LoadReport, PlacesFileError
from fieldapp.places.read import CODEPOINT, ONSPD, UPRN, Kind, MissingColumns, Shape, shape_of
from fieldapp.places.read import batches as read_batches
from fieldapp.queries import places as places_q
from fieldapp.queries import transaction
from fieldapp.timeutil import now_iso

Progress = Callable[[int], None]

_WHERE_POSTCODES = (
    "Load the ONS Postcode Directory CSV (ONSPD_..._UK.csv from the ONS Open Geography "
    "Portal) or Code-Point Open from the OS Data Hub (its zip, its Data/CSV folder or one of "
    "its CSV files)."
)
_WHERE_UPRNS = (
    "Load an OS Open UPRN CSV (from the OS Data Hub) with the header "
    "UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE."
)


def load_postcodes(
    db: Database, path: Path, progress: Progress | None = None, started: Progress | None = None
) -> LoadReport:
    """Load the ONS Postcode Directory (one CSV) or Code-Point Open (a CSV, a folder of them
    or OS's zip). A live postcode is never replaced by a terminated one, in one file or
    across loads; otherwise the row loaded last wins. Raises :class:`PlacesFileError` for a
    file that cannot be loaded at all, having written nothing.

    ``started(total bytes)`` is called once the files are recognised, before any is read,
    and ``progress(bytes)`` as each part of them is: so a progress bar can be shown only
    for a file that will be loaded."""
    plan = _recognise(path, (ONSPD, CODEPOINT), _WHERE_POSTCODES)
    source = next(shape.kind.name for _, shape in plan if shape is not None)
    report = LoadReport(source, path.name, ignored=_ignored(plan))

    def write(batch: list[tuple]) -> None:
        _write_postcodes(db, source, batch, report)

    def count() -> None:
        report.held, report.live_held = places_q.postcodes_held(db)

    return _load(db, path, plan, report, write, count, progress, started)


def load_uprns(
    db: Database, path: Path, progress: Progress | None = None, started: Progress | None = None
) -> LoadReport:
    """Load an OS Open UPRN CSV (or OS's zip of one). A UPRN already held takes the file's
    position. Raises :class:`PlacesFileError` for a file that cannot be loaded at all.
    ``progress`` and ``started`` are as for :func:`load_postcodes`."""
    plan = _recognise(path, (UPRN,), _WHERE_UPRNS)
    report = LoadReport(UPRN.name, path.name, ignored=_ignored(plan))

    def write(batch: list[tuple]) -> None:
        report.loaded += places_q.write_uprns(db, batch)

    def count() -> None:
        report.held = places_q.uprns_held(db)

    return _load(db, path, plan, report, write, count, progress, started)


def _load(
    db: Database,
    path: Path,
    plan: list[tuple[files.Member, Shape | None]],
    report: LoadReport,
    write: Callable[[list[tuple]], None],
    count: Callable[[], None],
    progress: Progress | None,
    started: Progress | None,
) -> LoadReport:
    """Stream every recognised file of ``plan`` through ``write`` in one transaction, then
    ``count`` what is held and record the load."""
    if started is not None:
        started(sum(member.size for member, shape in plan if shape is not None))
    with transaction(db):
        for member, shape in plan:
            if shape is None:
                continue
            with files.text(member, progress) as stream:
                for batch in read_batches(stream, shape, report, _file_name(path, member)):
                    write(batch)
        count()
        _record(db, report)
    return report


def _write_postcodes(db: Database, source: str, batch: list[tuple], report: LoadReport) -> None:
    # Live rows first, then terminated ones, which the statement lets through only where
    # the postcode is not held live: so whether a postcode's live row comes before or after
    # its terminated one, in the file or across loads, the live one is kept.
    live = [row for row in batch if row[8] is None]
    terminated = [row for row in batch if row[8] is not None] if len(live) < len(batch) else []
    report.live += places_q.write_postcodes(db, source, live)
    written = places_q.write_postcodes(db, source, terminated)
    report.terminated += written
    report.kept_live += len(terminated) - written
    report.loaded = report.live + report.terminated


def _record(db: Database, report: LoadReport) -> None:
    places_q.record_load(
        db,
        {
            "kind": report.kind,
            "file_name": report.file_name,
            "rows_loaded": report.loaded,
            "rows_skipped": report.skipped,
            "held": report.held,
            "live_held": report.live_held,
            "loaded_at": now_iso(),
        },
    )


def _file_name(path: Path, member: files.Member) -> str | None:
    """How a problem names its file: not at all for a single file, else the member."""
    return None if member.path == path and member.inside is None else member.name


def _ignored(plan: list[tuple[files.Member, Shape | None]]) -> list[str]:
    return [member.name for member, shape in plan if shape is None]


def _recognise(
    path: Path, allowed: tuple[Kind, ...], where: str
) -> list[tuple[files.Member, Shape | None]]:
    """Each CSV file of the load with its shape (None: in a folder or zip, and not data of
    the allowed kind, such as OS's column notes). Raises PlacesFileError for a file that
    cannot be loaded, naming it and what to load instead."""
    found, collection = files.members(path)
    if not found:
        raise PlacesFileError(
            f"{path.name} holds no CSV files, so there is nothing to load. {where}"
        )
    plan = [(member, _shape(member, allowed, collection, where)) for member in found]
    kinds = {shape.kind for _, shape in plan if shape is not None}
    if not kinds:
        raise PlacesFileError(
            f"{path.name} holds no {' or '.join(k.label for k in allowed)} files "
            f"(of {len(found)} CSV file{'s' if len(found) != 1 else ''} in it, none has "
            f"their columns). {where}"
        )
    if len(kinds) > 1:
        raise PlacesFileError(
            f"{path.name} holds both ONS Postcode Directory and Code-Point Open files. Load "
            "one of them at a time."
        )
    return plan


def _shape(
    member: files.Member, allowed: tuple[Kind, ...], collection: bool, where: str
) -> Shape | None:
    """The member's shape if it is one to load, None if a collection may pass it over."""
    if member.size == 0:
        if collection:
            return None
        raise PlacesFileError(f"{member.name} is empty, so there is nothing to load. {where}")
    first = files.first_record(member)
    if first == []:
        if collection:
            return None
        raise PlacesFileError(f"{member.name} has only blank lines. {where}")
    try:
        shape = shape_of(first) if first is not None else None
    except MissingColumns as error:
        names = " or ".join(error.missing)
        raise PlacesFileError(
            f"{member.name} looks like the {error.kind.label} but has no {names} column. "
            f"Download the file again. {where}"
        ) from None
    if shape is not None and shape.kind not in allowed:
        raise PlacesFileError(_wrong_command(member.name, shape.kind))
    if shape is not None and shape.kind is ONSPD and collection:
        # OS ships Code-Point as many files; ONS ships ONSPD as one big one (its zip also
        # holds the same postcodes split by area), so ONSPD is loaded from its own CSV.
        raise PlacesFileError(
            f"{member.name} is the ONS Postcode Directory inside a folder or zip. Unzip it "
            "and load its one UK-wide CSV file (Data/ONSPD_..._UK.csv) on its own."
        )
    if shape is None and not collection:
        raise PlacesFileError(
            f"{member.name} is not a file this command reads: its first row is neither a "
            f"known header nor a Code-Point Open row. {where}"
        )
    return shape


def _wrong_command(name: str, kind: Kind) -> str:
    command = "load-uprns" if kind is UPRN else "load-postcodes"
    return (
        f"{name} is {kind.label}, which holds {kind.holds}: load it with "
        f"flask --app fieldapp places {command} {name}"
    )
