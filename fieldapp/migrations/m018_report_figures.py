"""Scrutiny figures for any period in milliseconds: running totals kept as records arrive.

A year's figures must not read a year of visits one by one, so the counts are kept up to
date as each visit, referral and premises is written (triggers, so every way of writing
one keeps them right), by UK calendar day, and filled here for what is already stored:

- ``report_visit_days``: current visits by UK day, sector, outcome, concern level and
  whether a modern slavery red flag was counted, with the potential victims they found.
- ``report_red_flag_days``: each red flag found, by UK day, sector, outcome and indicator.
- ``report_premises``: each premises visited in each financial year (``fy2026`` is 1 April
  2026 to 31 March 2027), quarter (``q2026-2`` is April to June 2026) and month
  (``m2026-04``), with its visits, red-flagged visits and visits by concern level: the
  number of different premises in a period cannot be added up from days.
- ``report_register_days``: premises added to the register, by UK day and sector.
- ``report_referral_days`` and ``report_exploitation_days``: current referrals by UK day,
  sector and route, with the adults and children they concern, and by kind of exploitation.

Only current versions count. An amendment takes the visit it amends out of the totals and
puts itself in; a referral's correction does the same for the referral it corrects. Each
figure goes under the premises' sector, and moves with it if the sector is ever changed.

The UK day of a stored UTC time is worked out in SQL here (UK time is an hour ahead of
UTC from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October)
so the triggers need no function of the app's. The totals are derived data: a later step
that changes stored visits, referrals or premises by hand must change them to match.

Also ``visits_report`` (by premises and time, with the figures a custom period's distinct
premises need) and ``visits_amends`` (the few amended visits), for periods that are not a
whole financial year, quarter or month; and ``audit_premises_flags``, the hand flags by time.
"""

from __future__ import annotations

from sqlite_utils import Database


def uk_day(column: str) -> str:
    """SQL for the UK calendar day (``2026-04-01``) of a stored UTC time in ``column``."""
    return (
        f"(CASE WHEN substr({column}, 12, 2) = '23' "
        f"AND substr({column}, 1, 10) >= date(substr({column}, 1, 4) || '-03-25', 'weekday 0') "
        f"AND substr({column}, 1, 10) < date(substr({column}, 1, 4) || '-10-25', 'weekday 0') "
        f"THEN date(substr({column}, 1, 10), '+1 day') ELSE substr({column}, 1, 10) END)"
    )


def _sector_of(premises_id: str) -> str:
    return f"coalesce((SELECT p.sector FROM premises p WHERE p.id = {premises_id}), '')"  # noqa: S608 - fixed fragments


_CURRENT_VISIT = "NOT EXISTS (SELECT 1 FROM visits o WHERE o.amends = v.id)"
_CURRENT_REFERRAL = "NOT EXISTS (SELECT 1 FROM referrals o WHERE o.corrects = r.id)"
_RESULT_RED_FLAGS = (
    "json_each(CASE WHEN json_valid(v.result) THEN v.result ELSE '{}' END, '$.red_flags') j"
)
_BUCKETS = (
    "(SELECT 'fy' AS kind UNION ALL SELECT 'q' UNION ALL SELECT 'm') k",
    "CASE k.kind "
    "WHEN 'fy' THEN 'fy' || (CAST(substr(x.d, 1, 4) AS INTEGER) - (substr(x.d, 6, 2) < '04')) "
    "WHEN 'q' THEN 'q' || substr(x.d, 1, 4) || '-' "
    "|| ((CAST(substr(x.d, 6, 2) AS INTEGER) + 2) / 3) "
    "ELSE 'm' || substr(x.d, 1, 7) END",
)


def visit_days(where: str, sector: str, sign: int) -> str:
    """Add (sign 1) or take away (-1) the visits ``where`` picks from the day totals."""
    return (
        "INSERT INTO report_visit_days (day, sector, outcome, band, red_flagged, visits, "  # noqa: S608 - fixed fragments
        f"victims) SELECT {uk_day('v.visited_at')}, {sector}, v.outcome, coalesce(v.band, ''), "
        f"v.red_flag_count > 0, {sign} * count(*), {sign} * coalesce(sum(v.potential_victims), 0) "
        f"FROM visits v WHERE {where} GROUP BY 1, 2, 3, 4, 5 "
        "ON CONFLICT DO UPDATE SET visits = visits + excluded.visits, "
        "victims = victims + excluded.victims"
    )


def red_flag_days(where: str, sector: str, sign: int) -> str:
    """The same for each red flag in the visits' stored results."""
    return (
        "INSERT INTO report_red_flag_days (day, sector, outcome, concern, indicator, category, "  # noqa: S608 - fixed fragments
        f"visits) SELECT {uk_day('v.visited_at')}, {sector}, v.outcome, "
        "coalesce(json_extract(j.value, '$.concern'), 'slavery'), json_extract(j.value, '$.id'), "
        f"coalesce(json_extract(j.value, '$.category'), ''), {sign} * count(*) "
        f"FROM visits v, {_RESULT_RED_FLAGS} WHERE {where} AND j.type = 'object' "
        "AND json_extract(j.value, '$.id') IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6 "
        "ON CONFLICT DO UPDATE SET visits = visits + excluded.visits"
    )


def premises_buckets(where: str, sector: str, sign: int) -> str:
    """The same for the premises visited in each year, quarter and month."""
    kinds, bucket = _BUCKETS
    return (
        "INSERT INTO report_premises (bucket, sector, premises_id, visits, red_flagged, high, "  # noqa: S608 - fixed fragments
        f"medium, low) SELECT {bucket}, {sector}, x.premises_id, {sign} * count(*), "
        f"{sign} * count(CASE WHEN x.red_flag_count > 0 THEN 1 END), "
        f"{sign} * count(CASE WHEN x.band = 'high' THEN 1 END), "
        f"{sign} * count(CASE WHEN x.band = 'medium' THEN 1 END), "
        f"{sign} * count(CASE WHEN x.band = 'low' THEN 1 END) "
        f"FROM (SELECT v.premises_id, v.band, v.red_flag_count, {uk_day('v.visited_at')} AS d "
        f"FROM visits v WHERE {where}) x, {kinds} WHERE 1 GROUP BY 1, 2, 3 "
        "ON CONFLICT DO UPDATE SET visits = visits + excluded.visits, "
        "red_flagged = red_flagged + excluded.red_flagged, high = high + excluded.high, "
        "medium = medium + excluded.medium, low = low + excluded.low"
    )


def referral_days(where: str, sector: str, sign: int) -> str:
    """Add or take away the referrals ``where`` picks, by route."""
    return (
        "INSERT INTO report_referral_days (day, sector, route, referrals, adults, children) "  # noqa: S608 - fixed fragments
        f"SELECT {uk_day('r.made_at')}, {sector}, r.route, {sign} * count(*), "
        f"{sign} * coalesce(sum(r.adults), 0), {sign} * coalesce(sum(r.children), 0) "
        f"FROM referrals r WHERE {where} GROUP BY 1, 2, 3 "
        "ON CONFLICT DO UPDATE SET referrals = referrals + excluded.referrals, "
        "adults = adults + excluded.adults, children = children + excluded.children"
    )


def exploitation_days(where: str, sector: str, sign: int) -> str:
    """The same by each kind of exploitation a referral names (each kind once a referral)."""
    return (
        "INSERT INTO report_exploitation_days (day, sector, kind, referrals) "  # noqa: S608 - fixed fragments
        f"SELECT {uk_day('r.made_at')}, {sector}, j.value, {sign} * count(DISTINCT r.id) "
        "FROM referrals r, json_each(CASE WHEN json_valid(r.exploitation) THEN r.exploitation "
        f"ELSE '[]' END) j WHERE {where} AND j.type = 'text' GROUP BY 1, 2, 3 "
        "ON CONFLICT DO UPDATE SET referrals = referrals + excluded.referrals"
    )


def register_days(where: str, sector: str, sign: int) -> str:
    """Add or take away the premises ``where`` picks from the register's day totals."""
    return (
        "INSERT INTO report_register_days (day, sector, premises) "  # noqa: S608 - fixed fragments
        f"SELECT {uk_day('p.created_at')}, {sector}, {sign} * count(*) FROM premises p "
        f"WHERE {where} GROUP BY 1, 2 "
        "ON CONFLICT DO UPDATE SET premises = premises + excluded.premises"
    )


_VISIT_SECTOR = _sector_of("v.premises_id")
_PREMISES_SECTOR = _sector_of("x.premises_id")
_REFERRAL_SECTOR = _sector_of("r.premises_id")
# A new visit, and the visit it amends (if it was still current: it always is, as an
# amendment must be the next revision).
_NEW_VISIT = "v.id = NEW.id"
_AMENDED = (
    "v.id = NEW.amends AND NOT EXISTS "
    "(SELECT 1 FROM visits o WHERE o.amends = v.id AND o.id <> NEW.id)"
)
_NEW_REFERRAL = "r.id = NEW.id"
_CORRECTED = (
    "r.id = NEW.corrects AND NOT EXISTS "
    "(SELECT 1 FROM referrals o WHERE o.corrects = r.id AND o.id <> NEW.id)"
)
_OF_PREMISES = "v.premises_id = NEW.id AND " + _CURRENT_VISIT


def _trigger(name: str, event: str, statements: list[str]) -> str:
    body = ";\n".join(statements)
    return f"CREATE TRIGGER {name} {event} BEGIN\n{body};\nEND"


TABLES = (
    """CREATE TABLE report_visit_days (
        day TEXT NOT NULL, sector TEXT NOT NULL, outcome TEXT NOT NULL,
        band TEXT NOT NULL, red_flagged INTEGER NOT NULL,
        visits INTEGER NOT NULL, victims INTEGER NOT NULL,
        PRIMARY KEY (day, sector, outcome, band, red_flagged)
    ) WITHOUT ROWID""",
    """CREATE TABLE report_red_flag_days (
        day TEXT NOT NULL, sector TEXT NOT NULL, outcome TEXT NOT NULL, concern TEXT NOT NULL,
        indicator TEXT NOT NULL, category TEXT NOT NULL, visits INTEGER NOT NULL,
        PRIMARY KEY (day, sector, outcome, concern, indicator, category)
    ) WITHOUT ROWID""",
    """CREATE TABLE report_premises (
        bucket TEXT NOT NULL, sector TEXT NOT NULL, premises_id INTEGER NOT NULL,
        visits INTEGER NOT NULL, red_flagged INTEGER NOT NULL,
        high INTEGER NOT NULL, medium INTEGER NOT NULL, low INTEGER NOT NULL,
        PRIMARY KEY (bucket, sector, premises_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE report_register_days (
        day TEXT NOT NULL, sector TEXT NOT NULL, premises INTEGER NOT NULL,
        PRIMARY KEY (day, sector)
    ) WITHOUT ROWID""",
    """CREATE TABLE report_referral_days (
        day TEXT NOT NULL, sector TEXT NOT NULL, route TEXT NOT NULL,
        referrals INTEGER NOT NULL, adults INTEGER NOT NULL, children INTEGER NOT NULL,
        PRIMARY KEY (day, sector, route)
    ) WITHOUT ROWID""",
    """CREATE TABLE report_exploitation_days (
        day TEXT NOT NULL, sector TEXT NOT NULL, kind TEXT NOT NULL,
        referrals INTEGER NOT NULL,
        PRIMARY KEY (day, sector, kind)
    ) WITHOUT ROWID""",
)
INDEXES = (
    "CREATE INDEX visits_report ON visits (premises_id, visited_at, band, red_flag_count)",
    "CREATE INDEX visits_amends ON visits (amends) WHERE amends IS NOT NULL",
    "CREATE INDEX audit_premises_flags ON audit (at, record_id) WHERE action = 'premises.flag'",
)
# What is already stored: current versions only.
BACKFILL = (
    visit_days(_CURRENT_VISIT, _VISIT_SECTOR, 1),
    red_flag_days(_CURRENT_VISIT, _VISIT_SECTOR, 1),
    premises_buckets(_CURRENT_VISIT, _PREMISES_SECTOR, 1),
    register_days("1", "p.sector", 1),
    referral_days(_CURRENT_REFERRAL, _REFERRAL_SECTOR, 1),
    exploitation_days(_CURRENT_REFERRAL, _REFERRAL_SECTOR, 1),
)
TRIGGERS = (
    _trigger(
        "report_visit_added",
        "AFTER INSERT ON visits",
        [
            visit_days(_NEW_VISIT, _VISIT_SECTOR, 1),
            red_flag_days(_NEW_VISIT, _VISIT_SECTOR, 1),
            premises_buckets(_NEW_VISIT, _PREMISES_SECTOR, 1),
        ],
    ),
    _trigger(
        "report_visit_amended",
        "AFTER INSERT ON visits WHEN NEW.amends IS NOT NULL",
        [
            visit_days(_AMENDED, _VISIT_SECTOR, -1),
            red_flag_days(_AMENDED, _VISIT_SECTOR, -1),
            premises_buckets(_AMENDED, _PREMISES_SECTOR, -1),
        ],
    ),
    _trigger(
        "report_referral_added",
        "AFTER INSERT ON referrals",
        [
            referral_days(_NEW_REFERRAL, _REFERRAL_SECTOR, 1),
            exploitation_days(_NEW_REFERRAL, _REFERRAL_SECTOR, 1),
        ],
    ),
    _trigger(
        "report_referral_corrected",
        "AFTER INSERT ON referrals WHEN NEW.corrects IS NOT NULL",
        [
            referral_days(_CORRECTED, _REFERRAL_SECTOR, -1),
            exploitation_days(_CORRECTED, _REFERRAL_SECTOR, -1),
        ],
    ),
    _trigger(
        "report_premises_added",
        "AFTER INSERT ON premises",
        [register_days("p.id = NEW.id", "NEW.sector", 1)],
    ),
    _trigger(
        "report_premises_sector_changed",
        "AFTER UPDATE OF sector ON premises WHEN OLD.sector IS NOT NEW.sector",
        [
            register_days("p.id = NEW.id", "OLD.sector", -1),
            register_days("p.id = NEW.id", "NEW.sector", 1),
            visit_days(_OF_PREMISES, "OLD.sector", -1),
            visit_days(_OF_PREMISES, "NEW.sector", 1),
            red_flag_days(_OF_PREMISES, "OLD.sector", -1),
            red_flag_days(_OF_PREMISES, "NEW.sector", 1),
            "UPDATE report_premises SET sector = NEW.sector WHERE premises_id = NEW.id",
            referral_days(f"r.premises_id = NEW.id AND {_CURRENT_REFERRAL}", "OLD.sector", -1),
            referral_days(f"r.premises_id = NEW.id AND {_CURRENT_REFERRAL}", "NEW.sector", 1),
            exploitation_days(f"r.premises_id = NEW.id AND {_CURRENT_REFERRAL}", "OLD.sector", -1),
            exploitation_days(f"r.premises_id = NEW.id AND {_CURRENT_REFERRAL}", "NEW.sector", 1),
        ],
    ),
)
STATEMENTS = (*TABLES, *INDEXES, *BACKFILL, *TRIGGERS)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
