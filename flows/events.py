"""Inbound neutral events: what an adapter hands the engine after translating a platform payload.

Every event names the network it happened in, the member who caused it and an idempotency key that
is stable across re-deliveries of the same platform event (Slack's event_id, a Teams activity id,
a random id on the console), so a retried delivery stores nothing twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

PLATFORMS = ("console", "slack", "teams")
# Parts of stored keys: printable, no spaces, and no colon where the key is split on it. A user id
# may hold colons (Teams ids are `29:…`) because it is the last part of the key.
_WORKSPACE = re.compile(r"[^\s:\x00-\x1f\x7f]{1,128}")
_USER = re.compile(r"[^\s\x00-\x1f\x7f]{1,256}")


def check_part(value: object, what: str, pattern: re.Pattern[str] = _WORKSPACE) -> None:
    """Refuse a junk id before it becomes a stored key (`slack:T0TEAM: ` would be a member)."""
    if not isinstance(value, str) or not pattern.fullmatch(value) or not value.isprintable():
        raise ValueError(f"{what} {str(value)[:60]!r} is not an id (empty, too long, or with spaces or colons)")


def _check_ref(platform: object, workspace: object) -> None:
    if platform not in PLATFORMS:
        raise ValueError(f"platform {str(platform)[:20]!r} is not one of {', '.join(PLATFORMS)}")
    check_part(workspace, "workspace")


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A member as a platform knows them: `platform:workspace:user` is the stable key."""

    platform: str
    workspace: str
    user: str
    display_name: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _check_ref(self.platform, self.workspace)
        check_part(self.user, "user", _USER)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.user}"

    @classmethod
    def parse(cls, key: str, display_name: str | None = None) -> "MemberRef":
        parts = key.split(":", 2)
        try:
            if len(parts) != 3:
                raise ValueError(key)
            return cls(parts[0], parts[1], parts[2], display_name)
        except ValueError:
            raise ValueError(
                f"member key {key[:80]!r} is not of the form platform:workspace:user "
                f"(for example slack:T0123:U0456 or console:local:alice)"
            ) from None


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel, group chat or team channel; `id` is the platform's own conversation id."""

    platform: str
    workspace: str
    id: str
    name: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.id}"


@dataclass(frozen=True, slots=True)
class NetworkRef:
    """Where the bot is installed: a Slack workspace, a Teams tenant, the local console."""

    platform: str
    workspace: str
    # The display name a new network gets (a Teams team's name); the workspace id when not given.
    name: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _check_ref(self.platform, self.workspace)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace}"


@dataclass(frozen=True, slots=True)
class CommandIssued:
    network: NetworkRef
    member: MemberRef
    text: str
    idempotency_key: str
    channel: ChannelRef | None = None
    is_direct: bool = False


@dataclass(frozen=True, slots=True)
class MemberAnswered:
    """A structured answer to a prompt (a button, a select, a card submit, a modal).

    `prompt_ref` is the opaque reference the engine put on the Prompt ("round:step"); `value` is a
    string, or a list of strings for multiple choice and member selects. `reply_handle` is the
    adapter's own handle of the message that carried the prompt, so the engine can ask for it to
    be marked answered.
    """

    network: NetworkRef
    member: MemberRef
    prompt_ref: str
    value: str | list[str]
    idempotency_key: str
    channel: ChannelRef | None = None
    reply_handle: str | None = None


@dataclass(frozen=True, slots=True)
class MessageReceived:
    """Free text in a DM (or a console line): answers the member's open question, if any."""

    network: NetworkRef
    member: MemberRef
    text: str
    idempotency_key: str
    channel: ChannelRef | None = None


@dataclass(frozen=True, slots=True)
class MemberJoined:
    network: NetworkRef
    member: MemberRef
    idempotency_key: str
    channel: ChannelRef | None = None


InboundEvent = Union[CommandIssued, MemberAnswered, MessageReceived, MemberJoined]
