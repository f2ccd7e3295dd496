"""Small SVG charts for the report, written by hand: no plotting library, no network.

Each chart is a pure function from numbers to an SVG string that scales to its container
(``viewBox`` with ``width="100%"``). Every label is escaped. Three shapes cover the
report: stacked bars over categories, a stacked histogram over ``[0, 1]`` and a curve
over ``[0, 1]``; vertical marks show thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

WIDTH, HEIGHT = 520, 280
LEFT, RIGHT, TOP, BOTTOM = 52, 14, 34, 46
PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#9d755d")
MARK_COLOUR = "#c0392b"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Whole-number ticks from 0 to at least ``top`` (a count), about ``count`` of them."""
    raw = max(top / count, 1.0)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(max(1, math.ceil(top / step - 1e-9)) + 1)]


def _open(title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-label="{_e(title)}" class="chart">',
        f"<title>{_e(title)}</title>",
    ]


def _plot_box() -> tuple[float, float, float, float]:
    return LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def _y_axis(ticks: Sequence[float], label: str, percent: bool = False) -> list[str]:
    x0, y0, w, h = _plot_box()
    top = ticks[-1] or 1
    parts = []
    for tick in ticks:
        y = y0 + h - h * tick / top
        text = (
            f"{tick:.0%}" if percent else (f"{tick:,.0f}" if tick >= 1 or tick == 0 else _fmt(tick))
        )
        parts.append(f'<line x1="{x0}" x2="{x0 + w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{_e(text)}</text>')
    parts.append(
        f'<text x="12" y="{y0 + h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {y0 + h / 2:.1f})">{_e(label)}</text>'
    )
    return parts


def _x_label(label: str) -> str:
    x0, _, w, _ = _plot_box()
    return f'<text x="{x0 + w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{_e(label)}</text>'


def _legend(names: Sequence[str]) -> list[str]:
    if len(names) < 2:
        return []
    parts, x = [], LEFT
    for index, name in enumerate(names):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="8" width="11" height="11" fill="{colour}"/>')
        parts.append(f'<text x="{x + 15}" y="18">{_e(name)}</text>')
        x += 26 + 7 * len(name)
    return parts


def _unit_x(value: float) -> float:
    x0, _, w, _ = _plot_box()
    return x0 + w * min(max(value, 0.0), 1.0)


def _unit_axis(label: str) -> list[str]:
    _, y0, _, h = _plot_box()
    parts = []
    for tick in (0, 0.2, 0.4, 0.6, 0.8, 1.0):
        x = _unit_x(tick)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y0 + h}" y2="{y0 + h + 4}"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{y0 + h + 17}" text-anchor="middle">{_fmt(tick)}</text>'
        )
    return [*parts, _x_label(label)]


def _marks(marks: Sequence[tuple[float, str]]) -> list[str]:
    _, y0, _, h = _plot_box()
    parts = []
    for index, (value, label) in enumerate(marks):
        x = _unit_x(value)
        anchor = "end" if value > 0.6 else "start"
        dx = -4 if anchor == "end" else 4
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y0}" y2="{y0 + h}" class="mark" '
            f'stroke="{MARK_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{x + dx:.1f}" y="{y0 + 12 + 14 * index}" text-anchor="{anchor}" '
            f'fill="{MARK_COLOUR}">{_e(label)}</text>'
        )
    return parts


def _empty(title: str, message: str) -> str:
    return "".join(
        [
            *_open(title),
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" class="muted">'
            f"{_e(message)}</text>",
            "</svg>",
        ]
    )


def stacked_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    *,
    title: str,
    x_label: str,
    y_label: str,
) -> str:
    """Stacked bars, one per label, one colour per series (all series as long as labels)."""
    if not labels or not any(any(values) for values in series.values()):
        return _empty(title, "nothing to show")
    x0, y0, w, h = _plot_box()
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    ticks = nice_ticks(max(totals))
    slot = w / len(labels)
    bar = max(slot * 0.75, 1.0)
    longest = max(len(label) for label in labels)
    every = max(1, math.ceil(len(labels) / max(1, w // (6.5 * longest + 12))))
    parts = [*_open(title), *_legend(list(series)), *_y_axis(ticks, y_label)]
    for i, label in enumerate(labels):
        x, base = x0 + i * slot + (slot - bar) / 2, y0 + h
        for index, (name, values) in enumerate(series.items()):
            height = h * values[i] / ticks[-1]
            if values[i]:
                parts.append(
                    f'<rect x="{x:.1f}" y="{base - height:.1f}" width="{bar:.1f}" '
                    f'height="{height:.1f}" fill="{PALETTE[index % len(PALETTE)]}">'
                    f"<title>{_e(label)}: {values[i]:,} {_e(name)}</title></rect>"
                )
            base -= height
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{y0 + h + 17}" text-anchor="middle">'
                f"{_e(label)}</text>"
            )
    parts += [f'<line x1="{x0}" x2="{x0 + w}" y1="{y0 + h}" y2="{y0 + h}"/>', _x_label(x_label)]
    return "".join([*parts, "</svg>"])


def histogram(
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    x_label: str,
    marks: Sequence[tuple[float, str]] = (),
    bins: int = 20,
) -> str:
    """Stacked histogram of values in ``[0, 1]``, one colour per series, with marked values."""
    counts = {name: [0] * bins for name in series}
    for name, values in series.items():
        for value in values:
            counts[name][min(int(max(value, 0.0) * bins), bins - 1)] += 1
    if not any(any(c) for c in counts.values()):
        return _empty(title, "no pairs to show")
    _, y0, w, h = _plot_box()
    ticks = nice_ticks(max(sum(c[i] for c in counts.values()) for i in range(bins)))
    parts = [*_open(title), *_legend(list(series)), *_y_axis(ticks, "pairs")]
    for i in range(bins):
        base = y0 + h
        for index, (name, values) in enumerate(counts.items()):
            height = h * values[i] / ticks[-1]
            if values[i]:
                lo, hi = i / bins, (i + 1) / bins
                parts.append(
                    f'<rect x="{_unit_x(lo) + 0.5:.1f}" y="{base - height:.1f}" '
                    f'width="{w / bins - 1:.1f}" height="{height:.1f}" '
                    f'fill="{PALETTE[index % len(PALETTE)]}"><title>{_fmt(lo * 100)}-'
                    f"{_fmt(hi * 100)}%: {values[i]:,} {_e(name)}</title></rect>"
                )
            base -= height
    parts += [*_unit_axis(x_label), *_marks(marks)]
    return "".join([*parts, "</svg>"])


def curve(
    points: Sequence[tuple[float, float]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    marks: Sequence[tuple[float, str]] = (),
) -> str:
    """A line through ``(x, y)`` points, both in ``[0, 1]``, with marked x values."""
    if not points:
        return _empty(title, "nothing to show")
    _, y0, _, h = _plot_box()
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{_unit_x(x):.1f},{y0 + h - h * min(max(y, 0.0), 1.0):.1f}"
        for i, (x, y) in enumerate(points)
    )
    parts = [
        *_open(title),
        *_y_axis([0, 0.25, 0.5, 0.75, 1.0], y_label, percent=True),
        f'<path d="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2.5"/>',
        *_unit_axis(x_label),
        *_marks(marks),
    ]
    return "".join([*parts, "</svg>"])
