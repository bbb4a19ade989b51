"""Slow work that must not hold a transaction open (a language model call): run after the commit.

A turn registers the work on its transaction; once that transaction commits, the work runs as a
task outside any transaction and whatever messages it returns are queued in a transaction of their
own. If the turn rolls back, the work never runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from flows.messages import ChartImages, Outbound, to_json
from storage import chart_images, repository as repo
from storage.database import Database

log = logging.getLogger(__name__)
Work = Callable[[], Awaitable[list[Outbound]]]


class AfterCommit:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.on_queued: Callable[[], None] | None = None  # wakes the dispatcher
        self._tasks: set[asyncio.Task[None]] = set()

    def run(self, tx: AsyncSession, work: Work) -> None:
        def committed() -> None:
            task = asyncio.get_running_loop().create_task(self._run(work), name="after-commit")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        # Not the session's own after_commit event: in a group commit (Database.grouped) the
        # session commits for several turns, and a turn rolled back to its savepoint must not run.
        self.db.on_commit(tx, committed)

    def wipe_log(self, tx: AsyncSession, rewrite: bool = False) -> None:
        """Once `tx` commits, empty SQLite's write-ahead log (Database.wipe_log): its frames would
        otherwise keep, commit by commit, which rows changed together (an erased member; which
        answers joined the anonymous pool in the same commit as whose session)."""

        async def wipe() -> list[Outbound]:
            await self.db.wipe_log(rewrite)
            return []

        self.run(tx, wipe)

    async def _run(self, work: Work) -> None:
        try:
            messages = await work()
            if not messages:
                return
            images = ChartImages()
            async with self.db.transaction() as tx:
                for message in messages:
                    await repo.enqueue(tx, message.audience.platform, message.audience.key, to_json(message, images))
                await chart_images.save(tx, images.by_digest)
        except Exception:  # a failed follow-up must not take the process down; the turn itself is done
            log.exception("work after a commit failed")
            return
        if messages and self.on_queued is not None:
            self.on_queued()

    async def wait(self) -> None:
        """Until all started work has finished (the console waits before it exits)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
