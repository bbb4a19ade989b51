"""The fake Slack's rate-limit mode: Slack's tiers per workspace (token) and method, answered with
429 and an integer Retry-After the way Slack does. `minute` is how long a tier's minute lasts, so a
test can run a 2,000-member round in seconds with the pacing scaled the same way.

Figures from docs.slack.dev/apis/web-api/rate-limits: Tier 2 about 20 a minute, Tier 3 about 50,
Tier 4 about 100; chat.postMessage about one a second per channel (bursts tolerated; here 12 in
any 10 s) and "several hundred" a minute per workspace (here 300)."""

from __future__ import annotations

import math
import time
from collections import deque

TIER_OF = {
    "apps.connections.open": 1,
    "conversations.list": 2,
    "users.list": 2,
    "conversations.open": 3,
    "chat.update": 3,
    "chat.postEphemeral": 4,
    "users.info": 4,
    "conversations.members": 4,
    "views.open": 4,
    "views.update": 4,
    "views.publish": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
}
PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
POSTS_PER_WORKSPACE = 300
POSTS_PER_CHANNEL = 12  # in any tenth of a minute (10 s)


class Tiers:
    def __init__(self, minute: float = 60.0) -> None:
        self.minute = minute
        self._calls: dict[str, deque[float]] = {}
        self.limited: dict[str, int] = {}  # method -> how many 429s were answered

    def _take(self, key: str, limit: int, window: float, now: float) -> int | None:
        calls = self._calls.setdefault(key, deque())
        while calls and now - calls[0] >= window:
            calls.popleft()
        if len(calls) >= limit:
            return max(1, math.ceil(calls[0] + window - now))
        calls.append(now)
        return None

    def check(self, token: str, method: str, channel: str | None) -> int | None:
        """None if the call may go through, else the Retry-After (seconds) of a 429."""
        now = time.monotonic()
        if method == "chat.postMessage":
            wait = self._take(f"{token}|{method}", POSTS_PER_WORKSPACE, self.minute, now)
            if wait is None and channel:
                wait = self._take(f"{token}|{method}|{channel}", POSTS_PER_CHANNEL, self.minute / 6, now)
                if wait is not None:
                    self._calls[f"{token}|{method}"].pop()  # refused: not counted against the workspace
        elif method in TIER_OF:
            wait = self._take(f"{token}|{method}", PER_MINUTE[TIER_OF[method]], self.minute, now)
        else:
            wait = None
        if wait is not None:
            self.limited[method] = self.limited.get(method, 0) + 1
        return wait
