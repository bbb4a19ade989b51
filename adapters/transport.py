"""The delivery seam: how the outbox dispatcher hands a neutral message to a platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flows.messages import Outbound


class RetryLater(Exception):
    """The platform asked us to slow down (429) or failed for now (5xx, a network error)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Undeliverable(Exception):
    """The message can never be delivered (unknown user, bot removed); retrying would not help."""


@dataclass(frozen=True, slots=True)
class Pacing:
    """Sending limits the dispatcher keeps: per conversation and per platform as a whole."""

    per_conversation_interval: float = 0.0  # seconds between two messages to one conversation
    per_platform_rate: float = 0.0  # messages per second across the platform; 0 = unlimited
    burst: int = 1  # messages a conversation may get back to back before the interval applies


class Transport(Protocol):
    platform: str
    pacing: Pacing

    async def deliver(self, message: Outbound) -> str | None:
        """Send one message; return the platform's handle of it (message ts, activity id) if any.

        Raise RetryLater for 429/5xx/timeouts and Undeliverable for permanent refusals.
        """
        ...
