"""The seed's three outcomes measured over time, as plain figures for `report outcomes`.

(1) Knowledge spreads: knowledge-sharing ties in each network map (its `shared` step), ties from
plugged-in sources (the `partners` flow registers one when it is there), and the pulse item on
putting to use what others shared. (2) Shared goals and we-spirit: the pulse's we-spirit item,
commitments agreed and kept (the actions register), and the vision drafted in u-stage-7.
(3) New actors: members and organisations that joined, how soon newcomers formed ties, and sectors
first represented after the start. Every figure that describes answers is hidden below the
anonymity threshold; the pure functions here take plain rows so they can be checked by hand.
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.evaluation.queries import RoundInfo
from storage.models import Member, Response
from storage.privacy import too_small

MAP_FLOW = "network-map"
KNOWLEDGE_STEP = "shared"  # network-map: with whom have you shared knowledge or know-how
TIE_STEPS = ("know", "worked", KNOWLEDGE_STEP)
WE_SPIRIT, ADOPTED = "we-spirit", "adopted"  # pulse items
VISION_FLOW, VISION_STEP = "u-stage-7", "vision"
SETTLING = timedelta(days=31)  # members who came in the first month founded the network; later ones joined it


@dataclass(frozen=True, slots=True)
class Point:
    """One moment of a trend: a round (its date) or a month. `value` None: hidden or nothing."""

    when: datetime
    value: float | None
    n: int = 0
    round_id: int | None = None


# A source of knowledge-sharing ties besides the network map: (session, network id, the rounds the
# reader sees, threshold) -> points. `outcomes_report.KNOWLEDGE_SOURCES` names them.
KnowledgeSource = Callable[[AsyncSession, int, Sequence[RoundInfo], int], Awaitable[list[Point]]]


def knowledge_ties(answers: Iterable[tuple[int | None, Sequence[str]]], keys: Mapping[int, str]) -> tuple[int, int]:
    """(undirected knowledge-sharing ties between current members, respondents) of one map round.

    A tie counts once whoever named it; a name no longer among the members (erased) is dropped."""
    known = set(keys.values())
    ties: set[frozenset[str]] = set()
    respondents: set[int] = set()
    for member_id, chosen in answers:
        if member_id is None or member_id not in keys:
            continue
        respondents.add(member_id)
        me = keys[member_id]
        ties.update(frozenset((me, other)) for other in chosen if other in known and other != me)
    return len(ties), len(respondents)


async def map_knowledge(tx: AsyncSession, rounds: Sequence[RoundInfo], keys: Mapping[int, str], threshold: int) -> list[Point]:
    """Knowledge-sharing ties per network-map round that asked about them (None below the threshold)."""
    maps = [r for r in rounds if r.flow_id == MAP_FLOW]
    if not maps:
        return []
    rows = (await tx.execute(
        select(Response.round_id, Response.member_id, Response.step_id, Response.value_list)
        .where(Response.round_id.in_([r.id for r in maps]), Response.step_id.in_(TIE_STEPS))
    )).all()
    points = []
    for info in maps:
        mine = [(m, s, list(v or [])) for r, m, s, v in rows if r == info.id]
        if not any(s == KNOWLEDGE_STEP for _, s, _ in mine):
            continue  # an older map that did not ask about knowledge
        ties, _ = knowledge_ties(((m, v) for m, s, v in mine if s == KNOWLEDGE_STEP), keys)
        respondents = len({m for m, _, _ in mine if m is not None and m in keys})
        hidden = respondents == 0 or too_small(respondents, threshold)
        points.append(Point(info.opens_at, None if hidden else float(ties), respondents, info.id))
    return points


async def item_trend(tx: AsyncSession, rounds: Sequence[RoundInfo], step_id: str, threshold: int) -> list[Point]:
    """The mean answer to one scale item in each round that asked it (None below the threshold)."""
    by_id = {r.id: r for r in rounds}
    if not by_id:
        return []
    stmt = (
        select(Response.round_id, func.count(), func.avg(Response.value_num))
        .where(Response.round_id.in_(list(by_id)), Response.step_id == step_id, Response.value_num.is_not(None))
        .group_by(Response.round_id)
    )
    points = []
    for round_id, n, mean in (await tx.execute(stmt)).all():
        hidden = too_small(int(n), threshold)
        points.append(Point(by_id[round_id].opens_at, None if hidden else float(mean), int(n), round_id))
    return sorted(points, key=lambda p: (p.when, p.round_id or 0))


async def vision_answers(tx: AsyncSession, rounds: Sequence[RoundInfo]) -> list[Point]:
    """How many wrote the shared vision in each u-stage-7 round (a count, never the words)."""
    ids = {r.id: r for r in rounds if r.flow_id == VISION_FLOW}
    if not ids:
        return []
    stmt = (
        select(Response.round_id, func.count())
        .where(Response.round_id.in_(list(ids)), Response.step_id == VISION_STEP, Response.value_text.is_not(None), Response.value_text != "")
        .group_by(Response.round_id)
    )
    return sorted((Point(ids[r].opens_at, float(n), int(n), r) for r, n in (await tx.execute(stmt)).all()), key=lambda p: p.when)


@dataclass(frozen=True, slots=True)
class Newcomers:
    months: list[tuple[str, int, int]]  # (YYYY-MM, members who joined, organisations first seen)
    founders: int  # members of the first month
    joined: int  # members who came later
    organisations: int
    new_sectors: list[tuple[str, datetime]]  # sectors first represented after the first month
    with_tie: int  # later members with a tie in a network map after they joined
    days_to_tie: float | None  # median days from joining to that map (None: too few to say)


def _month(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def months_between(first: datetime, last: datetime) -> list[str]:
    labels, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


def newcomers(
    members: Sequence[Member], tie_rounds: Sequence[tuple[datetime, set[str]]], now: datetime, threshold: int, months: int = 6
) -> Newcomers:
    """Who joined when, from members' first-seen times; `tie_rounds` are (map date, keys of members
    with any tie in it). The median days to a first tie is shown only for at least the threshold."""
    if not members:
        return Newcomers([], 0, 0, 0, [], 0, None)
    start = min(m.created_at for m in members)
    settled = start + SETTLING
    first_org: dict[str, datetime] = {}
    first_sector: dict[str, datetime] = {}
    for m in members:
        if m.organisation and m.organisation.strip():
            key = m.organisation.strip().casefold()
            first_org[key] = min(first_org.get(key, m.created_at), m.created_at)
        if m.sector:
            first_sector[m.sector] = min(first_sector.get(m.sector, m.created_at), m.created_at)
    labels = months_between(start, now)[-months:]
    rows = [
        (label, sum(1 for m in members if _month(m.created_at) == label), sum(1 for at in first_org.values() if _month(at) == label))
        for label in labels
    ]
    later = [m for m in members if m.created_at >= settled]
    delays = []
    for m in later:
        found = next((when for when, tied in sorted(tie_rounds, key=lambda r: r[0]) if when >= m.created_at and m.key in tied), None)
        if found is not None:
            delays.append((found - m.created_at).total_seconds() / 86400)
    median = statistics.median(delays) if delays and not too_small(len(delays), threshold) else None
    sectors = sorted(((s, at) for s, at in first_sector.items() if at >= settled), key=lambda item: item[1])
    return Newcomers(rows, len(members) - len(later), len(later), len(first_org), sectors, len(delays), median)


async def tied_members(tx: AsyncSession, rounds: Sequence[RoundInfo], keys: Mapping[int, str]) -> list[tuple[datetime, set[str]]]:
    """(map date, members with any tie in it: named someone or were named) for each map round."""
    maps = {r.id: r for r in rounds if r.flow_id == MAP_FLOW}
    if not maps:
        return []
    rows = (await tx.execute(
        select(Response.round_id, Response.member_id, Response.value_list).where(Response.round_id.in_(list(maps)), Response.step_id.in_(TIE_STEPS))
    )).all()
    known = set(keys.values())
    tied: dict[int, set[str]] = {r: set() for r in maps}
    for round_id, member_id, chosen in rows:
        named = [k for k in (chosen or []) if k in known]
        if named and member_id in keys:
            tied[round_id].add(keys[member_id])
            tied[round_id].update(named)
    return [(maps[r].opens_at, found) for r, found in tied.items()]
