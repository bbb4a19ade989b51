"""Bot Framework activities -> neutral events, and the conversation references worth keeping.

Pure functions over the SDK's Activity model: no I/O, so every Teams shape (personal chat, channel,
group chat, card submit, install) can be checked without a server.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from microsoft_agents.activity import Activity, ChannelAccount

from flows.events import ChannelRef, CommandIssued, InboundEvent, MemberAnswered, MemberJoined, MemberRef, MessageReceived, NetworkRef

PLATFORM = "teams"
# Some local clients and tests send no tenant; they all share one local network.
LOCAL_TENANT = "local"
COMMAND_WORDS = ("yhdessa", "yhdessä")
COMMAND_KEY = "yhdessa_command"  # the submit data of a command button (cards.COMMAND_KEY)
_AT_TAG = re.compile(r"<at>[^<]*</at>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]+>")


@dataclass
class Translation:
    """What one activity means: events for the engine and references to keep (key -> data)."""

    events: list[InboundEvent] = field(default_factory=list)
    references: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Partial references (no conversation yet) are only kept when nothing better is stored.
    partial_references: dict[str, dict[str, Any]] = field(default_factory=dict)
    installed_in: str | None = None  # conversation id whose roster to register (bot added to a team)
    submit: MemberAnswered | None = None


def problem(body: object, verbs: Collection[str]) -> str | None:
    """Why a POSTed activity cannot be handled (400), or None: checked before the SDK runs a turn,
    where a failure would be a traceback and a 500, or a member stored under a junk key."""
    if not isinstance(body, dict):
        return "the activity is not a JSON object"
    for name in ("from", "conversation", "recipient"):
        part = body.get(name)
        if not isinstance(part, dict) or not isinstance(part.get("id"), str) or not part["id"].strip():
            return f"the activity has no {name} with an id"
    if not isinstance(body.get("type"), str) or not isinstance(body.get("serviceUrl", ""), str):
        return "the activity's type or serviceUrl is not text"
    try:
        # The SDK's validator raises a bare Exception for some conflicts, besides pydantic's errors.
        activity = Activity.model_validate(body)
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}"
    try:
        translate(activity, verbs)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return None


def tenant_of(activity: Activity) -> str:
    tenant = activity.conversation.tenant_id if activity.conversation else None
    if not tenant and isinstance(activity.channel_data, dict):
        tenant = (activity.channel_data.get("tenant") or {}).get("id")
    return tenant or LOCAL_TENANT


def network_of(activity: Activity) -> NetworkRef:
    """The tenant's network, named after the team when the activity comes from one. Teams gives no
    tenant display name without Graph rights, so outside a team the network has no name yet: the
    engine then says "the network" (never the tenant's GUID, nor "Welcome to Microsoft Teams!" as a
    stand-in name did) and takes the first team's name when the bot is added to one."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = (data.get("team") or {}).get("name") if isinstance(data.get("team"), dict) else None
    return NetworkRef(PLATFORM, tenant_of(activity), str(team).strip() or None if team else None)


def member_ref(tenant: str, account: ChannelAccount) -> MemberRef:
    """Members are known by their Entra object id when Teams gives it (stable across chats)."""
    return MemberRef(PLATFORM, tenant, account.aad_object_id or account.id, account.name or None)


def conversation_id(activity: Activity) -> str:
    """A channel thread reply carries `;messageid=…`; the channel itself is the part before it."""
    return (activity.conversation.id or "").split(";messageid=", 1)[0]


def is_personal(activity: Activity) -> bool:
    kind = activity.conversation.conversation_type if activity.conversation else None
    return kind in (None, "", "personal") and not (activity.conversation and activity.conversation.is_group)


def channel_of(activity: Activity) -> ChannelRef | None:
    if is_personal(activity):
        return None
    return ChannelRef(PLATFORM, tenant_of(activity), conversation_id(activity), activity.conversation.name)


def reference_data(activity: Activity, user: ChannelAccount | None, with_conversation: bool) -> dict[str, Any]:
    """What the transport needs to reach a conversation (or to open a 1:1 chat with `user`)."""
    conversation = None
    if with_conversation:
        conversation = {
            "id": conversation_id(activity),
            "conversation_type": activity.conversation.conversation_type,
            "is_group": activity.conversation.is_group,
            "tenant_id": activity.conversation.tenant_id,
        }
    return {
        "service_url": activity.service_url,
        "channel_id": str(activity.channel_id or "msteams"),
        "tenant_id": None if tenant_of(activity) == LOCAL_TENANT else tenant_of(activity),
        "bot": _account(activity.recipient),
        "user": _account(user) if user else None,
        "conversation": conversation,
    }


def _account(account: ChannelAccount | None) -> dict[str, Any] | None:
    if account is None:
        return None
    return {"id": account.id, "name": account.name, "aad_object_id": account.aad_object_id}


def command_text(activity: Activity) -> str:
    """The text without the bot's @mention (Teams puts `<at>Yhdessä</at>` into the text)."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for mention in activity.get_mentions():
        if mention.mentioned and mention.mentioned.id == bot_id and mention.text:
            text = text.replace(mention.text, " ")
    text = _AT_TAG.sub(" ", text) if text.lstrip().lower().startswith("<at>") else text
    text = _HTML_TAG.sub(" ", text).replace("&nbsp;", " ")
    return " ".join(text.split())


def is_command(text: str, verbs: Collection[str]) -> bool:
    first = text.split(maxsplit=1)[0].lstrip("/@").lower() if text.strip() else ""
    return first in COMMAND_WORDS or first in verbs


def idempotency_key(activity: Activity, suffix: str = "") -> str:
    base = f"teams:{activity.conversation.id if activity.conversation else ''}:{activity.id or ''}"
    return f"{base}:{suffix}" if suffix else base


def translate(activity: Activity, verbs: Collection[str]) -> Translation:
    """The neutral meaning of an inbound activity (an empty Translation when there is none)."""
    result = Translation()
    if activity.conversation is None or activity.from_property is None:
        return result
    tenant = tenant_of(activity)
    network = network_of(activity)
    channel = channel_of(activity)
    sender = activity.from_property
    personal = channel is None
    if activity.type == "message":
        _keep_references(result, activity, sender, channel)
        member = member_ref(tenant, sender)
        if isinstance(activity.value, dict) and activity.value.get("yhdessa_prompt"):
            result.submit = _submit(activity, network, member, channel)
            if result.submit is not None:
                result.events.append(result.submit)
            return result
        if isinstance(activity.value, dict) and isinstance(activity.value.get(COMMAND_KEY), str):
            # A command button (help's buttons): as if the member had typed the command.
            result.events.append(CommandIssued(network, member, activity.value[COMMAND_KEY], idempotency_key(activity), channel=channel, is_direct=personal))
            return result
        text = command_text(activity)
        if not text:
            return result
        key = idempotency_key(activity)
        if not personal or is_command(text, verbs):
            result.events.append(CommandIssued(network, member, text, key, channel=channel, is_direct=personal))
        else:
            result.events.append(MessageReceived(network, member, text, key))
    elif activity.type == "conversationUpdate":
        bot_id = activity.recipient.id if activity.recipient else None
        _keep_references(result, activity, sender if sender.id != bot_id else None, channel)
        for added in activity.members_added or []:
            if added.id == bot_id:
                if personal:
                    result.events.append(MemberJoined(network, member_ref(tenant, sender), idempotency_key(activity, sender.id)))
                else:
                    result.installed_in = _team_id(activity) or conversation_id(activity)
                continue
            if personal:
                continue
            result.partial_references[member_ref(tenant, added).key] = reference_data(activity, added, False)
            result.events.append(MemberJoined(network, member_ref(tenant, added), idempotency_key(activity, added.id), channel))
    return result


def roster_events(activity: Activity, roster: list[ChannelAccount]) -> Translation:
    """Register a team's members when the bot is installed in it (the roster comes from the connector)."""
    result = Translation()
    tenant = tenant_of(activity)
    network = network_of(activity)
    channel = channel_of(activity)
    bot_id = activity.recipient.id if activity.recipient else None
    for account in roster:
        if account.id == bot_id:
            continue
        ref = member_ref(tenant, account)
        result.partial_references[ref.key] = reference_data(activity, account, False)
        result.events.append(MemberJoined(network, ref, idempotency_key(activity, account.id), channel))
    return result


def _team_id(activity: Activity) -> str | None:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = (data.get("team") or {}).get("id")
    if team is not None and not isinstance(team, str):
        raise TypeError("channelData.team.id is not text")
    return team


def _keep_references(result: Translation, activity: Activity, sender: ChannelAccount | None, channel: ChannelRef | None) -> None:
    tenant = tenant_of(activity)
    if channel is not None:
        result.references[channel.key] = reference_data(activity, None, True)
        if sender is not None:
            result.partial_references[member_ref(tenant, sender).key] = reference_data(activity, sender, False)
    elif sender is not None:
        result.references[member_ref(tenant, sender).key] = reference_data(activity, sender, True)


def _submit(activity: Activity, network: NetworkRef, member: MemberRef, channel: ChannelRef | None) -> MemberAnswered | None:
    """An Action.Submit: the action's data merged with the card's inputs."""
    value: dict[str, Any] = activity.value
    prompt_ref = str(value.get("yhdessa_prompt"))
    raw = value.get("answer", value.get("yhdessa_choice", ""))
    if value.get("yhdessa_skip"):
        raw = "-"
    if value.get("yhdessa_multi"):
        answer: str | list[str] = [part for part in str(raw).split(",") if part] if isinstance(raw, str) else [str(v) for v in raw]
        if value.get("yhdessa_members"):
            # The member list answers with Entra object ids (as the people picker does): back to keys.
            answer = [part if part.startswith(f"{PLATFORM}:") else f"{PLATFORM}:{network.workspace}:{part}" for part in answer]
    else:
        answer = str(raw) if not isinstance(raw, list) else ",".join(str(v) for v in raw)
    handle = f"{conversation_id(activity)}|{activity.reply_to_id}" if activity.reply_to_id else None
    return MemberAnswered(network, member, prompt_ref, answer, idempotency_key(activity), channel, handle)
