"""What of the U journey's practices names a member and may have been copied into messages to
others (a fact in someone's `fact list`, a proposed actor in `actor list`): forget-me scrubs these
texts from the outbox as it does named answers. The rows themselves go with the member (cascade)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ActorProposal, Fact, JournalEntry


async def texts_of(session: AsyncSession, member_id: int) -> list[str]:
    facts = (await session.execute(select(Fact.text, Fact.source).where(Fact.member_id == member_id))).all()
    actors = (await session.execute(select(ActorProposal.reason).where(ActorProposal.member_id == member_id))).scalars().all()
    entries = (await session.execute(select(JournalEntry.text).where(JournalEntry.member_id == member_id))).scalars().all()
    return [t for pair in facts for t in pair if t] + [t for t in actors if t] + [t for t in entries if t]
