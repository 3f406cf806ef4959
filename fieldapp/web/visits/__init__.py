"""The inspector's visit: the checklist form, the result, referrals, amendments, photos,
and its report for the case file."""

from fieldapp.web.visits import (
    referral_views,  # noqa: F401 (its routes join bp)
    report,  # noqa: F401 (its routes join bp)
)
from fieldapp.web.visits.views import bp

__all__ = ["bp"]
