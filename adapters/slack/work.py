"""Work done after Slack has been acknowledged, by a few workers in the same event loop.

Bolt would run each listener as its own task; under a burst of clicks, fifty engine turns then
interleave on the loop and the acknowledgements of new requests wait behind them. A short queue
with a few workers keeps the loop free to acknowledge at once, and the work follows in order.
(An acknowledged request is not re-sent by Slack, so like bolt's own tasks this work lives in
memory: on shutdown the queue is drained before the process ends.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
WORKERS = 4  # enough to overlap Web API waits; SQLite has one writer anyway


class WorkQueue:
    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers
        self._queue: asyncio.Queue[Job] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def put(self, job: Job) -> None:
        if self._queue is None:
            # Created on first use: the queue and its workers belong to the running loop.
            self._queue = asyncio.Queue()
            self._tasks = [asyncio.create_task(self._work(), name=f"slack-work-{i}") for i in range(self.workers)]
        self._queue.put_nowait(job)

    async def _work(self) -> None:
        assert self._queue is not None
        while True:
            job = await self._queue.get()
            try:
                await job()
            except Exception:
                log.exception("slack: work after the acknowledgement failed")
            finally:
                self._queue.task_done()

    async def join(self) -> None:
        """Wait until everything queued so far is done."""
        if self._queue is not None:
            await self._queue.join()

    async def close(self, timeout: float = 10.0) -> None:
        try:
            await asyncio.wait_for(self.join(), timeout)
        except asyncio.TimeoutError:
            log.warning("slack: stopping with work still queued")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self._queue = None
