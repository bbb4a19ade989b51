"""Cross-sector intro pairing: Donut's random coffee pairs, but chosen to close the map's gaps.

Pure logic over plain values, so it is tested on its own. A pair is allowed only across
organisations (when both are known) and never repeats the member's group of the previous round;
among allowed pairs, those who do not know each other yet, across sectors and sides, between
sectors with few ties and with isolated members come first. An odd member out joins the group
that suits them best, making one trio.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

# Up to this many members every allowed pair is weighed and improved pass by pass (O(n²)); a
# bigger network weighs a random sample of partners for each member and mends random pairs of
# pairs, so 2,000 members pair in well under a second (benchmarks/pairing.py).
FULL_LIMIT = 200
SAMPLE = 48


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str
    sector: str | None
    side: str | None
    organisation: str | None


@dataclass(frozen=True, slots=True)
class Context:
    ties: frozenset[frozenset[str]] = frozenset()
    previous: Mapping[str, frozenset[str]] | None = None  # each member's partners in the last round
    sector_ties: Mapping[frozenset[str], int] | None = None  # ties between two sectors
    isolated: frozenset[str] = frozenset()


def allowed(a: Candidate, b: Candidate, ctx: Context) -> bool:
    if a.key == b.key:
        return False
    if a.organisation and b.organisation and a.organisation.casefold() == b.organisation.casefold():
        return False
    if not (a.organisation and b.organisation) and a.sector == b.sector:
        return False  # with an organisation unknown, only a different sector shows they cross
    return not (ctx.previous and b.key in ctx.previous.get(a.key, frozenset()))


def score(a: Candidate, b: Candidate, ctx: Context) -> float:
    value = 10.0
    if frozenset((a.key, b.key)) not in ctx.ties:
        value += 8
    if a.sector and b.sector and a.sector != b.sector:
        value += 4
        if ctx.sector_ties:
            most = max(ctx.sector_ties.values()) or 1
            value += 4 * (1 - ctx.sector_ties.get(frozenset((a.sector, b.sector)), 0) / most)
    if a.side and b.side and a.side != b.side:
        value += 2
    if a.key in ctx.isolated or b.key in ctx.isolated:
        value += 3
    return value


def make_groups(people: Sequence[Candidate], ctx: Context, seed: int | None = None) -> tuple[list[list[Candidate]], list[Candidate]]:
    """Groups of two (one of three when the count is odd) and those no allowed partner was left for."""
    rng = random.Random(seed)
    pool = list(people)
    rng.shuffle(pool)  # ties in score are broken differently each round
    full = len(pool) <= FULL_LIMIT
    jitter = {frozenset((a.key, b.key)): rng.random() for i, a in enumerate(pool) for b in pool[i + 1 :]} if full else {}

    def weight(a: Candidate, b: Candidate) -> float:
        if not allowed(a, b, ctx):
            return float("-inf")
        return score(a, b, ctx) + jitter.get(frozenset((a.key, b.key)), rng.random())

    if full:
        options = {p.key: sum(1 for q in pool if allowed(p, q, ctx)) for p in pool}
        pool.sort(key=lambda p: options[p.key])  # the hardest to place choose first
    free = {p.key: p for p in pool}
    pairs: list[list[Candidate]] = []
    left: list[Candidate] = []
    for person in pool:
        if person.key not in free:
            continue
        del free[person.key]
        best = _best(person, list(free.values()), weight, rng, full)
        if best is None:
            left.append(person)
            continue
        del free[best.key]
        pairs.append([person, best])
    if full:
        _improve(pairs, weight, passes=3)
    else:
        _improve_sampled(pairs, weight, rng, tries=10 * len(pairs))
    unplaced: list[Candidate] = []
    for person in left:
        fits = [g for g in pairs if len(g) == 2 and all(allowed(person, other, ctx) for other in g)]
        if fits:
            max(fits, key=lambda g: sum(weight(person, o) for o in g)).append(person)
        else:
            unplaced.append(person)
    return pairs, unplaced


Weight = Callable[[Candidate, Candidate], float]


def _best(person: Candidate, free: list[Candidate], weight: Weight, rng: random.Random, full: bool) -> Candidate | None:
    """The best allowed partner among the free (or a sample of them, widened if none is allowed)."""
    pools = [free] if full or len(free) <= SAMPLE else [rng.sample(free, SAMPLE), free]
    for candidates in pools:
        best = max(candidates, key=lambda q: weight(person, q), default=None)
        if best is not None and weight(person, best) > float("-inf"):
            return best
    return None


def _improve_sampled(pairs: list[list[Candidate]], weight: Weight, rng: random.Random, tries: int) -> None:
    for _ in range(tries if len(pairs) > 1 else 0):
        i, j = rng.sample(range(len(pairs)), 2)
        (a, b), (c, d) = pairs[i], pairs[j]
        now = weight(a, b) + weight(c, d)
        for x, y, z, w in ((a, c, b, d), (a, d, b, c)):
            if weight(x, y) + weight(z, w) > now + 1e-9:
                pairs[i], pairs[j] = [x, y], [z, w]
                break


def _improve(pairs: list[list[Candidate]], weight: Weight, passes: int) -> None:
    """Swap partners between two pairs while that raises their total: greedy picks leave the last
    members poor choices, and this mends most of it."""
    for _ in range(passes):
        changed = False
        for i in range(len(pairs)):
            for j in range(i + 1, len(pairs)):
                (a, b), (c, d) = pairs[i], pairs[j]
                now = weight(a, b) + weight(c, d)
                for x, y, z, w in ((a, c, b, d), (a, d, b, c)):
                    if weight(x, y) + weight(z, w) > now + 1e-9:
                        pairs[i], pairs[j] = [x, y], [z, w]
                        changed = True
                        break
        if not changed:
            return
