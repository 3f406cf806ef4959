"""The By area page: the register, visits, high-concern visits and potential victims for a
period, by ward and by local authority, on the page and as a CSV file.

Coordinators only, like the figures. ``?shared=1`` is the version for sharing, small counts
hidden as fieldapp.reports.suppression sets out. The period is chosen as on the figures
page, and anything else asked for is a clear 400, never a 500.
"""

from __future__ import annotations

from flask import render_template, request, url_for

from fieldapp.db import get_db
from fieldapp.permissions import allow
from fieldapp.reports import areas, csvfile, periods, suppression
from fieldapp.timeutil import uk_today
from fieldapp.web.reports.views import (
    PARTNERS,
    _below,
    _shared,
    bp,
    csv_download,
    hotspots_url,
    made,
)


def _urls(choice: periods.Choice) -> dict[str, str]:
    asked = {k: v for k, v in request.args.items() if k in periods.ARGUMENTS}
    sharing = {"shared": "1"} if _shared() else {}
    return {
        "exact": url_for("reports.areas_page", **asked),
        "shared": url_for("reports.areas_page", **asked, shared="1"),
        "csv_exact": url_for("reports.areas_download", **asked),
        "csv_shared": url_for("reports.areas_download", **asked, shared="1"),
        "figures": url_for("reports.index", **asked, **sharing),
        "hotspots": hotspots_url(choice.period),
    }


def _hidden(found: areas.Areas | None, shared: bool) -> dict[str, dict]:
    if not found or not shared:
        return {}
    return {t.level: t.hidden(_below()) for t in found.tables}


def _page(choice: periods.Choice, found: areas.Areas | None, status: int = 200):
    shared, below = _shared(), _below()
    page = render_template(
        "reports/areas.html",
        choice=choice,
        presets=periods.PRESETS,
        found=found,
        shared=shared,
        hidden=_hidden(found, shared),
        below=below,
        rule=suppression.rule(below),
        columns=areas.COLUMNS,
        total=areas.TOTAL,
        district=areas.DISTRICT,
        today=uk_today(),
        shown=suppression.shown,
        urls=_urls(choice),
    )
    return page, status


@bp.route("/areas")
@allow("coordinator", "partner", when=PARTNERS)
def areas_page():
    """The figures by area for the period asked for (this financial year by default)."""
    choice = periods.choose(request.args, uk_today())
    if choice.errors:
        return _page(choice, None, 400)
    return _page(choice, areas.build(get_db(), choice.period))


@bp.route("/areas.csv")
@allow("coordinator", "partner", when=PARTNERS)
def areas_download():
    """The same figures as a CSV file: exact, or with ``shared=1`` the copy for sharing."""
    choice = periods.choose(request.args, uk_today())
    if choice.errors:
        return _page(choice, None, 400)
    shared = _shared()
    found = areas.build(get_db(), choice.period)
    data = csvfile.areas_csv(found, made(), _hidden(found, shared) if shared else None, _below())
    return csv_download(data, choice.period, shared, "figures-by-area")
