"""What a load or the store of places is said to be, in sentences for the shell and pages."""

from __future__ import annotations

from fieldapp.places.model import LoadReport, PlacesSummary
from fieldapp.places.read import CODEPOINT, ONSPD, UPRN
from fieldapp.timeutil import format_uk_datetime

_LABELS = {kind.name: kind.label for kind in (ONSPD, CODEPOINT, UPRN)}
_MAX_IGNORED_NAMED = 5


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number:,} {one if number == 1 else (many or one + 's')}"


def describe(report: LoadReport) -> list[str]:
    """The closing summary of a load, a sentence a line; the first says what was loaded
    and lists the rows skipped, by line, up to the first twenty."""
    if report.kind == UPRN.name:
        loaded = f"Loaded {_count(report.loaded, 'UPRN')}"
    else:
        loaded = (
            f"Loaded {_count(report.loaded, 'postcode')} ({report.live:,} live, "
            f"{report.terminated:,} terminated)"
        )
    lines = [loaded + _skipped(report)]
    if report.no_position:
        lines.append(
            f"{_count(report.no_position, 'row')} gave no position (no grid reference in the "
            "file) and were left out."
        )
    if report.kept_live:
        lines.append(
            f"{_count(report.kept_live, 'terminated postcode')} already held as live were "
            "kept as they are: a live postcode is never replaced by a terminated one."
        )
    if report.ignored:
        named = ", ".join(report.ignored[:_MAX_IGNORED_NAMED])
        more = len(report.ignored) - _MAX_IGNORED_NAMED
        lines.append(
            f"Not read, as not {_LABELS[report.kind]} data: {named}"
            + (f" and {more:,} more." if more > 0 else ".")
        )
    if report.kind == UPRN.name:
        lines.append(f"Now holding {_count(report.held, 'UPRN')}.")
    else:
        lines.append(
            f"Now holding {_count(report.held, 'postcode')} ({report.live_held or 0:,} live)."
        )
    return lines


def _skipped(report: LoadReport) -> str:
    if not report.problem_count:
        return "."
    listed = "; ".join(str(p) for p in report.problems)
    more = report.problem_count - len(report.problems)
    rest = f"; and {more:,} more" if more > 0 else ""
    return f"; {_count(report.problem_count, 'row')} skipped: {listed}{rest}."


def describe_summary(summary: PlacesSummary) -> list[str]:
    """What is held: postcodes, then UPRNs, each with its last load."""
    if summary.last_postcode_load is None:
        postcodes = (
            "Postcodes: none held. Load the ONS Postcode Directory or Code-Point Open with "
            "flask --app fieldapp places load-postcodes FILE"
        )
    else:
        load = summary.last_postcode_load
        postcodes = (
            f"Postcodes: {summary.postcodes:,} held ({summary.live_postcodes:,} live, "
            f"{summary.terminated_postcodes:,} terminated); last loaded from {load.file_name} "
            f"({_LABELS[load.kind]}) on {format_uk_datetime(load.loaded_at)}: "
            f"{_count(load.rows_loaded, 'row')} loaded, {load.rows_skipped:,} skipped."
        )
    if summary.last_uprn_load is None:
        uprns = (
            "UPRNs: none held. Load your area's OS Open UPRN extract with "
            "flask --app fieldapp places load-uprns FILE"
        )
    else:
        load = summary.last_uprn_load
        uprns = (
            f"UPRNs: {summary.uprns:,} held; last loaded from {load.file_name} on "
            f"{format_uk_datetime(load.loaded_at)}: {_count(load.rows_loaded, 'row')} "
            f"loaded, {load.rows_skipped:,} skipped."
        )
    return [postcodes, uprns]
