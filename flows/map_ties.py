"""Who knows whom, as the latest network map says, for the journey's practices (gaps, intros).

The reports draw the map with networkx (bot/evaluation/network_map.py); the practices need only
the tie set and a few counts, read here from the named answers of the latest `network-map` round.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, Response, Round

MAP_FLOW = "network-map"
TIE_STEPS = ("know", "worked")
SECTORS = ("public", "private", "third")


@dataclass
class MapTies:
    round_id: int | None
    ties: set[frozenset[str]] = field(default_factory=set)
    respondents: int = 0

    def knows(self, a: str, b: str) -> bool:
        return frozenset((a, b)) in self.ties

    def degree(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for tie in self.ties:
            counts.update(tie)
        return counts


async def latest_map(tx: AsyncSession, network_id: int, members: Sequence[Member]) -> MapTies:
    """Ties of the latest network-map round with named answers (none if there is no map yet)."""
    round_id = (
        await tx.execute(
            select(Round.id).where(Round.network_id == network_id, Round.flow_id == MAP_FLOW, Round.anonymous.is_(False)).order_by(Round.opens_at.desc()).limit(1)
        )
    ).scalar_one_or_none()
    if round_id is None:
        return MapTies(None)
    key_of = {m.id: m.key for m in members}
    keys = set(key_of.values())
    rows = (
        await tx.execute(
            select(Response.member_id, Response.value_list).where(Response.round_id == round_id, Response.step_id.in_(TIE_STEPS), Response.value_list.is_not(None))
        )
    ).all()
    found = MapTies(round_id)
    answered: set[int] = set()
    for member_id, chosen in rows:
        chooser = key_of.get(member_id) if member_id is not None else None
        if chooser is None:
            continue
        answered.add(member_id)
        for other in chosen or ():
            if other in keys and other != chooser:
                found.ties.add(frozenset((chooser, other)))
    found.respondents = len(answered)
    return found


def figures(members: Sequence[Member], ties: Iterable[frozenset[str]]) -> dict[str, Any]:
    """Counts that compare before and after intros: ties, cross-sector ties, density, isolated."""
    sector = {m.key: m.sector for m in members}
    keys = set(sector)
    inside = [tuple(t) for t in ties if t <= keys and len(t) == 2]
    cross = sum(1 for a, b in inside if sector[a] and sector[b] and sector[a] != sector[b])
    touched = {k for tie in inside for k in tie}
    n = len(keys)
    return {
        "members": n,
        "ties": len(inside),
        "cross_sector": cross,
        "density": round(2 * len(inside) / (n * (n - 1)), 3) if n > 1 else 0.0,
        "isolated": n - len(touched),
    }


def sector_pair_ties(members: Sequence[Member], ties: Iterable[frozenset[str]]) -> dict[frozenset[str], int]:
    """Ties between each pair of sectors (and within each): where the bridges are few."""
    sector = {m.key: m.sector for m in members}
    counts = {frozenset(pair): 0 for pair in combinations(SECTORS, 2)}
    for tie in ties:
        a, b = tuple(tie)
        sa, sb = sector.get(a), sector.get(b)
        if sa and sb and sa != sb:
            counts[frozenset((sa, sb))] = counts.get(frozenset((sa, sb)), 0) + 1
    return counts
