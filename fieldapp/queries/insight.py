"""The counting behind the indicator insight: which indicators each premises showed in a
period, and when each premises last had potential victims identified, a referral or
enforcement action, for fieldapp.reports.insight to set side by side.

An indicator is read from the visit's stored result (its ``contributions``: every question
answered yes or no, and every price check made), so it is what the assessment itself used,
computed price checks included; ``visit_signs`` (m026) holds them, a row each, as each
visit is written. Only the current version of a visit counts (an amendment replaces the
visit it amends) and only visits that could inspect. Nothing here knows of Flask.
"""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.queries import query, uk_date_sql

# The latest version of visit ``v``: no other visit amends it.
_CURRENT_VISIT = "NOT EXISTS (SELECT 1 FROM visits o WHERE o.amends = v.id)"


def signs(db: Database, start: str, end: str) -> list[dict]:
    """Per premises and indicator, for current visits that could inspect from ``start``
    to ``end`` (stored UTC instants, the end exclusive): the premises' sector, how many of
    its visits answered the indicator and how many found it present, and the UK day of
    the first visit that answered it and of the first that found it present.

    Read from ``visit_signs`` (m026), the indicators each visit that could inspect
    answered, as its stored result holds them, in the table's own order (by premises and
    indicator: no sort); the sector is the premises' own now, as a premises has one."""
    return query(
        db,
        "SELECT g.premises_id, p.sector, g.indicator, g.question, g.answered, g.present, "
        "g.first_answered, g.first_present FROM (SELECT s.premises_id, s.indicator, "
        "max(s.question) AS question, count(*) AS answered, "
        "count(CASE WHEN s.present THEN 1 END) AS present, "
        "min(s.visited_day) AS first_answered, "
        "min(CASE WHEN s.present THEN s.visited_day END) AS first_present "
        "FROM visit_signs s WHERE s.visited_at >= :start AND s.visited_at < :end "
        "AND NOT EXISTS (SELECT 1 FROM visits o WHERE o.amends = s.visit_id) "
        "GROUP BY s.premises_id, s.indicator) g JOIN premises p ON p.id = g.premises_id",
        {"start": start, "end": end},
    )


def outcomes(db: Database, since: str) -> list[dict]:
    """Per premises and kind of outcome ("victims", "referral" or "enforcement"), the UK
    day of its latest one on or after UK day ``since``: potential victims found at a
    current visit or in a joint operation's outcome, a referral (its latest correction
    only), or an operation outcome naming any enforcement action. Operations are dated by
    their operation date."""
    visit_day = uk_date_sql("v.visited_at")
    made_day = uk_date_sql("r.made_at")
    return query(
        db,
        "SELECT premises_id, kind, max(day) AS last FROM ("  # noqa: S608 - fixed fragments
        f"SELECT v.premises_id, 'victims' AS kind, {visit_day} AS day FROM visits v "
        f"WHERE v.potential_victims > 0 AND {_CURRENT_VISIT} "
        "UNION ALL SELECT r.premises_id, 'victims', o.operation_date FROM operation_outcomes r "
        "JOIN operations o ON o.id = r.operation_id WHERE r.potential_victims > 0 "
        "UNION ALL SELECT r.premises_id, 'enforcement', o.operation_date "
        "FROM operation_outcomes r JOIN operations o ON o.id = r.operation_id "
        "WHERE json_valid(r.enforcement_actions) "
        "AND json_array_length(r.enforcement_actions) > 0 "
        f"UNION ALL SELECT r.premises_id, 'referral', {made_day} FROM referrals r "
        "WHERE NOT EXISTS (SELECT 1 FROM referrals o WHERE o.corrects = r.id)"
        ") WHERE day >= :since GROUP BY 1, 2",
        {"since": since},
    )
