"""The U of the network's journey as a PNG: ten steps down the left side, along the bottom and up
the right, on the four levels, each marked done / current / ahead with its rounds, participation
and dates. Pure drawing: every text arrives translated. matplotlib is imported only when a picture
is drawn, so the bot starts without loading it."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Where each step sits: x across the page, y on the level bands (routine at the top).
POSITIONS = {1: (3.55, 3.0), 2: (3.75, 2.0), 3: (4.0, 1.0), 4: (4.25, 0.1), 5: (4.6, -0.75), 6: (5.3, -1.25),
             7: (6.0, -0.75), 8: (6.55, 1.0), 9: (6.8, 2.0), 10: (7.0, 3.0)}
BANDS = (("routine", 2.5, 3.5), ("open-mind", 1.5, 2.5), ("open-heart", 0.5, 1.5), ("open-will", -2.0, 0.5))
BAND_COLOURS = {"routine": "#f1f3f5", "open-mind": "#e7f0f7", "open-heart": "#e6f4f1", "open-will": "#fbeee6"}
STATE_COLOURS = {"done": "#2a9d8f", "current": "#e76f51", "ahead": "#ced4da"}


@dataclass(frozen=True, slots=True)
class StepMark:
    number: int
    title: str
    state: str  # done | current | ahead
    figures: str  # "3 rounds · 72 %", already translated ("" when there is nothing)
    dates: str  # "3.9.2026–1.10.2026" or ""


@dataclass(frozen=True, slots=True)
class Continuum:
    """The strategic continuum drawn beside the U: its heading and the four phases, one current."""

    heading: str  # "Strategic continuum, cycle 2", translated
    phases: tuple[str, ...]  # the four phase names
    current: int  # 1-4, 0 when no phase is set


def draw(title: str, steps: Sequence[StepMark], levels: dict[str, str], legend: dict[str, str], ends: tuple[str, str], continuum: Continuum | None = None) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    figure, axis = plt.subplots(figsize=(10.5, 9.6 if continuum else 8.2))
    axis.set_xlim(0, 10.6)
    axis.set_ylim(-3.55 if continuum else -2.1, 4.1)
    axis.axis("off")
    for name, low, high in BANDS:
        axis.axhspan(low, high, color=BAND_COLOURS[name], zorder=0)
        axis.text(5.3, (low + high) / 2 + (0.55 if name == "open-will" else 0), levels[name], ha="center", va="center", fontsize=13, color="#495057", style="italic", zorder=1)
    path = [POSITIONS[n] for n in range(1, 11)]
    axis.plot([p[0] for p in path], [p[1] for p in path], color="#adb5bd", linewidth=9, solid_capstyle="round", zorder=2)
    reached = [POSITIONS[s.number] for s in steps if s.state in ("done", "current")]
    if len(reached) > 1:
        axis.plot([p[0] for p in reached], [p[1] for p in reached], color=STATE_COLOURS["done"], linewidth=9, solid_capstyle="round", zorder=3)
    for step in steps:
        x, y = POSITIONS[step.number]
        colour = STATE_COLOURS[step.state]
        size = 900 if step.state == "current" else 620
        axis.scatter([x], [y], s=size, color=colour, edgecolors="#212529" if step.state == "current" else "white", linewidths=2.5, zorder=4)
        axis.text(x, y, str(step.number), ha="center", va="center", fontsize=13, fontweight="bold", color="white" if step.state != "ahead" else "#495057", zorder=5)
        right = step.number >= 7
        below = step.number == 6
        lines = textwrap.wrap(step.title, 24)
        detail = [d for d in (step.figures, step.dates) if d]
        if below:
            tx, ty, ha = x, y - 0.42, "center"
        else:
            tx, ty, ha = (x + 0.38, y, "left") if right else (x - 0.38, y, "right")
        weight = "bold" if step.state == "current" else "normal"
        colour_text = "#212529" if step.state != "ahead" else "#6c757d"
        axis.text(tx, ty + (0 if below else 0.12), "\n".join(lines), ha=ha, va="top" if below else "bottom", fontsize=12.5, fontweight=weight, color=colour_text, zorder=5)
        if detail:
            offset = 0.42 * len(lines) if below else -0.02
            axis.text(tx, ty - offset if below else ty + offset, "\n".join(detail), ha=ha, va="top", fontsize=10.5, color="#495057", zorder=5)
    if continuum is not None:
        _continuum(axis, continuum)
    axis.text(0.15, 3.85, ends[0], ha="left", va="center", fontsize=11, color="#6c757d")
    axis.text(10.45, 3.85, ends[1], ha="right", va="center", fontsize=11, color="#6c757d")
    handles = [Line2D([], [], marker="o", linestyle="", markersize=13, markerfacecolor=STATE_COLOURS[s], markeredgecolor="#212529" if s == "current" else "white") for s in ("done", "current", "ahead")]
    axis.legend(handles, [legend[s] for s in ("done", "current", "ahead")], loc="lower center", bbox_to_anchor=(0.5, -0.09), ncol=3, frameon=False, fontsize=12)
    axis.set_title(title, loc="left", fontsize=16, fontweight="bold")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _continuum(axis: Any, continuum: Continuum) -> None:
    """Four phases in a row under the U, the current one filled, arrows between and back to 1."""
    axis.text(0.2, -2.35, continuum.heading, ha="left", va="center", fontsize=12, fontweight="bold", color="#212529")
    width, gap, left = 2.35, 0.27, 0.2
    for index, name in enumerate(continuum.phases, start=1):
        x = left + (index - 1) * (width + gap)
        current = index == continuum.current
        box = {"boxstyle": "round,pad=0.35", "facecolor": STATE_COLOURS["current"] if current else "#f8f9fa", "edgecolor": "#212529" if current else "#adb5bd"}
        axis.text(x + width / 2, -3.0, f"{index}. " + "\n".join(textwrap.wrap(name, 22)), ha="center", va="center", fontsize=9.5, bbox=box,
                  color="white" if current else "#343a40", fontweight="bold" if current else "normal", zorder=5)
        if index < len(continuum.phases):
            axis.annotate("", xy=(x + width + gap - 0.02, -3.0), xytext=(x + width + 0.02, -3.0), arrowprops={"arrowstyle": "->", "color": "#6c757d"})
