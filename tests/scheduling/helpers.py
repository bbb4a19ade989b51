"""What the scheduling tests share: the outbox as members would receive it, and the rounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.app import Core
from storage.models import OutboxMessage, Round, Schedule


@dataclass
class Sent:
    id: int
    audience: str
    kind: str
    text: str
    available_at: datetime
    message: dict[str, Any]


async def outbox_after(core: Core, last_id: int = 0) -> list[Sent]:
    async with core.db.transaction() as tx:
        rows = (await tx.execute(select(OutboxMessage).where(OutboxMessage.id > last_id).order_by(OutboxMessage.id))).scalars().all()
    return [Sent(r.id, r.audience, r.message.get("type", ""), str(r.message.get("text", "")), r.available_at, r.message) for r in rows]


async def last_outbox_id(core: Core) -> int:
    rows = await outbox_after(core)
    return rows[-1].id if rows else 0


async def rounds(core: Core) -> list[Round]:
    async with core.db.transaction() as tx:
        return list((await tx.execute(select(Round).order_by(Round.id))).scalars().all())


async def schedules(core: Core) -> list[Schedule]:
    async with core.db.transaction() as tx:
        return list((await tx.execute(select(Schedule).order_by(Schedule.id))).scalars().all())


def key(name: str) -> str:
    return f"console:local:{name}"
