"""Staff trained as first responders, for the scrutiny figures: councillors are told to ask
whether the council's staff are trained to recognise and refer potential victims."""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.queries import training as training_q
from fieldapp.reports.periods import Period
from fieldapp.reports.table import Figure, Link, Section, total_only


def section(db: Database, period: Period, previous: Period, refresh_months: int) -> Section:
    """Officers trained as first responders and in date on each period's last day."""
    rows = [
        {"period": name, **training_q.trained_count(db, p.end, refresh_months)}
        for name, p in (("current", period), ("previous", previous))
    ]
    how = (
        "Active inspectors and coordinators on the period's last day, by their training "
        f"records: in date means trained within {refresh_months} months before it. Officers "
        "are those with accounts today (accounts keep no history)."
    )
    return Section(
        "staff",
        "Staff",
        [
            Figure("officers", "Officers", how, total_only(rows, "officers")),
            Figure(
                "trained",
                "Trained as first responders, in date",
                how,
                total_only(rows, "trained"),
                parent="officers",
                link=Link("admin.training_list", (), "Training records", False),
            ),
            Figure(
                "overdue",
                "Trained, but overdue",
                how,
                total_only(rows, "overdue"),
                parent="officers",
            ),  # fmt: skip
            Figure(
                "untrained",
                "No training recorded",
                how,
                total_only(rows, "untrained"),
                parent="officers",
            ),  # fmt: skip
        ],
    )
