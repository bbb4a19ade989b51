"""Inbound neutral events: what an adapter hands the engine after translating a platform payload.

Every event names the network it happened in, the member who caused it and an idempotency key that
is stable across re-deliveries of the same platform event (Slack's event_id, a Teams activity id,
a random id on the console), so a retried delivery stores nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

PLATFORMS = ("console", "slack", "teams")


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A member as a platform knows them: `platform:workspace:user` is the stable key."""

    platform: str
    workspace: str
    user: str
    display_name: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.user}"

    @classmethod
    def parse(cls, key: str, display_name: str | None = None) -> "MemberRef":
        parts = key.split(":", 2)
        if len(parts) != 3 or not all(parts) or parts[0] not in PLATFORMS:
            raise ValueError(
                f"member key {key!r} is not of the form platform:workspace:user "
                f"(for example slack:T0123:U0456 or console:local:alice)"
            )
        return cls(parts[0], parts[1], parts[2], display_name)


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
