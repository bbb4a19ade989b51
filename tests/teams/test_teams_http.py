"""Teams end to end: Bot Framework activities POSTed to our /api/messages (the real Agents SDK
CloudAdapter), replies delivered through the outbox by the real SDK connector client to a fake Bot
Connector on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.app import Core, build_core
from bot.dispatcher import Dispatcher
from storage.models import ConversationReference, InboxEntry, OutboxMessage, Response
from tests.conftest import make_settings
from tests.teams.fake_connector import FakeConnector
from tests.teams.wire import (
    card_submit,
    channel_message,
    live_bot,
    member_key,
    personal_conversation,
    personal_install,
    personal_message,
    team_install,
    user,
)


@pytest_asyncio.fixture
async def teams_core(db_url: str, tmp_path) -> AsyncIterator[Core]:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(db_url, tmp_path, coordinators=member_key("coco")))
    yield core
    await core.close()


async def drain(core: Core) -> int:
    return await Dispatcher(core.db, {"teams": core.transports["teams"]}).drain()


async def count(core: Core, model: type, *where: object) -> int:
    async with core.db.transaction() as tx:
        return int((await tx.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def start_pulse(core: Core, bot, connector: FakeConnector) -> None:  # type: ignore[no-untyped-def]
    for name in ("alice", "bob"):
        assert await bot.post(personal_install(connector.url, name)) == 202
    assert await bot.post(personal_message(connector.url, "coco", "pulse start --named")) == 202  # answers show at once
    await drain(core)


async def test_personal_pulse_start_sends_cards_to_every_member(teams_core: Core, connector: FakeConnector) -> None:
    async with live_bot(teams_core) as bot:
        await start_pulse(teams_core, bot, connector)
    for name in ("alice", "bob", "coco"):
        cards = connector.prompt_cards(personal_conversation(name))
        assert len(cards) == 1, name
        card = cards[0].card
        assert card is not None and card["version"] == "1.5"
        submit = card["actions"][0]
        assert submit["type"] == "Action.Submit" and submit["data"]["yhdessa_prompt"].startswith("1:")
        choice = next(i for i in card["body"] if i.get("id") == "answer")
        assert choice["type"] == "Input.ChoiceSet" and choice["style"] == "expanded"
        assert choice["label"] and choice["errorMessage"]
    welcomes = connector.delivered("send", personal_conversation("alice"))
    assert any("Welcome" in str(c.card) for c in welcomes)  # a card, with its three buttons
    opened = [c.text for c in connector.delivered("send", personal_conversation("coco"))]
    assert any("3 members invited" in t for t in opened)


async def bobs_first_card(core: Core, bot: Any, connector: FakeConnector) -> tuple[str, str]:
    """Start a pulse; the prompt reference and activity id of the first card bob got."""
    await start_pulse(core, bot, connector)
    card_call = connector.prompt_cards(personal_conversation("bob"))[0]
    ref = card_call.card["actions"][0]["data"]["yhdessa_prompt"]  # type: ignore[index]
    return ref, await _card_activity_id(connector, card_call)


async def test_card_submit_is_stored_and_card_updated(teams_core: Core, connector: FakeConnector) -> None:
    async with live_bot(teams_core) as bot:
        ref, card_id = await bobs_first_card(teams_core, bot, connector)
        submit = card_submit(connector.url, "bob", card_id, {"yhdessa_prompt": ref, "answer": "4"})
        assert await bot.post(submit) == 202
        assert await count(teams_core, Response) == 1
        await drain(teams_core)
    updates = connector.delivered("update", personal_conversation("bob"))
    assert [u.activity_id for u in updates] == [card_id]
    body = updates[0].card["body"]  # type: ignore[index]
    question = connector.prompt_cards(personal_conversation("bob"))[0].card["body"][1]["text"]  # type: ignore[index]
    assert body[0]["text"] == question  # the question stays, the answer below it
    assert "Answered" in body[-1]["text"]
    assert len(connector.prompt_cards(personal_conversation("bob"))) == 2  # the next question arrived


async def test_invalid_submit_gets_a_clear_reply_and_the_card_stays_open(teams_core: Core, connector: FakeConnector) -> None:
    async with live_bot(teams_core) as bot:
        ref, card_id = await bobs_first_card(teams_core, bot, connector)
        assert await bot.post(card_submit(connector.url, "bob", card_id, {"yhdessa_prompt": ref, "answer": "9"})) == 202
        await drain(teams_core)
    assert await count(teams_core, Response) == 0
    replies = [c.text for c in connector.delivered(conversation=personal_conversation("bob")) if c.kind == "reply"]
    assert replies and "whole number from 1 to 5" in replies[-1] and "still open" in replies[-1]
    assert connector.delivered("update") == []


async def test_redelivered_activity_stores_nothing_new(teams_core: Core, connector: FakeConnector) -> None:
    async with live_bot(teams_core) as bot:
        ref, card_id = await bobs_first_card(teams_core, bot, connector)
        submit = card_submit(connector.url, "bob", card_id, {"yhdessa_prompt": ref, "answer": "3"})
        assert await bot.post(submit) == 202
        before = [await count(teams_core, m) for m in (Response, OutboxMessage, InboxEntry, ConversationReference)]
        async with teams_core.db.transaction() as tx:
            stamp = (await tx.get(ConversationReference, member_key("bob"))).updated_at  # type: ignore[union-attr]
        assert await bot.post(submit) == 202
        after = [await count(teams_core, m) for m in (Response, OutboxMessage, InboxEntry, ConversationReference)]
        async with teams_core.db.transaction() as tx:
            assert (await tx.get(ConversationReference, member_key("bob"))).updated_at == stamp  # type: ignore[union-attr]
    assert after == before


async def test_connector_429_is_retried_and_delivered_once(teams_core: Core, connector: FakeConnector) -> None:
    async with live_bot(teams_core) as bot:
        assert await bot.post(personal_message(connector.url, "alice", "help")) == 202
        connector.fail_next(429, retry_after="0")
        await drain(teams_core)
    attempts = connector.calls
    assert [c.status for c in attempts if c.kind == "send"] == [429, 200, 200]  # her welcome waited, then help
    assert len(connector.delivered("send", personal_conversation("alice"))) == 2
    assert await count(teams_core, OutboxMessage, OutboxMessage.status == "sent") == 2


@pytest.mark.parametrize("status", [500, 503])
async def test_connector_5xx_is_retried(teams_core: Core, connector: FakeConnector, status: int) -> None:
    async with live_bot(teams_core) as bot:
        assert await bot.post(personal_message(connector.url, "alice", "help")) == 202
        connector.fail_next(status, retry_after="0")
        await drain(teams_core)
    assert len(connector.delivered("send", personal_conversation("alice"))) == 2  # the welcome and help, once each


async def test_forbidden_is_undeliverable_not_retried(teams_core: Core, connector: FakeConnector) -> None:
    async with live_bot(teams_core) as bot:
        assert await bot.post(personal_message(connector.url, "alice", "help")) == 202
        connector.fail_next(403)
        await drain(teams_core)
    assert [c.status for c in connector.calls if c.kind == "send"][:1] == [403]  # the welcome: not retried
    assert await count(teams_core, OutboxMessage, OutboxMessage.status == "dead") == 1


async def test_channel_mention_command_and_team_install(teams_core: Core, connector: FakeConnector) -> None:
    team = "19:team@thread.tacv2"
    connector.roster[team] = [user("coco"), user("dora"), user("eino")]
    connector.roster["19:general@thread.tacv2"] = [user("coco"), user("dora"), user("eino")]
    async with live_bot(teams_core) as bot:
        assert await bot.post(team_install(connector.url, "coco")) == 202
        assert await bot.post(channel_message(connector.url, "coco", "reflect start checkin here")) == 202
        await drain(teams_core)
    # Dora and Eino never chatted with the bot: 1:1 chats were created for their welcome and prompt.
    created = {c.body["members"][0]["id"] for c in connector.delivered("create")}
    assert created >= {user("dora")["id"], user("eino")["id"]}
    for name in ("dora", "eino"):
        cards = connector.prompt_cards(f"a:chat-{user(name)['id']}")
        assert len(cards) == 1 and cards[0].card["actions"][0]["data"]["yhdessa_prompt"].startswith("1:")  # type: ignore[index]
    coco_chat = [c.text for c in connector.delivered("send", f"a:chat-{user('coco')['id']}")]
    assert any("3 members invited" in t for t in coco_chat), coco_chat


async def _card_activity_id(connector: FakeConnector, card_call) -> str:  # type: ignore[no-untyped-def]
    """The id the fake answered for a send (successful sends are numbered in order)."""
    successful = [c for c in connector.calls if c.status < 300 and c.kind in ("send", "reply", "create")]
    return f"act-{successful.index(card_call) + 1}"


async def test_a_message_that_cannot_be_stored_is_answered_with_not_saved(teams_core: Core, connector: FakeConnector) -> None:
    from tests.unwritable import read_only

    async with live_bot(teams_core) as bot:
        assert await bot.post(personal_message(connector.url, "alice", "help")) in (200, 202)
        before = await count(teams_core, OutboxMessage)
        async with read_only(teams_core.db):
            await bot.post(personal_message(connector.url, "alice", "pulse start"))
        assert await count(teams_core, OutboxMessage) == before  # nothing was handled
    texts = [c.text for c in connector.delivered(conversation=personal_conversation("alice"))]
    assert texts[-1] == teams_core.catalog.t("en", "save_failed")
async def test_the_fake_connector_refuses_a_null_as_the_playground_does(connector: FakeConnector) -> None:
    """The fake is as strict as the real service: the body the SDK used to send gets 400."""
    import aiohttp

    url = f"{connector.url}v3/conversations/a:personal-alice/activities"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"type": "message", "id": None, "text": "hi"}) as response:
            assert response.status == 400 and (await response.json())["error"]["code"] == "BadArgument"
        async with session.post(url, json={"type": "message", "text": "hi"}) as response:
            assert response.status == 200


async def test_proactive_sends_carry_no_nulls(teams_core: Core, connector: FakeConnector) -> None:
    async with live_bot(teams_core) as bot:
        await start_pulse(teams_core, bot, connector)
    sends = [c for c in connector.calls if c.kind in ("send", "update", "reply")]
    assert sends and all(c.status == 200 for c in sends), [(c.kind, c.status) for c in sends]
    assert await count(teams_core, OutboxMessage, OutboxMessage.status == "dead") == 0


async def test_a_member_first_met_in_a_request_acknowledged_before_a_crash_gets_the_reply_after_the_restart(db_url: str, tmp_path, connector: FakeConnector) -> None:  # type: ignore[no-untyped-def]
    """The conversation reference is stored in the inbox transaction of the activity that brought
    it: a process that dies right after the acknowledgement leaves both, and the next one answers."""
    settings = make_settings(db_url, tmp_path, coordinators=member_key("coco"))
    first = await build_core(settings)
    first.inbox.process_soon = lambda event, then=None: None  # type: ignore[method-assign]  # dies after the ack
    async with live_bot(first) as bot:
        assert await bot.post(personal_message(connector.url, "dora", "help")) in (200, 202)
    assert await count(first, ConversationReference) == 1 and await count(first, InboxEntry, InboxEntry.status == "pending") == 1
    await first.close()
    assert connector.delivered(conversation=personal_conversation("dora")) == []
    second = await build_core(settings)
    try:
        async with live_bot(second):
            assert await second.inbox.recover(everything=True) == 1
            assert await drain(second) >= 1
        assert connector.delivered(conversation=personal_conversation("dora"))  # the help reached her
    finally:
        await second.close()
