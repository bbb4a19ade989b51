"""Drains the outbox through each platform's transport, within its limits, retrying with backoff."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.transport import RetryLater, Transport, Undeliverable
from flows.messages import from_json
from storage import outbox
from storage.database import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = 2.0
BACKOFF_CAP = 600.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one row: the outbox function that records it, and its arguments."""

    action: Callable[..., Awaitable[None]]
    row_id: int
    args: tuple[Any, ...] = ()


class Pacer:
    """Per-conversation spacing with a small burst, and an overall rate per platform."""

    def __init__(self, transport: Transport) -> None:
        self.pacing = transport.pacing
        self._recent: dict[str, list[float]] = defaultdict(list)
        self._next_global = 0.0
        self._lock = asyncio.Lock()

    async def wait(self, conversation: str) -> None:
        pacing = self.pacing
        if pacing.per_conversation_interval > 0:
            window = pacing.per_conversation_interval * max(pacing.burst, 1)
            recent = self._recent[conversation]
            now = time.monotonic()
            recent[:] = [t for t in recent if now - t < window]
            if len(recent) >= max(pacing.burst, 1):
                await asyncio.sleep(window - (now - recent[0]))
            self._recent[conversation].append(time.monotonic())
        if pacing.per_platform_rate > 0:
            async with self._lock:
                now = time.monotonic()
                start = max(now, self._next_global)
                self._next_global = start + 1.0 / pacing.per_platform_rate
            if start > now:
                await asyncio.sleep(start - now)


class Dispatcher:
    def __init__(self, db: Database, transports: Mapping[str, Transport], batch: int = 100) -> None:
        self.db = db
        self.transports = dict(transports)
        self.pacers = {name: Pacer(t) for name, t in self.transports.items()}
        self.batch = batch
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def drain(self) -> int:
        """Send everything that may be sent now; returns how many rows were handled."""
        handled = 0
        while True:
            async with self.db.transaction() as tx:
                rows = await outbox.claim(tx, list(self.transports), self.batch)
            if not rows:
                return handled
            by_conversation: dict[str, list[OutboxMessage]] = defaultdict(list)
            for row in rows:
                by_conversation[row.audience].append(row)
            await asyncio.gather(*(self._send_all(items) for items in by_conversation.values()))
            handled += len(rows)

    async def _send_all(self, rows: list[OutboxMessage]) -> None:
        """One conversation's rows, in order. Their outcomes are written together (at most a second
        late), and a conversation that is told to wait keeps its order: the rest wait with it."""
        outcomes: list[Outcome] = []
        flushed = time.monotonic()
        for index, row in enumerate(rows):
            outcome = await self._send(row)
            outcomes.append(outcome)
            if outcome.action is outbox.mark_retry:
                delay = float(outcome.args[0])
                outcomes += [Outcome(outbox.release, later.id, (delay,)) for later in rows[index + 1 :]]
                break
            if time.monotonic() - flushed > 1.0:
                await self._apply(outcomes)
                outcomes, flushed = [], time.monotonic()
        await self._apply(outcomes)

    async def _send(self, row: OutboxMessage) -> "Outcome":
        transport = self.transports[row.platform]
        try:
            message = from_json(row.message)
        except (KeyError, TypeError, ValueError) as exc:
            return Outcome(outbox.mark_dead, row.id, (f"unreadable message: {exc}",))
        await self.pacers[row.platform].wait(row.audience)
        try:
            handle = await transport.deliver(message)
        except RetryLater as exc:
            attempts = row.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                log.error("outbox %s: giving up after %d attempts: %s", row.id, attempts, exc)
                return Outcome(outbox.mark_dead, row.id, (str(exc),))
            delay = exc.retry_after if exc.retry_after is not None else min(BACKOFF_CAP, BACKOFF_BASE**attempts)
            log.warning("outbox %s: %s; retrying in %.1f s", row.id, exc, delay)
            return Outcome(outbox.mark_retry, row.id, (delay, str(exc)))
        except Undeliverable as exc:
            log.error("outbox %s: undeliverable: %s", row.id, exc)
            return Outcome(outbox.mark_dead, row.id, (str(exc),))
        except Exception as exc:  # an adapter bug must not stop the other messages
            log.exception("outbox %s: delivery failed", row.id)
            return Outcome(outbox.mark_retry, row.id, (min(BACKOFF_CAP, BACKOFF_BASE ** (row.attempts + 1)), repr(exc)))
        return Outcome(outbox.mark_sent, row.id, (handle,))

    async def _apply(self, outcomes: list["Outcome"]) -> None:
        if not outcomes:
            return
        async with self.db.transaction() as tx:
            for outcome in outcomes:
                await outcome.action(tx, outcome.row_id, *outcome.args)

    async def run(self, idle: float = 1.0) -> None:
        """Keep draining until stopped; woken early when the engine has queued something."""
        while not self._stopping:
            try:
                await self.drain()
                async with self.db.transaction() as tx:
                    soonest = await outbox.next_available(tx, list(self.transports))
            except Exception:
                log.exception("outbox dispatcher: drain failed; trying again shortly")
                soonest = idle
            timeout = idle if soonest is None else min(idle, max(soonest, 0.01))
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
