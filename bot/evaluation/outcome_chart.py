"""The outcome charts: each outcome one picture of one or two stacked panels, a panel either bars
(counts per round or month) or a line on the 1–5 scale (an item's mean per pulse).

Pure drawing, like charts.py: texts arrive translated; a hidden figure arrives as None and leaves
a gap, never a bar or a point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any  # a matplotlib Axes: matplotlib is imported only when a chart is drawn

from bot.evaluation.charts import WIDTH_IN, _png, _pyplot

PALETTE = ("#264653", "#2a9d8f", "#e9c46a", "#e76f51")


@dataclass(frozen=True, slots=True)
class Panel:
    heading: str
    labels: Sequence[str]  # the x ticks: dates or months
    series: Sequence[tuple[str, Sequence[float | None]]]  # (name for the legend, one value per label)
    kind: str = "bars"  # bars | scale (a line on 1..5)


def _ticks(axis: Any, labels: Sequence[str]) -> None:
    step = max(1, len(labels) // 6)  # at most ~6 ticks, so they stay readable
    axis.set_xticks(list(range(0, len(labels), step)), [labels[i] for i in range(0, len(labels), step)], rotation=30, ha="right", fontsize=10)


def _bars(axis: Any, panel: Panel, decimal: str) -> None:
    count = max(1, len(panel.series))
    width = 0.8 / count
    top = max([1.0, *(v for _, values in panel.series for v in values if v is not None)])
    for i, ((name, values), colour) in enumerate(zip(panel.series, PALETTE)):
        xs = [x + (i - (count - 1) / 2) * width for x in range(len(panel.labels))]
        shown = [(x, v) for x, v in zip(xs, values) if v is not None]
        axis.bar([x for x, _ in shown], [v for _, v in shown], width=width, color=colour, label=name)
        for x, v in shown:
            axis.text(x, v + top * 0.02, f"{v:g}".replace(".", decimal), ha="center", va="bottom", fontsize=10)
    # Room above the tallest bar for its number, and for the legend when there are several series.
    axis.set_ylim(0, top * (1.5 if count > 1 else 1.2))
    axis.yaxis.get_major_locator().set_params(integer=True)


def _scale(axis: Any, panel: Panel, decimal: str) -> None:
    for (name, values), colour in zip(panel.series, PALETTE[1:]):
        ys = [v if v is not None else float("nan") for v in values]
        axis.plot(range(len(ys)), ys, marker="o", color=colour, linewidth=2.5, markersize=6, label=name)
        for x, v in enumerate(values):
            if v is not None and (x == len(values) - 1 or x == 0):  # the first and the latest, in big type
                axis.annotate(f"{v:.1f}".replace(".", decimal), (x, v), textcoords="offset points", xytext=(0, 9), ha="center", fontsize=12, fontweight="bold", color=colour)
    axis.set_ylim(0.8, 5.4)
    axis.set_yticks(range(1, 6))
    axis.set_xlim(-0.5, max(0.5, len(panel.labels) - 0.5))


def draw(title: str, panels: Sequence[Panel], decimal: str = ".") -> bytes:
    plt = _pyplot()
    count = max(1, len(panels))
    figure, axes = plt.subplots(count, 1, figsize=(WIDTH_IN, 3.1 * count + 0.7), squeeze=False)
    for axis, panel in zip(axes[:, 0], panels):
        if not panel.labels:
            axis.axis("off")
            continue
        (_bars if panel.kind == "bars" else _scale)(axis, panel, decimal)
        _ticks(axis, panel.labels)
        axis.set_title(panel.heading, loc="left", fontsize=13, fontweight="bold")
        axis.grid(axis="y", alpha=0.3)
        if len(panel.series) > 1:
            axis.legend(frameon=False, fontsize=10, ncol=len(panel.series), loc="upper left")
    figure.suptitle(title, fontsize=16, fontweight="bold", x=0.02, ha="left")
    figure.tight_layout()
    return _png(figure)
