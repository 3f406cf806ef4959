"""Checking one value of a hand-edited TOML file: the base every validator here builds on.

Each check reports what is wrong, where (the key path) and what to do, and carries on, so
an editor sees every problem in one pass.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from fieldapp.checklists.model import CATEGORIES, Problem

ID = re.compile(r"[a-z][a-z0-9_]*\Z")


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def list_item_path(path: str, items: list[Any], index: int) -> str:
    """Name a list item by its id when that is unambiguous (``sections.workers``), else by index.

    Ids read better than positions for someone editing the file, but a duplicated or missing id
    cannot identify the item, so the position is used then.
    """
    item = items[index]
    item_id = item.get("id") if isinstance(item, dict) else None
    siblings = [other.get("id") for other in items if isinstance(other, dict)]
    if isinstance(item_id, str) and ID.match(item_id) and siblings.count(item_id) == 1:
        return f"{path}.{item_id}"
    return f"{path}[{index}]"


class FieldChecks:
    """Collects the problems in one file; each method checks one value and says what to do."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        # Every id a visit answer can be stored under, so a clash anywhere in the file is caught.
        self.ids: dict[str, str] = {}

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, message))

    def keys(
        self, table: dict[str, Any], path: str, required: tuple[str, ...], optional=()
    ) -> None:
        """Report unknown keys (usually typos) and missing required ones."""
        allowed = (*required, *optional)
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                advice = (
                    f'did you mean "{close[0]}"?'
                    if close
                    else f"the keys allowed here are: {', '.join(allowed)}."
                )
                self.problem(join(path, key), f'unknown key "{key}": {advice} Rename or remove it.')
        for key in required:
            if key not in table:
                self.problem(join(path, key), f'"{key}" is missing: add it.')

    def blocks(self, raw: Any, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each ``[[name]]`` block that is a table, with its path; reports the rest."""
        if not isinstance(raw, list):
            self.problem(name, f"must be [[{name}]] blocks.")
            return
        for index, item in enumerate(raw):
            path = list_item_path(name, raw, index)
            table = self.table(item, path, f"[[{name}]] block")
            if table is not None:
                yield path, table

    def computed_entries(self, raw: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Each ``[computed.<id>]`` table with its id and path, the id checked and claimed."""
        table = self.table(raw, "computed", "table like [computed.price_low]")
        for computed_id, item in (table or {}).items():
            path = f"computed.{computed_id}"
            entry = self.table(item, path, "table")
            if entry is None:
                continue
            if not ID.match(computed_id):
                self.problem(
                    path,
                    f'"{computed_id}" is not a valid id: use lower-case letters, digits and '
                    "underscores, starting with a letter.",
                )
            self.claim_id(computed_id, path, "computed indicator")
            yield computed_id, path, entry

    def table(self, value: Any, path: str, what: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.problem(path, f"must be a {what}, not {describe(value)}.")
        return None

    def text(self, table: dict[str, Any], key: str, path: str) -> str:
        if key not in table:
            return ""
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            self.problem(
                join(path, key), f'must be some text in double quotes, like {key} = "...".'
            )
            return ""
        return value.strip()

    def identifier(self, table: dict[str, Any], key: str, path: str) -> str:
        if key not in table:
            return ""
        value = table[key]
        if not isinstance(value, str) or not ID.match(value):
            self.problem(
                join(path, key),
                f"{describe(value)} is not a valid id: use lower-case letters, digits and "
                'underscores, starting with a letter, in double quotes, like "cash_only".',
            )
            return ""
        return value

    def claim_id(self, item_id: str, path: str, what: str) -> None:
        """Record an answer id, reporting it if an earlier question already uses it."""
        if not item_id:
            return
        if item_id in self.ids:
            self.problem(
                join(path, "id"),
                f'the id "{item_id}" is already used at {self.ids[item_id]}: '
                f"give this {what} its own id.",
            )
        else:
            self.ids[item_id] = path

    def whole_number(self, table: dict[str, Any], key: str, path: str, low: int, high: int) -> int:
        if key not in table:
            return 0
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(
                join(path, key),
                f"{describe(value)} is not allowed: use a whole number from {low} to {high}, "
                "without quotes.",
            )
            return 0
        if not low <= value <= high:
            self.problem(join(path, key), f"is {value}: use a whole number from {low} to {high}.")
            return 0
        return value

    def true_false(self, table: dict[str, Any], key: str, path: str) -> bool:
        if key not in table:
            return False
        value = table[key]
        if not isinstance(value, bool):
            self.problem(
                join(path, key),
                f"{describe(value)} is not allowed: use true or false, no quotes.",
            )
            return False
        return value

    def choice(self, table: dict[str, Any], key: str, path: str, choices: tuple[str, ...]) -> str:
        if key not in table:
            return ""
        value = table[key]
        if isinstance(value, str) and value in choices:
            return value
        close = (
            difflib.get_close_matches(str(value), choices, n=1) if isinstance(value, str) else []
        )
        advice = f' Did you mean "{close[0]}"?' if close else ""
        listed = ", ".join(f'"{choice}"' for choice in choices)
        self.problem(
            join(path, key), f"{describe(value)} is not allowed: use one of {listed}.{advice}"
        )
        return ""

    def category(self, table: dict[str, Any], path: str) -> str:
        return self.choice(table, "category", path, tuple(CATEGORIES))

    def text_list(self, table: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        if key not in table:
            return ()
        value = table[key]
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            self.problem(
                join(path, key), f'must be a list of text in double quotes, like {key} = ["C1"].'
            )
            return ()
        return tuple(item.strip() for item in value)

    def other_categories(self, table: dict[str, Any], path: str, main: str) -> tuple[str, ...]:
        others = self.text_list(table, "other_categories", path)
        for index, code in enumerate(others):
            if code not in CATEGORIES:
                self.problem(
                    f"{path}.other_categories[{index}]",
                    f'"{code}" is not a category: use one of {", ".join(CATEGORIES)}.',
                )
            elif code == main:
                self.problem(
                    f"{path}.other_categories[{index}]",
                    f'"{code}" is already the main category: remove it from this list.',
                )
        return others


def describe(value: Any) -> str:
    """How a wrong value looks to someone reading the file, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)
