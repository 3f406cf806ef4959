"""Indicator insight: for each indicator and sector, how often it was present at visits in
a period, and how often the premises where it was present later had potential victims
identified, a referral or enforcement action, beside the same rates for the premises
visited where it was never present.

A first evidence base for the checklists' weights, and no more: the numbers are small,
they show what happened after, not why, and nothing here changes a weight. The counting:

- Visits are the current versions of visits in the period that could inspect. A visit
  answered an indicator when it was answered yes or no (or the price check was made);
  it was present when the answer was yes (or the check found the price too low).
- A premises counts as "where present" when any of its visits in the period found the
  indicator present, and as "where never present" when its visits answered the
  indicator but none found it present.
- "Later" is on or after the UK day of the premises' first visit in the period that
  found it present (for the comparison, that first answered it), with no end: the same
  day counts, so potential victims found at that very visit count. Each premises is
  counted once per column, however many outcomes it had.

Pure arrangement: no Flask. The page, its CSV file and the problem profile pack all call
:func:`build`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlite_utils import Database

from fieldapp.checklists.model import SECTORS
from fieldapp.queries import insight as insight_q
from fieldapp.reports import suppression
from fieldapp.reports.periods import Period
from fieldapp.timeutil import uk_day_end_utc, uk_day_start_utc

CAVEAT = (
    "A first evidence base for the checklists' weights, from small numbers: it shows what "
    "happened after an indicator was seen, not that the indicator caused it. Weights are "
    "never changed automatically."
)
OUTCOMES = {
    "victims": "potential victims identified",
    "referral": "a referral",
    "enforcement": "enforcement action",
}
# Every count a row holds, in the order the table and the CSV file show them.
COUNTS = {
    "answered": "Visits that answered it",
    "present": "Visits where present",
    "premises": "Premises where present",
    **{f"premises_{k}": f"Of those, later {v}" for k, v in OUTCOMES.items()},
    "absent": "Premises where never present",
    **{f"absent_{k}": f"Of those, later {v}" for k, v in OUTCOMES.items()},
}
# Each percentage: its name, then the count over the count it is a share of.
SHARES = {
    "prevalence": ("Present at (% of visits that answered)", "present", "answered"),
    **{
        f"premises_{k}_share": (
            f"% of premises where present, later {v}",
            f"premises_{k}",
            "premises",
        )
        for k, v in OUTCOMES.items()
    },
    **{
        f"absent_{k}_share": (f"% of premises never present, later {v}", f"absent_{k}", "absent")
        for k, v in OUTCOMES.items()
    },
}

Cell = tuple[str, str]  # (indicator id, count or share key)


@dataclass
class Row:
    """One indicator in one sector: its question, its current weight in words, and counts."""

    indicator: str
    question: str
    weight: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))

    def share(self, key: str) -> int | None:
        """A percentage (whole, rounded half up) of a share, or None when out of nothing."""
        _, part, whole = SHARES[key]
        if not self.counts[whole]:
            return None
        return (200 * self.counts[part] + self.counts[whole]) // (2 * self.counts[whole])


@dataclass
class Table:
    """One sector's indicators, most often present first."""

    sector: str
    rows: list[Row]

    @property
    def title(self) -> str:
        return SECTORS.get(self.sector, self.sector)

    def hidden(self, below: int) -> dict[Cell, str]:
        """The cells to hide in the version for sharing, each PRIMARY or SECONDARY.

        No totals are published (an indicator's rows are not added up, and the premises
        where present and never present are not given together), so a small count cannot
        be worked out from the others and nothing needs hiding to protect it. A share is
        hidden whenever either of its counts is, since with the other it would give the
        hidden count away."""
        values = {(r.indicator, c): r.counts[c] for r in self.rows for c in COUNTS}
        cells = suppression.suppress(values, [], below)
        for r in self.rows:
            for key, (_, part, whole) in SHARES.items():
                reason = cells.get((r.indicator, part)) or cells.get((r.indicator, whole))
                if reason:
                    cells[(r.indicator, key)] = reason
        return cells


@dataclass
class Insight:
    period: Period
    tables: list[Table]

    def hidden(self, below: int) -> dict[str, dict[Cell, str]]:
        """Each sector's hidden cells, by sector."""
        return {t.sector: t.hidden(below) for t in self.tables}


def weight_words(indicator) -> str:
    """An indicator's current weight as a reader needs it: its points, or for a modern
    slavery sign (which scores no points, model 2) its strength; and whether it is a red
    flag, which raises concern on its own."""
    strength = getattr(indicator, "strength", "")
    if strength:
        words = f"{strength.capitalize()} sign"
    else:
        points = indicator.weight
        words = f"{points} point" + ("" if points == 1 else "s")
    return words + (", red flag" if indicator.red_flag else "")


def weights(by_sector: Mapping) -> dict[tuple[str, str], str]:
    """The current weight in words of every indicator of each sector's checklist in use,
    asked or computed, by (sector, indicator id)."""
    found: dict[tuple[str, str], str] = {}
    for sector, checklist in by_sector.items():
        for indicator in (*checklist.indicators, *checklist.computed):
            if not getattr(indicator, "is_measurement", False):
                found[(sector, indicator.id)] = weight_words(indicator)
    return found


def _later(last: Mapping[str, str], since: str | None) -> dict[str, int]:
    """1 for each kind of outcome the premises had on or after UK day ``since``."""
    return {k: 1 if since and last.get(k, "") >= since else 0 for k in OUTCOMES}


def arrange(
    signs: list[Mapping],
    outcomes: list[Mapping],
    questions: Mapping[str, str],
    weights: Mapping[tuple[str, str], str],
) -> list[Table]:
    """The rows of fieldapp.queries.insight counted into one table per sector."""
    last: dict[int, dict[str, str]] = {}
    for o in outcomes:
        last.setdefault(o["premises_id"], {})[o["kind"]] = o["last"]
    found: dict[tuple[str, str], Row] = {}
    for s in signs:
        key = (s["sector"], s["indicator"])
        question = questions.get(s["indicator"]) or s["question"] or s["indicator"]
        row = found.setdefault(
            key, Row(s["indicator"], question, weights.get(key, "Not in the checklist in use"))
        )
        row.counts["answered"] += s["answered"]
        row.counts["present"] += s["present"]
        group, since = (
            ("premises", s["first_present"]) if s["present"] else ("absent", s["first_answered"])
        )
        row.counts[group] += 1
        for kind, n in _later(last.get(s["premises_id"], {}), since).items():
            row.counts[f"{group}_{kind}"] += n
    tables = []
    for sector in (*SECTORS, *sorted({k[0] for k in found} - set(SECTORS))):
        rows = [r for (s, _), r in found.items() if s == sector]
        if rows:
            rows.sort(
                key=lambda r: (-(r.share("prevalence") or 0), -r.counts["present"], r.question)
            )
            tables.append(Table(sector, rows))
    return tables


def build(
    db: Database,
    period: Period,
    questions: Mapping[str, str],
    weights: Mapping[tuple[str, str], str],
) -> Insight:
    """The indicator insight for ``period``. ``questions`` gives each indicator id's
    question in the checklists in use (else the one stored with the visit is shown) and
    ``weights`` each (sector, indicator id)'s current weight in words (:func:`weights`)."""
    start = uk_day_start_utc(period.start).isoformat()
    end = uk_day_end_utc(period.end).isoformat()
    signs = insight_q.signs(db, start, end)
    outcomes = insight_q.outcomes(db, period.start.isoformat())
    return Insight(period, arrange(signs, outcomes, questions, weights))
