"""The network's dot-votes on its charter and vision (flows/decisions.py): ballots, options, dots,
and the proposals, drafts and chosen vision they are about.

Votes, proposals and drafts are member data (my-data, forget-me); none of these queries hands a
voter or an author to anything that is shown to others: results are counts, lists name no one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CharterRule, Decision, DecisionOption, DecisionVote, NetworkVision, VisionDraft, utcnow


@dataclass(frozen=True, slots=True)
class Ranked:
    option: DecisionOption
    votes: int


async def open_decision(tx: AsyncSession, network_id: int, kind: str) -> Decision | None:
    stmt = select(Decision).where(Decision.network_id == network_id, Decision.kind == kind, Decision.status == "open")
    return (await tx.execute(stmt.order_by(Decision.id.desc()))).scalars().first()


async def open_decisions(tx: AsyncSession, network_id: int) -> Sequence[Decision]:
    """Open votes of the network, newest first (typed numbers answer the newest)."""
    stmt = select(Decision).where(Decision.network_id == network_id, Decision.status == "open")
    return (await tx.execute(stmt.order_by(Decision.opened_at.desc(), Decision.id.desc()))).scalars().all()


async def start(tx: AsyncSession, network_id: int, kind: str, votes: int, method: str, options: Sequence[tuple[str, int, int | None, int | None]]) -> Decision:
    """A new vote with its options (text, drafts gathered, rule id, draft id), numbered as given."""
    decision = Decision(network_id=network_id, kind=kind, votes=votes, status="open", method=method)
    tx.add(decision)
    await tx.flush()
    for position, (text, drafts, rule_id, draft_id) in enumerate(options, start=1):
        tx.add(DecisionOption(decision_id=decision.id, position=position, text=text, drafts=drafts, rule_id=rule_id, draft_id=draft_id))
    await tx.flush()
    return decision


async def options_of(tx: AsyncSession, decision_id: int) -> Sequence[DecisionOption]:
    stmt = select(DecisionOption).where(DecisionOption.decision_id == decision_id).order_by(DecisionOption.position)
    return (await tx.execute(stmt)).scalars().all()


async def replace_votes(tx: AsyncSession, decision_id: int, member_id: int, option_ids: Sequence[int]) -> None:
    """A member's dots, replacing any they gave on this vote before."""
    mine = select(DecisionOption.id).where(DecisionOption.decision_id == decision_id)
    await tx.execute(delete(DecisionVote).where(DecisionVote.member_id == member_id, DecisionVote.option_id.in_(mine)))
    now = utcnow()
    for option_id in option_ids:
        tx.add(DecisionVote(option_id=option_id, member_id=member_id, voted_at=now))
    await tx.flush()


async def has_voted(tx: AsyncSession, decision_id: int, member_id: int) -> bool:
    stmt = select(DecisionVote.id).join(DecisionOption, DecisionOption.id == DecisionVote.option_id).where(DecisionOption.decision_id == decision_id, DecisionVote.member_id == member_id)
    return (await tx.execute(stmt.limit(1))).first() is not None


async def voters(tx: AsyncSession, decision_id: int) -> int:
    stmt = select(func.count(func.distinct(DecisionVote.member_id))).join(DecisionOption, DecisionOption.id == DecisionVote.option_id).where(DecisionOption.decision_id == decision_id)
    return int((await tx.execute(stmt)).scalar_one())


async def ranking(tx: AsyncSession, decision_id: int) -> list[Ranked]:
    """Options by dots, most first; ties keep the ballot's order."""
    counts = select(DecisionVote.option_id, func.count().label("n")).group_by(DecisionVote.option_id).subquery()
    stmt = select(DecisionOption, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.option_id == DecisionOption.id).where(DecisionOption.decision_id == decision_id)
    rows = [Ranked(option, int(n)) for option, n in (await tx.execute(stmt)).all()]
    return sorted(rows, key=lambda r: (-r.votes, r.option.position))


async def close(tx: AsyncSession, decision: Decision) -> None:
    decision.status = "closed"
    decision.closed_at = utcnow()
    await tx.flush()


async def rules(tx: AsyncSession, network_id: int, statuses: Sequence[str]) -> Sequence[CharterRule]:
    stmt = select(CharterRule).where(CharterRule.network_id == network_id, CharterRule.status.in_(statuses))
    return (await tx.execute(stmt.order_by(CharterRule.id))).scalars().all()


async def drafts(tx: AsyncSession, network_id: int) -> Sequence[VisionDraft]:
    stmt = select(VisionDraft).where(VisionDraft.network_id == network_id).order_by(VisionDraft.id)
    return (await tx.execute(stmt)).scalars().all()


async def vision(tx: AsyncSession, network_id: int) -> NetworkVision | None:
    """The network's current vision: the newest chosen."""
    stmt = select(NetworkVision).where(NetworkVision.network_id == network_id).order_by(NetworkVision.chosen_at.desc(), NetworkVision.id.desc())
    return (await tx.execute(stmt)).scalars().first()


async def counts(tx: AsyncSession, network_id: int) -> dict[str, int]:
    """The journey evidence of steps 3, 6 and 7: kept rules, drafts, chosen visions."""
    kept = select(func.count()).select_from(CharterRule).where(CharterRule.network_id == network_id, CharterRule.status == "kept")
    drafted = select(func.count()).select_from(VisionDraft).where(VisionDraft.network_id == network_id)
    chosen = select(func.count()).select_from(NetworkVision).where(NetworkVision.network_id == network_id)
    return {name: int((await tx.execute(stmt)).scalar_one()) for name, stmt in (("charter", kept), ("vision_drafts", drafted), ("vision", chosen))}


async def member_votes(tx: AsyncSession, member_id: int) -> list[tuple[Decision, DecisionOption, DecisionVote]]:
    """Every dot a member gave on a charter or vision vote (my-data)."""
    stmt = (
        select(Decision, DecisionOption, DecisionVote)
        .join(DecisionOption, DecisionOption.id == DecisionVote.option_id)
        .join(Decision, Decision.id == DecisionOption.decision_id)
        .where(DecisionVote.member_id == member_id)
        .order_by(Decision.id, DecisionOption.position)
    )
    return [(d, o, v) for d, o, v in (await tx.execute(stmt)).all()]


async def member_rules(tx: AsyncSession, member_id: int) -> Sequence[CharterRule]:
    return (await tx.execute(select(CharterRule).where(CharterRule.member_id == member_id).order_by(CharterRule.id))).scalars().all()


async def member_drafts(tx: AsyncSession, member_id: int) -> Sequence[VisionDraft]:
    return (await tx.execute(select(VisionDraft).where(VisionDraft.member_id == member_id).order_by(VisionDraft.id))).scalars().all()


async def forget(tx: AsyncSession, member_id: int) -> list[str]:
    """forget-me: their proposals not kept go (with the ballot options quoting them); a kept rule
    is the network's and loses its author; drafts and dots go with the member (cascade).
    Returns the texts that went, so copies in messages to others can be scrubbed."""
    mine = await member_rules(tx, member_id)
    gone = [r.text for r in mine if r.status != "kept"]
    await tx.execute(delete(CharterRule).where(CharterRule.member_id == member_id, CharterRule.status != "kept"))
    texts = [*gone, *(d.text for d in await member_drafts(tx, member_id))]
    # The member row's delete cascades to drafts, and through them to the candidates they stand for.
    await tx.execute(delete(DecisionVote).where(DecisionVote.member_id == member_id))
    return texts
