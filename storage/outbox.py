"""The outbox: messages wait here, written in the same transaction as the change that caused them.

Rows go pending -> sending (claimed, with a lease) -> sent, or back to pending with a later
`available_at` on a retry, or to dead when retrying cannot help. On PostgreSQL several workers
claim rows with FOR UPDATE SKIP LOCKED. The lease is short and renewed by its worker while it
sends (`renew`), so a crashed worker's rows are taken over within LEASE seconds.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.driver import Driver
from storage.models import OutboxMessage, utcnow
from storage.units import Executor

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
_READY_SQL = "status IN ('pending', 'sending') AND available_at <= :now"
_RETURNED = "RETURNING id, platform, audience, message, attempts"
# On the driver (storage/driver.py): a claim and its outcomes run for every message sent, and
# through Core their row and parameter processing was 3.5% of a Slack click's instructions.
# SQLite takes the batch in one statement (it runs under the write lock, so nobody takes a row
# in between); the platforms come as one JSON parameter, so the statement is the same for any.
_CLAIM_SQLITE = (
    "UPDATE outbox SET status = 'sending', available_at = :until, lease_owner = :owner "
    f"WHERE id IN (SELECT id FROM outbox WHERE platform IN (SELECT value FROM json_each(:platforms)) AND {_READY_SQL} "
    f"ORDER BY id LIMIT :limit) AND {_READY_SQL} {_RETURNED}"
)
# PostgreSQL: two statements, not an UPDATE over a LIMIT subquery, which it may run more than once
# and so take more rows than asked; other workers skip the rows this one is about to lease rather
# than queue behind its lock, and the UPDATE checks readiness again.
_CANDIDATES_PG = f"SELECT id FROM outbox WHERE platform = ANY(:platforms) AND {_READY_SQL} ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
_TAKE_PG = f"UPDATE outbox SET status = 'sending', available_at = :until, lease_owner = :owner WHERE id = ANY(:ids) AND {_READY_SQL} {_RETURNED}"


async def claim(tx: Executor, platforms: Sequence[str], limit: int = 100, owner: str | None = None) -> list[Claimed]:
    """Take up to `limit` rows that may be sent now, leasing them to the worker `owner`."""
    driver = await Driver.of_executor(tx)
    now = utcnow()
    params: dict[str, Any] = {"now": driver.time(now), "until": driver.time(now + LEASE), "owner": owner, "limit": limit}
    if driver.postgres:
        ids = [row[0] for row in await driver.all(_CANDIDATES_PG, {**params, "platforms": list(platforms)})]
        if not ids:
            return []
        taken = await driver.all(_TAKE_PG, {**params, "ids": ids})
    else:
        taken = await driver.all(_CLAIM_SQLITE, {**params, "platforms": json.dumps(list(platforms))})
    return sorted((Claimed(int(i), p, a, driver.loaded(m), int(n)) for i, p, a, m, n in taken), key=lambda row: row.id)


# Each kind of outcome, many rows a statement, on the driver (`record`).
_OUTCOME_SQL = {
    "sent": "UPDATE outbox SET status = 'sent', sent_at = :at, handle = :handle, attempts = attempts + 1 WHERE id = :row_id AND status = 'sending'",
    "erase": "DELETE FROM outbox WHERE id = :row_id AND status = 'sending'",
    "retry": "UPDATE outbox SET status = 'pending', available_at = :at, attempts = attempts + 1, last_error = :error WHERE id = :row_id",
    "release": "UPDATE outbox SET status = 'pending', available_at = :at WHERE id = :row_id AND status = 'sending'",
    "dead": "UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = :error WHERE id = :row_id",
}


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
    if not outcomes:
        return
    driver = await Driver.of_executor(tx)
    now = utcnow()
    at = driver.time(now)
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in outcomes:
        if o.kind == "sent":
            by_kind[o.kind].append({"row_id": o.row_id, "at": at, "handle": o.handle})
        elif o.kind == "erase":
            by_kind[o.kind].append({"row_id": o.row_id})
        elif o.kind == "retry":
            by_kind[o.kind].append({"row_id": o.row_id, "at": driver.time(now + timedelta(seconds=o.delay)), "error": o.error[:2000]})
        elif o.kind == "release":
            by_kind[o.kind].append({"row_id": o.row_id, "at": driver.time(now + timedelta(seconds=o.delay))})
        elif o.kind == "dead":
            by_kind[o.kind].append({"row_id": o.row_id, "error": o.error[:2000]})
        else:
            raise ValueError(f"unknown outbox outcome {o.kind!r}")
    for kind, params in by_kind.items():
        await driver.many(_OUTCOME_SQL[kind], params)


async def mark_sent(session: Executor, row_id: int, handle: str | None) -> None:
    """Sent: recorded once (a second report of the same row changes nothing)."""
    await record(session, [Outcome("sent", row_id, handle=handle)])


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
