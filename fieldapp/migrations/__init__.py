"""The database schema, as append-only named steps: one module a step, in order.

Steps are frozen history. Never edit or reorder one that has shipped: add a new module
and list it in STEPS. Each step carries the SQL it needs and imports nothing from the rest
of the app, so what an old step does never changes when today's code does. Raw SQL is
used because sqlite-utils' create() cannot express CHECK constraints or triggers.
"""

from __future__ import annotations

from types import ModuleType

from sqlite_utils import Database, Migrations

from fieldapp.migrations import (
    m001_users_and_audit,
    m002_premises,
    m003_geocode_cache,
    m004_visits,
    m005_search_index_follows_only_searched_columns,
    m006_premises_current_risk_detail,
    m007_exports_tokens_and_audit_chain,
    m008_operations,
    m009_visit_outcomes_and_concerns,
    m010_sessions,
    m011_read_audit,
    m012_token_expiry,
    m013_premises_uprn,
    m014_places,
    m015_import_mappings_and_grid,
    m016_referral_details_and_victims,
    m017_training,
    m018_report_figures,
    m019_token_scopes,
    m020_victims_index,
    m021_report_postcodes,
    m022_retention_tombstones,
    m023_retention_removals,
    m024_log_seals,
    m025_audit_filter_indexes,
    m026_visit_signs,
    m027_reference_indexes,
)

STEPS: tuple[ModuleType, ...] = (
    m001_users_and_audit,
    m002_premises,
    m003_geocode_cache,
    m004_visits,
    m005_search_index_follows_only_searched_columns,
    m006_premises_current_risk_detail,
    m007_exports_tokens_and_audit_chain,
    m008_operations,
    m009_visit_outcomes_and_concerns,
    m010_sessions,
    m011_read_audit,
    m012_token_expiry,
    m013_premises_uprn,
    m014_places,
    m015_import_mappings_and_grid,
    m016_referral_details_and_victims,
    m017_training,
    m018_report_figures,
    m019_token_scopes,
    m020_victims_index,
    m021_report_postcodes,
    m022_retention_tombstones,
    m023_retention_removals,
    m024_log_seals,
    m025_audit_filter_indexes,
    m026_visit_signs,
    m027_reference_indexes,
)

migrations = Migrations("fieldapp")
for _step in STEPS:
    # Recorded in _sqlite_migrations under the module's name, as they always have been.
    migrations(name=_step.__name__.rsplit(".", 1)[-1])(_step.apply)


def migrate(db: Database) -> list[str]:
    """Apply pending steps and switch on WAL; return the names applied."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    # WAL lets readers carry on while a visit is written; it cannot change inside a
    # transaction, so it is set here rather than in a step.
    db.enable_wal()
    return pending
