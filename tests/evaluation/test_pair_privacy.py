"""Pair suppression (storage/pair_privacy.py) against a reader who adds and subtracts what is shown.

The attacker here is written independently of the module's linear algebra: it tries every
combination of the shown cells with coefficients −1, 0 and 1 (a cell's sum is its mean times its
n, both printed) and looks for one that falls on the ratings of fewer than k raters.
"""

from __future__ import annotations

import random
from itertools import product

from storage.pair_privacy import NETWORK, Atom, cells_of, decide, pair_key


def atom(rater_org: str, target: str, *raters: str) -> Atom:
    return Atom(rater_org, target, frozenset(raters))


def attack(atoms: list[Atom], shown: set[tuple[str, ...]], k: int) -> list[tuple[dict[tuple[str, ...], int], frozenset[str]]]:
    """Every ±1 combination of shown cells that isolates the ratings of fewer than k raters."""
    cells = cells_of(atoms)
    rows = sorted(shown)
    found = []
    for coefficients in product((-1, 0, 1), repeat=len(rows)):
        total = [0] * len(atoms)
        for c, key in zip(coefficients, rows):
            for i in cells[key]:
                total[i] += c
        support = [i for i, v in enumerate(total) if v]
        if not support:
            continue
        raters = frozenset().union(*(atoms[i].raters for i in support))
        if len(raters) < k:
            found.append(({key: c for c, key in zip(coefficients, rows) if c}, raters))
    return found


def shown_by(decisions: dict[tuple[str, ...], bool]) -> set[tuple[str, ...]]:
    return {key for key, ok in decisions.items() if ok}


def threshold_only(atoms: list[Atom], k: int) -> set[tuple[str, ...]]:
    """What rule A alone would show: every cell with k raters."""
    cells = cells_of(atoms)
    return {key for key, members in cells.items() if len(frozenset().union(*(atoms[i].raters for i in members))) >= k}


def test_a_pair_is_shown_only_with_k_distinct_raters_and_never_below_three() -> None:
    four = [atom("A", "B", "a1", "a2"), atom("B", "A", "b1", "b2")]
    assert decide(four, 5)[pair_key("A", "B")] is False
    five = [atom("A", "B", "a1", "a2", "a3"), atom("B", "A", "b1", "b2")]
    assert decide(five, 5)[pair_key("A", "B")] is True
    # The same person rating both ways does not count twice; a threshold of 1 is read as 3.
    assert decide([atom("A", "B", "x", "a2"), atom("B", "A", "x")], 1)[pair_key("A", "B")] is False


def test_an_organisations_mean_cannot_be_read_as_shown_pairs_plus_one_hidden_pair() -> None:
    """X is rated by five members of A and by B's only member. Showing X, the pair A–X and A
    (rated by X's five) lets anyone compute B's one rating of X: X − (A–X − A)."""
    atoms = [atom("A", "X", "a1", "a2", "a3", "a4", "a5"), atom("B", "X", "b1"), atom("X", "A", "x1", "x2", "x3", "x4", "x5")]
    naive = threshold_only(atoms, 5)
    assert {("organisation", "X"), pair_key("A", "X"), ("organisation", "A")} <= naive
    assert any(raters == {"b1"} for _, raters in attack(atoms, naive, 5))  # the attack works on rule A alone
    decided = shown_by(decide(atoms, 5))
    assert attack(atoms, decided, 5) == []
    assert ("organisation", "X") in decided and NETWORK in decided  # the totals survive; a pair goes


def test_three_pairs_of_a_triangle_do_not_give_away_one_direction() -> None:
    """Each direction of A, B, C has two or three raters; every pair has five. Shown together with
    the organisations, differences of them fall on four raters."""
    atoms = [
        atom("A", "B", "a1", "a2"), atom("B", "A", "b1", "b2", "b3"),
        atom("B", "C", "b1", "b2"), atom("C", "B", "c1", "c2", "c3"),
        atom("A", "C", "a1", "a2", "a3"), atom("C", "A", "c1", "c2"),
    ]
    naive = threshold_only(atoms, 5)
    assert len([k for k in naive if k[0] == "pair"]) == 3 and attack(atoms, naive, 5)
    decided = shown_by(decide(atoms, 5))
    assert attack(atoms, decided, 5) == []
    assert decided  # not everything is hidden


def test_random_networks_leave_no_small_group_to_subtraction() -> None:
    rng = random.Random(5)
    pairs_shown = 0
    for _ in range(60):
        orgs = [f"O{i}" for i in range(rng.randint(3, 4))]
        people = {org: [f"{org}p{j}" for j in range(rng.randint(1, 4))] for org in orgs}
        groups: dict[tuple[str, str], set[str]] = {}
        for org in orgs:
            for person in people[org]:
                for other in orgs:
                    if other != org and rng.random() < 0.7:
                        groups.setdefault((org, other), set()).add(person)
        atoms = [Atom(a, b, frozenset(r)) for (a, b), r in sorted(groups.items())]
        if not atoms:
            continue
        k = rng.choice((3, 4, 5))
        decided = shown_by(decide(atoms, k))
        if len(decided) <= 11:  # 3^11 combinations at most
            assert attack(atoms, decided, k) == [], (atoms, k, decided)
        pairs_shown += sum(1 for key in decided if key[0] == "pair")
    assert pairs_shown > 10  # the rule hides what it must, not everything


def test_a_pair_whose_raters_changed_by_fewer_than_k_is_hidden_in_the_next_round() -> None:
    """Were one rater added, the two rounds' sums would differ by their rating (for a reader who
    assumes the others answered as before)."""
    first = [atom("A", "B", "a1", "a2", "a3"), atom("B", "A", "b1", "b2")]
    before = {key: frozenset().union(*(first[i].raters for i in members)) for key, members in cells_of(first).items() if decide(first, 5)[key]}
    assert pair_key("A", "B") in before
    one_more = [atom("A", "B", "a1", "a2", "a3", "a4"), atom("B", "A", "b1", "b2")]
    assert decide(one_more, 5)[pair_key("A", "B")] is True  # on its own the round would show it
    assert decide(one_more, 5, [before])[pair_key("A", "B")] is False
    one_gone = [atom("A", "B", "a1", "a2", "a3"), atom("B", "A", "b1", "b2", "b3")]
    assert decide(one_gone, 5, [before])[pair_key("A", "B")] is False
    same_people = [atom("A", "B", "a1", "a2", "a3"), atom("B", "A", "b1", "b2")]
    assert decide(same_people, 5, [before])[pair_key("A", "B")] is True
    five_new = [atom("A", "B", "a1", "a2", "a3", "n1", "n2", "n3"), atom("B", "A", "b1", "b2", "n4", "n5", "n6")]
    assert decide(five_new, 5, [before])[pair_key("A", "B")] is True


def test_a_pair_hidden_in_the_second_round_cannot_be_worked_out_from_that_round() -> None:
    """Shown in round 1, hidden in round 2 (a rater left): round 2's organisation figures must not
    give it back either, so the difference of rounds cannot be taken through them."""
    first = [atom("A", "B", "a1", "a2", "a3"), atom("B", "A", "b1", "b2", "b3"), atom("C", "A", "c1", "c2", "c3", "c4", "c5")]
    d1 = decide(first, 5)
    cells1 = cells_of(first)
    before = {key: frozenset().union(*(first[i].raters for i in cells1[key])) for key, ok in d1.items() if ok}
    second = [atom("A", "B", "a1", "a2", "a3"), atom("B", "A", "b1", "b2"), atom("C", "A", "c1", "c2", "c3", "c4", "c5")]
    d2 = decide(second, 5, [before])
    assert d2[pair_key("A", "B")] is False
    assert attack(second, shown_by(d2), 5) == []
    # Across the rounds: every cell shown in both changed by no rater or by at least k.
    cells2 = cells_of(second)
    for key in shown_by(d2) & before.keys():
        now = frozenset().union(*(second[i].raters for i in cells2[key]))
        assert len(now ^ before[key]) in (0,) or len(now ^ before[key]) >= 5
