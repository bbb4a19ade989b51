"""The outbox: messages wait here, written in the same transaction as the change that caused them.

Rows go pending -> sending (claimed, with a lease) -> sent, or back to pending with a later
`available_at` on a retry, or to dead when retrying cannot help. On PostgreSQL several workers
claim rows with FOR UPDATE SKIP LOCKED. The lease is short and renewed by its worker while it
sends (`renew`), so a crashed worker's rows are taken over within LEASE seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, utcnow

LEASE = timedelta(seconds=20)


async def claim(session: AsyncSession, platforms: Sequence[str], limit: int = 100, owner: str | None = None) -> list[OutboxMessage]:
    """Take up to `limit` rows that may be sent now, leasing them to the worker `owner`."""
    now = utcnow()
    ready = OutboxMessage.status.in_(("pending", "sending")) & (OutboxMessage.available_at <= now)
    candidates = (
        select(OutboxMessage.id)
        .where(OutboxMessage.platform.in_(platforms), ready)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    # Two statements, not an UPDATE over a LIMIT subquery: PostgreSQL may run such a subquery more
    # than once and take more rows than asked. The UPDATE checks readiness again because on SQLite
    # another worker may take a row between this read and the write lock.
    ids = list((await session.execute(candidates)).scalars().all())
    if not ids:
        return []
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), ready)
        .values(status="sending", available_at=now + LEASE, lease_owner=owner)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    rows = list((await session.scalars(stmt)).all())
    return sorted(rows, key=lambda row: row.id)


# Prebuilt Core statements on the table: the dispatcher records an outcome for every message.
_OUTBOX = OutboxMessage.__table__
_BY_ID = _OUTBOX.c.id == bindparam("row_id")
_SENT = (
    update(_OUTBOX)
    .where(_BY_ID, _OUTBOX.c.status == "sending")
    .values(status="sent", sent_at=bindparam("at"), handle=bindparam("handle"), attempts=_OUTBOX.c.attempts + 1)
)
_RETRY = (
    update(_OUTBOX)
    .where(_BY_ID)
    .values(status="pending", available_at=bindparam("at"), attempts=_OUTBOX.c.attempts + 1, last_error=bindparam("error"))
)
_RELEASE = update(_OUTBOX).where(_BY_ID, _OUTBOX.c.status == "sending").values(status="pending", available_at=bindparam("at"))
_DEAD = update(_OUTBOX).where(_BY_ID).values(status="dead", attempts=_OUTBOX.c.attempts + 1, last_error=bindparam("error"))


_RENEW = (
    update(_OUTBOX)
    .where(_OUTBOX.c.status == "sending", _OUTBOX.c.lease_owner == bindparam("owner"))
    .values(available_at=bindparam("until"))
)


async def renew(session: AsyncSession, owner: str) -> int:
    """Extend the leases of every row `owner` is still sending; returns how many."""
    result = await session.execute(_RENEW, {"owner": owner, "until": utcnow() + LEASE})
    return int(result.rowcount or 0)


async def release_owned(session: AsyncSession, owner: str) -> int:
    """At start-up: rows the previous process of this identity was sending go back to pending at once."""
    stmt = update(_OUTBOX).where(_OUTBOX.c.status == "sending", _OUTBOX.c.lease_owner == owner).values(status="pending", available_at=utcnow())
    return int((await session.execute(stmt)).rowcount or 0)


async def mark_sent(session: AsyncSession, row_id: int, handle: str | None) -> None:
    """Sent: recorded once (a second report of the same row changes nothing)."""
    await session.execute(_SENT, {"row_id": row_id, "at": utcnow(), "handle": handle})


async def mark_sent_and_erase(session: AsyncSession, row_id: int, handle: str | None) -> None:
    """Sent, and gone: the farewell to a member who erased their data keeps nothing of them."""
    await session.execute(delete(_OUTBOX).where(_BY_ID, _OUTBOX.c.status == "sending"), {"row_id": row_id})


async def mark_retry(session: AsyncSession, row_id: int, delay: float, error: str) -> None:
    await session.execute(_RETRY, {"row_id": row_id, "at": utcnow() + timedelta(seconds=delay), "error": error[:2000]})


async def release(session: AsyncSession, row_id: int, delay: float) -> None:
    """Give a claimed row back unsent (its conversation must wait); not counted as an attempt."""
    await session.execute(_RELEASE, {"row_id": row_id, "at": utcnow() + timedelta(seconds=delay)})


async def mark_dead(session: AsyncSession, row_id: int, error: str) -> None:
    await session.execute(_DEAD, {"row_id": row_id, "error": error[:2000]})


async def pending_count(session: AsyncSession, platforms: Sequence[str] | None = None) -> int:
    stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending")))
    if platforms:
        stmt = stmt.where(OutboxMessage.platform.in_(platforms))
    return int((await session.execute(stmt)).scalar_one())


async def next_available(session: AsyncSession, platforms: Sequence[str]) -> float | None:
    """Seconds until the next waiting row may be sent, or None if nothing waits."""
    stmt = select(func.min(OutboxMessage.available_at)).where(
        OutboxMessage.platform.in_(platforms), OutboxMessage.status.in_(("pending", "sending"))
    )
    soonest = (await session.execute(stmt)).scalar_one()
    if soonest is None:
        return None
    return max(0.0, (soonest - utcnow()).total_seconds())


async def purge_delivered(session: AsyncSession, retention: timedelta) -> int:
    """Delete rows sent (or given up on) longer ago than `retention`: their payloads hold members'
    names, answers echoed back and their own data files, which nobody needs once delivered."""
    before = utcnow() - retention
    stmt = delete(OutboxMessage).where(
        ((OutboxMessage.status == "sent") & (OutboxMessage.sent_at < before))
        | ((OutboxMessage.status == "dead") & (OutboxMessage.created_at < before))
    )
    return int((await session.execute(stmt)).rowcount or 0)
