"""Deliberate crashes inside a visit's write, for the fault benchmark (bench/faults.py) only.

A kill from outside lands wherever the worker happens to be, which is seldom inside the few
milliseconds of a write; these points make it land there. At each named point the worker
SIGKILLs itself with the chance given, after appending the point's name to a log, so the
benchmark can count how many kills landed mid-write.

It is off unless three things hold together, so no stray variable can arm it on a real
installation:

- ``FIELDAPP_TESTING_FAULTS=1``, and
- ``FIELDAPP_FAULT_POINTS="visit_inserted:0.05,photos_staged:0.05,committed:0.05"``;
- and then the app refuses to start (fieldapp.ConfigError) unless its instance folder is inside the
  system's temporary folder (a benchmark's throwaway instance, never a live one) and
  ``SESSION_COOKIE_SECURE`` is off.

``FIELDAPP_FAULT_LOG`` names the file the fired points are appended to. Armed or not, a
point costs one lookup in an empty dict.
"""

from __future__ import annotations

import os
import random
import signal
import tempfile
from pathlib import Path

# Where fieldapp.recording calls point(): the visit row inserted, its answers not yet; every
# row written and the photos staged, not yet committed; committed, photos not yet final.
POINTS = ("visit_inserted", "photos_staged", "committed")

_chances: dict[str, float] = {}
_log: list[str] = []


def configure(config, instance_path: str) -> str | None:
    """Arm the points named in the config, or leave them off; called once, at startup.

    Returns why the app must not start (switched on outside a benchmark), else None.
    """
    _chances.clear()
    _log.clear()
    if str(config.get("TESTING_FAULTS")) != "1" or not config.get("FAULT_POINTS"):
        return None
    temp = Path(tempfile.gettempdir()).resolve()
    if not Path(instance_path).resolve().is_relative_to(temp) or config.get(
        "SESSION_COOKIE_SECURE"
    ):
        return (
            "Fault points are for benchmarks only: they need an instance folder under "
            f"{temp} and SESSION_COOKIE_SECURE off. Unset FIELDAPP_TESTING_FAULTS."
        )
    for item in str(config["FAULT_POINTS"]).split(","):
        name, _, chance = item.strip().partition(":")
        if name not in POINTS:
            _chances.clear()
            return f"Unknown fault point {name!r}: use one of {', '.join(POINTS)}"
        _chances[name] = float(chance or 1)
    _log.append(str(config.get("FAULT_LOG") or Path(instance_path) / "faults.log"))
    return None


def armed() -> dict[str, float]:
    """The armed points and their chances (empty when off)."""
    return dict(_chances)


def point(name: str) -> None:
    """Maybe die here, as a power cut or the OOM killer would: no cleanup, no reply."""
    chance = _chances.get(name)
    if chance and random.random() < chance:
        with open(_log[0], "a") as log:
            log.write(name + "\n")
        os.kill(os.getpid(), signal.SIGKILL)
