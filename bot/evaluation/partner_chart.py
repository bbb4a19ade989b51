"""The map of partnerships: organisations on a circle, each shown pair a line coloured by its trust.

Pure drawing, as charts.py: texts arrive translated, and only the pairs that may be shown arrive at
all (a hidden pair is not drawn, not even greyed: its line would say that someone rated it).
The trust value is written on each line too, so the colour is never the only carrier (colour-blind
readers, black-and-white print).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.evaluation.charts import DPI, WIDTH_IN, _png, _pyplot

LOW, HIGH = 1.0, 4.0  # the 4-point scale of the partners flow


def _positions(names: Sequence[str]) -> dict[str, tuple[float, float]]:
    count = max(1, len(names))
    # Start at the top and go clockwise: the first organisation (alphabetically) sits at 12 o'clock.
    return {name: (math.sin(2 * math.pi * i / count), math.cos(2 * math.pi * i / count)) for i, name in enumerate(names)}


def draw(title: str, organisations: Sequence[str], edges: Sequence[tuple[str, str, float, int]], colour_label: str, note: str, lang: str) -> bytes:
    """`edges`: (organisation, organisation, mean trust 1–4, raters) of each shown pair."""
    plt = _pyplot()
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    cmap, norm = colormaps["RdYlGn"], Normalize(LOW, HIGH)
    at = _positions(organisations)
    figure, axis = plt.subplots(figsize=(WIDTH_IN, WIDTH_IN + 0.9), dpi=DPI)
    most = max((n for *_, n in edges), default=1)
    placed: list[tuple[float, float]] = []
    for a, b, trust, raters in sorted(edges, key=lambda e: e[3]):
        (x1, y1), (x2, y2) = at[a], at[b]
        axis.plot([x1, x2], [y1, y2], color=cmap(norm(trust)), linewidth=2.5 + 6 * raters / most, solid_capstyle="round", zorder=1)
        text = f"{trust:.1f}".replace(".", ",") if lang in ("fi", "sv") else f"{trust:.1f}"
        # Lines cross in the middle of the circle: a value slides along its line until it is
        # clear of the values already written.
        spots = [(x1 + t * (x2 - x1), y1 + t * (y2 - y1)) for t in (0.5, 0.35, 0.65, 0.25, 0.75)]
        spot = next((p for p in spots if all(math.dist(p, q) > 0.22 for q in placed)), spots[0])
        placed.append(spot)
        axis.text(*spot, text, ha="center", va="center", fontsize=11, zorder=3,
                  bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "#adb5bd"})
    for name, (x, y) in at.items():
        axis.scatter([x], [y], s=420, color="#264653", edgecolors="white", linewidths=2, zorder=2)
        # Names sit outside the circle, away from their dot and from the lines that meet there.
        vertical = "bottom" if y > 0.3 else "top" if y < -0.3 else "center"
        horizontal = "left" if x > 0.3 else "right" if x < -0.3 else "center"
        axis.text(x * 1.13, y * 1.13, name, ha=horizontal, va=vertical, fontsize=11, fontweight="bold")
    scale = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    bar = figure.colorbar(scale, ax=axis, orientation="horizontal", fraction=0.05, pad=0.04, ticks=[1, 2, 3, 4])
    bar.set_label(colour_label)
    axis.set_title(title, loc="left", fontweight="bold", fontsize=13)
    axis.text(0.0, -0.02, note, transform=axis.transAxes, fontsize=9, color="#555555", va="top")
    axis.set_xlim(-1.55, 1.55)
    axis.set_ylim(-1.45, 1.45)
    axis.set_aspect("equal")
    axis.axis("off")
    return _png(figure)
