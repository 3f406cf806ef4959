"""Charts drawn on the server as SVG text: bars by month and sector, and a share over time.

No script runs on the page, so the charts are plain SVG that scale with their viewBox (a
phone's width or a printed page) and print as they look. Each chart is drawn for the eye
only: it is ``aria-hidden`` and the table after it is the accessible version, so a screen
reader reads every figure once, in a table. Every piece of text is escaped, so a name
taken from the records (an indicator, a sector) can never add markup to the page.

A count hidden in the version for sharing is never drawn to scale: its place holds a
dashed empty box at the baseline, the same whatever the count, and the legend says why.
Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

WIDTH, HEIGHT = 360, 250
# The plot area: x from LEFT to WIDTH - RIGHT, y from TOP (the largest value) to BOTTOM (0).
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 14, 196
FILLS = ("#1d70b8", "#f47738", "#00703c", "#912b88")
INK, GRID, PAPER = "#0b0c0c", "#b1b4b6", "#ffffff"
FONT = 'font-family="GDS Transport, arial, sans-serif" font-size="12"'
MAX_LABELS = 12
HIDDEN_HEIGHT = 8


@dataclass(frozen=True)
class Series:
    """One run of values, one a bucket (None: no value, nothing drawn); ``hidden`` marks
    the values suppressed in a version for sharing."""

    name: str
    values: Sequence[float | None]
    hidden: Sequence[bool] = field(default_factory=tuple)

    def is_hidden(self, n: int) -> bool:
        return n < len(self.hidden) and bool(self.hidden[n])


def text(value: object) -> str:
    """Text or an attribute value made safe for SVG."""
    return escape(str(value), quote=True)


def y_for(value: float, top: float) -> float:
    """The height on the chart of ``value`` when ``top`` reaches the top of the plot area."""
    return BOTTOM - (value / top) * (BOTTOM - TOP) if top else BOTTOM


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _open(chart_id: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="app-chart__svg" id="{text(chart_id)}" aria-hidden="true" focusable="false">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="{PAPER}"/>',
    ]


def _axes(ticks: Sequence[tuple[float, str]], top: float) -> list[str]:
    """Grid lines and their labels, then the baseline."""
    parts = []
    for value, label in ticks:
        y = _n(y_for(value, top))
        parts.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{GRID}" '
            'stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 4}" y="{y}" dy="4" text-anchor="end" fill="{INK}" {FONT}>'
            f"{text(label)}</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{BOTTOM}" x2="{WIDTH - RIGHT}" y2="{BOTTOM}" stroke="{INK}" '
        'stroke-width="1"/>'
    )
    return parts


def _x_labels(labels: Sequence[tuple[str, str]], step: float) -> list[str]:
    """Each bucket's label under its place (two lines: ``Apr`` then the year where it
    changes), thinned to at most MAX_LABELS so they never overlap."""
    every = max(1, -(-len(labels) // MAX_LABELS))
    parts = []
    for n, (first, second) in enumerate(labels):
        if n % every:
            continue
        x = _n(LEFT + step * (n + 0.5))
        parts.append(
            f'<text x="{x}" y="{BOTTOM + 14}" text-anchor="middle" fill="{INK}" {FONT}>'
            f"{text(first)}</text>"
        )
        if second:
            parts.append(
                f'<text x="{x}" y="{BOTTOM + 27}" text-anchor="middle" fill="{INK}" {FONT}>'
                f"{text(second)}</text>"
            )
    return parts


def _hidden_box(x: float, width: float, where: str) -> str:
    return (
        f'<rect x="{_n(x)}" y="{BOTTOM - HIDDEN_HEIGHT}" width="{_n(width)}" '
        f'height="{HIDDEN_HEIGHT}" fill="{PAPER}" stroke="{INK}" stroke-width="1" '
        f'stroke-dasharray="2 2" data-hidden="{where}"/>'
    )


def _legend(entries: Sequence[tuple[str, str]], hidden: bool) -> list[str]:
    """Swatches and names in a row along the bottom; a dashed box for hidden counts."""
    parts, x, y = [], float(LEFT), HEIGHT - 12
    items = [(name, f'fill="{fill}" stroke="{INK}" stroke-width="0.5"') for name, fill in entries]
    if hidden:
        items.append(("Hidden", f'fill="{PAPER}" stroke="{INK}" stroke-dasharray="2 2"'))
    for name, paint in items:
        parts.append(f'<rect x="{_n(x)}" y="{y - 9}" width="10" height="10" {paint}/>')
        parts.append(f'<text x="{_n(x + 14)}" y="{y}" fill="{INK}" {FONT}>{text(name)}</text>')
        x += 14 + 6.8 * len(name) + 12
    return parts


def _count_ticks(top: int) -> list[tuple[float, str]]:
    if top <= 0:
        return [(0, "0")]
    ticks = {0, top}
    if top >= 4:
        ticks.add(top // 2)
    return [(value, f"{value:,}") for value in sorted(ticks)]


def bar_chart(chart_id: str, labels: Sequence[tuple[str, str]], series: Sequence[Series]) -> str:
    """Bars for each bucket, one beside another for each series; the tallest shown value
    reaches the top of the plot area, a zero has no bar, a hidden value a dashed box."""
    shown = [
        int(v)
        for s in series
        for n, v in enumerate(s.values)
        if v is not None and not s.is_hidden(n)
    ]
    top = max(shown, default=0)
    step = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    width = step * 0.8 / max(1, len(series))
    parts = [*_open(chart_id), *_axes(_count_ticks(top), top or 1)]
    any_hidden = False
    for k, s in enumerate(series):
        fill = FILLS[k % len(FILLS)]
        for n, value in enumerate(s.values):
            x = LEFT + step * n + step * 0.1 + width * k
            where = f"{k}-{n}"
            if s.is_hidden(n):
                any_hidden = True
                parts.append(_hidden_box(x, width, where))
            elif value:
                y = y_for(value, top)
                parts.append(
                    f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" '
                    f'height="{_n(BOTTOM - y)}" fill="{fill}" data-bar="{where}" '
                    f'data-value="{int(value)}"/>'
                )
    if any_hidden and not top:
        parts.append(
            f'<text x="{_n((LEFT + WIDTH - RIGHT) / 2)}" y="{_n((TOP + BOTTOM) / 2)}" '
            f'text-anchor="middle" fill="{INK}" {FONT}>Every count here is hidden</text>'
        )
    parts += _x_labels(labels, step)
    parts += _legend([(s.name, FILLS[k % len(FILLS)]) for k, s in enumerate(series)], any_hidden)
    return "".join([*parts, "</svg>"])


def share_chart(chart_id: str, labels: Sequence[tuple[str, str]], share: Series) -> str:
    """A share (0 to 1) for each bucket as points joined by a line, 0% to 100% up the side;
    a bucket with no value breaks the line, a hidden one is a dashed box at the baseline."""
    step = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    ticks = [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")]
    parts = [*_open(chart_id), *_axes(ticks, 1.0)]
    runs: list[list[tuple[float, float]]] = [[]]
    points, any_hidden = [], False
    for n, value in enumerate(share.values):
        x = LEFT + step * (n + 0.5)
        if share.is_hidden(n):
            any_hidden = True
            parts.append(_hidden_box(x - 4, 8, f"0-{n}"))
            runs.append([])
        elif value is None:
            runs.append([])
        else:
            y = y_for(value, 1.0)
            runs[-1].append((x, y))
            points.append(
                f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{FILLS[0]}" '
                f'data-point="{n}" data-share="{_n(value)}"/>'
            )
    for run in runs:
        if len(run) > 1:
            line = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="{FILLS[0]}" stroke-width="2"/>'
            )
    parts += points
    parts += _x_labels(labels, step)
    parts += _legend([(share.name, FILLS[0])], any_hidden)
    return "".join([*parts, "</svg>"])
