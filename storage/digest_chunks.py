"""The readers a big digest is still to be queued for, a few hundred to a row.

`take` deletes one row in the transaction that queues its digests, so each chunk is either wholly
queued or still waiting whatever crashes: no reader is missed and none gets the digest twice. On
PostgreSQL the row is locked and other processes skip it. The rows hold member keys for seconds
only; erasure (`forget`) still takes a member off them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update

from storage.models import DigestChunk, utcnow
from storage.units import Executor, dialect_of

_CHUNKS = DigestChunk.__table__


async def plan(tx: Executor, round_id: int, editions: Mapping[str, dict[str, Any]], targets: Sequence[tuple[str, str]], size: int) -> int:
    """Leave `targets` (member key, language) to be queued later, `size` to a row; how many rows."""
    now = utcnow()
    rows = [
        {"round_id": round_id, "editions": dict(editions), "targets": [list(t) for t in targets[i : i + size]], "created_at": now}
        for i in range(0, len(targets), size)
    ]
    if rows:
        await tx.execute(insert(_CHUNKS), rows)
    return len(rows)


async def take(tx: Executor, round_ids: Sequence[int] | None = None) -> tuple[int, dict[str, Any], list[tuple[str, str]]] | None:
    """Remove one waiting chunk and return (round id, editions by language, targets)."""
    pick = select(_CHUNKS.c.id).order_by(_CHUNKS.c.id).limit(1)
    if round_ids is not None:
        pick = pick.where(_CHUNKS.c.round_id.in_(list(round_ids)))
    if dialect_of(tx) == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    chunk_id = (await tx.execute(pick)).scalar_one_or_none()
    if chunk_id is None:
        return None
    stmt = delete(_CHUNKS).where(_CHUNKS.c.id == chunk_id).returning(_CHUNKS.c.round_id, _CHUNKS.c.editions, _CHUNKS.c.targets)
    row = (await tx.execute(stmt)).first()
    if row is None:  # another process on SQLite took it between the two statements
        return None
    return int(row[0]), dict(row[1]), [(str(key), str(lang)) for key, lang in row[2]]


async def waiting(tx: Executor, round_ids: Sequence[int] | None = None) -> int:
    """How many readers are still to be queued a digest (of these rounds, or of any)."""
    stmt = select(_CHUNKS.c.targets)
    if round_ids is not None:
        stmt = stmt.where(_CHUNKS.c.round_id.in_(list(round_ids)))
    return sum(len(targets) for targets in (await tx.execute(stmt)).scalars().all())


async def forget(tx: Executor, member_key: str) -> None:
    """Erasure: the member is taken off every digest still to be queued."""
    for chunk_id, targets in (await tx.execute(select(_CHUNKS.c.id, _CHUNKS.c.targets))).all():
        rest = [t for t in targets if t[0] != member_key]
        if len(rest) == len(targets):
            continue
        stmt = update(_CHUNKS).where(_CHUNKS.c.id == chunk_id).values(targets=rest) if rest else delete(_CHUNKS).where(_CHUNKS.c.id == chunk_id)
        await tx.execute(stmt)
