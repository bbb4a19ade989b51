"""Yhdessä against Microsoft's own local Teams client and Bot Connector, the Agents Playground.

The Playground validates what the bot sends as the Bot Connector does (a `"id": null` in a
proactive send gets 400 BadArgument). These tests drive it as a user would, through the same HTTP
API and websocket its chat UI uses (see tests/teams/playground.py), and check that every message
reached the chat and that the Playground refused nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio

from bot.app import Core, build_core
from sqlalchemy import func, select

from storage.models import HeldAnswer, MemberSession, OutboxMessage, Response
from tests.conftest import make_settings
from tests.teams.fake_connector import refusal
from tests.teams.playground import ChatMessage, Playground
from tests.teams.test_teams_http import count
from tests.teams.wire import live_bot


async def stored_answers(core: Core) -> int:
    """Answers stored anywhere: named ones, anonymous ones pooled, and those a session still holds."""
    async with core.db.transaction() as tx:
        named = (await tx.execute(select(func.count()).select_from(Response))).scalar_one()
        pooled = (await tx.execute(select(func.count()).select_from(HeldAnswer))).scalar_one()
        held = sum(len(items or []) for items in (await tx.execute(select(MemberSession.held))).scalars())
    return int(named) + int(pooled) + held


@pytest_asyncio.fixture
async def playground(sqlite_url: str, tmp_path: Path) -> AsyncIterator[tuple[Core, Playground]]:
    core = await build_core(make_settings(sqlite_url, tmp_path))
    async with live_bot(core) as bot:
        dispatcher = core.start_delivery({})
        delivery = asyncio.create_task(dispatcher.run(idle=0.2))
        core.settings.public_url = bot.url  # chart images are fetched from our own process
        pg = Playground(f"{bot.url}/api/messages", tmp_path)
        try:
            await pg.start()
            # The Playground's user is the coordinator, as YHDESSA_COORDINATORS would make them.
            core.config.coordinators = frozenset({pg.member_key(pg.config["currentUser"])})
            yield core, pg
        finally:
            await pg.stop()
            dispatcher.stop()
            await delivery
    await core.close()


def _card_with_submit(messages: list[ChatMessage]) -> ChatMessage | None:
    for message in reversed(messages):
        card = message.card
        if card and not message.updates and any("yhdessa_prompt" in (a.get("data") or {}) for a in card.get("actions", [])):
            return message
    return None


def _prompted(pg: Playground, launched_in: str) -> set[str]:
    """The users who got a question card accepted by the Playground after a round was opened in a
    conversation (its log records each send with the status it answered)."""
    exchanges = pg.exchanges()
    start = max((i for i, e in enumerate(exchanges) if "pulse start" in str((e.get("request") or {}).get("body", {}).get("text")) and
                 ((e.get("request") or {}).get("body", {}).get("conversation") or {}).get("id", "").startswith(launched_in)), default=0)
    users = set()
    for e in exchanges[start:]:
        body = (e.get("request") or {}).get("body") or {}
        status = int((e.get("response") or {}).get("statusCode") or 0)
        if e.get("from") == "User Application" and status < 300 and "yhdessa_prompt" in json.dumps(body.get("attachments") or []):
            users.add((body.get("recipient") or {}).get("id"))
    return users


def _texts(card: dict) -> str:  # type: ignore[type-arg]
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(str(node.get("text")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return "\n".join(found)


async def test_a_member_goes_through_welcome_help_pulse_checkin_and_report(playground: tuple[Core, Playground]) -> None:
    core, pg = playground
    chat = pg.personal_chat
    await pg.install(chat)
    # The welcome is a card: its text and the check-in, my data and help buttons.
    await pg.wait_for(lambda: any(m.card and "Welcome" in _texts(m.card) for m in pg.in_chat(chat)), what="the welcome")

    await pg.say(chat, "help")
    help_card = await pg.wait_for(lambda: next((m for m in pg.in_chat(chat) if m.card and "checkin" in _texts(m.card)), None), what="the help card")
    # Its buttons are commands: "All commands" brings the whole grammar, as `help all` would.
    buttons = {a["title"]: a["data"] for a in help_card.card["actions"] if "yhdessa_command" in a.get("data", {})}  # type: ignore[index]
    assert len(buttons) == 5 and buttons["All commands"] == {"yhdessa_command": "help all"}, buttons
    await pg.press(chat, help_card, buttons["All commands"])
    grammar = await pg.wait_for(lambda: next((m for m in pg.in_chat(chat) if "reflect start" in m.text), None), what="help all")
    assert "\n\n" in grammar.text and "&lt;command&gt;" in grammar.text and "<command>" not in grammar.text  # paragraphs kept, placeholders escaped

    await pg.say(chat, "pulse start")
    first = await pg.wait_for(lambda: _card_with_submit(pg.in_chat(chat)), what="the first pulse card")
    submit = next(a for a in first.card["actions"] if a["type"] == "Action.Submit")  # type: ignore[index]
    question = _texts(first.card)  # type: ignore[arg-type]
    await pg.press(chat, first, {**submit["data"], "answer": "4"})
    await pg.wait_for(lambda: first.updates, what="the answered card")
    assert await stored_answers(core) == 1  # held with the member's session until enough have answered
    answered = _texts(first.card)  # type: ignore[arg-type]
    assert question.splitlines()[1] in answered and "Answered" in answered, answered  # the pulse is anonymous: no value shown

    # Answer the rest of the pulse, card by card, as the member would.
    for _ in range(40):
        card = await pg.wait_for(lambda: _card_with_submit(pg.in_chat(chat)) or any("Thank you" in m.text for m in pg.in_chat(chat)), what="the next card")
        if card is True:
            break
        data = next(a for a in card.card["actions"] if a["type"] == "Action.Submit")["data"]
        await pg.press(chat, card, {**data, "answer": "4"})
        await pg.wait_for(lambda: card.updates, what="the answered card")
    await pg.wait_for(lambda: any("Thank you" in m.text for m in pg.in_chat(chat)), what="the thanks")

    await pg.say(chat, "checkin")
    await pg.wait_for(lambda: _card_with_submit(pg.in_chat(chat)), what="the check-in card")

    await pg.say(chat, "report")
    report = await pg.wait_for(lambda: [m for m in pg.in_chat(chat) if m.card and any(i.get("type") == "Image" for i in m.card["body"])], what="a report card with its chart")
    images = [i for m in report for i in m.card["body"] if i.get("type") == "Image"]  # type: ignore[index]
    async with aiohttp.ClientSession() as session:
        for image in images:
            async with session.get(image["url"]) as response:
                assert response.status == 200 and response.content_type == "image/png"
                assert (await response.read()).startswith(b"\x89PNG")
    assert pg.refused() == []
    assert await count(core, OutboxMessage, OutboxMessage.status == "dead") == 0


async def test_pulse_start_with_a_mention_in_a_team_channel_and_a_group_chat(playground: tuple[Core, Playground]) -> None:
    core, pg = playground
    for conversation in (pg.team_channel, pg.group_chat):
        await pg.install(conversation)
        before = len(pg.messages)
        await pg.say(conversation, "pulse start", mention_bot=True)
        opened = await pg.wait_for(lambda: [m for m in pg.messages[before:] if "invited" in m.text], what=f"the round opened from {conversation}")
        assert "is open" in opened[0].text  # the command was understood: the mention is stripped
        # Each member of the channel or chat gets the first question in a 1:1 chat of their own
        # (the Playground's chat stream shows only the current user's chats; its log shows all).
        members = pg.config["teams"][0]["members"] if conversation == pg.team_channel else pg.config["groupChats"][0]["members"]
        await pg.wait_for(lambda: len(_prompted(pg, conversation)) > len(members), what="a card for every member")
    assert pg.refused() == []
    assert await count(core, OutboxMessage, OutboxMessage.status == "dead") == 0


# Bodies a sender might produce; the Playground's verdict on each is measured, not assumed.
_CARD = {"contentType": "application/vnd.microsoft.card.adaptive", "content": {"type": "AdaptiveCard", "version": "1.5", "body": []}}
BODIES: list[dict[str, object]] = [
    {"type": "message", "text": "hi"},
    {"type": "message", "id": None, "text": "hi"},  # what the SDK's proactive send carried
    {"type": "message", "locale": None, "text": "hi"},
    {"type": "message", "entities": None, "text": "hi"},
    {"type": "message", "text": None, "attachments": [_CARD]},
    {"type": "message", "text": ""},
    {"type": "message"},
    {"type": "message", "attachments": []},
    {"text": "hi"},
    {"type": "", "text": "hi"},
    {"type": "message", "text": "hi", "textFormat": ""},
    {"type": "message", "text": "hi", "textFormat": "html"},
    {"type": "message", "text": "hi", "textFormat": "markdown"},
    {"type": "message", "text": "hi", "attachmentLayout": ""},
    {"type": "message", "text": "hi", "attachmentLayout": "grid"},
    {"type": "message", "text": "hi", "conversation": {}},
    {"type": "message", "text": "hi", "summary": "", "inputHint": "", "locale": ""},
    {"type": "message", "attachments": [_CARD]},
    {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive"}]},
    {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": None}]},
    {"type": "message", "text": "hi", "attachments": [{"contentType": "", "content": {}}]},
]


async def test_the_fake_connector_refuses_everything_the_playground_refuses(playground: tuple[Core, Playground]) -> None:
    """The fast tests' fake Bot Connector is checked against the Playground: for each body, a
    refusal by the Playground is a refusal by the fake (which may refuse more, never less)."""
    _, pg = playground
    url = f"{pg.url}/_connector/v3/conversations/{pg.personal_chat}/activities"
    assert pg.session is not None
    async with pg.session.post(url, json={"type": "message", "text": "to update"}) as response:
        original = (await response.json())["id"]
    verdicts = []
    for body in BODIES:
        for kind, method, target in (("send", "POST", url), ("update", "PUT", f"{url}/{original}")):
            async with pg.session.request(method, target, json=body) as response:
                # 202 with no id: accepted but not shown, which a careful sender never wants either.
                shown = response.status in (200, 201) and "id" in (await response.json(content_type=None) or {})
            fake = refusal(kind, json.dumps(body).encode(), body)
            verdicts.append((kind, json.dumps(body), shown, fake))
    assert [v for v in verdicts if not v[2] and v[3] is None] == []  # refused or dropped there, refused here
    assert any(v[2] and v[3] is None for v in verdicts)  # and the fake still takes a good body
    assert sum(not v[2] for v in verdicts) >= 20  # the corpus does probe refusals
