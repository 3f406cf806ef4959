"""Reports: scrutiny figures for partnership boards and councillors, exact or for sharing."""

from fieldapp.web.reports import areas as _areas  # noqa: F401 - registers the By area page
from fieldapp.web.reports import displacement as _displacement  # noqa: F401 - its page
from fieldapp.web.reports import insight as _insight  # noqa: F401 - the Indicator insight page
from fieldapp.web.reports import pack as _pack  # noqa: F401 - registers the problem profile pack
from fieldapp.web.reports import trends as _trends  # noqa: F401 - registers the Trends page
from fieldapp.web.reports.views import bp, init_app

__all__ = ["bp", "init_app"]
