"""The durable inbox seen from the adapters: store a request before acknowledging it, then work.

An adapter calls `accept(event)` before it answers the platform. Only once that returns is the
request acknowledged; if the write fails (a full disk, a read-only file, a lost server) it raises
`InboxUnavailable` and the adapter tells the member, or the platform, that nothing was saved.
Accepted events are handled at once by workers in the same event loop; whatever a crash
interrupts is handled by `run()` when the process starts again (and by any other process after
the row's lease runs out). The engine's idempotency claim marks the row done in the turn's own
transaction, so an event is handled once however often it is tried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from flows.events import ChannelRef, CommandIssued, InboundEvent, MemberAnswered, MemberJoined, MemberRef, MessageReceived, NetworkRef
from storage import inbox as rows
from storage import repository as repo
from storage.database import Database
from storage.driver import Driver
from storage.models import utcnow
from storage.units import core_transaction

log = logging.getLogger(__name__)

Handler = Callable[[InboundEvent], Awaitable[Any]]
FollowUp = Callable[[], Awaitable[None]]


class StoredWith(Protocol):
    """Writes that belong with a request (a Teams conversation reference with the activity that
    brought it): made in the transaction that stores the request, so they are kept exactly when
    it is, at no transaction of their own."""

    async def store(self, conn: AsyncConnection) -> None: ...

    def stored(self) -> None:
        """Called once the transaction committed."""


QUIET = 0.005  # a turn starts once no request has come for this long ...
DEFER = 0.1  # ... or once it has waited this long: under steady load, turns still go on
# Turns handled at once: on SQLite those that are ready commit together (Database.grouped), so
# more workers mean fewer commits under load; on PostgreSQL they run side by side.
WORKERS = 16
_KINDS: dict[str, type] = {"command": CommandIssued, "answer": MemberAnswered, "message": MessageReceived, "joined": MemberJoined}
_NAMES = {kind: name for name, kind in _KINDS.items()}
_REFS = {"network": NetworkRef, "member": MemberRef, "channel": ChannelRef}


class InboxUnavailable(Exception):
    """The request could not be stored, so it must not be acknowledged as received."""


def is_storage_failure(error: BaseException) -> bool:
    """The database refused or could not be reached: the member is to be told nothing was saved."""
    return isinstance(error, (InboxUnavailable, SQLAlchemyError, OSError))


def event_to_json(event: InboundEvent) -> dict[str, Any]:
    data: dict[str, Any] = {"type": _NAMES[type(event)]}
    for name in event.__dataclass_fields__:
        value = getattr(event, name)
        if name in _REFS and value is not None:
            value = {f: getattr(value, f) for f in value.__dataclass_fields__}
        data[name] = value
    return data


def event_from_json(data: dict[str, Any]) -> InboundEvent:
    data = dict(data)
    kind = _KINDS[data.pop("type")]
    for name, ref in _REFS.items():
        if data.get(name) is not None:
            data[name] = ref(**data[name])
    return kind(**data)  # type: ignore[no-any-return]


async def language_of(db: Database, network_key: str, member_key: str, default: str) -> str:
    """The member's language for telling them nothing was saved: reads only, and never fails."""
    try:
        async with db.transaction() as tx:
            network, member = await repo.network_and_member(tx, network_key, member_key)
    except (SQLAlchemyError, OSError):
        return default
    if network is None:
        return default
    return (member.language if member else None) or network.language


class Inbox:
    def __init__(self, db: Database, handle: Handler, workers: int = WORKERS) -> None:
        self.db = db
        self.handle = handle
        self.workers = workers
        self._queue: asyncio.Queue[tuple[InboundEvent, FollowUp | None]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._accepts: list[tuple[str, dict[str, Any], asyncio.Future[bool], StoredWith | None]] = []
        self._flusher: asyncio.Task[None] | None = None
        # Acknowledgements go first: a turn waits while requests are waiting to be stored, so a
        # burst is acknowledged at the pace of storing it, and handled right after.
        self._no_accepts = asyncio.Event()
        self._no_accepts.set()
        self._last_accept = 0.0

    async def accept(self, event: InboundEvent, stored_with: StoredWith | None = None) -> bool:
        """Store the event (and what is `stored_with` it); False if it was accepted before. Requests
        arriving together are stored in one short transaction (a group commit), so an
        acknowledgement waits for at most one."""
        payload = event_to_json(event)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._accepts.append((event.idempotency_key, payload, future, stored_with))
        self._no_accepts.clear()
        self._last_accept = time.monotonic()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._store_accepted(), name="inbox-accept")
        return await future

    async def _store_accepted(self) -> None:
        try:
            await self._store_batches()
        finally:
            self._no_accepts.set()

    async def _store_batches(self) -> None:
        while self._accepts:
            batch, self._accepts = self._accepts, []
            companions = [companion for *_, companion in batch if companion is not None]
            try:
                # On the driver: an ORM session costs several times these few inserts.
                async with core_transaction(self.db, urgent=True) as conn:
                    new = await rows.accept_all(await Driver.on(conn), [(key, payload) for key, payload, _, _ in batch])
                    for companion in companions:
                        await companion.store(conn)
            except Exception as exc:  # every waiting acknowledgement must hear of it
                log.error("inbox: could not store %d request(s): %s", len(batch), exc.__class__.__name__)
                failure = InboxUnavailable(str(exc)) if is_storage_failure(exc) else exc
                for _, _, future, _ in batch:
                    if not future.done():
                        future.set_exception(failure)
            else:
                for companion in companions:
                    companion.stored()
                for (_, _, future, _), fresh in zip(batch, new):
                    if not future.done():
                        future.set_result(fresh)

    async def submit(self, event: InboundEvent, then: FollowUp | None = None, stored_with: StoredWith | None = None) -> bool:
        """Accept, and if it is new, handle it soon. Raises InboxUnavailable."""
        new = await self.accept(event, stored_with)
        if new:
            self.process_soon(event, then)
        return new

    def process_soon(self, event: InboundEvent, then: FollowUp | None = None) -> None:
        if self._queue is None:
            # Created on first use: the queue and its workers belong to the running loop.
            self._queue = asyncio.Queue()
            self._tasks = [asyncio.create_task(self._work(), name=f"inbox-{i}") for i in range(self.workers)]
        self._queue.put_nowait((event, then))

    async def _quiet(self) -> None:
        """Before a turn: wait while requests are arriving (for a short while at most), so a burst
        is acknowledged at the pace of storing it and handled right after."""
        deadline = time.monotonic() + DEFER
        while time.monotonic() < deadline:
            if not self._accepts and time.monotonic() - self._last_accept > QUIET:
                return
            try:
                await asyncio.wait_for(self._no_accepts.wait(), max(0.001, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                return
            await asyncio.sleep(QUIET)

    async def _work(self) -> None:
        assert self._queue is not None
        while True:
            event, then = await self._queue.get()
            try:
                await self._quiet()
                await self.handle(event)
            except Exception:  # the row stays pending: tried again after its lease
                log.exception("inbox: handling a %s failed; it will be tried again", type(event).__name__)
            else:
                if then is not None:
                    try:
                        await then()
                    except Exception:
                        log.exception("inbox: the follow-up of a %s failed", type(event).__name__)
            finally:
                self._queue.task_done()

    async def recover(self, everything: bool = False) -> int:
        """Handle accepted rows nobody finished: all of them at start-up, later those whose lease ran out."""
        handled = 0
        started = utcnow() if everything else None
        while True:
            async with self.db.transaction() as tx:
                leftovers = await rows.take_leftovers(tx, everything_before=started)
            if not leftovers:
                return handled
            for digest, payload, attempts in leftovers:
                error = await self._handle_stored(payload)
                if error is not None and attempts + 1 >= rows.MAX_ATTEMPTS:
                    log.error("inbox: giving up on a stored event after %d attempts: %s", attempts + 1, error)
                    async with self.db.transaction() as tx:
                        await rows.give_up(tx, digest, error)
                handled += 1

    async def _handle_stored(self, payload: Any) -> str | None:
        try:
            event = event_from_json(payload)
        except (KeyError, TypeError, ValueError) as exc:
            return f"unreadable event: {exc!r}"
        try:
            await self._quiet()
            await self.handle(event)
        except Exception as exc:
            log.exception("inbox: handling a stored %s failed", type(event).__name__)
            return repr(exc)[:500]
        return None

    async def run(self, interval: float = 2.0, prune_every: float = 60.0) -> None:
        """At start-up finish what was accepted and not handled; then keep an eye on leases and prune."""
        first, pruned = True, 0.0
        while not self._stopping:
            try:
                done = await self.recover(everything=first)
                if done and first:
                    log.info("inbox: handled %d request(s) accepted before the restart", done)
                first = False
                if time.monotonic() - pruned > prune_every:
                    async with self.db.transaction() as tx:
                        await rows.prune(tx)
                    pruned = time.monotonic()
            except Exception:
                log.exception("inbox: recovery failed; trying again shortly")
            await asyncio.sleep(interval)

    async def join(self) -> None:
        """Wait until everything queued so far is handled."""
        if self._queue is not None:
            await self._queue.join()

    async def close(self, timeout: float = 10.0) -> None:
        self._stopping = True
        try:
            await asyncio.wait_for(self.join(), timeout)
        except asyncio.TimeoutError:
            log.warning("inbox: stopping with work queued (it is stored and handled at the next start)")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self._queue = None
