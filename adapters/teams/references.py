"""Conversation references, stored in the database and remembered for a while in memory.

Every inbound activity carries a reference and every proactive send needs one; reading the
database for each would double the transactions on the message path. Entries expire, so a
reference changed or erased elsewhere (another process, forget-me) is read again soon.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from storage import references as refs
from storage.database import Database
from storage.units import Executor, core_transaction

PLATFORM = "teams"
log = logging.getLogger(__name__)


class References:
    def __init__(self, db: Database, ttl: float = 300.0, size: int = 20_000) -> None:
        self.db = db
        self.ttl = ttl
        self.size = size
        self._known: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._saving: set[asyncio.Task[None]] = set()

    def _cached(self, key: str) -> dict[str, Any] | None:
        entry = self._known.get(key)
        if entry is None or time.monotonic() - entry[0] > self.ttl:
            return None
        return entry[1]

    def _remember(self, key: str, data: dict[str, Any]) -> None:
        self._known[key] = (time.monotonic(), data)
        self._known.move_to_end(key)
        while len(self._known) > self.size:
            self._known.popitem(last=False)

    async def get(self, key: str) -> dict[str, Any] | None:
        data = self._cached(key)
        if data is not None:
            return data
        async with self.db.connect() as conn:  # a read: no place in the writers' queue
            data = await refs.load(conn, key)
        if data is not None:
            self._remember(key, data)
        return data

    async def load_many(self, keys: Iterable[str]) -> None:
        """Bring the stored references of `keys` into memory with one query (a batch about to go)."""
        missing = [key for key in keys if self._cached(key) is None]
        if not missing:
            return
        async with self.db.connect() as conn:
            found = await refs.load_many(conn, missing)
        for key, data in found.items():
            self._remember(key, data)

    def pending(self, full: dict[str, dict[str, Any]], partial: dict[str, dict[str, Any]] | None = None) -> "Keeping | None":
        """What `keep` would store, to be stored with the request that brought it (the inbox's
        StoredWith); None when every reference is the one remembered."""
        partial = {k: v for k, v in (partial or {}).items() if k not in full and self._cached(k) is None}
        changed = {k: v for k, v in full.items() if self._cached(k) != v}
        return Keeping(self, changed, partial) if changed or partial else None

    async def keep(self, full: dict[str, dict[str, Any]], partial: dict[str, dict[str, Any]] | None = None) -> None:
        """Store what changed, in a transaction of its own: the same reference again writes
        nothing; a partial one (a user known from a roster, no chat yet) never replaces a stored one."""
        keeping = self.pending(full, partial)
        if keeping is not None:
            await self.store(keeping)

    async def store(self, keeping: "Keeping") -> None:
        """Store what `pending` found in a transaction of its own (no request to go with)."""
        async with core_transaction(self.db) as tx:
            await keeping.store(tx)
        keeping.stored()

    async def peek(self, key: str) -> dict[str, Any] | None:
        """Read without opening a transaction: callable from inside an engine turn (the directory)."""
        data = self._cached(key)
        if data is not None:
            return data
        async with self.db.connect() as conn:
            data = await refs.load(conn, key)
        if data is not None:
            self._remember(key, data)
        return data

    def offer(self, partial: dict[str, dict[str, Any]]) -> None:
        """Partial references learnt inside an engine turn: usable at once, stored once the turn is over."""
        fresh = {k: v for k, v in partial.items() if self._cached(k) is None}
        if not fresh:
            return
        for key, data in fresh.items():
            self._remember(key, data)
        task = asyncio.get_running_loop().create_task(self._store_partial(fresh))
        self._saving.add(task)
        task.add_done_callback(self._saving.discard)

    async def _store_partial(self, partial: dict[str, dict[str, Any]]) -> None:
        try:
            async with core_transaction(self.db) as tx:
                await self._keep_partial(tx, partial)
        except Exception:  # the members stay reachable from memory; the next roster read retries
            log.exception("could not store Teams references of %d roster members", len(partial))

    async def _keep_partial(self, tx: Executor, partial: dict[str, dict[str, Any]]) -> None:
        """A partial reference (from a roster) never replaces a full one the bot already has."""
        stored = await refs.load_many(tx, partial) if partial else {}
        for key, data in partial.items():
            if key not in stored:
                await refs.save(tx, key, PLATFORM, data)
                _first_contact(key, data)
            else:
                self._remember(key, stored[key])

    async def flush(self) -> None:
        """Wait for offered references to be stored (at shutdown, and in tests)."""
        if self._saving:
            await asyncio.gather(*list(self._saving), return_exceptions=True)


class Keeping:
    """References to store in some transaction (flows/inbox.StoredWith), remembered once it commits."""

    def __init__(self, references: References, changed: dict[str, dict[str, Any]], partial: dict[str, dict[str, Any]]) -> None:
        self.references = references
        self.changed = changed
        self.partial = partial
        self._first: list[str] = []

    async def store(self, conn: Executor) -> None:
        stored = await refs.load_many(conn, self.changed) if self.changed else {}
        for key, data in self.changed.items():
            if stored.get(key) != data:
                await refs.save(conn, key, PLATFORM, data)
            if key not in stored:
                self._first.append(key)
        await self.references._keep_partial(conn, self.partial)

    def stored(self) -> None:
        for key in self._first:
            _first_contact(key, self.changed[key])
        for key, data in self.changed.items():
            self.references._remember(key, data)


def _first_contact(key: str, data: dict[str, Any]) -> None:
    """The member key an operator needs to make someone a coordinator, said once, when first met."""
    user = data.get("user")
    if user:
        log.info("Teams member %s first met as %s (make them a coordinator: yhdessa members grant %s)", user.get("name") or "?", key, key)
