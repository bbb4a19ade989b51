"""PNG charts sized for a phone screen: one idea per picture, big type, no tiny legends.

Pure drawing: every text arrives already translated; figures that must stay hidden (small groups)
never reach this module. Uses the Agg backend so no display is needed.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_IN = 6.0  # 900 px at 150 dpi: fills a phone's width without shrinking the type
DPI = 150
COLOURS = {"knowing": "#2a9d8f", "trust": "#e76f51", "commitment": "#264653"}
SECTOR_COLOURS = {"public": "#457b9d", "private": "#e9c46a", "third": "#2a9d8f", "unknown": "#adb5bd"}
FALLBACK = "#6c757d"


@cache
def _pyplot() -> Any:
    """matplotlib (with numpy under it) take most of a second to import: only a drawn chart pays that."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 13, "axes.titlesize": 15, "axes.labelsize": 13, "axes.spines.top": False, "axes.spines.right": False})
    return plt


@dataclass(frozen=True, slots=True)
class TrendPoint:
    label: str  # the round's date, as the x tick
    mean: float | None  # None: suppressed or no answers (a gap in the line)
    low: float | None = None
    high: float | None = None


def _png(figure: Figure, tight: bool = True) -> bytes:
    plt = _pyplot()
    buffer = io.BytesIO()
    # "tight" measures the drawing once more so nothing is cut off; the trend chart is laid out
    # by tight_layout already and skips it (it is the one drawn on every `report trends`).
    figure.savefig(buffer, format="png", dpi=DPI, **({"bbox_inches": "tight"} if tight else {}))
    plt.close(figure)
    return buffer.getvalue()


def trends(
    title: str, panels: Mapping[str, Sequence[TrendPoint]], scale: tuple[int, int], band_label: str, names: Mapping[str, str], decimal: str = "."
) -> bytes:
    """One panel per dimension, stacked, each a line of means with a shaded 95% band."""
    plt = _pyplot()
    count = max(1, len(panels))
    figure, axes = plt.subplots(count, 1, figsize=(WIDTH_IN, 2.9 * count + 0.6), sharex=True, squeeze=False)
    for axis, (dimension, points) in zip(axes[:, 0], panels.items()):
        colour = COLOURS.get(dimension, FALLBACK)
        xs = list(range(len(points)))
        means = [p.mean if p.mean is not None else float("nan") for p in points]
        lows = [p.low if p.low is not None else float("nan") for p in points]
        highs = [p.high if p.high is not None else float("nan") for p in points]
        axis.fill_between(xs, lows, highs, color=colour, alpha=0.2, linewidth=0, label=band_label)
        axis.plot(xs, means, marker="o", color=colour, linewidth=2.5, markersize=6)
        last = next((m for m in reversed(means) if m == m), None)
        if last is not None:
            axis.annotate(f"{last:.1f}".replace(".", decimal), (xs[len(means) - 1 - [m == m for m in reversed(means)].index(True)], last), textcoords="offset points", xytext=(6, 6), fontsize=13, color=colour, fontweight="bold")
        axis.set_ylim(scale[0] - 0.2, scale[1] + 0.2)
        axis.set_yticks(range(scale[0], scale[1] + 1))
        axis.set_title(names.get(dimension, dimension), loc="left", color=colour, fontweight="bold")
        axis.grid(axis="y", alpha=0.3)
        labels = [p.label for p in points]
    step = max(1, len(labels) // 6)  # at most ~6 dates, so they stay readable
    axes[-1, 0].set_xticks(list(range(0, len(labels), step)), [labels[i] for i in range(0, len(labels), step)], rotation=30, ha="right")
    axes[0, 0].legend(loc="lower right", fontsize=11, frameon=False)
    figure.suptitle(title, fontsize=16, fontweight="bold", x=0.02, ha="left")
    figure.tight_layout()
    return _png(figure, tight=False)


def distributions(title: str, rows: Mapping[str, Mapping[int, int]], scale: tuple[int, int], ends: tuple[str, str], names: Mapping[str, str]) -> bytes:
    """Each measure as one horizontal bar split into its scale points (shares of the answers)."""
    plt = _pyplot()
    points = list(range(scale[0], scale[1] + 1))
    cmap = plt.get_cmap("RdYlGn", len(points))
    figure, axis = plt.subplots(figsize=(WIDTH_IN, 1.3 * max(1, len(rows)) + 1.8))
    labels = [textwrap.fill(names.get(m, m), 50) for m in rows]  # above each bar, so long questions wrap, not shrink
    for y, counts in enumerate(rows.values()):
        total = sum(counts.values()) or 1
        left = 0.0
        for i, point in enumerate(points):
            share = 100 * counts.get(point, 0) / total
            axis.barh(y, share, left=left, color=cmap(i), edgecolor="white", height=0.5)
            if share >= 8:
                axis.text(left + share / 2, y, f"{share:.0f}%", ha="center", va="center", fontsize=11, color="white" if i in (0, len(points) - 1) else "black")
            left += share
        axis.text(0, y - 0.33, labels[y], ha="left", va="bottom", fontsize=12, fontweight="bold")
    axis.set_yticks([])
    axis.set_ylim(len(labels) - 0.5, -0.5 - 0.35 * max(label.count("\n") + 1 for label in labels))
    axis.spines["left"].set_visible(False)
    axis.set_xlim(0, 100)
    axis.set_xticks(range(0, 101, 25), [f"{t}%" for t in range(0, 101, 25)])
    handles = [plt.Rectangle((0, 0), 1, 1, color=cmap(i)) for i in range(len(points))]
    legend = [f"{p} {ends[0]}" if p == scale[0] else f"{p} {ends[1]}" if p == scale[1] else str(p) for p in points]
    axis.legend(handles, legend, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=min(3, len(points)), frameon=False, fontsize=10)
    axis.set_title(title, loc="left", fontweight="bold")
    figure.tight_layout()
    return _png(figure)


def response_rate(title: str, answered: int, invited: int, answered_label: str, missing_label: str) -> bytes:
    """A ring: how many of those invited answered, with the share in big type in the middle."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(WIDTH_IN * 0.8, WIDTH_IN * 0.8))
    missing = max(0, invited - answered)
    axis.pie([answered, missing] if invited else [0, 1], colors=["#2a9d8f", "#e9ecef"], startangle=90, counterclock=False, wedgeprops={"width": 0.32})
    share = round(100 * answered / invited) if invited else 0
    axis.text(0, 0.08, f"{share}%", ha="center", va="center", fontsize=34, fontweight="bold")
    axis.text(0, -0.22, f"{answered} / {invited}", ha="center", va="center", fontsize=14)
    axis.legend([answered_label, missing_label], loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=2, frameon=False)
    axis.set_title(title, fontweight="bold")
    axis.set_aspect("equal")
    return _png(figure)


def network(title: str, nodes: Sequence[tuple[str, str, str | None]], edges: Sequence[tuple[str, str]], sector_names: Mapping[str, str]) -> bytes:
    """Members as dots coloured by sector, ties as lines; only members who agreed carry a name.

    `nodes` are (id, sector, label or None).
    """
    plt = _pyplot()
    import networkx as nx

    graph = nx.Graph()
    for node_id, sector, _ in nodes:
        graph.add_node(node_id, sector=sector)
    graph.add_edges_from(edges)
    positions = nx.spring_layout(graph, seed=7, k=1.6 / max(1, len(nodes)) ** 0.5)
    figure, axis = plt.subplots(figsize=(WIDTH_IN, WIDTH_IN + 0.6))
    nx.draw_networkx_edges(graph, positions, ax=axis, alpha=0.35, width=1.2)
    degree = dict(graph.degree())
    nx.draw_networkx_nodes(
        graph,
        positions,
        ax=axis,
        node_color=[SECTOR_COLOURS.get(s, FALLBACK) for _, s, _ in nodes],
        node_size=[120 + 40 * degree.get(n, 0) for n, _, _ in nodes],
        edgecolors="white",
    )
    labels = {node_id: label for node_id, _, label in nodes if label}
    nx.draw_networkx_labels(graph, positions, labels=labels, ax=axis, font_size=10)
    present = sorted({s for _, s, _ in nodes})
    handles = [plt.Line2D([], [], marker="o", linestyle="", markersize=11, color=SECTOR_COLOURS.get(s, FALLBACK)) for s in present]
    axis.legend(handles, [sector_names.get(s, s) for s in present], loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(present), frameon=False)
    axis.set_title(title, loc="left", fontweight="bold")
    axis.axis("off")
    return _png(figure)


ACTION_COLOURS = ("#264653", "#2a9d8f", "#e76f51")  # made, kept, overdue


def commitments(title: str, months: Sequence[str], series: Mapping[str, Sequence[int]]) -> bytes:
    """Grouped bars per month: commitments made, kept and overdue (the series' names are the legend)."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(WIDTH_IN, 3.6))
    count = max(1, len(series))
    width = 0.8 / count
    for i, ((name, values), colour) in enumerate(zip(series.items(), ACTION_COLOURS)):
        xs = [x + (i - (count - 1) / 2) * width for x in range(len(months))]
        axis.bar(xs, values, width=width, color=colour, label=name)
    axis.set_xticks(range(len(months)), list(months), fontsize=10)
    axis.yaxis.get_major_locator().set_params(integer=True)
    axis.set_ylim(0, max([1, *(v for values in series.values() for v in values)]) * 1.15)
    axis.set_title(title)
    axis.legend(frameon=False, fontsize=11, ncol=count, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    return _png(figure)
