"""All SQL lives in this package, one module per table family. Rows are plain dicts."""


class NotFoundError(LookupError):
    """The record asked for does not exist (views turn this into a 404)."""
