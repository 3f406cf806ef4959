"""Checklist files on disk: reading them, their content hashes, and the lock of releases.

Each released (id, version) is pinned to a content hash in ``versions.lock`` so that a
version, once used on a visit, always means the same questions and weights.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fieldapp.checklists.model import Checklist, ChecklistError, Problem
from fieldapp.checklists.validate2 import validator_for

LOCK_FILE = "versions.lock"
WAGE_RATES_FILE = "wage_rates.toml"
LOCK_COMMAND = "flask --app fieldapp checklists lock"
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def content_hash(raw: Mapping[str, Any]) -> str:
    """sha256 of the parsed content, so comments, spacing and key order do not change it."""
    canonical = json.dumps(
        raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _json_default(value: Any) -> str:
    if isinstance(value, date):  # TOML dates and times; datetime is a date too
        return value.isoformat()
    raise TypeError(f"cannot hash {type(value).__name__}")


def read_toml(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse one TOML file, turning read and syntax errors into problems with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(str(path), "", "is not UTF-8 text: save it as UTF-8 and try again.")]
    except OSError as error:
        return None, [Problem(str(path), "", f"cannot be read ({error.strerror}).")]
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = _TOML_POSITION.search(message)
        where = f"line {found.group(1)}" if found else ""
        reason = _TOML_POSITION.sub("", message).strip()
        return None, [
            Problem(
                str(path),
                where,
                f"TOML syntax error: {reason} (column {found.group(2) if found else '?'}). "
                "Check the quotes, brackets and = signs on that line.",
            )
        ]


def _is_checklist(raw: Mapping[str, Any]) -> bool:
    """Whether a parsed TOML file is a checklist.

    ``checklists/`` also holds other data (wage rates, partner agencies), so files are told
    apart by content: a checklist always has ``sector`` or ``sections`` at the top, even when
    other parts of it are wrong, and the other data files have neither.
    """
    return "sector" in raw or "sections" in raw


@dataclass(frozen=True)
class _Loaded:
    """What reading a folder found: valid checklists (with their file), skips and problems."""

    checklists: dict[str, tuple[Checklist, Path]]
    skipped: tuple[Path, ...]
    problems: list[Problem]


def _load_files(directory: Path) -> _Loaded:
    """Validate every checklist file in ``directory``, ignoring the lock."""
    directory = Path(directory)
    if not directory.is_dir():
        problem = Problem(
            str(directory), "", "folder not found: point CHECKLIST_DIR at checklists/."
        )
        return _Loaded({}, (), [problem])
    loaded: dict[str, tuple[Checklist, Path]] = {}
    skipped: list[Path] = []
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.toml")):
        if path.name == WAGE_RATES_FILE:
            continue
        raw, file_problems = read_toml(path)
        if raw is not None and not _is_checklist(raw):
            skipped.append(path)
            continue
        if raw is not None:
            validator = validator_for(raw, str(path))
            checklist = validator.checklist(raw, content_hash(raw))
            file_problems = validator.problems
            if checklist is not None and checklist.id in loaded:
                other = loaded[checklist.id][1].name
                file_problems.append(
                    Problem(
                        str(path),
                        "id",
                        f'the checklist id "{checklist.id}" is already used by {other}: '
                        "give each checklist file its own id.",
                    )
                )
            elif checklist is not None:
                loaded[checklist.id] = (checklist, path)
        problems.extend(file_problems)
    if not loaded and not problems:
        problems.append(Problem(str(directory), "", "has no checklist files (*.toml) in it."))
    return _Loaded(loaded, tuple(skipped), problems)


def skipped_files(directory: Path) -> tuple[Path, ...]:
    """TOML files in ``directory`` that are not checklists (shown by the check command)."""
    return _load_files(directory).skipped


def _lock_problems(
    loaded: dict[str, tuple[Checklist, Path]],
    lock: dict[str, dict[int, str]],
    *,
    allow_unlocked: bool,
) -> list[Problem]:
    """Compare each checklist with the lock: a released version must never change."""
    problems = []
    for checklist, path in loaded.values():
        released = lock.get(checklist.id, {})
        newest = max(released, default=0)
        if checklist.version in released:
            if released[checklist.version] != checklist.hash:
                problems.append(
                    Problem(
                        str(path),
                        "version",
                        "content changed without a version bump: bump `version` in "
                        f"{path.name} (to {newest + 1}) and run `{LOCK_COMMAND}`.",
                    )
                )
        elif checklist.version < newest:
            problems.append(
                Problem(
                    str(path),
                    "version",
                    f"is {checklist.version}, but version {newest} is already released: "
                    f"use version {newest + 1} and run `{LOCK_COMMAND}`.",
                )
            )
        elif not allow_unlocked:
            problems.append(
                Problem(
                    str(path),
                    "version",
                    f"version {checklist.version} of {checklist.id} is not released yet: "
                    f"run `{LOCK_COMMAND}` to release it.",
                )
            )
    return problems


def load_checklists(
    directory: Path, *, lock_path: Path | None = None, allow_unlocked: bool = False
) -> dict[str, Checklist]:
    """Load and validate every checklist in ``directory``, keyed by checklist id.

    Raises ChecklistError listing every problem in every file. A checklist whose version is in the
    lock with a different hash is refused (edited without a version bump); so is a version not in
    the lock yet, unless ``allow_unlocked`` (used by the lock command itself).
    """
    directory = Path(directory)
    found = _load_files(directory)
    loaded, problems = found.checklists, found.problems
    try:
        lock = read_lock(lock_path or directory / LOCK_FILE)
    except ChecklistError as error:
        problems.extend(error.problems)
        lock = {}
    problems.extend(_lock_problems(loaded, lock, allow_unlocked=allow_unlocked))
    if problems:
        raise ChecklistError(problems)
    return {checklist_id: checklist for checklist_id, (checklist, _) in loaded.items()}


def read_lock(path: Path) -> dict[str, dict[int, str]]:
    """Read ``versions.lock``: checklist id -> version -> content hash. Missing file = empty."""
    path = Path(path)
    if not path.exists():
        return {}
    raw, problems = read_toml(path)
    if raw is None:
        raise ChecklistError(problems)
    lock: dict[str, dict[int, str]] = {}
    for checklist_id, versions in raw.items():
        if not isinstance(versions, dict):
            problems.append(Problem(str(path), checklist_id, "must be a [table] of versions."))
            continue
        lock[checklist_id] = {}
        for version, digest in versions.items():
            if not version.isdigit() or not isinstance(digest, str):
                problems.append(
                    Problem(
                        str(path),
                        f"{checklist_id}.{version}",
                        f"is not a version number and hash: restore the file from git and run "
                        f"`{LOCK_COMMAND}`.",
                    )
                )
                continue
            lock[checklist_id][int(version)] = digest
    if problems:
        raise ChecklistError(problems)
    return lock


def write_lock(path: Path, lock: Mapping[str, Mapping[int, str]]) -> None:
    """Write the lock file, replacing it in one step so a crash cannot leave half a file."""
    lines = [
        "# Released checklist versions and the content hash (sha256) of each.",
        f"# Written by `{LOCK_COMMAND}`: do not edit by hand.",
        "# A version listed here must never change. To change a checklist, raise its `version`",
        "# and lock again; visits keep the version they were recorded with.",
    ]
    for checklist_id in sorted(lock):
        lines += ["", f"[{checklist_id}]"]
        lines += [
            f'{version} = "{digest}"' for version, digest in sorted(lock[checklist_id].items())
        ]
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def lock_checklists(directory: Path, *, lock_path: Path | None = None) -> list[Checklist]:
    """Add every valid checklist version missing from the lock; return the ones added.

    Never rewrites an existing entry: a released version whose content changed is refused, as is
    any other problem in any file, and then nothing is written.
    """
    directory = Path(directory)
    lock_path = Path(lock_path or directory / LOCK_FILE)
    found = _load_files(directory)
    loaded, problems = found.checklists, found.problems
    lock = read_lock(lock_path)
    problems.extend(_lock_problems(loaded, lock, allow_unlocked=True))
    if problems:
        raise ChecklistError(problems)
    added = [
        checklist
        for checklist, _ in sorted(loaded.values(), key=lambda pair: pair[0].id)
        if checklist.version not in lock.get(checklist.id, {})
    ]
    if added:
        for checklist in added:
            lock.setdefault(checklist.id, {})[checklist.version] = checklist.hash
        write_lock(lock_path, lock)
    return added
