"""The scrutiny figures boards and councillors ask for, for a period and the one before.

Each figure is counted by sector and in total and says how it was counted (the LGA's
councillor guide asks whether the council can say how many potential victims its staff
identified, and how many NRM referrals it made). The counting is SQL in
:mod:`fieldapp.queries.reports`; this module only arranges the counts into
:mod:`fieldapp.reports.table` figures.

Staff trained as first responders come from the training records, as they stood on the
last day of each period. No Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sqlite_utils import Database

from fieldapp.checklists.model import CATEGORIES, CONCERNS
from fieldapp.operations import ENFORCEMENT_ACTIONS
from fieldapp.queries import reports as reports_q
from fieldapp.reports import staff
from fieldapp.reports.periods import Period
from fieldapp.reports.table import (
    Figure,
    Link,
    Report,
    Section,
    add,
    anything,
    by_sector,
    total_only,
)

ROUTE_LABELS = {
    "nrm": "National Referral Mechanism (NRM)",
    "duty_to_notify": "Duty to Notify (adults who did not consent)",
    "child": "Child safeguarding (children's services)",
    "adult_safeguarding": "Adult safeguarding",
    "police_999": "Police (999)",
}
EXPLOITATION = {
    "labour": "labour exploitation",
    "criminal": "criminal exploitation",
    "sexual": "sexual exploitation",
    "domestic_servitude": "domestic servitude",
    "other": "another kind, or not known yet",
}
OPERATION_REFERRALS = {
    "referrals_nrm": "NRM referrals",
    "referrals_duty_to_notify": "Duty to Notify referrals",
    "referrals_childrens_services": "Referrals to children's services",
}
LEVELS = ("high", "medium", "low")


def build(
    db: Database,
    period: Period,
    *,
    flag_bands: Sequence[str],
    routes: Sequence[Mapping],
    indicators: Mapping[str, str],
    agency_name: Callable[[str], str] = str,
    refresh_months: int | None = None,
) -> Report:
    """Every figure for ``period`` beside the previous equivalent period.

    ``flag_bands`` are the deployment's FLAG_BANDS; ``routes`` the referral routes in its
    safeguarding.toml; ``indicators`` the question asked for each indicator id;
    ``agency_name`` names a partner agency from its id; with ``refresh_months`` (the
    deployment's TRAINING_REFRESH_MONTHS) the staff trained as first responders are counted.
    """
    previous = period.previous()
    current, before = (reports_q.Span(p.start, p.end, p.bucket) for p in (period, previous))
    data = {
        "register": reports_q.register(db, current, before),
        "visits": reports_q.visits(db, current, before),
        "premises": [
            *reports_q.premises(db, current, flag_bands, "current"),
            *reports_q.premises(db, before, flag_bands, "previous"),
        ],
        "red_flags": reports_q.red_flags(db, current, before),
        "referrals": reports_q.referrals(db, current, before),
        "exploitation": reports_q.exploitation(db, current, before),
        **reports_q.operations(db, current, before),
    }
    dates = (("from", period.start.isoformat()), ("to", period.end.isoformat()))
    return Report(
        period,
        previous,
        [
            visits_section(data, flag_bands),
            red_flags_section(data, indicators),
            people_section(data, routes),
            operations_section(data, dates, agency_name),
            *(
                [staff.section(db, period, previous, refresh_months)]
                if refresh_months is not None
                else []
            ),
        ],
    )


def visits_section(data: dict, flag_bands: Sequence[str]) -> Section:
    visits, premises = data["visits"], data["premises"]
    bands = " or ".join(b for b in LEVELS if b in flag_bands) or "none"
    levels = [
        Figure(
            f"visits.{level}",
            f"Concern level {level}",
            "The visit's overall level of concern, on the continuum of exploitation.",
            by_sector(visits, "visits", band=level),
            parent="visits",
        )
        for level in LEVELS
    ]
    return Section(
        "visits",
        "The register and visits",
        [
            Figure(
                "register",
                "Premises on the register",
                "Premises added to the register by the end of the period, by sector.",
                by_sector(data["register"], "premises"),
                link=Link("sites.site_list", (), "Site list (as it is today)"),
            ),
            Figure(
                "visited",
                "Premises visited",
                "Different premises visited at least once in the period, counting visits "
                "that could not inspect.",
                by_sector(premises, "visited"),
            ),
            Figure(
                "visits",
                "Visits",
                "Visits made in the period, by their UK date. An amended visit counts once, "
                "as amended.",
                by_sector(visits, "visits"),
            ),
            *levels,
            Figure(
                "visits.not_judged",
                "Could not inspect (concern not judged)",
                "Closed, refused entry or too little checked: kept on record, never a risk "
                "judgement.",
                by_sector(visits, "visits", band=""),
                parent="visits",
            ),
            Figure(
                "flagged",
                "Premises flagged during the period",
                f"Different premises where a visit in the period met the flag rule (concern "
                f"level {bands}, or a modern slavery red flag), or that a coordinator flagged "
                "by hand in the period; not those flagged earlier and not visited since.",
                by_sector(premises, "flagged"),
                link=Link("sites.site_list", (("flagged", "1"),), "Flagged sites (today)"),
            ),
        ],
    )


def red_flags_section(data: dict, indicators: Mapping[str, str]) -> Section:
    rows = data["red_flags"]
    found = sorted(
        {(r["concern"], r["indicator"], r["category"]) for r in rows},
        key=lambda k: (k[0] != "slavery", k[0], k[1]),
    )
    section = Section(
        "red_flags",
        "Red flags by indicator",
        [
            Figure(
                "red_flags",
                "Red flags found",
                "Warning signs strong enough on their own to flag a site, and immediate "
                "hazards, answered yes at visits that could inspect: each once a visit.",
                by_sector(rows, "visits"),
            )
        ],
    )
    for concern, indicator, category in found:
        words = CATEGORIES.get(category)
        section.figures.append(
            Figure(
                f"red_flags.{concern}.{indicator}.{category}",
                indicators.get(indicator) or indicator.replace("_", " ").capitalize(),
                f"{CONCERNS.get(concern, concern)}; {words or category or 'no category'}.",
                by_sector(rows, "visits", concern=concern, indicator=indicator, category=category),
                parent="red_flags",
                link=Link(
                    "sites.site_list",
                    (("red_flag_category", category),),
                    f"Sites whose latest visit had a {words.lower()} red flag",
                )
                if words
                else None,
            )
        )
    return section


def people_section(data: dict, routes: Sequence[Mapping]) -> Section:
    referrals = data["referrals"]
    adults, children = by_sector(referrals, "adults"), by_sector(referrals, "children")
    kinds = [
        Figure(
            f"exploitation.{kind}",
            f"Referrals naming {words}",
            "A referral can name more than one kind, so these do not add up to the referrals.",
            by_sector(data["exploitation"], "referrals", kind=kind),
        )
        for kind, words in EXPLOITATION.items()
    ]
    return Section(
        "people",
        "Potential victims and referrals",
        [
            *_victim_figures(data),
            Figure(
                "referrals",
                "Referrals made from visits",
                "Safeguarding referrals recorded on visits, by when they were made. A "
                "corrected referral counts once, as corrected.",
                by_sector(referrals, "referrals"),
            ),
            *route_figures(referrals, routes),
            Figure(
                "people",
                "People the referrals concern",
                "The adults and children counted on each referral.",
                add(adults, children),
            ),
            Figure("people.adults", "Adults", "Aged 18 or over.", adults, parent="people"),
            Figure(
                "people.children",
                "Children",
                "Anyone who may be under 18 (Modern Slavery Act 2015, section 51).",
                children,
                parent="people",
            ),
            *kinds,
        ],
    )


def _victim_figures(data: dict) -> list[Figure]:
    routine = by_sector(data["visits"], "victims")
    operations = by_sector(data["outcomes"], "potential_victims")
    return [
        Figure(
            "victims",
            "Potential victims identified",
            "People officers had reasonable grounds to think may be victims of modern "
            "slavery, referred or not. No one is named. Someone found on a routine visit "
            "and again on an operation counts twice.",
            add(routine, operations),
        ),
        Figure(
            "victims.visits",
            "On routine visits",
            "The number the officer recorded on each visit.",
            routine,
            parent="victims",
        ),
        Figure(
            "victims.operations",
            "On joint operations",
            "From the outcome recorded for each site, by the operation's date.",
            operations,
            parent="victims",
        ),
    ]


def route_figures(referrals: list[dict], routes: Sequence[Mapping]) -> list[Figure]:
    """One figure for each referral route offered, then any other route recorded."""
    offered = [route["id"] for route in routes]
    figures = [
        Figure(
            f"referrals.{route['id']}",
            ROUTE_LABELS.get(route["id"]) or route.get("title") or route["id"],
            "Referrals recorded by this route.",
            by_sector(referrals, "referrals", route=route["id"]),
            parent="referrals",
        )
        for route in routes
    ]
    others = by_sector([r for r in referrals if r["route"] not in offered], "referrals")
    if anything(others):
        figures.append(
            Figure(
                "referrals.other",
                "Other routes",
                "Referrals recorded by a route no longer offered.",
                others,
                parent="referrals",
            )
        )
    return figures


def operations_section(data: dict, dates: tuple, agency_name: Callable[[str], str]) -> Section:
    outcomes, actions = data["outcomes"], data["actions"]
    kinds = [
        Figure(
            f"enforcement.{key}",
            label,
            "Recorded in the operations' outcomes.",
            by_sector(actions, "actions", action=key),
            parent="enforcement",
        )
        for key, label in ENFORCEMENT_ACTIONS.items()
    ]
    others = by_sector([a for a in actions if a["action"] not in ENFORCEMENT_ACTIONS], "actions")
    if anything(others):
        kinds.append(
            Figure(
                "enforcement.other",
                "Other actions",
                "Kinds of action no longer offered.",
                others,
                parent="enforcement",
            )
        )
    return Section(
        "operations",
        "Joint operations",
        [
            Figure(
                "operations",
                "Joint operations held",
                "Operations dated in the period.",
                total_only(data["held"], "operations"),
                link=Link("operations.figures", dates, "Operations in these dates", False),
            ),
            *_outcome_figures(outcomes),
            Figure(
                "enforcement",
                "Enforcement actions",
                "Actions recorded in each site's outcome, each kind once a site.",
                by_sector(actions, "actions"),
            ),
            *kinds,
            *_partner_figures(data["partners"], agency_name),
        ],
    )


def _outcome_figures(outcomes: list[dict]) -> list[Figure]:
    def part(key: str, label: str, how: str, parent: str) -> Figure:
        return Figure(f"operations.{key}", label, how, by_sector(outcomes, key), parent=parent)

    recorded = "operations.recorded"
    referrals = "operations.referrals"
    return [
        Figure(
            recorded,
            "Sites with an outcome recorded",
            "The operations' sites whose outcome has been recorded.",
            by_sector(outcomes, "recorded"),
        ),
        part("visited", "Visited", "Sites the team got into.", recorded),
        part("not_visited", "Not visited", "Closed, no access or not reached.", recorded),
        Figure(
            "operations.workers",
            "Workers spoken to",
            "As recorded in each site's outcome.",
            by_sector(outcomes, "workers_spoken_to"),
        ),
        Figure(
            referrals,
            "Referrals made on operations",
            "As recorded in each site's outcome, apart from referrals recorded on visits.",
            add(*(by_sector(outcomes, key) for key in OPERATION_REFERRALS)),
        ),
        *[
            part(key, label, "As recorded in each site's outcome.", referrals)
            for key, label in OPERATION_REFERRALS.items()
        ],
    ]


def _partner_figures(partners: list[dict], agency_name: Callable[[str], str]) -> list[Figure]:
    figures = [
        Figure(
            "partners",
            "Partner agencies taking part",
            "Different partner agencies in the operations held.",
            total_only([{**p, "agencies": 1} for p in partners], "agencies"),
        )
    ]
    for agency in sorted({p["agency"] for p in partners}, key=agency_name):
        figures.append(
            Figure(
                f"partners.{agency}",
                f"Operations {agency_name(agency)} took part in",
                "Operations the agency was a partner in.",
                total_only(partners, "operations", agency=agency),
            )
        )
    return figures
