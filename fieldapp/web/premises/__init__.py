"""Finding, adding and viewing premises, and flagging one by hand."""

from fieldapp.web.premises import placing  # noqa: F401 (its routes join bp)
from fieldapp.web.premises.views import bp

__all__ = ["bp"]
