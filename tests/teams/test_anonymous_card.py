"""An answered card of an anonymous round says that it was answered, never what: the update goes
through the outbox (and so into the database) and is shown in the member's chat."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.app import Core
from storage.models import OutboxMessage
from tests.teams.fake_connector import FakeConnector
from tests.teams.test_teams_http import _card_activity_id, drain, teams_core  # noqa: F401 (fixture)
from tests.teams.wire import card_submit, live_bot, personal_conversation, personal_install, personal_message


async def test_anonymous_answer_is_not_echoed_on_the_card_or_in_the_outbox(teams_core: Core, connector: FakeConnector) -> None:
    async with live_bot(teams_core) as bot:
        for name in ("alice", "bob"):
            assert await bot.post(personal_install(connector.url, name)) == 202
        assert await bot.post(personal_message(connector.url, "coco", "pulse start trust")) == 202
        await drain(teams_core)
        card_call = connector.prompt_cards(personal_conversation("bob"))[0]
        ref = card_call.card["actions"][0]["data"]["yhdessa_prompt"]  # type: ignore[index]
        card_id = await _card_activity_id(connector, card_call)
        assert await bot.post(card_submit(connector.url, "bob", card_id, {"yhdessa_prompt": ref, "answer": "4"})) == 202
        async with teams_core.db.transaction() as tx:
            queued = [m for m in (await tx.execute(select(OutboxMessage.message))).scalars() if m.get("type") == "prompt_closed"]
        await drain(teams_core)
    [closed] = queued
    assert "anonym" in closed["text"] and "4" not in closed["text"]
    [update] = connector.delivered("update", personal_conversation("bob"))
    shown = json.dumps(update.card)
    assert "anonym" in shown and "Answered: 4" not in shown
