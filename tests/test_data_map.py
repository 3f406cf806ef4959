"""The data map (fieldapp/privacy/data_map.toml, docs/data-map.md) covers the whole schema
and is kept current."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from fieldapp.commands.privacy import build
from fieldapp.config import SHIPPED_CHECKLISTS
from fieldapp.migrations import migrate
from fieldapp.privacy import data_map
from fieldapp.queries import schema

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-map.md"


def migrated_schema() -> dict[str, list[str]]:
    db = Database(memory=True)
    migrate(db)
    return schema.tables(db)


def test_every_table_and_column_of_the_schema_has_an_entry_in_the_data_map():
    found = data_map.problems(migrated_schema(), data_map.load())
    assert found == [], "The data map is missing entries:\n" + "\n".join(found)


def test_a_new_table_or_column_is_named_with_where_to_add_it():
    tables = {**migrated_schema(), "new_table": ["id", "secret"]}
    tables["visits"] = [*tables["visits"], "worker_names"]
    found = data_map.problems(tables, data_map.load())
    assert found == [
        'column visits.worker_names has no entry: add worker_names = "..." under '
        "[tables.visits.columns] in fieldapp/privacy/data_map.toml.",
        "table new_table has no entry: add [tables.new_table] with a line for each of its "
        'columns (id, secret), or a line new_table = "..." under [no_personal_data], in '
        "fieldapp/privacy/data_map.toml.",
    ]


def test_an_entry_for_a_table_that_is_gone_is_named():
    tables = migrated_schema()
    del tables["geocode_cache"]
    assert data_map.problems(tables, data_map.load()) == [
        "[tables.geocode_cache] names no table in the database: remove it from "
        "fieldapp/privacy/data_map.toml."
    ]


def test_docs_data_map_is_what_the_command_prints_now(runner, app):
    result = runner.invoke(args=["privacy", "data-map"])
    assert result.exit_code == 0, result.output
    assert DOC.read_text(encoding="utf-8") == result.output, (
        "docs/data-map.md is out of date: run "
        "`flask --app fieldapp privacy data-map > docs/data-map.md` and commit it."
    )


def test_the_data_map_says_who_receives_what_and_how_long_it_is_kept():
    db = Database(memory=True)
    migrate(db)
    text, found = build(db, SHIPPED_CHECKLISTS)
    assert found == []
    assert "| Immigration Enforcement | id, name, sector, address," in text
    assert "| red_flags | Modern slavery and other indicators" in text
    assert "Police, Gangmasters and Labour Abuse Authority (GLAA)" in text
    assert (
        "- **How long it is kept:** 6 years after the visit (`visits` in retention.toml)." in text
    )
    assert "| ip | IP address the session was started from. |" in text
    assert "- `postcodes`: The ONS postcode directory" in text
    assert "to be confirmed by the council's DPO" in text
