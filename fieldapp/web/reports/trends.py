"""The Trends page: the scrutiny measures by month (or quarter), each a chart and its table.

Coordinators only, like the figures. ``?shared=1`` is the version for sharing: small
counts hidden in the tables, and drawn in the charts as hidden rather than to scale. The
period is chosen as on the figures page; the red flag and sector for the share chart are
chosen from lists, and anything else asked for is a clear 400, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import render_template, request, url_for
from markupsafe import Markup

from fieldapp.checklists.model import SECTORS
from fieldapp.db import get_db
from fieldapp.permissions import allow
from fieldapp.queries import trends as trends_q
from fieldapp.reports import periods, suppression, trends
from fieldapp.timeutil import DATE_PARTS, uk_today
from fieldapp.web.reports.views import PARTNERS, _below, _questions, _shared, bp

DEFAULT_INDICATOR = "living_on_site"
DEFAULT_SECTOR = "hand_car_wash"
CHOSEN = ("indicator", "sector")


def _indicators() -> dict[str, str]:
    """The red flags found so far, each with the question it asks, by question."""
    questions = _questions()
    found = {
        i: questions.get(i) or i.replace("_", " ").capitalize()
        for i in trends_q.indicators_found(get_db())
    }
    return dict(sorted(found.items(), key=lambda item: item[1].lower()))


def _chosen(choice: periods.Choice, indicators: dict[str, str]) -> dict[str, str]:
    """The red flag and sector asked for (or the defaults), problems added to ``choice``."""
    asked = {name: str(request.args.get(name) or "").strip()[:200] for name in CHOSEN}
    if not asked["sector"]:
        asked["sector"] = DEFAULT_SECTOR
    elif asked["sector"] not in SECTORS:
        choice.errors["sector"] = "Select a sector from the list"
    if not asked["indicator"]:
        default = DEFAULT_INDICATOR if DEFAULT_INDICATOR in indicators else ""
        asked["indicator"] = default or next(iter(indicators), "")
    elif asked["indicator"] not in indicators:
        choice.errors["indicator"] = "Select a red flag from the list"
    if choice.period and choice.period.days > trends.LONGEST:
        choice.errors["to"] = "End date must be within 10 years of the start date"
        choice.wrong["to"] = DATE_PARTS
        choice.period = None
    return asked


def _urls(chosen: dict[str, str]) -> dict[str, str]:
    asked = {k: v for k, v in request.args.items() if k in periods.ARGUMENTS}
    kept = {**asked, **chosen}
    return {
        "exact": url_for("reports.trends_page", **kept),
        "shared": url_for("reports.trends_page", **kept, shared="1"),
        "figures": url_for("reports.index", **asked, **({"shared": "1"} if _shared() else {})),
    }


def charts(
    found: trends.Trends, hidden: Mapping[str, Mapping[trends.Cell, str]]
) -> dict[str, Markup]:
    """Each trend's SVG chart, by the trend's key, drawing the cells in ``hidden`` (by the
    trend's key) as hidden rather than to scale. The Trends page and the pack both use it."""
    # Every label in the SVG is escaped by fieldapp.reports.charts.
    return {t.key: Markup(trends.chart(found, t, hidden[t.key])) for t in found.trends}  # noqa: S704


@bp.route("/trends")
@allow("coordinator", "partner", when=PARTNERS)
def trends_page():
    """The trends for the period asked for (this financial year by default)."""
    choice = periods.choose(request.args, uk_today())
    indicators = _indicators()
    chosen = _chosen(choice, indicators)
    shared, below = _shared(), _below()
    found, drawn, hidden = None, {}, {}
    if not choice.errors:
        found = trends.build(
            get_db(),
            choice.period,
            indicator=chosen["indicator"] or None,
            sector=chosen["sector"],
            indicator_name=indicators.get(chosen["indicator"], ""),
        )
        hidden = {t.key: t.hidden(below) if shared else {} for t in found.trends}
        drawn = charts(found, hidden)
    page = render_template(
        "reports/trends.html",
        choice=choice,
        presets=periods.PRESETS,
        found=found,
        charts=drawn,
        hidden=hidden,
        shared=shared,
        below=below,
        rule=suppression.rule(below),
        indicators=indicators,
        sectors=SECTORS,
        chosen=chosen,
        today=uk_today(),
        urls=_urls(chosen),
        all_row=trends.ALL,
        period_arguments=periods.ARGUMENTS,
    )
    return page, 400 if choice.errors else 200
