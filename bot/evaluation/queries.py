"""Reading rounds and answers for reports with SQL aggregates, so a million answers stay fast.

A respondent's score on a dimension is the mean of their items in that round (reverse-worded items
turned round first); `submission` groups one respondent's items. Every per-respondent step happens
in the database; Python only sees one row per round and dimension (trends) or per respondent
(one round's report).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.evaluation.stats import Summary, from_moments
from flows.registry import FlowRegistry
from storage import repository as repo
from storage.models import Member, MemberSession, Network, Response, Round


@dataclass(frozen=True, slots=True)
class RoundInfo:
    id: int
    flow_id: str
    opens_at: datetime
    status: str
    anonymous: bool
    invited: int
    done: int
    level: str | None = None  # level of network work (flows/levels.py)

    @property
    def rate(self) -> float | None:
        return self.done / self.invited if self.invited else None


@dataclass(frozen=True, slots=True)
class Respondent:
    """One respondent's score on one measure of one round, with the group they belong to."""

    measure: str
    score: float
    sector: str | None
    side: str | None


def reverse_items(flows: FlowRegistry) -> dict[str, int]:
    """step id -> min + max, for reverse-worded scale items (taken from the flow definitions)."""
    found: dict[str, int] = {}
    for flow_id in flows.ids():
        for step in flows[flow_id].steps:
            if step.reverse and step.kind == "scale" and step.minimum is not None and step.maximum is not None:
                found[step.id] = step.minimum + step.maximum
    return found


def scored(reverse: Mapping[str, int]) -> ColumnElement[Any]:
    """The answer's value with reverse-worded items turned round, as an SQL expression."""
    if not reverse:
        return Response.value_num  # type: ignore[return-value]
    whens = [(Response.step_id == step_id, total - Response.value_num) for step_id, total in sorted(reverse.items())]
    return case(*whens, else_=Response.value_num)


def _measure() -> ColumnElement[Any]:
    # Scales with no dimension (check-in mood, reflection progress) are their own measure.
    return func.coalesce(Response.dimension, Response.step_id)


async def visible_rounds(tx: AsyncSession, network: Network, member: Member | None, since: datetime | None = None) -> list[RoundInfo]:
    """Rounds the reader may see, oldest first: all for a coordinator (member None or coordinator);
    for a member, rounds of the whole network and rounds they were invited to."""
    counts = repo.session_counts()
    stmt = (
        select(Round, counts.c.invited, counts.c.done)
        .outerjoin(counts, counts.c.round_id == Round.id)
        .where(Round.network_id == network.id)
        .order_by(Round.opens_at, Round.id)
    )
    if since is not None:
        stmt = stmt.where(Round.opens_at >= since)
    if member is not None and member.role != "coordinator":
        invited = select(MemberSession.round_id).where(MemberSession.member_id == member.id)
        stmt = stmt.where(or_(Round.audience == "network", Round.id.in_(invited)))
    rows = (await tx.execute(stmt)).all()
    return [
        RoundInfo(r.id, r.flow_id, r.opens_at, r.status, r.anonymous, max(int(invited or 0), r.invited or 0), int(done or 0), r.level)
        for r, invited, done in rows
    ]


async def dimension_trends(tx: AsyncSession, rounds: Sequence[RoundInfo], reverse: Mapping[str, int]) -> dict[tuple[int, str], Summary]:
    """(round, dimension) -> summary of respondent scores, for pulse dimensions across many rounds.

    Closed anonymous rounds are aggregated once and kept (bot.evaluation.cache); the rest live.
    """
    from bot.evaluation import cache

    settled = {r.id for r in rounds if r.status == "closed" and r.anonymous}
    found = await cache.load(tx, settled)
    missing = [r.id for r in rounds if r.id not in {key[0] for key in found}]
    fresh = await _dimension_moments(tx, missing, reverse)
    await cache.store(tx, [r for r in missing if r in settled], fresh)
    return cache.summaries({**found, **fresh})


async def _dimension_moments(tx: AsyncSession, round_ids: Sequence[int], reverse: Mapping[str, int]) -> dict[tuple[int, str], tuple[int, float, float]]:
    if not round_ids:
        return {}
    per_respondent = (
        select(
            Response.round_id.label("round_id"),
            Response.dimension.label("measure"),
            func.avg(scored(reverse)).label("score"),
        )
        .where(Response.round_id.in_(round_ids), Response.dimension.is_not(None), Response.value_num.is_not(None))
        .group_by(Response.round_id, Response.dimension, Response.submission)
        .subquery()
    )
    stmt = select(
        per_respondent.c.round_id,
        per_respondent.c.measure,
        func.count(),
        func.sum(per_respondent.c.score),
        func.sum(per_respondent.c.score * per_respondent.c.score),
    ).group_by(per_respondent.c.round_id, per_respondent.c.measure)
    return {
        (round_id, measure): (int(n), float(total), float(squares))
        for round_id, measure, n, total, squares in (await tx.execute(stmt)).all()
    }


async def group_trends(
    tx: AsyncSession, round_ids: Sequence[int], reverse: Mapping[str, int], by: str
) -> dict[tuple[int, str, str], Summary]:
    """(round, dimension, group) -> summary; a missing sector or side is reported as 'unknown', and
    `sector-side` groups are "sector/side"."""
    if not round_ids:
        return {}
    per_respondent = (
        select(
            Response.round_id.label("round_id"),
            Response.dimension.label("measure"),
            group_column(by).label("grp"),
            func.avg(scored(reverse)).label("score"),
        )
        .where(Response.round_id.in_(round_ids), Response.dimension.is_not(None), Response.value_num.is_not(None))
        .group_by(Response.round_id, Response.dimension, Response.submission)
        .subquery()
    )
    c = per_respondent.c
    stmt = select(c.round_id, c.measure, c.grp, func.count(), func.sum(c.score), func.sum(c.score * c.score)).group_by(
        c.round_id, c.measure, c.grp
    )
    return {
        (round_id, measure, grp): from_moments(int(n), float(total), float(squares))
        for round_id, measure, grp, n, total, squares in (await tx.execute(stmt)).all()
    }


def group_column(by: str) -> ColumnElement[Any]:
    """One respondent's group (their rows all carry the same sector and side)."""
    sector = func.coalesce(func.min(Response.sector), "unknown")
    side = func.coalesce(func.min(Response.side), "unknown")
    if by == "sector-side":
        return sector + "/" + side
    return sector if by == "sector" else side


async def round_respondents(tx: AsyncSession, round_id: int, reverse: Mapping[str, int]) -> list[Respondent]:
    """Every respondent's score on every scale measure of one round (one row per respondent)."""
    stmt = (
        select(_measure(), func.avg(scored(reverse)), func.min(Response.sector), func.min(Response.side))
        .where(Response.round_id == round_id, Response.value_num.is_not(None))
        .group_by(_measure(), Response.submission)
    )
    return [Respondent(m, float(s), sector, side) for m, s, sector, side in (await tx.execute(stmt)).all()]


async def answer_distribution(tx: AsyncSession, round_id: int, reverse: Mapping[str, int]) -> dict[str, dict[int, int]]:
    """measure -> scale point -> how many item answers (reverse items turned round)."""
    value = scored(reverse)
    stmt = (
        select(_measure(), value, func.count())
        .where(Response.round_id == round_id, Response.value_num.is_not(None))
        .group_by(_measure(), value)
    )
    found: dict[str, dict[int, int]] = {}
    for measure, point, n in (await tx.execute(stmt)).all():
        found.setdefault(measure, {})[int(round(point))] = found.get(measure, {}).get(int(round(point)), 0) + int(n)
    return found


@dataclass(frozen=True, slots=True)
class ScaleMoments:
    """What alpha and alpha-if-item-deleted need, over respondents who answered every item:
    per item (step, n, sum, sum of squares, sum of item x total) and (n, sum, sum of squares) of totals."""

    items: list[tuple[str, int, float, float, float]]
    totals: tuple[int, float, float]

    def alpha_inputs(self) -> tuple[list[tuple[int, float, float]], tuple[int, float, float]]:
        return [(n, s, q) for _, n, s, q, _ in self.items], self.totals


async def alpha_moments(tx: AsyncSession, round_id: int, dimension: str, reverse: Mapping[str, int]) -> ScaleMoments | None:
    """The scale's moments, aggregated in SQL (reverse-worded items turned round first)."""
    value = scored(reverse)
    base = (Response.round_id == round_id, Response.dimension == dimension, Response.value_num.is_not(None))
    items = (await tx.execute(select(func.count(func.distinct(Response.step_id))).where(*base))).scalar_one()
    if items < 2:
        return None
    complete = (
        select(Response.submission.label("submission"), func.sum(value).label("total"))
        .where(*base)
        .group_by(Response.submission)
        .having(func.count() == items)
        .subquery()
    )
    totals = (await tx.execute(select(func.count(), func.sum(complete.c.total), func.sum(complete.c.total * complete.c.total)))).one()
    per_item = (
        select(Response.step_id, func.count(), func.sum(value), func.sum(value * value), func.sum(value * complete.c.total))
        .join(complete, complete.c.submission == Response.submission)
        .where(*base)
        .group_by(Response.step_id)
    )
    rows = [(step, int(n), float(t), float(q), float(c)) for step, n, t, q, c in (await tx.execute(per_item)).all()]
    return ScaleMoments(rows, (int(totals[0]), float(totals[1] or 0), float(totals[2] or 0)))


async def item_counts(tx: AsyncSession, round_id: int, measure: str, reverse: Mapping[str, int]) -> dict[str, dict[int, int]]:
    """step -> scale point -> how many answered it, for every item of one measure (all answers)."""
    value = scored(reverse)
    stmt = (
        select(Response.step_id, value, func.count())
        .where(Response.round_id == round_id, _measure() == measure, Response.value_num.is_not(None))
        .group_by(Response.step_id, value)
    )
    found: dict[str, dict[int, int]] = {}
    for step, point, n in (await tx.execute(stmt)).all():
        cell = found.setdefault(step, {})
        cell[int(round(point))] = cell.get(int(round(point)), 0) + int(n)
    return found


async def text_answers(tx: AsyncSession, round_id: int, step_ids: Sequence[str]) -> dict[str, list[str]]:
    """step id -> free-text answers of one round's text steps (no member, no time: only the words)."""
    if not step_ids:
        return {}
    stmt = (
        select(Response.step_id, Response.value_text)
        .where(Response.round_id == round_id, Response.step_id.in_(step_ids))
        .where(and_(Response.value_text.is_not(None), Response.value_text != ""))
        .order_by(Response.id)
    )
    found: dict[str, list[str]] = {}
    for step_id, text in (await tx.execute(stmt)).all():
        found.setdefault(step_id, []).append(text)
    return found


async def member_lists(tx: AsyncSession, round_id: int, step_ids: Sequence[str]) -> list[tuple[int | None, str, list[Any]]]:
    """(answering member, step, chosen member keys) of a members step, for the network map."""
    stmt = select(Response.member_id, Response.step_id, Response.value_list).where(
        Response.round_id == round_id, Response.step_id.in_(step_ids), Response.value_list.is_not(None)
    )
    return [(m, s, list(v or [])) for m, s, v in (await tx.execute(stmt)).all()]
