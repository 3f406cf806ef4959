"""The inspector's visit: the checklist form, the result, referrals, amendments, photos."""

from fieldapp.web.visits.views import bp

__all__ = ["bp"]
