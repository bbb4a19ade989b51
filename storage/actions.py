"""Queries about actions (agreements and commitments): listing, review, reminders, erasure, export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Action, Member, Network, Round

STATUSES = ("open", "done", "dropped")


async def in_network(tx: AsyncSession, network_id: int, action_id: int) -> Action | None:
    action = await tx.get(Action, action_id)
    return action if action is not None and action.network_id == network_id else None


async def round_in_network(tx: AsyncSession, network_id: int, round_id: int) -> Round | None:
    round_ = await tx.get(Round, round_id)
    return round_ if round_ is not None and round_.network_id == network_id else None


async def listed(
    tx: AsyncSession, network_id: int, statuses: Sequence[str] = STATUSES, owner_id: int | None = None, round_id: int | None = None
) -> list[tuple[Action, Member | None]]:
    """Actions with their owners: open ones by due date (none last), then the rest newest first."""
    owner = aliased(Member)
    stmt = (
        select(Action, owner)
        .outerjoin(owner, owner.id == Action.owner_id)
        .where(Action.network_id == network_id, Action.status.in_(list(statuses)))
        .order_by(Action.id)
    )
    if owner_id is not None:
        stmt = stmt.where(Action.owner_id == owner_id)
    if round_id is not None:
        stmt = stmt.where(Action.round_id == round_id)
    rows = [(a, o) for a, o in (await tx.execute(stmt)).all()]
    far = datetime.max.replace(tzinfo=None)
    return sorted(rows, key=lambda row: (row[0].status != "open", (row[0].due_at.replace(tzinfo=None) if row[0].due_at else far), row[0].id))


async def to_review(
    tx: AsyncSession, network_id: int, owner_ids: Sequence[int], round_id: int, before: datetime, again: bool = False
) -> list[Action]:
    """Open actions of these owners made before the round opened and not yet asked about in it
    (`again`: also those asked about in it already). The network's open actions are few; its
    members may be thousands, so they are matched here rather than in an IN list."""
    if not owner_ids:
        return []
    wanted = set(owner_ids)
    stmt = (
        select(Action)
        .where(Action.network_id == network_id, Action.status == "open", Action.owner_id.is_not(None), Action.created_at < before)
        .where(true() if again else or_(Action.reviewed_round.is_(None), Action.reviewed_round != round_id))
        .order_by(Action.owner_id, Action.due_at.is_(None), Action.due_at, Action.id)
    )
    return [a for a in (await tx.execute(stmt)).scalars().all() if a.owner_id in wanted]


async def mark_reviewed(tx: AsyncSession, action_ids: Sequence[int], round_id: int) -> None:
    if action_ids:
        await tx.execute(update(Action).where(Action.id.in_(list(action_ids))).values(reviewed_round=round_id))


async def with_due(tx: AsyncSession, before: datetime, limit: int = 500) -> list[tuple[Action, Member, Network]]:
    """Open actions with an owner, a due date still ahead and reminders left: the reminder candidates."""
    stmt = (
        select(Action, Member, Network)
        .join(Member, Member.id == Action.owner_id)
        .join(Network, Network.id == Action.network_id)
        .where(Action.status == "open", Action.due_at.is_not(None), Action.due_at > before, Action.reminders_sent < 2)
        .order_by(Action.due_at)
        .limit(limit)
    )
    return [(a, m, n) for a, m, n in (await tx.execute(stmt)).all()]


async def claim_reminder(tx: AsyncSession, action_id: int, sent: int) -> bool:
    """Count the reminder as sent; False if someone (another process, an earlier tick) did."""
    result = await tx.execute(
        update(Action).where(Action.id == action_id, Action.status == "open", Action.reminders_sent == sent).values(reminders_sent=sent + 1)
    )
    return bool(result.rowcount)


async def of_network(tx: AsyncSession, network_id: int) -> list[Action]:
    stmt = select(Action).where(Action.network_id == network_id).order_by(Action.created_at, Action.id)
    return list((await tx.execute(stmt)).scalars().all())


async def of_member(tx: AsyncSession, member_id: int) -> list[Action]:
    """What is linked to the member: actions they own or made (my-data)."""
    stmt = select(Action).where(or_(Action.owner_id == member_id, Action.created_by == member_id)).order_by(Action.id)
    return list((await tx.execute(stmt)).scalars().all())


def as_record(action: Action, member_id: int) -> dict[str, Any]:
    return {
        "action": action.id,
        "text": action.text,
        "status": action.status,
        "owner": action.owner_id == member_id,
        "made_by_me": action.created_by == member_id,
        "round": action.round_id,
        "level": action.level,
        "due": action.due_at.isoformat() if action.due_at else None,
        "outcome": action.outcome,
        "made_at": action.created_at.isoformat(),
        "closed_at": action.closed_at.isoformat() if action.closed_at else None,
    }


async def forget(tx: AsyncSession, member: Member, needles: set[str]) -> int:
    """Erase a member from actions: what they made for themselves goes; an agreement that others
    share (made by or for someone else) stays, without them, and with mentions of them replaced."""
    gone = await tx.execute(
        delete(Action).where(
            or_(Action.owner_id == member.id, Action.owner_id.is_(None)),
            or_(Action.created_by == member.id, Action.created_by.is_(None)),
            or_(Action.owner_id == member.id, Action.created_by == member.id),
        )
    )
    await tx.execute(update(Action).where(Action.owner_id == member.id).values(owner_id=None))
    await tx.execute(update(Action).where(Action.created_by == member.id).values(created_by=None))
    ordered = sorted((n for n in needles if n), key=len, reverse=True)
    if ordered:
        mentioned = select(Action).where(
            Action.network_id == member.network_id,
            or_(*(Action.text.contains(n, autoescape=True) for n in ordered), *(Action.outcome.contains(n, autoescape=True) for n in ordered)),
        )
        for action in (await tx.execute(mentioned)).scalars().all():
            for needle in ordered:
                action.text = action.text.replace(needle, "\u2013")
                action.outcome = action.outcome.replace(needle, "\u2013") if action.outcome else action.outcome
    return int(gone.rowcount or 0)


EXPORT_COLUMNS = ("action", "text", "status", "owner", "sector", "level", "round", "made_at", "due", "closed_at", "outcome")


async def export_rows(tx: AsyncSession, network: Network) -> list[dict[str, Any]]:
    """Actions for analysts: commitments are named by design, so the owner's key is given."""
    rows = []
    for action, owner in await listed(tx, network.id):
        rows.append(
            {
                "action": action.id,
                "text": action.text,
                "status": action.status,
                "owner": owner.key if owner else "",
                "sector": action.sector or "",
                "level": action.level or "",
                "round": action.round_id or "",
                "made_at": action.created_at.date().isoformat(),
                "due": action.due_at.date().isoformat() if action.due_at else "",
                "closed_at": action.closed_at.date().isoformat() if action.closed_at else "",
                "outcome": action.outcome or "",
            }
        )
    return rows
