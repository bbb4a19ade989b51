"""Queries about roles (step 9, who does what): listing, my-data, export, erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Member, Network, Role

STATUSES = ("open", "offered", "accepted", "declined", "dropped")
LIVE = ("open", "offered", "accepted", "declined")


async def in_network(tx: AsyncSession, network_id: int, role_id: int) -> Role | None:
    role = await tx.get(Role, role_id)
    return role if role is not None and role.network_id == network_id else None


async def listed(tx: AsyncSession, network_id: int, statuses: tuple[str, ...] = LIVE, owner_id: int | None = None) -> list[tuple[Role, Member | None]]:
    owner = aliased(Member)
    stmt = select(Role, owner).outerjoin(owner, owner.id == Role.owner_id).where(Role.network_id == network_id, Role.status.in_(statuses)).order_by(Role.id)
    if owner_id is not None:
        stmt = stmt.where(Role.owner_id == owner_id)
    return [(r, o) for r, o in (await tx.execute(stmt)).all()]


async def of_member(tx: AsyncSession, member_id: int) -> list[Role]:
    """Roles the member holds, was offered, declined or made (my-data)."""
    stmt = select(Role).where(or_(Role.owner_id == member_id, Role.created_by == member_id)).order_by(Role.id)
    return list((await tx.execute(stmt)).scalars().all())


def as_record(role: Role, member_id: int) -> dict[str, Any]:
    return {
        "role": role.id,
        "title": role.title,
        "status": role.status,
        "level": role.level,
        "mine": role.owner_id == member_id,
        "made_by_me": role.created_by == member_id,
        "note": role.note if role.owner_id == member_id else None,
        "made_at": role.created_at.isoformat(),
        "answered_at": role.answered_at.isoformat() if role.answered_at else None,
    }


async def forget(tx: AsyncSession, member: Member, needles: set[str]) -> int:
    """Erase a member from roles: a role they made for themselves goes; a role the network shares
    stays, open again without them, with mentions of them replaced."""
    gone = await tx.execute(
        delete(Role).where(
            Role.network_id == member.network_id,
            or_(Role.owner_id == member.id, Role.owner_id.is_(None)),
            or_(Role.created_by == member.id, Role.created_by.is_(None)),
            or_(Role.owner_id == member.id, Role.created_by == member.id),
        )
    )
    await tx.execute(update(Role).where(Role.owner_id == member.id, Role.status != "dropped").values(owner_id=None, status="open", note=None))
    await tx.execute(update(Role).where(Role.owner_id == member.id).values(owner_id=None, note=None))
    await tx.execute(update(Role).where(Role.created_by == member.id).values(created_by=None))
    ordered = sorted((n for n in needles if n), key=len, reverse=True)
    if ordered:
        mentioned = select(Role).where(Role.network_id == member.network_id, or_(*(Role.title.contains(n, autoescape=True) for n in ordered)))
        for role in (await tx.execute(mentioned)).scalars().all():
            for needle in ordered:
                role.title = role.title.replace(needle, "\u2013")
    return int(gone.rowcount or 0)


EXPORT_COLUMNS = ("role", "title", "status", "owner", "level", "made_at", "answered_at")


async def export_rows(tx: AsyncSession, network: Network) -> list[dict[str, Any]]:
    """Roles for analysts: who does what is named by design, so the owner's key is given."""
    return [
        {
            "role": role.id,
            "title": role.title,
            "status": role.status,
            "owner": owner.key if owner else "",
            "level": role.level or "",
            "made_at": role.created_at.date().isoformat(),
            "answered_at": role.answered_at.date().isoformat() if role.answered_at else "",
        }
        for role, owner in await listed(tx, network.id, STATUSES)
    ]
