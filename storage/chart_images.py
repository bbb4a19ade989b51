"""Chart images stored once, by sha256: what outbox rows and Teams chart links name.

A digest to 2,000 members used to carry its chart's PNG (as base64) in each of 2,000 outbox rows,
46 KB a row. Now the image is written once when the first message with it is queued, the rows
say only its digest, and the dispatcher reads the images of a claimed batch with one query.
Any process can serve any chart to Teams from here (adapters/teams/charts.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from sqlalchemy import String, bindparam, cast, delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import ChartImage, DigestChunk, OutboxMessage, utcnow
from storage.units import Executor, dialect_of

_IMAGES = ChartImage.__table__
_OUTBOX = OutboxMessage.__table__
_CHUNKS = DigestChunk.__table__
_LOAD = select(_IMAGES.c.sha256, _IMAGES.c.png).where(_IMAGES.c.sha256.in_(bindparam("digests", expanding=True)))


async def save(tx: Executor, images: Mapping[str, bytes]) -> None:
    """Store these images (digest -> PNG); one already stored is only marked as used now."""
    if not images:
        return
    now = utcnow()
    insert = (postgresql.insert if dialect_of(tx) == "postgresql" else sqlite.insert)(_IMAGES)
    rows = [{"sha256": digest, "png": png, "created_at": now, "used_at": now} for digest, png in images.items()]
    await tx.execute(insert.on_conflict_do_update(index_elements=["sha256"], set_={"used_at": now}), rows)


async def load(tx: Executor, digests: Iterable[str]) -> dict[str, bytes]:
    """The stored PNGs of these digests (those missing are left out)."""
    wanted = sorted(set(digests))
    if not wanted:
        return {}
    return {digest: bytes(png) for digest, png in (await tx.execute(_LOAD, {"digests": wanted})).all()}


async def image(tx: Executor, digest: str) -> bytes | None:
    return (await load(tx, [digest])).get(digest)


async def purge(tx: Executor, retention: timedelta) -> int:
    """Delete images not queued for longer than `retention` that no waiting message still names.

    Delivered rows go after the same retention (storage/outbox.purge_delivered); a message held
    back longer (working hours, a paused launch) keeps its image."""
    before = utcnow() - retention
    old = (await tx.execute(select(_IMAGES.c.sha256).where(_IMAGES.c.used_at < before))).scalars().all()
    gone = 0
    for digest in old:
        needle = f"%{digest}%"
        waiting = exists().where(_OUTBOX.c.status.in_(("pending", "sending")), cast(_OUTBOX.c.message, String).like(needle))
        chunked = exists().where(cast(_CHUNKS.c.editions, String).like(needle))
        stmt = delete(_IMAGES).where(_IMAGES.c.sha256 == digest, _IMAGES.c.used_at < before, ~waiting, ~chunked)
        gone += int((await tx.execute(stmt)).rowcount or 0)
    return gone

