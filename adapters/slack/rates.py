"""Slack's Web API rate limits, as we pace ourselves within them, and what they mean for a round.

Slack limits each method per workspace by tier (docs.slack.dev/apis/web-api/rate-limits): Tier 2
about 20 calls a minute, Tier 3 about 50, Tier 4 about 100; `chat.postMessage` is special: about
one message a second per channel, bursts tolerated, and "several hundred a minute" per workspace.
A 429 carries Retry-After and holds for that method in that workspace.

We pace at four fifths of each limit with a burst of a tenth, so that in any minute at most nine
tenths of Slack's allowance is used (the GCRA bound burst + rate x window), leaving room for
clock and network jitter. Tests scale `minute` down (Pacing.scaled) together with the fake.
"""

from __future__ import annotations

import math

from adapters.transport import Pacing, Rate

TIER_2, TIER_3, TIER_4 = 20, 50, 100
WORKSPACE_POSTS = 300  # chat.postMessage per workspace and minute ("several hundred")


def _within(limit: int) -> Rate:
    return Rate(per_minute=limit * 0.8, burst=max(1, limit // 10))


SLACK_RATES: dict[str, Rate] = {
    "chat.postMessage": _within(WORKSPACE_POSTS),
    "chat.update": _within(TIER_3),
    "chat.postEphemeral": _within(TIER_4),
    "conversations.open": _within(TIER_3),
    "files.getUploadURLExternal": _within(TIER_4),
    "files.completeUploadExternal": _within(TIER_4),
    "users.info": _within(TIER_4),
    "users.list": _within(TIER_2),
    "conversations.members": _within(TIER_4),
    "conversations.list": _within(TIER_2),
    # The Home tab (views.publish, Tier 4). views.open is not paced: its trigger_id expires three
    # seconds after the click, so waiting for a slot would only make it fail later.
    "views.publish": _within(TIER_4),
}

# chat.postMessage: about one a second per channel; the dispatcher keeps that per conversation.
SLACK_PACING = Pacing(per_conversation_interval=1.0, per_platform_rate=0.0, burst=3, methods=SLACK_RATES)


def delivery_minutes(pacing: Pacing, messages: int, new_conversations: int) -> int:
    """About how many minutes delivering `messages` takes when `new_conversations` DMs must be
    opened first (conversations.open, Tier 3, is the narrow part of a large round)."""
    minutes = max(pacing.minutes_for("chat.postMessage", messages), pacing.minutes_for("conversations.open", new_conversations))
    return math.ceil(minutes)
