"""A digest to many readers, queued in bounded chunks that never hold the writer long.

The digest is the same for every reader of one language, so it is rendered once per language
(its chart stored once, storage/chart_images.py) and only the addressee changes. The turn that
publishes it queues the first chunk itself (its digests are among the turn's replies); the rest
are left in `digest_chunks` in the same transaction and queued after the commit, one short
transaction per chunk, so another member's click is handled between two chunks. A crash loses no
chunk and repeats none: `DigestFanout.run` in any process takes what is left.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.messages import Audience, ChartImages, Digest, Outbound, to_json
from flows.turn import EngineConfig
from storage import chart_images, digest_chunks, fanout
from storage.database import Database

log = logging.getLogger(__name__)
CHUNK = 250  # readers per transaction, as a launch's chunk
PAUSE = 0.002  # seconds between two chunks, for the requests that arrived meanwhile


async def split(
    tx: AsyncSession, config: EngineConfig, round_id: int, editions: Mapping[str, Digest], targets: Sequence[tuple[Audience, str]]
) -> list[Outbound]:
    """The digests of the first chunk, for the turn's replies; the others wait in `digest_chunks`
    for after the commit (a channel round's one digest, or a small round's, all go at once)."""
    first = [_addressed(editions[lang], audience) for audience, lang in targets[:CHUNK]]
    rest = targets[CHUNK:]
    if not rest:
        return first
    images = ChartImages()
    wanted = {lang for _, lang in rest}
    templates = {lang: _template(to_json(editions[lang], images)) for lang in wanted}
    await chart_images.save(tx, images.by_digest)
    await digest_chunks.plan(tx, round_id, templates, [(audience.key, lang) for audience, lang in rest], CHUNK)
    if config.after_commit is not None:
        fan = DigestFanout(config.after_commit.db, config)

        async def finish() -> list[Outbound]:
            await fan.finish([round_id])
            return []

        config.after_commit.run(tx, finish)
    return first


def _addressed(digest: Digest, audience: Audience) -> Digest:
    chart = dataclasses.replace(digest.chart, audience=audience) if digest.chart else None
    return dataclasses.replace(digest, audience=audience, chart=chart)


def _template(data: dict[str, Any]) -> dict[str, Any]:
    """A digest's JSON without its addressee (filled in per reader when the chunk is queued)."""
    data = dict(data)
    data.pop("audience", None)
    if data.get("chart"):
        data["chart"] = {k: v for k, v in data["chart"].items() if k != "audience"}
    return data


def _rows(editions: Mapping[str, dict[str, Any]], targets: Sequence[tuple[str, str]]) -> list[tuple[str, str, dict[str, Any]]]:
    """As `to_json` gives each reader's digest, without building them one by one."""
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for key, lang in targets:
        platform = key.split(":", 1)[0]
        audience = {"platform": platform, "member_key": key, "channel_key": None}
        message = {**editions[lang], "audience": audience}
        if message.get("chart"):
            message["chart"] = {**message["chart"], "audience": audience}
        rows.append((platform, key, message))
    return rows


class DigestFanout:
    """Queues the chunks that publishing left in `digest_chunks`, one transaction each."""

    def __init__(self, db: Database, config: EngineConfig) -> None:
        self.db = db
        self.config = config
        self._stopping = False

    async def queue_chunk(self, round_ids: Sequence[int] | None = None) -> int | None:
        """Queue one waiting chunk's digests; how many, or None when none waits."""
        async with self.db.transaction() as tx:
            taken = await digest_chunks.take(tx, round_ids)
            if taken is None:
                return None
            _, editions, targets = taken
            await fanout.enqueue_rows(tx, _rows(editions, targets))
        after = self.config.after_commit
        if targets and after is not None and after.on_queued is not None:
            after.on_queued()  # the dispatcher sends while the next chunk is written
        return len(targets)

    async def finish(self, round_ids: Sequence[int] | None = None) -> int:
        """Queue every waiting chunk (of these rounds); how many digests were queued."""
        queued = 0
        while True:
            await asyncio.sleep(PAUSE)  # a real pause: a click that arrived meanwhile goes first
            count = await self.queue_chunk(round_ids)
            if count is None:
                return queued
            queued += count

    async def run(self, interval: float = 5.0) -> None:
        """Finish publishing that a crash (or another process) left unfinished."""
        while not self._stopping:
            try:
                done = await self.finish()
                if done:
                    log.info("digests: queued %d digest(s) of an earlier publication", done)
            except Exception:
                log.exception("digests: queuing a chunk failed; trying again shortly")
            await asyncio.sleep(interval)

    def stop(self) -> None:
        self._stopping = True
