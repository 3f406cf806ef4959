"""The Indicator insight page: for a period, how often each indicator was present in each
sector, and what later happened at the premises where it was and where it was not, on the
page and as a CSV file.

Coordinators only, like the figures. ``?shared=1`` is the version for sharing, small counts
and the percentages made from them hidden as fieldapp.reports.suppression sets out. The
period is chosen as on the figures page, and anything else asked for is a clear 400.
"""

from __future__ import annotations

from flask import render_template, request, url_for

from fieldapp.db import get_db
from fieldapp.permissions import allow
from fieldapp.reports import csvfile, insight, periods, suppression
from fieldapp.timeutil import uk_today
from fieldapp.web import checklists as web_checklists
from fieldapp.web.reports.views import PARTNERS, _below, _questions, _shared, bp, csv_download, made


def _urls() -> dict[str, str]:
    asked = {k: v for k, v in request.args.items() if k in periods.ARGUMENTS}
    sharing = {"shared": "1"} if _shared() else {}
    return {
        "exact": url_for("reports.indicators_page", **asked),
        "shared": url_for("reports.indicators_page", **asked, shared="1"),
        "csv_exact": url_for("reports.indicators_download", **asked),
        "csv_shared": url_for("reports.indicators_download", **asked, shared="1"),
        "figures": url_for("reports.index", **asked, **sharing),
    }


def _build(period: periods.Period) -> insight.Insight:
    weights = insight.weights(web_checklists.current().by_sector)
    return insight.build(get_db(), period, _questions(), weights)


def _hidden(found: insight.Insight | None, shared: bool) -> dict[str, dict]:
    return found.hidden(_below()) if found and shared else {}


def _page(choice: periods.Choice, found: insight.Insight | None, status: int = 200):
    shared, below = _shared(), _below()
    page = render_template(
        "reports/indicators.html",
        choice=choice,
        presets=periods.PRESETS,
        insight=found,
        shared=shared,
        hidden=_hidden(found, shared),
        below=below,
        rule=suppression.rule(below),
        caveat=insight.CAVEAT,
        today=uk_today(),
        shown=suppression.shown,
        urls=_urls(),
    )
    return page, status


@bp.route("/indicators")
@allow("coordinator", "partner", when=PARTNERS)
def indicators_page():
    """The indicator insight for the period asked for (this financial year by default)."""
    choice = periods.choose(request.args, uk_today())
    if choice.errors:
        return _page(choice, None, 400)
    return _page(choice, _build(choice.period))


@bp.route("/indicators.csv")
@allow("coordinator", "partner", when=PARTNERS)
def indicators_download():
    """The same as a CSV file: exact, or with ``shared=1`` the copy for sharing."""
    choice = periods.choose(request.args, uk_today())
    if choice.errors:
        return _page(choice, None, 400)
    shared = _shared()
    found = _build(choice.period)
    data = csvfile.insight_csv(found, made(), _hidden(found, shared) if shared else None, _below())
    return csv_download(data, choice.period, shared, "indicator-insight")
