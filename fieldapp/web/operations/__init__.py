"""Joint operations: plan from the map or list, brief the team, record what was found."""

# briefing and outcomes add their pages to bp when imported: both must be loaded before the
# blueprint is registered.
from fieldapp.web.operations import briefing, outcomes
from fieldapp.web.operations.views import bp

__all__ = ["bp", "briefing", "outcomes"]
