"""Texts other members wrote that name the erased member (forget-me): a prototype's hypothesis,
someone's fact or proposed actor, the coordinators' response in a digest, a shared journal line.

They stay, as the network's, with each mention replaced by a dash, as actions and waiting outbox
messages are (storage/actions.py, storage/erasure.py); the rows the member made go with them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ActorProposal, Fact, Prototype, Round, RoundDigest, SharedLine

DASH = "\u2013"

# (model, the network's column, the text columns)
_TEXTS: tuple[tuple[Any, Any, tuple[str, ...]], ...] = (
    (Prototype, Prototype.network_id, ("hypothesis", "next_test", "lesson")),
    (Fact, Fact.network_id, ("text", "source")),
    (ActorProposal, ActorProposal.network_id, ("name", "organisation", "reason")),
    (SharedLine, SharedLine.network_id, ("text",)),
)


async def forget_mentions(session: AsyncSession, network_id: int, needles: set[str]) -> int:
    """Replace every needle in those texts of the network; returns the rows changed."""
    ordered = sorted((n for n in needles if n), key=len, reverse=True)
    if not ordered:
        return 0
    changed = 0
    for model, network, columns in _TEXTS:
        found = or_(*(getattr(model, c).contains(n, autoescape=True) for c in columns for n in ordered))
        for row in (await session.execute(select(model).where(network == network_id, found))).scalars().all():
            for name in columns:
                setattr(row, name, _replace(getattr(row, name), ordered))
            changed += 1
    in_network = select(Round.id).where(Round.network_id == network_id)
    found = or_(*(RoundDigest.response.contains(n, autoescape=True) for n in ordered))
    for digest in (await session.execute(select(RoundDigest).where(RoundDigest.round_id.in_(in_network), found))).scalars().all():
        digest.response = _replace(digest.response, ordered)
        changed += 1
    return changed


def _replace(value: str | None, ordered: list[str]) -> str | None:
    if not value:
        return value
    for needle in ordered:
        value = value.replace(needle, DASH)
    return value
