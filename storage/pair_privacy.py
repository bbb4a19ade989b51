"""Suppression for relations between organisations (the `partners` report), before anything is shown.

A rating is one member's answers about one other organisation. Ratings fall into *atoms*: the
ratings that members of organisation A gave organisation B (A → B). The report shows three kinds
of *cells*, each a set of atoms, with the mean of its ratings and how many raters stand behind it:

- the network: every rating;
- an organisation X: the ratings X received (… → X);
- a pair {A, B}: the ratings of the relationship both ways (A → B and B → A).

Every figure of a cell (trust, value, how often, how) is a sum over the same ratings divided by
their number, so whoever reads the report can add and subtract cells as sums. The rules:

A. **Threshold.** A cell is shown only when at least k distinct members rated in it (k the
   anonymity threshold, never below 3). A small organisation's members are among its raters, never
   a cell of their own: A → B alone (the view of A's two members) is never shown.
B. **No subtraction across cells.** Shown cells are rows of a linear system over the atoms. A
   reader can compute any combination of shown rows; the rule forbids every combination that
   falls on atoms holding, together, fewer than k raters (an organisation's mean minus its shown
   pairs; the network minus the shown organisations; the three pairs of a triangle, which give one
   direction of one pair). A combination confined to atoms S exists exactly when the null space of
   the shown rows, restricted to S, has rank below |S|; the atoms with fewer than k raters are
   searched in combinations whose raters stay below k. While one is found, the smallest shown
   cell touching it is hidden (pairs before organisations, organisations before the network), and
   the search runs again. If the search grows too large, every pair holding such an atom is hidden.
C. **No subtraction across rounds.** A cell shown in an earlier round with raters R₀ is shown now,
   with raters R₁, only if R₀ and R₁ are the same people or differ by at least k: were one rater
   added or gone, the difference of the two sums would be their rating, to anyone who assumes the
   others answered as before. Changes between rounds are shown only for cells shown in both.

Anonymous rounds keep no rater and so no rater organisation: they have no pairs, and rule C (which
needs to know who rated) does not apply to them. This module is pure: `bot/evaluation/partners.py`
reads the ratings and asks it what may be shown.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from storage.privacy import effective_threshold

CellKey = tuple[str, ...]  # ("network",), ("organisation", X), ("pair", A, B) with A < B
NETWORK: CellKey = ("network",)
SEARCH_BUDGET = 20_000  # rank tests before rule B falls back to hiding every pair with a small atom
# Sums of 0/1 rows: anything below this is rounding, not a combination (numpy's own default
# tolerance for rank is far tighter and counted rounding noise as a direction).
TOLERANCE = 1e-9
_ORDER = {"pair": 0, "organisation": 1, "network": 2}


@dataclass(frozen=True, slots=True)
class Atom:
    rater_org: str | None  # None: not known (an anonymous round, or a member without an organisation)
    target: str
    raters: frozenset[Hashable]


def pair_key(a: str, b: str) -> CellKey:
    first, second = sorted((a, b), key=str.casefold)
    return ("pair", first, second)


def cells_of(atoms: Sequence[Atom]) -> dict[CellKey, list[int]]:
    """Which atoms make up each cell the report could show."""
    cells: dict[CellKey, list[int]] = {NETWORK: list(range(len(atoms)))}
    for i, atom in enumerate(atoms):
        cells.setdefault(("organisation", atom.target), []).append(i)
        if atom.rater_org is not None and atom.rater_org.casefold() != atom.target.casefold():
            cells.setdefault(pair_key(atom.rater_org, atom.target), []).append(i)
    return cells


def raters_of(atoms: Sequence[Atom], members: Sequence[int]) -> frozenset[Hashable]:
    return frozenset().union(*(atoms[i].raters for i in members)) if members else frozenset()


def decide(atoms: Sequence[Atom], threshold: int, earlier: Sequence[Mapping[CellKey, frozenset[Hashable]]] = ()) -> dict[CellKey, bool]:
    """Whether each cell may be shown. `earlier`: for each earlier round, its shown cells' raters."""
    limit = effective_threshold(threshold)
    cells = cells_of(atoms)
    raters = {key: raters_of(atoms, members) for key, members in cells.items()}
    shown = {key for key in cells if len(raters[key]) >= limit}  # rule A
    for before in earlier:  # rule C
        for key in list(shown):
            if key in before and 0 < len(raters[key] ^ before[key]) < limit:
                shown.discard(key)
    while True:  # rule B
        found = _disclosed(atoms, cells, shown, limit)
        if found is None:
            break
        involved = [key for key in found if key in shown]
        if not involved:
            break
        shown.discard(min(involved, key=lambda key: (_ORDER[key[0]], len(raters[key]), key)))
    return {key: key in shown for key in cells}


def _disclosed(atoms: Sequence[Atom], cells: Mapping[CellKey, list[int]], shown: set[CellKey], limit: int) -> list[CellKey] | None:
    """The shown cells of a combination that isolates atoms of fewer than `limit` raters, or None."""
    import numpy as np  # only a partners report pays for numpy's import

    rows = sorted(shown)
    if not rows:
        return None
    matrix = np.zeros((len(rows), len(atoms)))
    for r, key in enumerate(rows):
        matrix[r, cells[key]] = 1.0
    _, values, vt = np.linalg.svd(matrix)
    rank = int((values > TOLERANCE).sum())
    null = vt[rank:].T  # atoms × dimension of the null space
    used = {i for key in rows for i in cells[key]}
    small = [i for i in sorted(used) if len(atoms[i].raters) < limit]
    if not small:
        return None
    if null.shape[1] == 0:  # the shown cells determine every atom
        return _rows_used(np, matrix, rows, np.zeros((1, 0)), [small[0]])
    # The readable combinations that fall on small atoms are the left null space of their rows
    # of `null` (basis `reach`); only atoms in its support can be part of one.
    u, singular, _ = np.linalg.svd(null[small, :])
    reach = u[:, int((singular > TOLERANCE).sum()) :]
    if reach.shape[1] == 0:
        return None
    keep = [j for j in range(len(small)) if np.abs(reach[j]).max() > TOLERANCE]
    small, reach = [small[j] for j in keep], reach[keep, :]
    # A combination confined to the atoms of a set Q of fewer than `limit` raters exists when the
    # other atoms' rows of `reach` leave a direction free. Supersets only free more, so the
    # largest sets Q (limit − 1 raters) are enough to try.
    pool = sorted(frozenset().union(*(atoms[i].raters for i in small)), key=repr)
    size = min(limit - 1, len(pool))
    for checks, group in enumerate(combinations(pool, size)):
        if checks >= SEARCH_BUDGET:
            return _fallback(cells, shown, set(small))
        people = frozenset(group)
        inside = [j for j, i in enumerate(small) if atoms[i].raters <= people]
        if not inside:
            continue
        outside = reach[[j for j in range(len(small)) if j not in inside], :]
        if outside.shape[0] == 0 or np.linalg.matrix_rank(outside, tol=TOLERANCE) < reach.shape[1]:
            free = np.linalg.svd(outside)[2][-1] if outside.shape[0] else np.eye(reach.shape[1])[0]
            x = reach @ free  # zero outside `inside`
            found = [small[j] for j in inside if abs(x[j]) > TOLERANCE]
            return _rows_used(np, matrix, rows, None, found, x, small)
    return None


def _rows_used(np: Any, matrix: Any, rows: list[CellKey], _: Any, group: list[int], x: Any = None, small: list[int] | None = None) -> list[CellKey]:
    """The shown cells that the isolating combination adds or subtracts (those worth hiding)."""
    target = np.zeros(matrix.shape[1])
    if x is None:
        target[group[0]] = 1.0
    else:
        target[small] = x
    weights = np.linalg.lstsq(matrix.T, target, rcond=None)[0]
    return [key for key, weight in zip(rows, weights) if abs(weight) > TOLERANCE]


def _fallback(cells: Mapping[CellKey, list[int]], shown: set[CellKey], small: set[int]) -> list[CellKey] | None:
    """Too many raters to try every set: hide every shown pair that holds a small atom, at once.
    What stays (the network and the organisations) is a breakdown, quick to search."""
    pairs = [key for key in sorted(shown) if key[0] == "pair" and small.intersection(cells[key])]
    if not pairs:
        return None
    shown.difference_update(pairs[1:])
    return pairs[:1]
