"""The scrutiny figures as a CSV file: exact for coordinators, or suppressed for sharing.

Written like the partner exports (fieldapp.exports.encoders): UTF-8 with a byte order mark
so Excel reads it as UTF-8, what the file is and how to handle it in labelled rows at the
top, a blank row, then the table, and every text cell that a spreadsheet would run as a
formula starting with an apostrophe. Pure: no Flask, no database.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

from fieldapp.checklists.model import SECTORS
from fieldapp.exports.encoders import BOM, safe_cell
from fieldapp.reports import areas, displacement, insight, suppression, trends
from fieldapp.reports.areas import Areas
from fieldapp.reports.displacement import Displacement
from fieldapp.reports.insight import Insight
from fieldapp.reports.table import PERIODS, TOTAL, Cell, Report
from fieldapp.timeutil import format_uk_datetime, uk_iso

COLUMN_NAMES = {TOTAL: "Total", **SECTORS}


@dataclass(frozen=True)
class Made:
    """Who made the file, when (UTC ISO-8601, as stored) and how it must be handled."""

    marking: str
    made_at: str
    made_by: str
    council: str


def column_order() -> tuple[str, ...]:
    """The total first (what a board reads first), then each sector."""
    return (TOTAL, *SECTORS)


def report_csv(report: Report, made: Made, hidden: Mapping[Cell, str] | None, below: int) -> bytes:
    """The figures as CSV bytes. With ``hidden`` (from :meth:`Report.hidden`) it is the
    copy for sharing, marked as such; without, the exact counts, marked not to share."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # quotes commas, quotes and newlines; \r\n line endings
    buffer.write(BOM)
    compared = ("Compared with", f"{report.previous.name} ({report.previous.dates})")
    _preamble(writer, made, report.period, hidden is not None, below, compared)
    header = ["Section", "Figure", "Part of", "How counted"]
    for column in column_order():
        for span in (report.period, report.previous):
            header.append(f"{COLUMN_NAMES[column]}: {span.dates}")
    writer.writerow(header)
    labels = {f.key: f.label for f in report.figures()}
    for section in report.sections:
        for figure in section.figures:
            row = [section.title, figure.label, labels.get(figure.parent or "", ""), figure.how]
            for column in column_order():
                for period in PERIODS:
                    value = figure.counts[period][column]
                    reason = (hidden or {}).get((figure.key, period, column))
                    row.append(_cell(value, reason, below))
            writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def _preamble(writer, made: Made, period, sharing: bool, below: int, *extra) -> None:
    """The labelled rows before a report's table: marking, council, period (and ``extra``
    rows after it), who made it and when, and which version it is; then a blank row."""
    rows = [
        ("Handling marking", made.marking),
        ("Council", made.council),
        ("Figures for", f"{period.name} ({period.dates})"),
        *extra,
        ("Made at", f"{format_uk_datetime(made.made_at)} ({uk_iso(made.made_at)})"),
        ("Made by", made.made_by),
        (
            "Version",
            "For sharing: small numbers hidden" if sharing else "Exact counts: coordinators only",
        ),
        ("Methods", suppression.rule(below) if sharing else "Exact counts, nothing hidden."),
    ]
    for label, text in rows:
        writer.writerow([label, safe_cell(text)])
    writer.writerow([])


def _cell(value: int | None, reason: str | None, below: int) -> str | int:
    if value is None:
        return ""
    if reason:
        return suppression.shown(value, reason, below)
    return value


def areas_csv(found: Areas, made: Made, hidden: Mapping | None, below: int) -> bytes:
    """The figures by area as CSV bytes: one table after another (ward, then local
    authority), each cell hidden as ``hidden`` says (by table level) in the copy for
    sharing, like :func:`report_csv`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    _preamble(writer, made, found.period, hidden is not None, below)
    writer.writerow(["Level", "Area", *areas.COLUMNS.values()])
    for t in found.tables:
        cells = (hidden or {}).get(t.level, {})
        rows = [(a.key, a.label, a.counts) for a in t.areas] + [(areas.TOTAL, "Total", t.total)]
        for key, label, counts in rows:
            values = [_cell(counts[c], cells.get((key, c)), below) for c in areas.COLUMNS]
            writer.writerow([safe_cell(v) for v in (t.title, label, *values)])
    return buffer.getvalue().encode("utf-8")


def trends_csv(found: trends.Trends, made: Made, hidden: Mapping | None, below: int) -> bytes:
    """The trends' tables as CSV bytes, one after another, each row a month or quarter and
    then the whole period; cells hidden as ``hidden`` says (by trend key) when sharing."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    _preamble(writer, made, found.period, hidden is not None, below)
    for trend in found.trends:
        cells = (hidden or {}).get(trend.key, {})
        title = f"{trend.title}: {trend.subject}" if trend.subject else trend.title
        writer.writerow([safe_cell(v) for v in (title, *trend.columns.values())])
        rows = [(b.key, b.period.name) for b in found.buckets] + [(trends.ALL, "Whole period")]
        for key, name in rows:
            values = [
                trend.cell(key, c, cells, below)
                if c == trends.SHARE
                else _cell(trend.counts[key][c], cells.get((key, c)), below)
                for c in trend.columns
            ]
            writer.writerow([safe_cell(v) for v in (name, *values)])
        writer.writerow([])
    return buffer.getvalue().encode("utf-8")


def zipped(files: Mapping[str, bytes], made_at: str) -> bytes:
    """Several CSV files in one ZIP, each dated when the pack was made (UTC)."""
    stamp = tuple(int(part) for part in (made_at[:4], made_at[5:7], made_at[8:10]))
    clock = tuple(int(part) for part in (made_at[11:13], made_at[14:16], made_at[17:19]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, (*stamp, *clock)), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def insight_csv(found: Insight, made: Made, hidden: Mapping | None, below: int) -> bytes:
    """The indicator insight as CSV bytes: one row per sector and indicator, the counts
    and their percentages (whole numbers, blank where there is nothing to take a share
    of), each hidden as ``hidden`` says (by sector) in the copy for sharing."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    note = ("Read as", insight.CAVEAT)
    _preamble(writer, made, found.period, hidden is not None, below, note)
    names = [*insight.COUNTS.values(), *(name for name, _, _ in insight.SHARES.values())]
    writer.writerow(["Sector", "Indicator id", "Question", "Current weight", *names])
    for t in found.tables:
        cells = (hidden or {}).get(t.sector, {})
        for r in t.rows:
            counts = [
                _cell(r.counts[c], cells.get((r.indicator, c)), below) for c in insight.COUNTS
            ]
            shares = [
                _share(r, key, cells.get((r.indicator, key)), below) for key in insight.SHARES
            ]
            row = (t.title, r.indicator, r.question, r.weight, *counts, *shares)
            writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def _share(row: insight.Row, key: str, reason: str | None, below: int) -> str | int:
    if reason:
        return "hidden"
    value = row.share(key)
    return "" if value is None else f"{value}%"


def displacement_csv(found: Displacement, made: Made, hidden: Mapping | None, below: int) -> bytes:
    """The displacement counts as CSV bytes, hidden as ``hidden`` says in the copy for
    sharing. The exact copy, for coordinators, also lists each site actioned with each
    premises near it; the copy for sharing never names a premises."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    within = ("Within", f"{found.distance} of a site actioned")
    _preamble(writer, made, found.period, hidden is not None, below, within)
    writer.writerow(["Sector", *displacement.COLUMNS.values()])
    for key, label in displacement.ROWS.items():
        counts = found.counts[key]
        values = [
            _cell(counts[c], (hidden or {}).get((key, c)), below) for c in displacement.COLUMNS
        ]
        writer.writerow([safe_cell(v) for v in (label, *values)])
    if hidden is None:
        writer.writerow([])
        _displacement_pairs(writer, found)
    return buffer.getvalue().encode("utf-8")


def _displacement_pairs(writer, found: Displacement) -> None:
    """One row for each premises near each site actioned (exact copy only)."""
    writer.writerow(
        [
            "Site actioned",
            "Sector of the site actioned",
            "Action date",
            "Actions",
            "Premises nearby",
            "Sector of the premises nearby",
            "New on",
            "First high concern on",
            "Distance (metres)",
            "Days after the action",
        ]
    )
    for site in found.anchors:
        for f in site.followers:
            row = [
                site.premises["name"],
                SECTORS.get(site.premises["sector"], site.premises["sector"]),
                site.action_day.isoformat(),
                "; ".join(displacement.ENFORCEMENT_ACTIONS.get(a, a) for a in site.actions),
                f.premises["name"],
                SECTORS.get(f.premises["sector"], f.premises["sector"]),
                f.new_on.isoformat() if f.new_on else "",
                f.high_on.isoformat() if f.high_on else "",
                round(f.distance_m),
                f.days_after,
            ]
            writer.writerow([safe_cell(v) for v in row])
