"""Guide pages: what each indicator means, how to speak to workers, and practice.

The guide pages are built from the checklists and ``guidance.toml`` and kept on officers'
phones by the service worker. Practice assesses an officer's answers to a scenario with
the visit's own rules and writes nothing: no visit, no audit entry, no database at all.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from fieldapp import guide, practice
from fieldapp.assessment import LEVEL_WORDS
from fieldapp.permissions import FIELD_ROLES, allow
from fieldapp.timeutil import uk_today
from fieldapp.web import checklists

bp = Blueprint("guide", __name__)
# The guide's sources as its templates show them, each key with what it stands for.
bp.add_app_template_global(guide.sources_of, "guide_sources")


@bp.route("/guide")
@allow(*FIELD_ROLES)
def index():
    """The guide for each sector, speaking to workers, and practice."""
    folder = checklists.current()
    return render_template(
        "guide/index.html",
        by_sector=folder.by_sector,
        guidance=folder.guidance,
        scenario_count=len(folder.scenarios),
    )


@bp.route("/guide/<sector>")
@allow(*FIELD_ROLES)
def sector(sector: str):
    """Every indicator of the sector's current checklist, grouped by concern: one printable page."""
    folder = checklists.current()
    checklist = folder.by_sector.get(sector) or abort(404)
    groups = guide.groups_for(checklist, folder.guidance)
    return render_template(
        "guide/sector.html",
        checklist=checklist,
        groups=groups,
        red_flags=guide.red_flags(groups),
        together=guide.together(checklist),
        guidance=folder.guidance,
        page_sources=guide.page_sources(groups, folder.guidance),
        safeguarding=folder.safeguarding,
    )


@bp.route("/guide/practice")
@allow(*FIELD_ROLES)
def practice_list():
    """The practice scenarios, by sector."""
    scenarios = checklists.current().scenarios.values()
    return render_template("guide/practice.html", scenarios=sorted(scenarios, key=_order))


def _order(scenario):
    return (scenario.sector, scenario.id)


@bp.route("/guide/practice/<scenario_id>", methods=["GET", "POST"])
@allow(*FIELD_ROLES)
def scenario(scenario_id: str):
    """A scenario to answer; on POST, the officer's result beside the worked one. Nothing is
    stored."""
    folder = checklists.current()
    chosen = folder.scenarios.get(scenario_id) or abort(404)
    checklist = folder.by_sector[chosen.sector]
    page = {"scenario": chosen, "checklist": checklist, "level_words": LEVEL_WORDS}
    if request.method == "GET":
        return render_template("guide/scenario.html", values={}, errors={}, **page)
    answers, errors = practice.read_answers(checklist, request.form)
    if errors:
        return render_template(
            "guide/scenario.html", values=request.form, errors=errors, **page
        ), 400
    day = uk_today()
    rates, routes = folder.wage_rates, folder.safeguarding
    mine = practice.outcome(checklist, answers, day, rates, routes)
    worked = practice.outcome(checklist, chosen.answer_map, day, rates, routes)
    return render_template(
        "guide/scenario.html",
        values=request.form,
        errors={},
        mine=mine,
        worked=worked,
        compared=practice.compare(checklist, mine, worked),
        safeguarding=routes,
        **page,
    )
