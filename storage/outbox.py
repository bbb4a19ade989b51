"""The outbox: messages wait here, written in the same transaction as the change that caused them.

Rows go pending -> sending (claimed, with a lease) -> sent, or back to pending with a later
`available_at` on a retry, or to dead when retrying cannot help. On PostgreSQL several workers
claim rows with FOR UPDATE SKIP LOCKED. The lease is short and renewed by its worker while it
sends (`renew`), so a crashed worker's rows are taken over within LEASE seconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, utcnow
from storage.units import Executor, dialect_of

LEASE = timedelta(seconds=20)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row leased to a worker: what the dispatcher needs to send it, as plain values."""

    id: int
    platform: str
    audience: str
    message: dict[str, Any]
    attempts: int


_OUTBOX = OutboxMessage.__table__
_READY = _OUTBOX.c.status.in_(("pending", "sending")) & (_OUTBOX.c.available_at <= bindparam("now"))
_CANDIDATES = (
    select(_OUTBOX.c.id)
    .where(_OUTBOX.c.platform.in_(bindparam("platforms", expanding=True)), _READY)
    .order_by(_OUTBOX.c.id)
    .limit(bindparam("limit"))
)
# Other workers skip the rows this one is about to lease rather than queue behind its lock.
_CANDIDATES_LOCKED = _CANDIDATES.with_for_update(skip_locked=True)
_TAKE = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)), _READY)
    .values(status="sending", available_at=bindparam("until"), lease_owner=bindparam("owner"))
    .returning(_OUTBOX.c.id, _OUTBOX.c.platform, _OUTBOX.c.audience, _OUTBOX.c.message, _OUTBOX.c.attempts)
)


async def claim(tx: Executor, platforms: Sequence[str], limit: int = 100, owner: str | None = None) -> list[Claimed]:
    """Take up to `limit` rows that may be sent now, leasing them to the worker `owner`."""
    now = utcnow()
    candidates = _CANDIDATES_LOCKED if dialect_of(tx) == "postgresql" else _CANDIDATES
    # Two statements, not an UPDATE over a LIMIT subquery: PostgreSQL may run such a subquery more
    # than once and take more rows than asked. The UPDATE checks readiness again because on SQLite
    # another worker may take a row between this read and the write lock.
    ids = [row[0] for row in await tx.execute(candidates, {"platforms": list(platforms), "now": now, "limit": limit})]
    if not ids:
        return []
    taken = await tx.execute(_TAKE, {"ids": ids, "now": now, "until": now + LEASE, "owner": owner})
    return sorted((Claimed(*row) for row in taken), key=lambda row: row.id)


# Prebuilt Core statements on the table: the dispatcher records an outcome for every message.
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
_ERASE = delete(_OUTBOX).where(_BY_ID, _OUTBOX.c.status == "sending")


_RENEW = (
    update(_OUTBOX)
    .where(_OUTBOX.c.status == "sending", _OUTBOX.c.lease_owner == bindparam("owner"))
    .values(available_at=bindparam("until"))
)


async def renew(session: Executor, owner: str) -> int:
    """Extend the leases of every row `owner` is still sending; returns how many."""
    result = await session.execute(_RENEW, {"owner": owner, "until": utcnow() + LEASE})
    return int(result.rowcount or 0)


async def release_owned(session: Executor, owner: str) -> int:
    """At start-up: rows the previous process of this identity was sending go back to pending at once."""
    stmt = update(_OUTBOX).where(_OUTBOX.c.status == "sending", _OUTBOX.c.lease_owner == owner).values(status="pending", available_at=utcnow())
    return int((await session.execute(stmt)).rowcount or 0)


async def mark_sent(session: AsyncSession, row_id: int, handle: str | None) -> None:
    """Sent: recorded once (a second report of the same row changes nothing)."""
    await session.execute(_SENT, {"row_id": row_id, "at": utcnow(), "handle": handle})


async def mark_sent_and_erase(session: AsyncSession, row_id: int, handle: str | None) -> None:
    """Sent, and gone: the farewell to a member who erased their data keeps nothing of them."""
    await session.execute(_ERASE, {"row_id": row_id})


async def mark_retry(session: AsyncSession, row_id: int, delay: float, error: str) -> None:
    await session.execute(_RETRY, {"row_id": row_id, "at": utcnow() + timedelta(seconds=delay), "error": error[:2000]})


async def release(session: AsyncSession, row_id: int, delay: float) -> None:
    """Give a claimed row back unsent (its conversation must wait); not counted as an attempt."""
    await session.execute(_RELEASE, {"row_id": row_id, "at": utcnow() + timedelta(seconds=delay)})


async def mark_dead(session: AsyncSession, row_id: int, error: str) -> None:
    await session.execute(_DEAD, {"row_id": row_id, "error": error[:2000]})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one claimed row: `kind` is sent, erase (sent, then deleted), retry, release
    or dead; `handle`, `delay` and `error` as that kind needs."""

    kind: str
    row_id: int
    handle: str | None = None
    delay: float = 0.0
    error: str = ""


async def record(tx: Executor, outcomes: Sequence[Outcome]) -> None:
    """Record many rows' outcomes with one statement per kind (a batch, not a row at a time).
    Each row appears once in a batch: the dispatcher claims a row once per lease."""
    now = utcnow()
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in outcomes:
        if o.kind == "sent":
            by_kind[o.kind].append({"row_id": o.row_id, "at": now, "handle": o.handle})
        elif o.kind == "erase":
            by_kind[o.kind].append({"row_id": o.row_id})
        elif o.kind == "retry":
            by_kind[o.kind].append({"row_id": o.row_id, "at": now + timedelta(seconds=o.delay), "error": o.error[:2000]})
        elif o.kind == "release":
            by_kind[o.kind].append({"row_id": o.row_id, "at": now + timedelta(seconds=o.delay)})
        elif o.kind == "dead":
            by_kind[o.kind].append({"row_id": o.row_id, "error": o.error[:2000]})
        else:
            raise ValueError(f"unknown outbox outcome {o.kind!r}")
    statements = {"sent": _SENT, "erase": _ERASE, "retry": _RETRY, "release": _RELEASE, "dead": _DEAD}
    for kind, params in by_kind.items():
        await tx.execute(statements[kind], params)


async def pending_count(session: AsyncSession, platforms: Sequence[str] | None = None) -> int:
    stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending")))
    if platforms:
        stmt = stmt.where(OutboxMessage.platform.in_(platforms))
    return int((await session.execute(stmt)).scalar_one())


async def next_available(session: Executor, platforms: Sequence[str]) -> float | None:
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
