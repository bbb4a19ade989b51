"""Reading the journey's tables in tests (the tests look; the bot's own verbs are what is tested)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from flows.messages import Notice, Outbound
from storage.models import IntroBatch, IntroMember, Member


def text_to(out: list[Outbound], who: str) -> str:
    return "\n".join(m.text for m in out if isinstance(m, Notice) and m.audience.member_key == f"console:local:{who}")


def texts(out: list[Outbound]) -> str:
    return "\n".join(m.text for m in out if isinstance(m, Notice))


async def intro_groups(core: Any) -> list[list[list[Member]]]:
    """Every intro batch, oldest first, as its groups of members."""
    async with core.db.transaction() as tx:
        batches = (await tx.execute(select(IntroBatch.id).order_by(IntroBatch.id))).scalars().all()
        found = []
        for batch_id in batches:
            rows = (await tx.execute(select(IntroMember.grp, Member).join(Member, Member.id == IntroMember.member_id).where(IntroMember.batch_id == batch_id))).all()
            groups: dict[int, list[Member]] = {}
            for grp, member in rows:
                groups.setdefault(grp, []).append(member)
            found.append(list(groups.values()))
        return found
