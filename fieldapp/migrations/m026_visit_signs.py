"""The indicators each visit answered, one row each, for the indicator insight.

The insight read every visit's stored result in its period (the ``contributions`` of the
assessment) as JSON: a year of a million visits took over two minutes. ``visit_signs``
holds what it counted, kept as visits are written (triggers, so every way of writing one
keeps it right) and filled here for the visits already stored:

- one row for each contribution of a visit that could inspect (outcome ``assessed``) that
  is an object with an indicator id, answered yes or no: ``present`` is 1 for yes;
- the indicator id and question exactly as the stored result holds them (the columns take
  any type, so an id stored as a number stays a number), the visit's premises, its stored
  UTC time and its UK day (m018's SQL, the same day as the app's own for every UTC time
  stored), and the contribution's place in the result.

Visits are never changed (an amendment is a new row), so a row never goes stale: which
version of a visit is current, and each premises' sector, are left to the query. A visit
deleted (the retention schedule) takes its rows with it. The rows are derived data: a later
step that changes stored visits' results or outcomes by hand must change them to match.

A result that is not valid JSON gives no rows (as m018 reads its red flags), rather than
refusing the visit.
"""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.migrations.m018_report_figures import uk_day

_ANSWER = "json_extract(c.value, '$.answer')"


def _signs(visit: str, source: str, where: str) -> str:
    """Add the signs of the visits ``where`` picks from ``source`` (``visit`` names the
    visits row: ``v`` for stored visits, ``NEW`` in a trigger)."""
    return (
        "INSERT INTO visit_signs (premises_id, indicator, visited_at, visit_id, item, "  # noqa: S608 - fixed fragments
        "visited_day, question, present) "
        f"SELECT {visit}.premises_id, json_extract(c.value, '$.id'), {visit}.visited_at, "
        f"{visit}.id, c.id, {uk_day(f'{visit}.visited_at')}, "
        f"json_extract(c.value, '$.question'), {_ANSWER} = 'yes' "
        f"FROM {source}json_each(CASE WHEN json_valid({visit}.result) THEN {visit}.result "
        "ELSE '{}' END, '$.contributions') c "
        f"WHERE {where} AND c.type = 'object' AND {_ANSWER} IN ('yes', 'no') "
        "AND json_extract(c.value, '$.id') IS NOT NULL"
    )


STATEMENTS = (
    # Kept in the order the insight counts them (premises, indicator, time), so a period's
    # counts are one pass over the table with no sort: a whole year, the common case,
    # runs at several times the speed of reading the period by time and sorting it.
    """CREATE TABLE visit_signs (
        premises_id INTEGER NOT NULL,
        indicator NOT NULL,
        visited_at TEXT NOT NULL,
        visit_id TEXT NOT NULL,
        item INTEGER NOT NULL,
        visited_day TEXT NOT NULL,
        question,
        present INTEGER NOT NULL CHECK (present IN (0, 1)),
        PRIMARY KEY (premises_id, indicator, visited_at, visit_id, item)
    ) WITHOUT ROWID""",
    "CREATE INDEX visit_signs_visit ON visit_signs (visit_id)",
    # The visits already stored.
    _signs("v", "visits v, ", "v.outcome = 'assessed'"),
    "CREATE TRIGGER visit_signs_added AFTER INSERT ON visits "
    "WHEN NEW.outcome = 'assessed' BEGIN\n" + _signs("NEW", "", "1") + ";\nEND",
    "CREATE TRIGGER visit_signs_removed AFTER DELETE ON visits BEGIN\n"
    "DELETE FROM visit_signs WHERE visit_id = OLD.id;\nEND",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
