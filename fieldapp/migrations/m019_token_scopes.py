"""API tokens have a scope: what the token may read.

Until now every token read flagged sites for its agency. A regional partnership pooling
several councils' figures needs a token for the de-identified aggregate feed that cannot
read flagged sites, and an agency's flagged-sites token should not read the aggregates
unasked, so each token says which one it is for. Tokens made before this step keep
reading flagged sites, as they always did.
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    "ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'flagged_sites' "
    "CHECK (scope IN ('flagged_sites', 'aggregates'))",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for sql in STATEMENTS:
        db.execute(sql)
