"""Named import mappings: those shipped for the common shapes of council file, and those
people have saved. A preset is offered for a file that has the headings it needs.

Shipped presets are in ``presets.toml`` beside this module (product data, not deployment
data: every council's Uniform export looks alike). Saved ones are in the database.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from sqlite_utils import Database

from fieldapp.imports.mapping import Mapping, check_complete, heading_key
from fieldapp.imports.model import ImportFileError
from fieldapp.queries import import_presets as presets_q
from fieldapp.text import clean
from fieldapp.timeutil import now_iso

SHIPPED = Path(__file__).with_name("presets.toml")
MAX_NAME = 80


@dataclass(frozen=True)
class Preset:
    """A named mapping; ``shipped`` ones come with the app and cannot be replaced."""

    name: str
    mapping: Mapping
    about: str = ""
    shipped: bool = False

    def fit(self, headings: list[str]) -> Mapping | None:
        """The mapping narrowed to the headings this file has, or None if what is left
        lacks something every row needs."""
        keys = {heading_key(h): h for h in headings}
        columns = {
            name: keys[heading_key(heading)]
            for name, heading in self.mapping.columns.items()
            if heading_key(heading) in keys
        }
        try:
            check_complete(columns, self.mapping.sector_default)
        except ImportFileError:
            return None
        return replace(self.mapping, columns=columns, name=self.name)


def _preset(data: dict, where: str, shipped: bool) -> Preset:
    name = str(data.get("name") or "").strip()
    if not name:
        raise ImportFileError(f"{where} has no name.")
    return Preset(
        name=name,
        mapping=Mapping.from_dict({**data, "name": name}, where=where),
        about=str(data.get("about") or ""),
        shipped=shipped,
    )


@cache
def shipped() -> tuple[Preset, ...]:
    """The presets that come with the app."""
    with SHIPPED.open("rb") as fh:
        data = tomllib.load(fh)
    return tuple(
        _preset(p, f"Preset {n} in {SHIPPED.name}", shipped=True)
        for n, p in enumerate(data["preset"], 1)
    )


def saved(db: Database) -> list[Preset]:
    """The mappings people have saved, most recently saved first."""
    return [
        _preset({**row["mapping"], "name": row["name"]}, f"Saved mapping '{row['name']}'", False)
        for row in presets_q.all_saved(db)
    ]


def every(db: Database) -> list[Preset]:
    """Saved mappings, then the shipped ones."""
    return saved(db) + list(shipped())


def find(db: Database, name: str) -> Preset | None:
    """The preset called ``name`` (any case), or None."""
    wanted = name.strip().casefold()
    return next((p for p in every(db) if p.name.casefold() == wanted), None)


def matching(db: Database, headings: list[str]) -> list[tuple[Preset, Mapping]]:
    """The presets this file's headings fit, best first: the one that maps the most of the
    file's columns; on a tie, a saved mapping before a shipped one."""
    fits = []
    for order, preset in enumerate(every(db)):
        mapping = preset.fit(headings)
        if mapping is not None:
            fits.append((-len(mapping.columns), order, preset, mapping))
    fits.sort(key=lambda f: (f[0], f[1]))
    return [(preset, mapping) for _n, _o, preset, mapping in fits]


def check_name(name: str) -> str:
    """A cleaned preset name, or ImportFileError saying what is wrong with it."""
    name = " ".join(clean(name).split())
    if not name:
        raise ImportFileError("Enter a name for the mapping.")
    if len(name) > MAX_NAME:
        raise ImportFileError(f"The mapping's name must be {MAX_NAME} characters or fewer.")
    if any(p.name.casefold() == name.casefold() for p in shipped()):
        raise ImportFileError(
            f"'{name}' is the name of a mapping that comes with the app: choose another name."
        )
    return name


def save(db: Database, name: str, mapping: Mapping, user_id: int | None) -> str:
    """Save ``mapping`` as ``name`` (replacing a saved one of that name); return the name."""
    name = check_name(name)
    data = mapping.as_dict()
    data.pop("name", None)
    presets_q.save(db, name, data, user_id, now_iso())
    return name


def from_file(path: Path) -> Mapping:
    """A mapping written by hand as TOML: a ``[columns]`` table (our field = the file's
    heading), optionally ``[sectors]``, ``sector_default`` and ``other_sectors``."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ImportFileError(f"The mapping file {path.name} could not be read: {error}.") from None
    return Mapping.from_dict({**data, "name": data.get("name") or path.stem}, where=path.name)
