"""The delivery seam: how the outbox dispatcher hands a neutral message to a platform, and the
rate buckets a transport keeps per workspace and method."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from flows.messages import Outbound


class RetryLater(Exception):
    """The platform asked us to slow down (429) or failed for now (5xx, a network error).

    `rate_limited` is a 429 (or our own bucket saying wait): the message did nothing wrong, so
    the dispatcher does not count it as a failed attempt. `bucket` names what was paused."""

    def __init__(self, reason: str, retry_after: float | None = None, rate_limited: bool = False, bucket: str | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.rate_limited = rate_limited
        self.bucket = bucket


class Undeliverable(Exception):
    """The message can never be delivered (unknown user, bot removed); retrying would not help."""


@dataclass(frozen=True, slots=True)
class Rate:
    """A method's sustained rate (calls per minute) and the burst allowed on top of it."""

    per_minute: float
    burst: int = 1


@dataclass(frozen=True, slots=True)
class Pacing:
    """Sending limits the dispatcher and the transport keep.

    The dispatcher spaces messages per conversation and overall per platform; a transport whose
    platform limits each API method per workspace (Slack's tiers) draws on `methods` through
    `Buckets`. `minute` is how long a rate's minute lasts: 60 s, or less in tests that run a
    large round against a fake scaled the same way."""

    per_conversation_interval: float = 0.0  # seconds between two messages to one conversation
    per_platform_rate: float = 0.0  # messages per second across the platform; 0 = unlimited
    burst: int = 1  # messages a conversation may get back to back before the interval applies
    methods: Mapping[str, Rate] = field(default_factory=dict)  # API method -> its per-workspace rate
    minute: float = 60.0
    max_wait: float = 120.0  # longer waits give the row back to the outbox (its lease is 5 minutes)

    def scaled(self, minute: float) -> "Pacing":
        """The same limits with a shorter minute (tests)."""
        factor = minute / 60.0
        return replace(self, minute=minute, per_conversation_interval=self.per_conversation_interval * factor, max_wait=self.max_wait * factor)

    def minutes_for(self, method: str, calls: int) -> float:
        """Rate-minutes `calls` of `method` take in one workspace (0 for an unlimited method)."""
        rate = self.methods.get(method)
        return 0.0 if rate is None or calls <= rate.burst else (calls - rate.burst) / rate.per_minute


class Buckets:
    """One bucket per workspace and method (GCRA: at most `burst + elapsed * rate` calls in any
    stretch of time). A 429 pauses the bucket it hit for its Retry-After: every conversation of
    that workspace then waits, not only the one that got the 429."""

    def __init__(self, pacing: Pacing) -> None:
        self.pacing = pacing
        self._due: dict[str, float] = {}  # key -> when the bucket is empty again (theoretical arrival)
        self._paused: dict[str, float] = {}

    @staticmethod
    def key(workspace: str, method: str) -> str:
        return f"{workspace}:{method}"

    def paused_for(self, key: str) -> float:
        return max(0.0, self._paused.get(key, 0.0) - time.monotonic())

    def pause(self, key: str, seconds: float) -> None:
        self._paused[key] = max(self._paused.get(key, 0.0), time.monotonic() + seconds)

    async def acquire(self, workspace: str, method: str, patient: bool = False) -> None:
        """Wait for a slot of `method` in `workspace`. Impatient callers (the outbox) get
        RetryLater(rate_limited) instead of a wait longer than `max_wait`; patient ones (a
        directory look-up inside a launch) wait it out."""
        key = self.key(workspace, method)
        while True:
            paused = self.paused_for(key)
            if not paused:
                break
            if not patient:
                raise RetryLater(f"{method} paused by Slack for {paused:.1f} s", paused, rate_limited=True, bucket=key)
            await asyncio.sleep(paused)
        rate = self.pacing.methods.get(method)
        if rate is None:
            return
        interval = self.pacing.minute / rate.per_minute
        now = time.monotonic()
        due = max(self._due.get(key, now), now)
        wait = max(0.0, due - interval * (max(rate.burst, 1) - 1) - now)
        if wait > self.pacing.max_wait and not patient:
            raise RetryLater(f"{method} budget spent for {wait:.1f} s", wait, rate_limited=True, bucket=key)
        self._due[key] = due + interval
        if wait > 0:
            await asyncio.sleep(wait)


class Transport(Protocol):
    """A platform's delivery. A transport may also have `async def warm(messages)`: the dispatcher
    calls it with a claimed batch before sending it, to look up what the batch needs at once
    (conversation references) instead of once per message."""

    platform: str
    pacing: Pacing

    async def deliver(self, message: Outbound) -> str | None:
        """Send one message; return the platform's handle of it (message ts, activity id) if any.

        Raise RetryLater for 429/5xx/timeouts and Undeliverable for permanent refusals.
        """
        ...
