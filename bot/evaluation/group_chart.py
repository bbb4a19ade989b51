"""`report trends --by …` as a picture: one panel per dimension, one line per group, a gap where a
group was suppressed that round. Pure drawing: texts arrive translated, hidden figures never arrive.
Kept beside charts.py (not in it) so the two grow apart without stepping on each other."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.evaluation.charts import COLOURS, FALLBACK, WIDTH_IN, _png, _pyplot

GROUP_COLOURS = ("#457b9d", "#e9c46a", "#2a9d8f", "#e76f51", "#264653", "#8d99ae", "#6a994e", "#adb5bd")


def group_trends(
    title: str,
    panels: Mapping[str, Mapping[str, Sequence[float | None]]],
    labels: Sequence[str],
    scale: tuple[int, int],
    names: Mapping[str, str],
    decimal: str = ".",
    colours: Mapping[str, str] | None = None,
) -> bytes:
    """panels: dimension -> group name -> the group's mean per round (None: not shown that round);
    colours: group name -> colour (sectors keep the colours they have on the network map)."""
    plt = _pyplot()
    count = max(1, len(panels))
    figure, axes = plt.subplots(count, 1, figsize=(WIDTH_IN, 2.9 * count + 1.1), sharex=True, squeeze=False)
    groups = list(dict.fromkeys(g for series in panels.values() for g in series))
    colour_of = {g: (colours or {}).get(g) or GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(groups)}
    xs = list(range(len(labels)))
    for axis, (dimension, series) in zip(axes[:, 0], panels.items()):
        for group, means in series.items():
            ys = [m if m is not None else float("nan") for m in means]
            axis.plot(xs, ys, marker="o", color=colour_of[group], linewidth=2.2, markersize=5, label=group)
        axis.set_ylim(scale[0] - 0.2, scale[1] + 0.2)
        axis.set_yticks(range(scale[0], scale[1] + 1))
        axis.set_title(names.get(dimension, dimension), loc="left", color=COLOURS.get(dimension, FALLBACK), fontweight="bold")
        axis.grid(axis="y", alpha=0.3)
    step = max(1, len(labels) // 6)
    axes[-1, 0].set_xticks(xs[::step], [labels[i] for i in xs[::step]], rotation=30, ha="right")
    handles, texts = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, texts, loc="lower center", ncol=min(3, max(1, len(texts))), fontsize=11, frameon=False)
    figure.suptitle(title, fontsize=16, fontweight="bold", x=0.02, ha="left")
    figure.tight_layout(rect=(0, 0.06 + 0.03 * ((len(texts) - 1) // 3), 1, 1))
    return _png(figure, tight=False)

