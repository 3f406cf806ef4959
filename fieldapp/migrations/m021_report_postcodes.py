"""Figures by area for a whole year, quarter or month from running totals by postcode.

The figures by area add up each postcode's premises visited, visits, high-concern visits
and potential victims. For a year at 50,000 premises that meant joining every premises'
running total (``report_premises``, m018) and every visit that found victims to its
premises: most of the Reports pack's time. ``report_postcodes`` keeps those sums by
financial year, quarter and month (named as m018 names them) and postcode as typed, so a
period reads one row a postcode:

- ``visited``, ``visits`` and ``high`` follow ``report_premises``: each change to a
  premises' row there moves its postcode's row by as much (and ``visited`` by one when
  the premises' visits go from none to some or back), so they can never disagree with it.
- ``late``: of the premises visited, those added to the register after the period (the
  UK day they were added falls in a later period), which the figures still count.
- ``victims``: potential victims found by current visits, kept as visits are written (an
  amendment takes the visit it amends out), under the premises' postcode.

When a premises' postcode changes, all its counts move to the new postcode in every
period. Premises are never deleted and the day one was added never changes; a later step
that does either by hand must put these totals right too.

The period a visit falls in is worked out with m018's own SQL (``uk_day``, the UK day
of a UTC time, BST-aware, and its bucket names), imported rather than copied: these
totals must fall in exactly the periods ``report_premises`` uses, and m018 is a shipped
step that never changes.
"""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.migrations.m018_report_figures import _BUCKETS, uk_day

_KINDS, _BUCKET = _BUCKETS
_SUMS = ("visited", "late", "visits", "high", "victims")
_ADD = "ON CONFLICT DO UPDATE SET " + ", ".join(f"{c} = {c} + excluded.{c}" for c in _SUMS)
# The bucket of the same kind as ``bucket`` that the UK day ``day`` falls in.
_SAME_KIND = (
    "(SELECT {bucket} FROM (SELECT CASE WHEN {of} LIKE 'fy%' THEN 'fy' "  # noqa: S608 - fixed fragments
    "WHEN {of} LIKE 'q%' THEN 'q' ELSE 'm' END AS kind) k, (SELECT {day} AS d) x)"
)


def _late(bucket: str, created: str) -> str:
    """SQL, 1 or 0: was a premises added (at ``created``) after the period ``bucket``?"""
    added = _SAME_KIND.format(bucket=_BUCKET, of=bucket, day=uk_day(created))
    return f"coalesce({added} > {bucket}, 0)"


def _premises_change(visits: str, high: str) -> str:
    """Move a premises' postcode row by the change to its row in ``report_premises``
    (``NEW``, before it: ``visits`` and ``high``)."""
    visited = f"(NEW.visits > 0) - ({visits} > 0)"
    return (
        "INSERT INTO report_postcodes (bucket, postcode, visited, late, visits, high, victims) "  # noqa: S608 - fixed fragments
        f"SELECT NEW.bucket, p.postcode, {visited}, "
        f"({visited}) * {_late('NEW.bucket', 'p.created_at')}, NEW.visits - {visits}, "
        f"NEW.high - {high}, 0 FROM premises p WHERE p.id = NEW.premises_id {_ADD}"
    )


def victims(where: str, postcode: str, sign: int) -> str:
    """Add (sign 1) or take away (-1) the potential victims of the visits ``where`` picks,
    under ``postcode`` (SQL, given the visit's premises ``p``)."""
    return (
        "INSERT INTO report_postcodes (bucket, postcode, visited, late, visits, high, victims) "  # noqa: S608 - fixed fragments
        f"SELECT {_BUCKET}, x.postcode, 0, 0, 0, 0, {sign} * sum(x.victims) FROM "
        f"(SELECT {postcode} AS postcode, v.potential_victims AS victims, "
        f"{uk_day('v.visited_at')} AS d FROM visits v JOIN premises p ON p.id = v.premises_id "
        f"WHERE v.potential_victims > 0 AND {where}) x, {_KINDS} WHERE 1 GROUP BY 1, 2 {_ADD}"
    )


def _move(postcode: str, sign: int) -> str:
    """Add or take away all a premises' counts in every period, under ``postcode``.

    Counted again from its current visits (a few, found by the ``visits_report`` index
    on premises and time), not from ``report_premises``, which has no index by premises
    and would be read whole for each premises an import moves.
    """
    return (
        "INSERT INTO report_postcodes (bucket, postcode, visited, late, visits, high, victims) "  # noqa: S608 - fixed fragments
        f"SELECT b.bucket, {postcode}, {sign}, "
        f"{sign} * {_late('b.bucket', 'NEW.created_at')}, {sign} * count(*), "
        f"{sign} * count(CASE WHEN b.band = 'high' THEN 1 END), "
        f"{sign} * coalesce(sum(CASE WHEN b.victims > 0 THEN b.victims END), 0) "
        f"FROM (SELECT {_BUCKET} AS bucket, x.band, x.victims FROM "
        f"(SELECT v.band, v.potential_victims AS victims, {uk_day('v.visited_at')} AS d "
        f"FROM visits v WHERE {_OF_PREMISES}) x, {_KINDS}) b WHERE 1 GROUP BY 1 {_ADD}"
    )


def _trigger(name: str, event: str, statements: list[str]) -> str:
    body = ";\n".join(statements)
    return f"CREATE TRIGGER {name} {event} BEGIN\n{body};\nEND"


_CURRENT = "NOT EXISTS (SELECT 1 FROM visits o WHERE o.amends = v.id)"
# The visit an amendment replaces, as m018 takes it out (if it was still current).
_AMENDED = (
    "v.id = NEW.amends AND NOT EXISTS "
    "(SELECT 1 FROM visits o WHERE o.amends = v.id AND o.id <> NEW.id)"
)
_OF_PREMISES = f"v.premises_id = NEW.id AND {_CURRENT}"

TABLE = """CREATE TABLE report_postcodes (
    bucket TEXT NOT NULL, postcode TEXT NOT NULL,
    visited INTEGER NOT NULL, late INTEGER NOT NULL, visits INTEGER NOT NULL,
    high INTEGER NOT NULL, victims INTEGER NOT NULL,
    PRIMARY KEY (bucket, postcode)
) WITHOUT ROWID"""
# What is stored: the premises' running totals, and the current visits that found victims.
BACKFILL = (
    "INSERT INTO report_postcodes (bucket, postcode, visited, late, visits, high, victims) "  # noqa: S608 - fixed fragments
    f"SELECT r.bucket, p.postcode, count(*), sum({_late('r.bucket', 'p.created_at')}), "
    "sum(r.visits), sum(r.high), 0 FROM report_premises r JOIN premises p ON p.id = r.premises_id "
    f"WHERE r.visits > 0 GROUP BY 1, 2 {_ADD}",
    victims(_CURRENT, "p.postcode", 1),
)
TRIGGERS = (
    _trigger(
        "report_postcodes_premises_added",
        "AFTER INSERT ON report_premises",
        [_premises_change("0", "0")],
    ),
    _trigger(
        # Not when only a premises' sector or its other counts change.
        "report_postcodes_premises_changed",
        "AFTER UPDATE ON report_premises "
        "WHEN NEW.visits IS NOT OLD.visits OR NEW.high IS NOT OLD.high",
        [_premises_change("OLD.visits", "OLD.high")],
    ),
    _trigger(
        "report_postcodes_visit_victims",
        "AFTER INSERT ON visits WHEN NEW.potential_victims > 0",
        [victims("v.id = NEW.id", "p.postcode", 1)],
    ),
    _trigger(
        "report_postcodes_visit_amended",
        "AFTER INSERT ON visits WHEN NEW.amends IS NOT NULL",
        [victims(_AMENDED, "p.postcode", -1)],
    ),
    _trigger(
        "report_postcodes_postcode_changed",
        "AFTER UPDATE OF postcode ON premises WHEN OLD.postcode IS NOT NEW.postcode",
        [
            _move("OLD.postcode", -1),
            _move("NEW.postcode", 1),
        ],
    ),
)
STATEMENTS = (TABLE, *BACKFILL, *TRIGGERS)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
