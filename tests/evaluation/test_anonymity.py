"""Small groups are never shown, not even by subtracting the other cells from the total."""

from __future__ import annotations

from storage.privacy import effective_threshold, suppress_breakdown, too_small


def hidden(counts: dict[str, int], threshold: int = 5) -> set[str]:
    return {label for label, cell in suppress_breakdown(counts, threshold).items() if cell.suppressed}


def test_large_groups_are_shown() -> None:
    assert hidden({"public": 10, "private": 8, "third": 6}) == set()


def test_small_group_and_the_cell_that_would_give_it_away() -> None:
    # third (2) is hidden; with the total shown, total - public - private = 2 would reveal it,
    # so the smallest other cell (private) is hidden too.
    assert hidden({"public": 10, "private": 8, "third": 2}) == {"third", "private"}


def test_hidden_cells_together_must_not_be_a_small_group() -> None:
    # private + third = 4 < 5 could be read off the total: every cell goes.
    assert hidden({"public": 10, "private": 2, "third": 2}) == {"public", "private", "third"}


def test_without_a_total_only_the_small_cell_is_hidden() -> None:
    cells = suppress_breakdown({"public": 10, "private": 8, "third": 2}, 5, total_shown=False)
    assert {c.label for c in cells.values() if c.suppressed} == {"third"}


def test_empty_groups_describe_nobody_and_are_dropped() -> None:
    assert "third" not in suppress_breakdown({"public": 10, "private": 8, "third": 0}, 5)


def test_threshold_never_below_three() -> None:
    assert effective_threshold(1) == 3
    assert too_small(2, 1) and not too_small(3, 1)
    assert too_small(4, 5) and not too_small(5, 5) and not too_small(0, 5)
