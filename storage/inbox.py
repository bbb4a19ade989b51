"""The inbox: every platform request is written here before it is acknowledged.

A row is `pending` from the moment a request is accepted until the engine turn it causes commits:
that turn's own idempotency claim (`claim`) marks it `done` and drops the payload in the same
transaction, so a crash anywhere leaves either a pending row (handled again at start-up) or a
done one (never handled twice). Done rows keep only the digest of their key, for the platform's
retry window, and are then pruned. Keys are stored as digests (`digest`), never as written.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.driver import Driver
from storage.models import InboxEntry, utcnow

# Slack re-sends an event for about five minutes; keep the keys well past that.
RETRY_WINDOW = timedelta(hours=1)
# How long an accepting process has to finish a row before another worker may take it.
LEASE = timedelta(seconds=15)
MAX_ATTEMPTS = 5

_TABLE = InboxEntry.__table__


def digest(key: str) -> str:
    """What is stored of an idempotency key (the one place that decides it)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _claim(insert: Any) -> Any:
    # A handled row keeps the hour only: enough to prune by, while an exact time could be matched
    # with a member's activity elsewhere.
    stmt = insert(_TABLE).values(key=bindparam("key"), payload=None, status="done", attempts=0, received_at=bindparam("at"))
    return stmt.on_conflict_do_update(
        index_elements=[_TABLE.c.key],
        set_={"payload": None, "status": "done", "lease_until": None, "received_at": bindparam("at")},
        where=_TABLE.c.status != "done",
    ).returning(_TABLE.c.key)


_CLAIM = {"sqlite": _claim(sqlite.insert), "postgresql": _claim(postgresql.insert)}
# What every request costs before it is acknowledged: on the driver (storage/driver.py).
_ACCEPT_SQL = (
    "INSERT INTO inbox (key, payload, status, attempts, received_at, lease_until) "
    "VALUES (:key, :payload, 'pending', 0, :at, :lease) ON CONFLICT (key) DO NOTHING RETURNING key"
)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def accept_all(driver: Driver, requests: list[tuple[str, dict[str, Any]]]) -> list[bool]:
    """Store requests (key, payload) in the driver's transaction; for each, False if its key was
    accepted before (a re-delivery)."""
    now = utcnow()
    at, lease = driver.time(now), driver.time(now + LEASE)
    return [
        await driver.one(_ACCEPT_SQL, {"key": digest(key), "payload": driver.json(payload), "at": at, "lease": lease}) is not None
        for key, payload in requests
    ]


async def claim(session: AsyncSession, key: str) -> bool:
    """The idempotency claim of an engine turn: True if the event is to be handled now.

    An accepted row becomes done (its payload dropped); an event that never went through the
    inbox (the console, the scheduler) gets a done row of its own. Rolled back with the turn.
    """
    params = {"key": digest(key), "at": utcnow().replace(minute=0, second=0, microsecond=0)}
    return (await session.execute(_CLAIM[_dialect(session)], params)).scalar_one_or_none() is not None


async def take_leftovers(session: AsyncSession, limit: int = 50, everything_before: datetime | None = None) -> list[tuple[str, dict[str, Any], int]]:
    """Pending rows whose lease ran out, leased to this worker: (digest, payload, attempts so far).

    At start-up `everything_before` (the start time) takes every row accepted before it, lease or
    not: their process is gone. Rows leased here get a later lease, so they are not taken twice.
    """
    now = utcnow()
    cutoff = now if everything_before is None else everything_before + LEASE
    stmt = select(_TABLE.c.key, _TABLE.c.payload, _TABLE.c.attempts).where(_TABLE.c.status == "pending", _TABLE.c.lease_until < cutoff)
    stmt = stmt.order_by(_TABLE.c.received_at).limit(limit)
    if _dialect(session) == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = [(str(k), p, int(a)) for k, p, a in (await session.execute(stmt)).all()]
    if rows:
        await session.execute(
            update(_TABLE)
            .where(_TABLE.c.key.in_([k for k, _, _ in rows]), _TABLE.c.status == "pending")
            .values(lease_until=now + LEASE, attempts=_TABLE.c.attempts + 1)
        )
    return rows


async def give_up(session: AsyncSession, key_digest: str, error: str) -> None:
    """A row that failed every attempt: kept (with its payload) for the operator, never retried."""
    await session.execute(update(_TABLE).where(_TABLE.c.key == key_digest, _TABLE.c.status == "pending").values(status="failed", error=error[:2000]))


async def prune(session: AsyncSession) -> int:
    """Done rows past the retry window go: afterwards nothing remains of those requests."""
    result = await session.execute(delete(_TABLE).where(_TABLE.c.status == "done", _TABLE.c.received_at < utcnow() - RETRY_WINDOW))
    return int(result.rowcount or 0)


async def counts(session: AsyncSession) -> dict[str, int]:
    rows = (await session.execute(select(_TABLE.c.status, func.count()).group_by(_TABLE.c.status))).all()
    return {str(status): int(n) for status, n in rows}
