"""The problem profile pack: one printable document for a partnership board.

A board asked for "a publishable modern slavery problem profile" (LMSPB 2018). The pack
puts together what the Reports pages show separately - headline figures beside the
period before, trends, where, sectors, indicators, operations and outcomes - with a
methods note a reader outside the council can check: how each figure is counted, where
the data comes from, which checklist versions were in use, and how many counts were
hidden to protect people. The pack is always the version for sharing: it leaves the
council. No Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlite_utils import Database

from fieldapp.checklists.model import SECTORS
from fieldapp.queries import reports as reports_q
from fieldapp.reports import areas, suppression, trends
from fieldapp.reports.csvfile import Made
from fieldapp.reports.periods import Period
from fieldapp.reports.table import TOTAL, Cell, Figure, Report
from fieldapp.timeutil import format_uk_date, format_uk_datetime, uk_date

# The figures a board reads first, in the order it reads them, named as a board would.
HEADLINES = {
    "visits": "Visits",
    "visits.high": "High-concern visits",
    "flagged": "Premises flagged",
    "victims": "Potential victims identified",
    "referrals": "Safeguarding referrals from visits",
    "referrals.nrm": "National Referral Mechanism referrals",
    "operations": "Joint operations held",
    "enforcement": "Enforcement actions",
    "trained": "Officers trained as first responders (in date)",
}
NOT_ENDED = "Not compared: the period has not ended"
QUARTER_DAYS = 92  # the longest quarter


@dataclass(frozen=True)
class Headline:
    """One headline figure: its total now and before, as shown, and the change in words."""

    key: str
    label: str
    now: str
    before: str
    change: str


@dataclass(frozen=True)
class Version:
    """A checklist version in use during the period."""

    checklist: str
    version: int
    first_used: date


@dataclass
class Hidden:
    """How many cells a table hid, for the methods note."""

    table: str
    primary: int = 0
    secondary: int = 0


@dataclass
class Methods:
    versions: list[Version] = field(default_factory=list)
    hidden: list[Hidden] = field(default_factory=list)

    @property
    def cells_hidden(self) -> int:
        return sum(h.primary + h.secondary for h in self.hidden)


def change(now: int, before: int, hidden: bool, ended: bool = True) -> str:
    """The change from the period before, in words a board reads aloud. A period that
    has not ended is not compared: part of a year against a whole one is not like for
    like."""
    if hidden:
        return "Change not shown: a small number is hidden"
    if not ended:
        return NOT_ENDED
    if now == before:
        return "No change"
    if before == 0:
        return f"Up from none, to {now:,}"
    direction = "Up" if now > before else "Down"
    percent = round(abs(now - before) * 100 / before)
    return f"{direction} {abs(now - before):,} ({percent}%)"


def headlines(
    report: Report, hidden: Mapping[Cell, str], below: int, ended: bool = True
) -> list[Headline]:
    """The headline figures, totals only, hidden as the shared tables hide them."""
    figures: dict[str, Figure] = {f.key: f for f in report.figures()}
    found = []
    for key, label in HEADLINES.items():
        figure = figures.get(key)
        if figure is None:
            continue
        now, before = (figure.counts[p][TOTAL] or 0 for p in ("current", "previous"))
        reasons = [hidden.get((key, p, TOTAL)) for p in ("current", "previous")]
        found.append(
            Headline(
                key,
                label,
                suppression.shown(now, reasons[0], below),
                suppression.shown(before, reasons[1], below),
                change(now, before, any(reasons), ended),
            )
        )
    return found


def versions_in_use(rows: Iterable[Mapping], period: Period) -> list[Version]:
    """The checklist versions in use at some time in ``period``.

    ``rows`` are every stored checklist version with the UK date it was first used. A
    version was in use from that date until the next version of the same checklist was
    first used, so it counts if it started by the period's end and its successor (if any)
    did not start before the period began.
    """
    by_checklist: dict[str, list[Version]] = {}
    for r in rows:
        v = Version(r["checklist_id"], r["version"], r["first_used"])
        by_checklist.setdefault(v.checklist, []).append(v)
    found = []
    for checklist in sorted(by_checklist, key=lambda c: (c not in SECTORS, c)):
        chain = sorted(by_checklist[checklist], key=lambda v: (v.first_used, v.version))
        for n, v in enumerate(chain):
            successor = chain[n + 1] if n + 1 < len(chain) else None
            if v.first_used <= period.end and (
                successor is None or successor.first_used > period.start
            ):
                found.append(v)
    return found


def count_hidden(table: str, hidden: Mapping) -> Hidden:
    reasons = list(hidden.values())
    return Hidden(
        table,
        primary=reasons.count(suppression.PRIMARY),
        secondary=reasons.count(suppression.SECONDARY),
    )


def methods(versions: Sequence[Version], tables: Mapping[str, Mapping]) -> Methods:
    """The methods note's facts: checklist versions, and the cells hidden in each table."""
    return Methods(list(versions), [count_hidden(name, h) for name, h in tables.items()])


@dataclass
class Contents:
    """Everything the pack shows for a period, with the cells each table hides."""

    period: Period
    report: Report
    report_hidden: dict
    trends: trends.Trends
    trends_hidden: dict
    areas: areas.Areas
    areas_hidden: dict
    headlines: list[Headline]
    methods: Methods


def trend_unit(period: Period) -> str:
    """The pack's trends go by quarter for anything longer than two quarters: boards read
    quarterly figures, and a council's monthly counts by sector are mostly small enough
    to be hidden in a version for sharing."""
    return "quarter" if period.days > QUARTER_DAYS * 2 else "month"


def _followed(report: Report) -> tuple[str | None, str]:
    """The modern slavery red flag found most often in the period, and the sector it was
    found in most: the one the pack's prevalence trend follows."""
    best = None
    for f in report.figures():
        parts = f.key.split(".")
        if len(parts) < 3 or parts[:2] != ["red_flags", "slavery"]:
            continue
        now = f.counts["current"]
        if now[TOTAL] and (best is None or now[TOTAL] > best[0]):
            sector = max((s for s in now if s != TOTAL), key=lambda s: now[s] or 0)
            best = (now[TOTAL], ".".join(parts[2:-1]), sector)
    return (best[1], best[2]) if best else (None, "hand_car_wash")


def build(
    db: Database,
    period: Period,
    report: Report,
    *,
    below: int,
    questions: Mapping[str, str],
    ended: bool,
) -> Contents:
    """The pack's tables for ``period`` (``report`` is its scrutiny figures), each hidden
    as the version for sharing hides it; ``questions`` names each indicator, and a period
    not ``ended`` is not compared with the one before."""
    report_hidden = report.hidden(below)
    indicator, sector = _followed(report)
    found_trends = trends.build(
        db,
        period,
        indicator=indicator,
        sector=sector,
        indicator_name=questions.get(indicator or "", indicator or ""),
        by=trend_unit(period),
    )
    trends_hidden = {t.key: t.hidden(below) for t in found_trends.trends}
    found_areas = areas.build(db, period)
    areas_hidden = {t.level: t.hidden(below) for t in found_areas.tables}
    versions = versions_in_use(
        (
            {**r, "first_used": uk_date(r["first_used_at"])}
            for r in reports_q.checklist_versions(db)
        ),
        period,
    )
    tables = {"Scrutiny figures": report_hidden}
    tables.update({f"Trend: {t.title}": trends_hidden[t.key] for t in found_trends.trends})
    tables.update({f"By {t.title.lower()}": areas_hidden[t.level] for t in found_areas.tables})
    return Contents(
        period,
        report,
        report_hidden,
        found_trends,
        trends_hidden,
        found_areas,
        areas_hidden,
        headlines(report, report_hidden, below, ended),
        methods(versions, tables),
    )


def methods_text(found: Contents, made: Made, below: int) -> str:
    """The pack's methods note as plain text, to travel with its tables in the ZIP: what
    the files are, how to handle them, and how every figure was counted and hidden."""
    period, previous = found.period, found.report.previous
    lines = [
        f"Problem profile: {made.council}",
        f"Handling marking: {made.marking}",
        f"Figures for {period.name} ({period.dates}), compared with {previous.dates}.",
        f"Made {format_uk_datetime(made.made_at)} by {made.made_by}.",
        "",
        "Version for sharing: small numbers are hidden.",
        suppression.rule(below),
        "",
        "Counts hidden in these files:",
        *(
            f"- {h.table}: {h.primary} small, {h.secondary} to protect them"
            for h in found.methods.hidden
        ),
        "",
        "Checklist versions in use in the period:",
        *(
            f"- {SECTORS.get(v.checklist, v.checklist)} checklist, version {v.version}, "
            f"first used {format_uk_date(v.first_used)}"
            for v in found.methods.versions
        ),
        *([] if found.methods.versions else ["- none had been used by the end of the period"]),
        "",
        "Periods are UK calendar days (GMT or BST). Only the latest version of an amended visit",
        "and of a corrected referral counts. Figures go under the sector of the premises.",
        "",
        "How each figure is counted:",
        *(f"- {f.label}: {f.how}" for f in found.report.figures()),
    ]
    return "\r\n".join(lines) + "\r\n"
