"""Partner exports: what each agency receives, downloads, and streaming them on the record."""

from fieldapp.web.exports.streaming import init_app
from fieldapp.web.exports.views import bp

__all__ = ["bp", "init_app"]
