"""Need to know: what a viewer may see of a site, on every surface, from one rule.

A partner agency's user (and its API token) sees exactly what its export profile in
``checklists/export_profiles.toml`` allows, and only flagged sites; council staff see
everything. The rule is applied where rows leave the query layer (fieldapp.queries.sites
projects every row it returns), and to filters and sorts before they are run, so a page,
a popup, the map data, the API or a briefing pack cannot show, filter or order by what the
profile withholds.

Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from fieldapp.exports.profiles import FIELDS, Profile
from fieldapp.sitefilter import SiteFilter

# Each premises column a row may carry, and the profile field that allows it. A column not
# named here (a coordinator's flag reason, the per-concern levels, ids for internal use) is
# for council staff only: a new column is withheld from partners until it is added here.
COLUMN_FIELDS = {
    "id": "id",
    "name": "name",
    "sector": "sector",
    "address": "address",
    "postcode": "postcode",
    "local_authority": "local_authority",
    "latitude": "location",
    "longitude": "location",
    "easting": "grid_reference",
    "northing": "grid_reference",
    "location_source": "placed_by",
    "trading_name": "name",
    "risk_band": "risk_band",
    "risk_score": "risk_score",
    "flagged_now": "flagged",
    "last_visit_at": "last_visit_date",
    "last_visit_mismatch": "location_mismatch",
    "red_flag_count": "red_flag_count",
    "red_flag_categories": "red_flag_categories",
    "red_flags": "red_flags",
    "top_indicators": "top_indicators",
}
# What each filter needs to be visible before it may be used: filtering on a withheld field
# would tell the viewer its value just as surely as showing it.
FILTER_FIELDS = {
    "band": "risk_band",
    "red_flag_category": "red_flag_categories",
    "mismatch": "location_mismatch",
    "visited_after": "last_visit_date",
    "visited_before": "last_visit_date",
    "not_visited_days": "last_visit_date",
    "no_location": "location",
}
SORT_FIELDS = {"risk": "risk_band", "last_visit": "last_visit_date"}
DEFAULTS = {f.name: f.default for f in fields(SiteFilter) if f.name in FILTER_FIELDS}
FIELD_WORDS = {
    "risk_band": "the risk band",
    "red_flag_categories": "red flag categories",
    "location_mismatch": "location mismatches",
    "last_visit_date": "visit dates",
}


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the fields they may see, the categories in scope, flagged only."""

    fields: frozenset[str]
    categories: tuple[str, ...] = ()  # empty: every category
    flagged_only: bool = False
    agency: str | None = None

    @property
    def is_staff(self) -> bool:
        """Council staff see every column, including those no profile names."""
        return self.agency is None

    def sees(self, field: str) -> bool:
        """Whether a profile field (a name in fieldapp.exports.profiles.FIELDS) is visible."""
        return self.is_staff or field in self.fields

    def may_sort(self, sort: str) -> bool:
        """Whether the list may be ordered this way (ordering by risk tells the risk)."""
        return sort not in SORT_FIELDS or self.sees(SORT_FIELDS[sort])

    def in_scope(self, category: str | None) -> bool:
        """Whether a red flag or indicator of ``category`` belongs to this viewer."""
        return not self.categories or category in self.categories


STAFF = Viewer(fields=frozenset(FIELDS))


def for_profile(profile: Profile) -> Viewer:
    """The viewer a partner agency's profile makes (its users and its API tokens)."""
    return Viewer(
        fields=frozenset(profile.fields),
        categories=profile.categories,
        flagged_only=True,
        agency=profile.agency,
    )


def for_user(role: str, agency: str | None, profiles: Mapping[str, Profile]) -> Viewer:
    """Staff for council roles; a partner sees by their agency's profile (or nothing but
    where flagged sites are, if the agency somehow has none)."""
    if role != "partner":
        return STAFF
    profile = profiles.get(agency or "")
    if profile is None:
        return Viewer(fields=frozenset({"id", "name", "sector"}), flagged_only=True, agency="")
    return for_profile(profile)


def restrict(f: SiteFilter, viewer: Viewer, asked: Mapping[str, Any] = ()) -> SiteFilter:
    """The filter this viewer may run: flagged only for partners, and an error naming each
    filter or sort on a field the viewer may not see.

    ``asked`` is the request's arguments: the default sort (by risk) quietly becomes by
    name for a viewer who may not see the band; asking for it by name is an error.
    """
    if viewer.is_staff:
        return f
    errors = dict(f.errors)
    changes: dict[str, Any] = {"flagged": True}
    for name, field in FILTER_FIELDS.items():
        if getattr(f, name) not in ("", (), None, False) and not viewer.sees(field):
            errors[name] = f"{name} is not available: your agency does not receive {_words(field)}"
    if f.red_flag_category and not viewer.in_scope(f.red_flag_category):
        errors["red_flag_category"] = (
            f"red_flag_category must be one of your agency's categories: "
            f"{', '.join(viewer.categories)}"
        )
    needs = SORT_FIELDS.get(f.sort)
    if needs and not viewer.sees(needs):
        if "sort" in asked:
            errors["sort"] = (
                f"sort={f.sort} is not available: your agency does not receive {_words(needs)}"
            )
        else:
            changes["sort"] = "name"
    return replace(f, **changes, errors=errors)


def _words(field: str) -> str:
    return FIELD_WORDS.get(field, field.replace("_", " "))


def project(row: Mapping[str, Any], viewer: Viewer) -> dict[str, Any]:
    """A site row with only what the viewer may see; red flags cut to their categories."""
    if viewer.is_staff:
        return dict(row)
    out = {
        column: value
        for column, value in row.items()
        if column in COLUMN_FIELDS and viewer.sees(COLUMN_FIELDS[column])
    }
    if "red_flags" in out:
        out["red_flags"] = [f for f in out["red_flags"] if viewer.in_scope(f.get("category"))]
    if "red_flag_count" in out and "red_flags" in row:
        out["red_flag_count"] = sum(
            1 for f in row["red_flags"] if viewer.in_scope(f.get("category"))
        )
    if "red_flag_categories" in out:
        codes = [c for c in str(out["red_flag_categories"]).split(",") if c]
        out["red_flag_categories"] = "".join(f",{c}" for c in codes if viewer.in_scope(c)) + (
            "," if any(viewer.in_scope(c) for c in codes) else ""
        )
    return out
