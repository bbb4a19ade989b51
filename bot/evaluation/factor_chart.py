"""The collaboration-factors chart: one horizontal bar per factor, grouped by category, coloured by
what its mean says (a concern under 3.0, a strength at 4.0 or more), with the two limits drawn.

Pure drawing, like charts.py: every text arrives translated and hidden factors arrive without a
mean (they get a grey note, never a bar).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from bot.evaluation.charts import WIDTH_IN, _png, _pyplot

FLAG_COLOURS = {"concern": "#d1495b", None: "#8d99ae", "strength": "#2a9d8f"}
ROW_IN = 0.42  # per bar: two-line 10-point labels stay apart on a phone
LABEL_CHARS = 24  # names wrap, so the bars keep most of the width


def draw(
    title: str,
    groups: Sequence[tuple[str, Sequence[tuple[str, float | None, str | None]]]],
    legend: tuple[str, str, str],
    hidden_label: str,
    decimal: str = ".",
) -> bytes:
    """`groups` are (category, [(factor name, mean or None, flag)]) in the order to show them."""
    plt = _pyplot()
    rows: list[tuple[str, float | None, str | None, bool]] = []  # (label, mean, flag, is a heading)
    for category, factors in groups:
        rows.append((category, None, None, True))
        rows.extend((textwrap.fill(label, LABEL_CHARS), mean, flag, False) for label, mean, flag in factors)
    figure, axis = plt.subplots(figsize=(WIDTH_IN, ROW_IN * len(rows) + 1.6))
    for y, (label, mean, flag, heading) in enumerate(rows):
        if heading:
            axis.text(-0.02, y, label, transform=axis.get_yaxis_transform(), ha="right", va="center", fontsize=12, fontweight="bold")
            continue
        if mean is None:
            axis.text(1.05, y, hidden_label, va="center", fontsize=10, color="#6c757d", style="italic")
            continue
        axis.barh(y, mean - 1, left=1, height=0.62, color=FLAG_COLOURS.get(flag, FLAG_COLOURS[None]))
        axis.text(mean + 0.05, y, f"{mean:.1f}".replace(".", decimal), va="center", fontsize=10, fontweight="bold")
    axis.set_yticks([y for y, row in enumerate(rows) if not row[3]], [row[0] for row in rows if not row[3]], fontsize=10)
    axis.set_ylim(len(rows) - 0.5, -0.7)
    axis.set_xlim(1, 5.45)
    axis.set_xticks(range(1, 6))
    for limit, colour in ((3.0, FLAG_COLOURS["concern"]), (4.0, FLAG_COLOURS["strength"])):
        axis.axvline(limit, color=colour, linestyle="--", linewidth=1.2, alpha=0.8)
    axis.grid(axis="x", alpha=0.25)
    axis.tick_params(axis="y", length=0)
    handles = [plt.Rectangle((0, 0), 1, 1, color=FLAG_COLOURS[f]) for f in ("concern", None, "strength")]
    axis.legend(handles, list(legend), loc="upper center", bbox_to_anchor=(0.4, -0.9 / (ROW_IN * len(rows))), ncol=3, frameon=False, fontsize=10)
    figure.suptitle(title, fontsize=15, fontweight="bold", x=0.02, ha="left")
    figure.tight_layout()
    return _png(figure)
