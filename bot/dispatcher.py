"""Drains the outbox through each platform's transport, within its limits, retrying with backoff."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from adapters.transport import RetryLater, Transport, Undeliverable
from flows.messages import Outbound, chart_digests, from_json
from storage import chart_images, outbox
from storage.database import Database
from storage.outbox import Claimed, Outcome
from storage.units import core_transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = 2.0
BACKOFF_CAP = 600.0


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
    def __init__(self, db: Database, transports: Mapping[str, Transport], batch: int = 100, identity: str | None = None) -> None:
        self.db = db
        self.transports = dict(transports)
        self.pacers = {name: Pacer(t) for name, t in self.transports.items()}
        self.batch = batch
        self._wake = asyncio.Event()
        self._stopping = False
        # Names this worker's leases. A server's identity is its host and port (see `reclaim`);
        # otherwise it is unique to this process.
        self.identity = identity or f"{socket.gethostname()[:20]}:{os.getpid()}:{secrets.token_hex(3)}"
        self._recorder = _Recorder(db)
        # The outcome of each conversation's last message of the batch just sent. Nothing else of
        # that conversation goes before the next claim, so they are committed in the claim's own
        # transaction: still at most one message per conversation that a crash can repeat.
        self._unrecorded: list[Outcome] = []
        self._soonest: float | None = None  # seconds until the next waiting row, as the last drain saw

    async def reclaim(self) -> int:
        """Release the rows a previous process of this identity held when it died. Only called once
        this process has bound the identity's port, which proves that process is gone."""
        async with core_transaction(self.db) as tx:
            released = await outbox.release_owned(tx, self.identity)
        if released:
            log.info("outbox: %d message(s) left in flight by the previous process go out again", released)
        return released

    def wake(self) -> None:
        self._wake.set()

    async def drain(self) -> int:
        """Send everything that may be sent now; returns how many rows were handled."""
        handled = 0
        while True:
            done, self._unrecorded = self._unrecorded, []
            try:
                async with core_transaction(self.db) as tx:
                    if done:
                        await outbox.record(tx, done)
                    rows = await outbox.claim(tx, list(self.transports), self.batch, self.identity)
                    if not rows:
                        # Asked in the same transaction: an idle dispatcher polls with one, not two.
                        self._soonest = await outbox.next_available(tx, list(self.transports))
                    # The batch's charts, each once however many rows name it.
                    images = await chart_images.load(tx, {d for row in rows for d in chart_digests(row.message)})
            except BaseException:
                self._unrecorded[:0] = done  # still held under this worker's lease: recorded at the next try
                raise
            if not rows:
                return handled
            messages = {row.id: _readable(row, images) for row in rows}
            await self._warm(rows, messages)
            by_conversation: dict[str, list[Claimed]] = defaultdict(list)
            for row in rows:
                by_conversation[row.audience].append(row)
            async with self._leased():
                await asyncio.gather(*(self._send_all(items, messages) for items in by_conversation.values()))
            handled += len(rows)

    async def _warm(self, rows: Sequence[Claimed], messages: Mapping[int, Outbound | str]) -> None:
        """Let each transport look up what the whole batch needs at once (conversation references):
        one query per batch instead of one per message. A failure here only costs the look-ups."""
        by_platform: dict[str, list[Outbound]] = defaultdict(list)
        for row in rows:
            message = messages[row.id]
            if not isinstance(message, str):
                by_platform[row.platform].append(message)
        for platform, batch in by_platform.items():
            warm = getattr(self.transports[platform], "warm", None)
            if warm is None:
                continue
            try:
                await warm(batch)
            except Exception:
                log.exception("outbox: looking up the %s batch's conversations failed; each message looks up its own", platform)

    @asynccontextmanager
    async def _leased(self) -> AsyncIterator[None]:
        """Renew this worker's leases while it sends, so they can be short: after a crash the rows
        wait at most one lease (outbox.LEASE) for another worker or the restarted process."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(outbox.LEASE.total_seconds() / 4)
                try:
                    async with core_transaction(self.db) as tx:
                        await outbox.renew(tx, self.identity)
                except Exception:
                    log.exception("outbox: renewing leases failed")

        task = asyncio.create_task(renew(), name="outbox-lease")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _send_all(self, rows: list[Claimed], messages: Mapping[int, Outbound | str]) -> None:
        """One conversation's rows, in order. Each outcome is committed before the conversation's
        next message goes, so a crash can repeat at most the one message in flight per conversation;
        a conversation that is told to wait keeps its order: the rest wait with it."""
        for index, row in enumerate(rows):
            outcome = await self._send(row, messages[row.id])
            if outcome.kind in ("retry", "release"):
                later = [Outcome("release", other.id, delay=outcome.delay) for other in rows[index + 1 :]]
                await self._recorder.record([outcome, *later])
                return
            if index == len(rows) - 1 and outcome.kind in ("sent", "dead"):
                self._unrecorded.append(outcome)  # an erasure is recorded at once: its log is wiped after
                return
            await self._recorder.record([outcome])

    async def _send(self, row: Claimed, message: Outbound | str) -> Outcome:
        if isinstance(message, str):
            return Outcome("dead", row.id, error=message)
        transport = self.transports[row.platform]
        await self.pacers[row.platform].wait(row.audience)
        try:
            async with self._recorder.delivering():
                handle = await transport.deliver(message)
        except RetryLater as exc:
            if exc.rate_limited:
                # A 429 (or the workspace's bucket being spent) says nothing against the message:
                # it waits for Retry-After without using up one of its attempts.
                delay = exc.retry_after if exc.retry_after is not None else BACKOFF_BASE
                log.info("outbox %s: %s; waiting %.1f s", row.id, exc, delay)
                return Outcome("release", row.id, delay=delay)
            attempts = row.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                log.error("outbox %s: giving up after %d attempts: %s", row.id, attempts, exc)
                return Outcome("dead", row.id, error=str(exc))
            delay = exc.retry_after if exc.retry_after is not None else min(BACKOFF_CAP, BACKOFF_BASE**attempts)
            log.warning("outbox %s: %s; retrying in %.1f s", row.id, exc, delay)
            return Outcome("retry", row.id, delay=delay, error=str(exc))
        except Undeliverable as exc:
            log.error("outbox %s: undeliverable: %s", row.id, exc)
            return Outcome("dead", row.id, error=str(exc))
        except Exception as exc:  # an adapter bug must not stop the other messages
            log.exception("outbox %s: delivery failed", row.id)
            return Outcome("retry", row.id, delay=min(BACKOFF_CAP, BACKOFF_BASE ** (row.attempts + 1)), error=repr(exc))
        if row.message.get("erase_when_sent"):
            return Outcome("erase", row.id, handle=handle)
        return Outcome("sent", row.id, handle=handle)

    async def run(self, idle: float = 1.0) -> None:
        """Keep draining until stopped; woken early when the engine has queued something."""
        try:
            while not self._stopping:
                try:
                    await self.drain()
                    soonest = self._soonest
                except Exception:
                    log.exception("outbox dispatcher: drain failed; trying again shortly")
                    soonest = idle
                timeout = idle if soonest is None else min(idle, max(soonest, 0.01))
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout)
                except asyncio.TimeoutError:
                    pass
                self._wake.clear()
        finally:
            await self._record_unrecorded()

    async def _record_unrecorded(self) -> None:
        """On the way out (stopped or cancelled mid-batch): what was sent is not sent again."""
        done, self._unrecorded = self._unrecorded, []
        if done:
            try:
                async with core_transaction(self.db) as tx:
                    await outbox.record(tx, done)
            except Exception:
                log.warning("outbox: %d sent message(s) could not be recorded; they go again after the lease", len(done))

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()


def _readable(row: Claimed, images: Mapping[str, bytes]) -> Outbound | str:
    """The row's message, or why it cannot be read (such a row is given up on, not retried)."""
    try:
        return from_json(row.message, images)
    except (KeyError, TypeError, ValueError) as exc:
        return f"unreadable message: {exc}"


class _Recorder:
    """Commits outcomes as they come, several conversations' in one transaction and one statement
    per kind of outcome (group commit); each caller waits until its own are committed.

    A batch's first messages go out together and their answers come back one by one: a commit for
    each early answer would cost a sync apiece. So a flush waits, at most COALESCE, until no
    delivery is on the wire any more, and the whole wave is committed at once."""

    COALESCE = 0.02

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[tuple[list[Outcome], asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None
        self._on_the_wire = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @asynccontextmanager
    async def delivering(self) -> AsyncIterator[None]:
        """Around one delivery: the flush that is waiting knows another outcome is on its way."""
        self._on_the_wire += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._on_the_wire -= 1
            if not self._on_the_wire:
                self._quiet.set()

    async def record(self, outcomes: list[Outcome]) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((outcomes, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush(), name="outbox-record")
        await future

    async def _flush(self) -> None:
        while self._pending:
            if not self._quiet.is_set():
                try:
                    await asyncio.wait_for(self._quiet.wait(), self.COALESCE)
                except asyncio.TimeoutError:
                    pass
            batch, self._pending = self._pending, []
            everything = [outcome for outcomes, _ in batch for outcome in outcomes]
            try:
                async with core_transaction(self.db) as tx:
                    await outbox.record(tx, everything)
                if any(o.kind == "erase" for o in everything):
                    await self.db.wipe_log()  # no copy of an erased member's farewell left in SQLite's log either
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)
