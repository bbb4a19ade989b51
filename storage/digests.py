"""Digests, theme ballots and dot-votes: the queries behind "what we heard" and sense-making.

Votes are member data (my-data, export, forget-me). Themes hold copies of answer texts, sorted,
never the ids of the responses they came from, so nothing here joins an answer to a respondent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DigestPolicy, Member, MemberSession, Round, RoundDigest, RoundTheme, ThemeBallot, ThemeVote, utcnow


@dataclass(frozen=True, slots=True)
class RankedTheme:
    theme: RoundTheme
    votes: int


async def digest_of(tx: AsyncSession, round_id: int) -> RoundDigest | None:
    return await tx.get(RoundDigest, round_id)


async def hold_digest(tx: AsyncSession, round_id: int) -> RoundDigest:
    found = await digest_of(tx, round_id)
    if found is None:
        found = RoundDigest(round_id=round_id, status="held")
        tx.add(found)
        await tx.flush()
    return found


async def auto_publish(tx: AsyncSession, network_id: int, flow_id: str) -> bool:
    policy = await tx.get(DigestPolicy, (network_id, flow_id))
    return bool(policy and policy.auto)


async def set_auto_publish(tx: AsyncSession, network_id: int, flow_id: str, auto: bool) -> None:
    policy = await tx.get(DigestPolicy, (network_id, flow_id))
    if policy is None:
        tx.add(DigestPolicy(network_id=network_id, flow_id=flow_id, auto=auto))
    else:
        policy.auto = auto
    await tx.flush()


async def auto_flows(tx: AsyncSession, network_id: int) -> list[str]:
    stmt = select(DigestPolicy.flow_id).where(DigestPolicy.network_id == network_id, DigestPolicy.auto.is_(True))
    return sorted((await tx.execute(stmt)).scalars().all())


async def invited_members(tx: AsyncSession, round_id: int) -> Sequence[Member]:
    """Everyone the round was sent to (or who joined it): the digest's and the ballot's audience."""
    stmt = (
        select(Member)
        .join(MemberSession, MemberSession.member_id == Member.id)
        .where(MemberSession.round_id == round_id)
        .order_by(Member.id)
    )
    return (await tx.execute(stmt)).scalars().all()


async def invited_count(tx: AsyncSession, round_id: int) -> int:
    """How many `invited_members` there are, without loading them."""
    stmt = select(func.count()).select_from(MemberSession).where(MemberSession.round_id == round_id)
    return int((await tx.execute(stmt)).scalar_one())


async def was_invited(tx: AsyncSession, round_id: int, member_id: int) -> bool:
    stmt = select(MemberSession.id).where(MemberSession.round_id == round_id, MemberSession.member_id == member_id)
    return (await tx.execute(stmt)).first() is not None


async def ballot_of(tx: AsyncSession, round_id: int) -> ThemeBallot | None:
    return await tx.get(ThemeBallot, round_id)


async def open_ballot(tx: AsyncSession, round_id: int, votes: int, method: str, themes: Sequence[tuple[str, str, list[str]]]) -> ThemeBallot:
    """A new ballot with its themes (step id, label, answers), numbered in the order given."""
    ballot = ThemeBallot(round_id=round_id, votes=votes, status="open", method=method)
    tx.add(ballot)
    await tx.flush()
    for position, (step_id, label, answers) in enumerate(themes, start=1):
        tx.add(RoundTheme(round_id=round_id, step_id=step_id, position=position, label=label[:200], answers=sorted(answers)))
    await tx.flush()
    return ballot


async def open_ballots_for(tx: AsyncSession, member_id: int) -> Sequence[ThemeBallot]:
    """Open ballots of rounds the member was asked in, newest first (typed numbers answer the newest)."""
    stmt = (
        select(ThemeBallot)
        .join(MemberSession, MemberSession.round_id == ThemeBallot.round_id)
        .where(MemberSession.member_id == member_id, ThemeBallot.status == "open")
        .order_by(ThemeBallot.opened_at.desc(), ThemeBallot.round_id.desc())
    )
    return (await tx.execute(stmt)).scalars().all()


async def themes_of(tx: AsyncSession, round_id: int) -> Sequence[RoundTheme]:
    stmt = select(RoundTheme).where(RoundTheme.round_id == round_id).order_by(RoundTheme.position)
    return (await tx.execute(stmt)).scalars().all()


async def votes_of(tx: AsyncSession, round_id: int, member_id: int) -> list[int]:
    """The positions of the themes a member put a dot on."""
    stmt = (
        select(RoundTheme.position)
        .join(ThemeVote, ThemeVote.theme_id == RoundTheme.id)
        .where(RoundTheme.round_id == round_id, ThemeVote.member_id == member_id)
        .order_by(RoundTheme.position)
    )
    return list((await tx.execute(stmt)).scalars().all())


async def replace_votes(tx: AsyncSession, round_id: int, member_id: int, theme_ids: Sequence[int]) -> None:
    """A member's dots, replacing any they gave before (voting again changes one's mind)."""
    mine = select(RoundTheme.id).where(RoundTheme.round_id == round_id)
    await tx.execute(delete(ThemeVote).where(ThemeVote.member_id == member_id, ThemeVote.theme_id.in_(mine)))
    now = utcnow()
    for theme_id in theme_ids:
        tx.add(ThemeVote(theme_id=theme_id, member_id=member_id, voted_at=now))
    await tx.flush()


async def voters(tx: AsyncSession, round_id: int) -> int:
    stmt = (
        select(func.count(func.distinct(ThemeVote.member_id)))
        .join(RoundTheme, RoundTheme.id == ThemeVote.theme_id)
        .where(RoundTheme.round_id == round_id)
    )
    return int((await tx.execute(stmt)).scalar_one())


async def ranking(tx: AsyncSession, round_id: int) -> list[RankedTheme]:
    """Themes by votes, most first; ties keep the themes' own order."""
    counts = (
        select(ThemeVote.theme_id, func.count().label("n")).group_by(ThemeVote.theme_id).subquery()
    )
    stmt = (
        select(RoundTheme, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.theme_id == RoundTheme.id)
        .where(RoundTheme.round_id == round_id)
    )
    rows = [RankedTheme(theme, int(n)) for theme, n in (await tx.execute(stmt)).all()]
    return sorted(rows, key=lambda r: (-r.votes, r.theme.position))


async def close_ballot(tx: AsyncSession, ballot: ThemeBallot) -> None:
    ballot.status = "closed"
    ballot.closed_at = utcnow()
    await tx.flush()


async def member_votes(tx: AsyncSession, member_id: int) -> list[tuple[Round, RoundTheme, ThemeVote]]:
    """Every dot a member gave, with its theme and round (my-data and export)."""
    stmt = (
        select(Round, RoundTheme, ThemeVote)
        .join(RoundTheme, RoundTheme.id == ThemeVote.theme_id)
        .join(Round, Round.id == RoundTheme.round_id)
        .where(ThemeVote.member_id == member_id)
        .order_by(Round.id, RoundTheme.position)
    )
    return [(r, t, v) for r, t, v in (await tx.execute(stmt)).all()]


async def network_votes(tx: AsyncSession, network_id: int, round_id: int | None = None) -> list[tuple[Round, RoundTheme, ThemeVote, str]]:
    """Every dot given in a network, with the voter's key (the coordinators' export)."""
    stmt = (
        select(Round, RoundTheme, ThemeVote, Member.key)
        .join(RoundTheme, RoundTheme.id == ThemeVote.theme_id)
        .join(Round, Round.id == RoundTheme.round_id)
        .join(Member, Member.id == ThemeVote.member_id)
        .where(Round.network_id == network_id)
        .order_by(Round.id, RoundTheme.position, ThemeVote.id)
    )
    if round_id is not None:
        stmt = stmt.where(Round.id == round_id)
    return [(r, t, v, k) for r, t, v, k in (await tx.execute(stmt)).all()]


async def forget_votes(tx: AsyncSession, member_id: int) -> int:
    result = await tx.execute(delete(ThemeVote).where(ThemeVote.member_id == member_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_TAG = re.compile(r"\\\[(?:P\d+|email|phone)\\\]")


def _copy_of(shown: str, answers: Sequence[str]) -> bool:
    """Whether a theme's (pseudonymised) answer is a copy of one of `answers`: the tags that
    replaced names, addresses and numbers may stand for anything."""
    pattern = re.compile(_TAG.sub(".+?", re.escape(shown)), re.DOTALL)
    return any(shown == a or pattern.fullmatch(a) for a in answers)


async def forget_answers(tx: AsyncSession, answers: Sequence[str]) -> None:
    """A member's named answers leave every theme that quoted them (forget-me)."""
    if not answers:
        return
    for theme in (await tx.execute(select(RoundTheme))).scalars().all():
        kept = [a for a in theme.answers if not _copy_of(a, answers)]
        if len(kept) != len(theme.answers):
            theme.answers = kept
    await tx.flush()
