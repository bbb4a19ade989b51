"""Intro pairing against Donut-style random pairing, on the same synthetic networks in one run.

For each size, members get sectors, sides and organisations, and a network map where most ties
stay inside a sector (as in real networks). Both pairers get the same members: ours
(flows/pairing.py, gap-driven) and a peer that shuffles and pairs neighbours, re-shuffling a
pair that falls inside one organisation (what a random coffee bot does). Printed per size: time
as a ratio to the peer, and what the pairs give the network (crossing sectors, new ties, groups
inside one organisation). The machine is shared, so read the ratios, not the absolute times.

    python benchmarks/pairing.py [--sizes 31,200,2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.pairing import Candidate, Context, make_groups  # noqa: E402

SECTORS = ("public", "private", "third")


def network(size: int, rng: random.Random) -> tuple[list[Candidate], frozenset[frozenset[str]]]:
    people = [Candidate(f"m{i}", SECTORS[i % 3], ("internal", "external")[rng.random() < 0.4], f"{SECTORS[i % 3]}-org{rng.randrange(max(2, size // 15))}") for i in range(size)]
    ties = set()
    for person in people:
        same = [p for p in people if p.sector == person.sector and p is not person]
        other = [p for p in people if p.sector != person.sector]
        for friend in rng.sample(same, min(len(same), rng.randint(2, 5))) + rng.sample(other, min(len(other), rng.randint(0, 2))):
            ties.add(frozenset((person.key, friend.key)))
    return people, frozenset(ties)


def random_pairs(people: list[Candidate], rng: random.Random) -> list[list[Candidate]]:
    pool = people[:]
    for _ in range(20):
        rng.shuffle(pool)
        groups = [pool[i : i + 2] for i in range(0, len(pool) - 1, 2)]
        if len(pool) % 2:
            groups[-1].append(pool[-1])
        if all(len({c.organisation for c in g}) == len(g) for g in groups):
            break
    return groups


def quality(groups: list[list[Candidate]], ties: frozenset[frozenset[str]]) -> tuple[float, float, int]:
    pairs = [(a, b) for g in groups for i, a in enumerate(g) for b in g[i + 1 :]]
    crossing = sum(a.sector != b.sector for a, b in pairs) / len(pairs)
    new = sum(frozenset((a.key, b.key)) not in ties for a, b in pairs) / len(pairs)
    colleagues = sum(1 for g in groups if len({c.organisation for c in g}) < len(g))
    return crossing, new, colleagues


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="31,200,2000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(7)
    print(f"{'members':>8} {'time vs random':>15} {'crossing sectors':>20} {'new ties':>18} {'inside one org':>16}")
    for size in (int(s) for s in args.sizes.split(",")):
        people, ties = network(size, rng)
        ours = peer = 0.0
        for _ in range(args.repeat):
            start = time.perf_counter()
            groups, _ = make_groups(people, Context(ties=ties), seed=rng.random())
            ours += time.perf_counter() - start
            start = time.perf_counter()
            baseline = random_pairs(people, rng)
            peer += time.perf_counter() - start
        q, r = quality(groups, ties), quality(baseline, ties)
        print(f"{size:>8} {ours / peer:>14.0f}x {q[0]:>9.0%} vs {r[0]:>4.0%}   {q[1]:>8.0%} vs {r[1]:>4.0%}   {q[2]:>6} vs {r[2]:>3}")
        print(f"{'':>8} (ours {ours / args.repeat * 1000:.0f} ms a pairing)")


if __name__ == "__main__":
    main()
