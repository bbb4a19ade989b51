"""The charter over Teams, through the real Agents SDK and the fake Bot Connector: members propose
ground rules, the ballot is a multi-select card each member submits, the coordinator closes the
vote, members hear what was kept, and their `stage` card shows the charter. Every card sent passes
the Adaptive Cards checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from bot.app import Core, build_core
from tests.conftest import make_settings
from tests.teams.fake_connector import FakeConnector
from tests.teams.test_card_validity import check
from tests.teams.test_digest_teams import _activity_id, drain
from tests.teams.wire import card_submit, live_bot, member_key, personal_conversation, personal_install, personal_message

PEOPLE = ("coco", "alice", "bob")
RULES = {"alice": "We listen to the end before we answer", "bob": "Every sector speaks before we decide"}
PICKS = {"coco": "1", "alice": "1,2", "bob": "1"}


@pytest_asyncio.fixture
async def teams3(db_url: str, tmp_path: Path) -> AsyncIterator[Core]:
    core = await build_core(make_settings(db_url, tmp_path, coordinators=member_key("coco"), anonymity_threshold=3))
    yield core
    await core.close()


def _cards(connector: FakeConnector, name: str) -> list[dict[str, Any]]:
    return [c.card for c in connector.cards(personal_conversation(name)) if c.card]


def _said(connector: FakeConnector, name: str) -> str:
    """Everything the member was sent, as text and cards."""
    return "\n".join(c.text + str(c.card or "") for c in connector.delivered(conversation=personal_conversation(name)))


async def test_ground_rules_are_proposed_voted_and_kept_over_teams(teams3: Core, connector: FakeConnector) -> None:
    core = teams3
    async with live_bot(core) as bot:
        for name in PEOPLE:
            assert await bot.post(personal_install(connector.url, name)) == 202
        assert await bot.post(personal_message(connector.url, "coco", "stage set 3 confirm")) == 202
        for name, rule in RULES.items():
            assert await bot.post(personal_message(connector.url, name, f'charter propose "{rule}"')) == 202
        assert await bot.post(personal_message(connector.url, "coco", "charter vote")) == 202
        await drain(core)
        sent: dict[str, dict[str, Any]] = {}
        for name in PEOPLE:
            call = next(c for c in connector.cards(personal_conversation(name)) if c.card and (c.card.get("actions") or [{}])[0].get("data", {}).get("yhdessa_prompt") == "decide:1")  # type: ignore[index]
            choice = next(i for i in call.card["body"] if i.get("id") == "answer")  # type: ignore[index]
            assert choice["isMultiSelect"] is True and [c["value"] for c in choice["choices"]] == ["1", "2"]
            sent[f"ballot-{name}"] = call.card  # type: ignore[assignment]
            data = {**call.card["actions"][0]["data"], "answer": PICKS[name]}  # type: ignore[index]
            assert await bot.post(card_submit(connector.url, name, await _activity_id(connector, call), data)) == 202
        await drain(core)
        assert await bot.post(personal_message(connector.url, "coco", "charter vote close")) == 202
        await drain(core)
        result = _said(connector, "coco")
        assert "1 ground rule is kept" in result and "3 members voted" in result and "— 3 votes" in result
        told = _said(connector, "bob")
        assert "agreed on its ground rules" in told and RULES["alice"] in told
        assert await bot.post(personal_message(connector.url, "bob", "stage")) == 202
        await drain(core)
        stage = _cards(connector, "bob")[-1]
        assert "Our ground rules for dialogue (1 rule)" in str(stage["body"]) and RULES["bob"] not in str(stage["body"])
        sent["stage-bob"] = stage
    problems = {name: found for name, found in check(sent).items() if found}
    assert problems == {}
