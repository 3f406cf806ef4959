"""Shared by the benchmarks: each figure printed beside its target and baseline, and the verdict.

    targets = Targets()
    targets.check("checklist page", 120.5, 150, "KB", baseline=40.2)
    targets.check("throughput share", 36, 30, "%", better="higher")
    raise SystemExit(targets.finish())

``check`` prints ``name: value (target <= X; baseline Y)`` and records a miss; ``finish``
prints "all targets met" or "MISSED: ..." and returns the exit code (0 only if every target
checked was met, and at least one was).
"""

from __future__ import annotations

import sys
from typing import TextIO

_SIGNS = {"lower": "<=", "higher": ">="}
_UNSPACED = {"", "%", "x"}


def figure(value: float, unit: str = "") -> str:
    """``value`` with ``unit``, to about three significant figures."""
    if float(value).is_integer():
        text = f"{int(value)}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return text + unit if unit in _UNSPACED else f"{text} {unit}"


class Targets:
    """The targets one benchmark run checks, and which of them it missed."""

    def __init__(self, out: TextIO | None = None):
        self.out = out
        self.checked: list[str] = []
        self.missed: list[str] = []

    def _print(self, text: str) -> None:
        print(text, file=self.out or sys.stdout, flush=True)

    def check(
        self,
        name: str,
        value: float | None,
        target: float,
        unit: str = "",
        better: str = "lower",
        baseline: float | str | None = None,
    ) -> bool:
        """Print ``value`` beside ``target`` and ``baseline``; record a miss. True if met.

        ``better`` is "lower" (the value must be <= target) or "higher" (>= target). A value of
        None means the figure was not measured, which counts as a miss. A numeric baseline is
        printed with ``unit``; a string baseline as it is.
        """
        sign = _SIGNS[better]
        if value is None:
            met, shown = False, "not measured"
        else:
            met = value <= target if better == "lower" else value >= target
            shown = figure(value, unit)
        if baseline is None:
            base = "no same-run baseline"
        elif isinstance(baseline, str):
            base = f"baseline {baseline}"
        else:
            base = f"baseline {figure(baseline, unit)}"
        verdict = "" if met else "   MISSED"
        self._print(f"{name}: {shown} (target {sign} {figure(target, unit)}; {base}){verdict}")
        self.checked.append(name)
        if not met:
            self.missed.append(name)
        return met

    def finish(self) -> int:
        """Print the verdict; return the exit code: 0 if all targets were met, else 1."""
        if not self.checked:
            self._print("MISSED: no target was checked")
            return 1
        if self.missed:
            self._print(f"MISSED: {', '.join(self.missed)}")
            return 1
        self._print(f"all targets met ({len(self.checked)})")
        return 0
