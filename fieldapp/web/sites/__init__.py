"""The coordinator's risk map and list of sites: one filter behind both."""

from fieldapp.web.sites.views import bp

__all__ = ["bp"]
