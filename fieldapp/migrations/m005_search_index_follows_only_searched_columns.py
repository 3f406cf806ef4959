"""Re-index a premises for search only when its name, address or postcode change.

The trigger sqlite-utils made re-indexes on any update, and every visit updates the
premises' current risk: that was three index writes per visit for nothing.
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    "DROP TRIGGER premises_au",
    """
        CREATE TRIGGER premises_au AFTER UPDATE OF name, address, postcode ON premises
        BEGIN
          INSERT INTO premises_fts (premises_fts, rowid, name, address, postcode)
          VALUES ('delete', old.rowid, old.name, old.address, old.postcode);
          INSERT INTO premises_fts (rowid, name, address, postcode)
          VALUES (new.rowid, new.name, new.address, new.postcode);
        END
    """,
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for sql in STATEMENTS:
        db.execute(sql)
