"""Reports pages: the scrutiny figures for a period, on the page and as a CSV file.

Coordinators see exact counts, with links to the records behind a figure where a list
exists; the version for sharing (``?shared=1``, and its CSV file) hides small numbers as
fieldapp.reports.suppression sets out, for papers that leave the council. Inspectors and
partner agencies cannot open reports.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from flask_login import current_user

from fieldapp import audit, safeguarding
from fieldapp.db import get_db
from fieldapp.exports import DEFAULT_MARKING
from fieldapp.permissions import allow
from fieldapp.reports import csvfile, figures, periods, suppression
from fieldapp.reports.table import Report
from fieldapp.timeutil import now_iso, uk_today
from fieldapp.web import checklists as web_checklists

bp = Blueprint("reports", __name__, url_prefix="/reports")
SETTING = "REPORT_SUPPRESS_BELOW"
# Partner agencies see the versions for sharing, and only where the council shares them.
PARTNERS = {"partner": "REPORTS_FOR_PARTNERS"}


def init_app(app: Flask) -> None:
    """Refuse to start with a suppression threshold that would hide nothing, or with a
    partner setting that is not plainly on or off."""
    below = app.config.get(SETTING, suppression.DEFAULT_BELOW)
    if isinstance(below, bool) or not isinstance(below, int) or below < 2:
        raise ValueError(f"{SETTING} must be a whole number of 2 or more, not {below!r}")
    shared = app.config.get("REPORTS_FOR_PARTNERS", False)
    if not isinstance(shared, bool):
        raise ValueError(f"REPORTS_FOR_PARTNERS must be true or false, not {shared!r}")


def _below() -> int:
    return current_app.config.get(SETTING, suppression.DEFAULT_BELOW)


def _shared() -> bool:
    """The version for sharing: when asked for, and always for a partner agency."""
    return request.args.get("shared") == "1" or current_user.role == "partner"


def _questions() -> dict[str, str]:
    """The question each indicator id asks, from the checklists in use."""
    found: dict[str, str] = {}
    for checklist in web_checklists.current().checklists.values():
        for indicator in checklist.indicators:
            found.setdefault(indicator.id, indicator.question)
    return found


def _report(period: periods.Period) -> Report:
    return figures.build(
        get_db(),
        period,
        flag_bands=current_app.config["FLAG_BANDS"],
        routes=safeguarding.referral_routes(web_checklists.current().safeguarding),
        indicators=_questions(),
        agency_name=web_checklists.agency_name,
        refresh_months=int(current_app.config["TRAINING_REFRESH_MONTHS"]),
    )


def _urls() -> dict[str, str]:
    """This page and its CSV file, exact and for sharing, for the period asked for."""
    asked = {k: v for k, v in request.args.items() if k in periods.ARGUMENTS}
    return {
        "exact": url_for("reports.index", **asked),
        "shared": url_for("reports.index", **asked, shared="1"),
        "csv_exact": url_for("reports.download", **asked),
        "csv_shared": url_for("reports.download", **asked, shared="1"),
        "trends": url_for("reports.trends_page", **asked, **({"shared": "1"} if _shared() else {})),
        "areas": url_for("reports.areas_page", **asked, **({"shared": "1"} if _shared() else {})),
        "pack": url_for("reports.pack_page", **asked),
        "indicators": url_for(
            "reports.indicators_page", **asked, **({"shared": "1"} if _shared() else {})
        ),
        "displacement": url_for(
            "reports.displacement_page", **asked, **({"shared": "1"} if _shared() else {})
        ),
    }


def _page(choice: periods.Choice, report: Report | None, shared: bool, status: int = 200):
    below = _below()
    return (
        render_template(
            "reports/index.html",
            choice=choice,
            presets=periods.PRESETS,
            report=report,
            shared=shared,
            hidden=report.hidden(below) if report and shared else {},
            below=below,
            rule=suppression.rule(below),
            columns=csvfile.column_order(),
            column_names=csvfile.COLUMN_NAMES,
            today=uk_today(),
            shown=suppression.shown,
            urls=_urls(),
        ),
        status,
    )


@bp.route("/")
@allow("coordinator", "partner", when=PARTNERS)
def index():
    """The scrutiny figures for the period asked for (this financial year by default)."""
    choice = periods.choose(request.args, uk_today())
    if choice.errors:
        return _page(choice, None, _shared(), 400)
    return _page(choice, _report(choice.period), _shared())


@bp.route("/figures.csv")
@allow("coordinator", "partner", when=PARTNERS)
def download():
    """The same figures as a CSV file: exact, or with ``shared=1`` the copy for sharing."""
    choice = periods.choose(request.args, uk_today())
    shared = _shared()
    if choice.errors:
        return _page(choice, None, shared, 400)
    report = _report(choice.period)
    below = _below()
    data = csvfile.report_csv(report, made(), report.hidden(below) if shared else None, below)
    return csv_download(data, choice.period, shared, "scrutiny-figures")


def hotspots_url(period: periods.Period | None) -> str:
    """The risk map's heat layer for high-concern sites visited in ``period``: the map
    filters by each site's current concern, so this is where concern stands today among
    the sites visited then."""
    if period is None:
        return url_for("sites.map_page", heat="1")
    return url_for(
        "sites.map_page",
        heat="1",
        band="high",
        visited_after=period.start.isoformat(),
        visited_before=period.end.isoformat(),
    )


def made() -> csvfile.Made:
    """Who made a report's CSV file, when, and its handling marking."""
    return csvfile.Made(
        marking=current_app.config.get("EXPORT_MARKING", DEFAULT_MARKING),
        made_at=now_iso(),
        made_by=f"{current_user.display_name} ({current_user.username})",
        council=current_app.config["COUNCIL_NAME"],
    )


def csv_download(data: bytes, period: periods.Period, shared: bool, stem: str) -> Response:
    """A report's CSV file as a download, on the audit trail like every download."""
    audit.record(
        "report.download",
        db=get_db(),
        period=f"{period.start.isoformat()}/{period.end.isoformat()}",
        shared=shared,
    )
    version = "for-sharing" if shared else "exact"
    name = f"{stem}-{period.start}-to-{period.end}-{version}.csv"
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
