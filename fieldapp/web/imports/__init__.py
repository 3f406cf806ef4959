"""Importing the council's premises lists from a CSV file: the pages (the rules are in
fieldapp.imports, the ``flask premises import`` command in fieldapp.commands.premises)."""

from fieldapp.web.imports import mapping_views  # noqa: F401 (its routes join bp)
from fieldapp.web.imports.views import bp

__all__ = ["bp"]
