"""The indicator guide, the guide to speaking to workers, and practice scenarios."""

from fieldapp.web.guide.views import bp

__all__ = ["bp"]
