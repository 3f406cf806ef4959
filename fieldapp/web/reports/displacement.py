"""The Displacement page: new premises or first-time high concern near sites closed or
actioned in a period, on the page and as a CSV file.

Coordinators only, like the figures, and they see each site actioned with the premises
near it. ``?shared=1`` is the version for sharing: the counts alone, small ones hidden as
fieldapp.reports.suppression sets out, never a name or an address. The period is chosen
as on the figures page and the distance from a list; anything else asked for is a clear
400, never a 500.
"""

from __future__ import annotations

from flask import render_template, request, url_for

from fieldapp.checklists.model import SECTORS
from fieldapp.db import get_db
from fieldapp.operations import ENFORCEMENT_ACTIONS
from fieldapp.permissions import allow
from fieldapp.reports import csvfile, displacement, periods, suppression
from fieldapp.timeutil import uk_today
from fieldapp.web.reports.views import PARTNERS, _below, _shared, bp, csv_download, made


def _metres(choice: periods.Choice) -> int:
    """The distance asked for (1 km if none); a problem is added to ``choice``."""
    asked = str(request.args.get("distance") or "").strip()[:20]
    if not asked:
        return displacement.DEFAULT_METRES
    if asked.isdigit() and int(asked) in displacement.DISTANCES:
        return int(asked)
    choice.errors["distance"] = "Select a distance from the list"
    return displacement.DEFAULT_METRES


def _urls(metres: int) -> dict[str, str]:
    asked = {k: v for k, v in request.args.items() if k in periods.ARGUMENTS}
    kept = {**asked, "distance": str(metres)}
    sharing = {"shared": "1"} if _shared() else {}
    return {
        "exact": url_for("reports.displacement_page", **kept),
        "shared": url_for("reports.displacement_page", **kept, shared="1"),
        "csv_exact": url_for("reports.displacement_download", **kept),
        "csv_shared": url_for("reports.displacement_download", **kept, shared="1"),
        "figures": url_for("reports.index", **asked, **sharing),
    }


def _page(choice: periods.Choice, metres: int, found, status: int = 200):
    shared, below = _shared(), _below()
    page = render_template(
        "reports/displacement.html",
        choice=choice,
        presets=periods.PRESETS,
        found=found,
        metres=metres,
        distances=displacement.DISTANCES,
        shared=shared,
        hidden=found.hidden(below) if found and shared else {},
        below=below,
        rule=suppression.rule(below),
        sectors=SECTORS,
        actions=ENFORCEMENT_ACTIONS,
        today=uk_today(),
        shown=suppression.shown,
        urls=_urls(metres),
        period_arguments=periods.ARGUMENTS,
    )
    return page, status


def _asked() -> tuple[periods.Choice, int]:
    choice = periods.choose(request.args, uk_today())
    return choice, _metres(choice)


@bp.route("/displacement")
@allow("coordinator", "partner", when=PARTNERS)
def displacement_page():
    """Displacement for the period and distance asked for (this financial year, 1 km)."""
    choice, metres = _asked()
    if choice.errors:
        return _page(choice, metres, None, 400)
    return _page(choice, metres, displacement.build(get_db(), choice.period, metres))


@bp.route("/displacement.csv")
@allow("coordinator", "partner", when=PARTNERS)
def displacement_download():
    """The counts as a CSV file: exact (with each site and what is near it), or with
    ``shared=1`` the copy for sharing, counts alone."""
    choice, metres = _asked()
    if choice.errors:
        return _page(choice, metres, None, 400)
    shared, below = _shared(), _below()
    found = displacement.build(get_db(), choice.period, metres)
    data = csvfile.displacement_csv(found, made(), found.hidden(below) if shared else None, below)
    return csv_download(data, choice.period, shared, "displacement")
