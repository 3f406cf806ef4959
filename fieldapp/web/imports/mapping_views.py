"""The mapping steps between upload and check: which column is which field, then what the
file's sector words mean (and, optionally, a name to keep the mapping under).

The choices are kept in the upload's details (``meta["mapping"]``); the check page reads the
file with them. Nothing is written to the register here.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from fieldapp import imports
from fieldapp.checklists.model import SECTORS
from fieldapp.db import get_db
from fieldapp.imports import presets
from fieldapp.imports.mapping import SKIP, check_complete, sector_values, value_key
from fieldapp.permissions import REGISTER_ROLES, allow
from fieldapp.queries import transaction
from fieldapp.web.imports.views import _gone, _paths, _upload, _write_meta, bp

# A sector column with more distinct values than this is not a sector column.
MAX_SECTOR_VALUES = 500


def _table(token: str) -> imports.Table:
    try:
        return imports.read_table(_paths(token)[0].read_bytes())
    except (FileNotFoundError, imports.ImportFileError):
        _gone()  # imported, or no longer the file that was uploaded


def _proposal(meta: dict, table: imports.Table) -> tuple[imports.Mapping, list]:
    """The mapping to show: one chosen by name (``?preset=``), else what was chosen before,
    else the best fitting preset, else a guess from the file; and the presets that fit."""
    fits = presets.matching(get_db(), table.headings)
    wanted = request.args.get("preset", "")
    guessed = imports.proposed(table)
    for preset, mapping in fits:
        if wanted and preset.name == wanted:
            return mapping.filled_from(guessed), fits
    if "mapping" in meta and not wanted:
        return imports.Mapping.from_dict(meta["mapping"]), fits
    if fits:
        return fits[0][1].filled_from(guessed), fits
    return guessed, fits


@bp.route("/<token>/columns", methods=["GET", "POST"])
@allow(*REGISTER_ROLES)
def columns(token: str):
    """Which of the file's columns holds which of our fields."""
    meta = _upload(token)
    if "result" in meta:
        return redirect(url_for("imports.done", token=token))
    table = _table(token)
    mapping, fits = _proposal(meta, table)
    form = FlaskForm()
    errors: dict[str, str] = {}
    chosen = dict(mapping.columns)
    if request.method == "POST" and form.validate_on_submit():
        chosen, errors = _read_columns(table.headings)
        if not errors:
            kept = {**mapping.as_dict(), "columns": chosen}
            if chosen != mapping.columns:
                kept["name"] = ""  # changed by hand: no longer the preset it came from
            meta["mapping"] = kept
            meta.pop("confirmed", None)
            _write_meta(token, meta)
            return redirect(url_for("imports.values", token=token))
    by_heading = {h: f for f, h in chosen.items()}
    return render_template(
        "imports/columns.html",
        token=token,
        meta=meta,
        headings=table.headings,
        samples=table.samples(),
        by_heading=by_heading,
        fields=imports.FIELDS,
        fits=fits,
        mapping=mapping,
        form=form,
        errors=errors,
    )


def _read_columns(headings: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The posted choice for each heading; errors by the form field they belong to."""
    chosen: dict[str, str] = {}
    errors: dict[str, str] = {}
    for i, heading in enumerate(headings):
        field = request.form.get(f"column-{i}", "")
        if not field:
            continue
        if field not in imports.FIELDS:
            errors[f"column-{i}"] = f"Choose what the column '{heading}' holds from the list"
        elif field in chosen:
            errors[f"column-{i}"] = (
                f"'{heading}' and '{chosen[field]}' are both chosen as "
                f"{imports.FIELDS[field].lower()}: choose one of them"
            )
        else:
            chosen[field] = heading
    if not errors:
        try:
            # The sector may be given for the whole file on the next page.
            check_complete(chosen, sector_default=next(iter(SECTORS)))
        except imports.ImportFileError as error:
            errors["column-0"] = error.message
    return chosen, errors


@bp.route("/<token>/values", methods=["GET", "POST"])
@allow(*REGISTER_ROLES)
def values(token: str):
    """What each of the file's sector values means, or the sector of every row; and a
    name to save the mapping under."""
    meta = _upload(token)
    if "result" in meta:
        return redirect(url_for("imports.done", token=token))
    if "mapping" not in meta:
        return redirect(url_for("imports.columns", token=token))
    table = _table(token)
    mapping = imports.Mapping.from_dict(meta["mapping"])
    found = _sector_values(table, mapping)
    if found is not None and len(found) > MAX_SECTOR_VALUES:
        return render_template(
            "imports/values.html", token=token, meta=meta, too_many=len(found), form=FlaskForm()
        )
    form = FlaskForm()
    errors: dict[str, str] = {}
    choices = _proposed_values(mapping, found)
    preset_name = request.form.get("preset_name", mapping.name if not _is_shipped(mapping) else "")
    if request.method == "POST" and form.validate_on_submit():
        choices, default, errors = _read_values(mapping, found)
        if not errors:
            return _confirm(token, meta, mapping, found, choices, default, preset_name)
    return render_template(
        "imports/values.html",
        token=token,
        meta=meta,
        mapping=mapping,
        found=found,
        choices=choices,
        sectors=imports.SECTOR_CHOICES,
        preset_name=preset_name,
        form=form,
        errors=errors,
    )


def _is_shipped(mapping: imports.Mapping) -> bool:
    return any(p.name == mapping.name for p in presets.shipped())


def _sector_values(table: imports.Table, mapping: imports.Mapping) -> list | None:
    """The distinct values of the sector column with counts, or None without one."""
    heading = mapping.columns.get("sector")
    if heading is None:
        return None
    position = mapping.locate(table.headings)["sector"]
    return sector_values(table.column(position))


def _proposed_values(mapping: imports.Mapping, found: list | None) -> dict[int, str]:
    """What each value is proposed to mean: the mapping's choice, a guess, else skip."""
    if found is None:
        return {}
    return {i: mapping.sector_for(value) or SKIP for i, (value, _n) in enumerate(found)}


def _read_values(mapping: imports.Mapping, found: list | None):
    choices: dict[int, str] = {}
    errors: dict[str, str] = {}
    default = None
    if found is None:
        default = request.form.get("sector_default", "")
        if default not in SECTORS:
            errors["sector_default"] = "Choose the sector of the premises in this file"
    else:
        for i, (value, _n) in enumerate(found):
            choice = request.form.get(f"value-{i}", "")
            if choice not in imports.SECTOR_CHOICES:
                shown = value or "(empty)"
                errors[f"value-{i}"] = f"Choose what '{shown}' means"
            choices[i] = choice
    name = request.form.get("preset_name", "").strip()
    if name:
        try:
            presets.check_name(name)
        except imports.ImportFileError as error:
            errors["preset_name"] = error.message
    return choices, default, errors


def _confirm(token, meta, mapping, found, choices, default, preset_name):
    """Keep the confirmed mapping (and save it by name if asked), then go to the check."""
    data = mapping.as_dict()
    if found is None:
        data["sector_default"] = default
    else:
        data["sectors"] = {value_key(value): choices[i] for i, (value, _n) in enumerate(found)}
        data["sector_default"] = None
    if preset_name.strip():
        db = get_db()
        with transaction(db):
            data["name"] = presets.save(
                db, preset_name, imports.Mapping.from_dict(data), current_user.id
            )
    meta["mapping"] = data
    meta["confirmed"] = True
    _write_meta(token, meta)
    return redirect(url_for("imports.check", token=token))
