"""Small-group suppression, for reports and exports alike.

No figure may describe fewer people than the threshold, not even by subtraction.

A breakdown (by sector or side) is a set of cells that add up to a total the reader also sees. If one
cell is hidden, total minus the others gives it back; so when the hidden cells together are fewer than
the threshold, more cells are hidden (smallest first) until they are not, or all are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MINIMUM_THRESHOLD = 3  # below three, "the others" is one or two people: never allowed, whatever the setting


def effective_threshold(setting: int) -> int:
    return max(MINIMUM_THRESHOLD, setting)


def too_small(n: int, threshold: int) -> bool:
    """A group of 1..threshold-1 answers is too small to show; an empty group describes nobody."""
    return 0 < n < effective_threshold(threshold)


@dataclass(frozen=True, slots=True)
class Shown:
    """Whether a cell may be shown; `n` is only for code, never printed when suppressed."""

    label: str
    n: int
    suppressed: bool


def suppress_breakdown(counts: Mapping[str, int], threshold: int, total_shown: bool = True) -> dict[str, Shown]:
    """Which cells of a breakdown to hide so that no small group can be read off it.

    `counts` are the answers per cell (cells with no answers are dropped: they describe nobody).
    `total_shown` says whether the reader also sees the sum of the cells (then subtraction counts).
    """
    limit = effective_threshold(threshold)
    cells = {label: n for label, n in counts.items() if n > 0}
    hidden = {label for label, n in cells.items() if n < limit}
    if total_shown and hidden:
        # Hidden cells can be recovered together as total - visible; that sum must not be a small group.
        visible = sorted((n, label) for label, n in cells.items() if label not in hidden)
        while visible and sum(cells[label] for label in hidden) < limit:
            hidden.add(visible.pop(0)[1])
    return {label: Shown(label, n, label in hidden) for label, n in cells.items()}


def safe_total(n: int, threshold: int) -> bool:
    return not too_small(n, threshold)
