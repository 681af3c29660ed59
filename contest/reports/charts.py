"""Bar charts as SVG geometry, computed here and drawn by templates/reports/_charts.html.

Horizontal bars read well on a phone and on paper alike; series differ by fill and by hatching in
print (static/css/reports.css), and every chart sits beside a table with the same numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 250
VALUE_WIDTH = 64  # room for the number after the longest bar
BAR_HEIGHT = 14
BAR_GAP = 2
GROUP_GAP = 12
LABEL_CHARACTERS = 34


@dataclass(frozen=True)
class Bar:
    series: int
    y: float
    width: float
    text: str


@dataclass(frozen=True)
class Group:
    label: str  # shortened to fit
    full_label: str
    y: float  # of the group's first bar
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    title: str
    series: tuple[str, ...]
    groups: tuple[Group, ...]
    height: float
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def _shorten(text: str) -> str:
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"


def bars(title: str, series: Sequence[str], groups: Sequence[tuple[str, Sequence[float | None]]],
         text: Callable[[float], str], maximum: float | None = None) -> Chart:
    """One group of bars per (label, values), one bar per series; a missing value draws no bar."""
    top = maximum or max((v for _l, values in groups for v in values if v is not None), default=0) or 1
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    drawn, y = [], float(GROUP_GAP)
    for label, values in groups:
        group_bars = tuple(Bar(n, y + n * (BAR_HEIGHT + BAR_GAP), round(plot * min(value, top) / top, 1), text(value))
                           for n, value in enumerate(values) if value is not None)
        drawn.append(Group(_shorten(label), label, y, group_bars))
        y += len(values) * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP
    return Chart(title, tuple(series), tuple(drawn), y)
