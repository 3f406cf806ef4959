"""The problem profile pack: one printable document for a partnership board, and every
table in it as CSV files in one ZIP.

Always the version for sharing (the pack leaves the council): small counts hidden as
fieldapp.reports.suppression sets out, no links to records, marked with the handling
marking. Coordinators make it; the period is chosen as on the figures page, and anything
else asked for is a clear 400, never a 500. The PDF is the browser's: "Print or save as
PDF" on the page, laid out for A4 by static/report-pack.css.
"""

from __future__ import annotations

from flask import Response, current_app, render_template, request, url_for

from fieldapp import audit
from fieldapp.checklists.model import SECTORS
from fieldapp.db import get_db
from fieldapp.exports import DEFAULT_MARKING
from fieldapp.permissions import allow
from fieldapp.places.lookup import summary as places_summary
from fieldapp.reports import areas, csvfile, pack, periods, suppression, trends
from fieldapp.timeutil import format_uk_datetime, now_iso, uk_today
from fieldapp.web.printing import css_string
from fieldapp.web.reports.trends import charts
from fieldapp.web.reports.views import PARTNERS, _below, _questions, _report, bp, hotspots_url, made


def contents(period: periods.Period) -> pack.Contents:
    """The pack's tables for ``period``, each hidden as the version for sharing hides it."""
    return pack.build(
        get_db(),
        period,
        _report(period),
        below=_below(),
        questions=_questions(),
        ended=period.end < uk_today(),
    )


def _page(choice: periods.Choice, found: pack.Contents | None, status: int = 200):
    below = _below()
    marking = current_app.config.get("EXPORT_MARKING", DEFAULT_MARKING)
    asked = {k: v for k, v in request.args.items() if k in periods.ARGUMENTS}
    drawn = charts(found.trends, found.trends_hidden) if found else {}
    page = render_template(
        "reports/pack.html",
        choice=choice,
        presets=periods.PRESETS,
        found=found,
        charts=drawn,
        shared=True,
        below=below,
        rule=suppression.rule(below),
        figure_columns=csvfile.column_order(),
        checklist_names=SECTORS,
        column_names=csvfile.COLUMN_NAMES,
        area_columns=areas.COLUMNS,
        all_row=trends.ALL,
        total=areas.TOTAL,
        shown=suppression.shown,
        today=uk_today(),
        marking=marking,
        running=css_string(
            f"{marking} \u00b7 {current_app.config['COUNCIL_NAME']} \u00b7 Problem profile, "
            + (found.period.dates if found else "")
        ),
        made_at=format_uk_datetime(now_iso()),
        places=places_summary(get_db()),
        urls={
            "zip": url_for("reports.pack_download", **asked),
            "figures": url_for("reports.index", **asked, shared="1"),
            "indicators": url_for("reports.indicators_page", **asked, shared="1"),
            "displacement": url_for("reports.displacement_page", **asked, shared="1"),
            "hotspots": hotspots_url(choice.period),
        },
    )
    return page, status


@bp.route("/pack")
@allow("coordinator", "partner", when=PARTNERS)
def pack_page():
    """The problem profile pack for the period asked for (this financial year by default)."""
    choice = periods.choose(request.args, uk_today())
    if choice.errors:
        return _page(choice, None, 400)
    return _page(choice, contents(choice.period))


@bp.route("/pack.zip")
@allow("coordinator", "partner", when=PARTNERS)
def pack_download():
    """Every table in the pack as CSV files, all the version for sharing, in one ZIP."""
    choice = periods.choose(request.args, uk_today())
    if choice.errors:
        return _page(choice, None, 400)
    found, below, by = contents(choice.period), _below(), made()
    files = {
        "scrutiny-figures.csv": csvfile.report_csv(found.report, by, found.report_hidden, below),
        "trends.csv": csvfile.trends_csv(found.trends, by, found.trends_hidden, below),
        "figures-by-area.csv": csvfile.areas_csv(found.areas, by, found.areas_hidden, below),
        "about-this-pack.txt": pack.methods_text(found, by, below).encode("utf-8"),
    }
    period = choice.period
    audit.record(
        "report.download",
        db=get_db(),
        period=f"{period.start.isoformat()}/{period.end.isoformat()}",
        shared=True,
        pack=True,
    )
    name = f"problem-profile-{period.start}-to-{period.end}-for-sharing.zip"
    return Response(
        csvfile.zipped(files, by.made_at),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
