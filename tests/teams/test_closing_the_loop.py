"""Issue 13's "how we will know" as one loop over Teams, through the real Agents SDK and the fake
Bot Connector: members type their check-in answers, the round closes, themes are voted on in a
multi-select card, the digest card reaches every member, two actions come of it, one is done, the
next check-in asks the other owner with Action.Submit buttons, and the report shows one kept and
one open. Every card sent passes the Adaptive Cards checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.app import Core, build_core
from bot.evaluation import themes
from tests.conftest import make_settings
from tests.teams.fake_connector import FakeConnector
from tests.teams.test_card_validity import check
from tests.teams.test_digest_teams import _activity_id, drain
from tests.teams.wire import card_submit, live_bot, member_key, personal_conversation, personal_install, personal_message

ANSWERS = {
    "coco": ("4", "Evaluating the experiment", "Time to plan"),
    "alice": ("5", "The experiment results", "Time together"),
    "bob": ("3", "Sharing the experiment", "Time and a room"),
}


@pytest.fixture(autouse=True, scope="module")
def _english_dictionary_loaded() -> None:
    themes.warm(("en",))


@pytest_asyncio.fixture
async def teams3(db_url: str, tmp_path: Path) -> AsyncIterator[Core]:
    core = await build_core(make_settings(db_url, tmp_path, coordinators=member_key("coco"), anonymity_threshold=3))
    yield core
    await core.close()


def _cards(connector: FakeConnector, name: str) -> list[dict[str, Any]]:
    return [c.card for c in connector.cards(personal_conversation(name)) if c.card]


async def test_a_round_comes_back_to_its_members_and_its_commitments_are_followed_up(teams3: Core, connector: FakeConnector) -> None:
    core = teams3
    async with live_bot(core) as bot:
        for name in ANSWERS:
            assert await bot.post(personal_install(connector.url, name)) == 202
        assert await bot.post(personal_message(connector.url, "coco", "checkin start network")) == 202
        await drain(core)
        for name, values in ANSWERS.items():
            for value in values:
                assert await bot.post(personal_message(connector.url, name, value)) == 202
                await drain(core)
        assert await bot.post(personal_message(connector.url, "coco", "reflect close 1")) == 202
        assert await bot.post(personal_message(connector.url, "coco", "reflect themes 1 --votes 1")) == 202
        await drain(core)
        ballots = {}
        for name in ANSWERS:
            call = next(c for c in connector.cards(personal_conversation(name)) if c.card and (c.card.get("actions") or [{}])[0].get("data", {}).get("yhdessa_prompt") == "themes:1")  # type: ignore[index]
            choice = next(i for i in call.card["body"] if i.get("id") == "answer")  # type: ignore[index]
            assert choice["isMultiSelect"] is True
            ballots[f"ballot-{name}"] = call.card
            experiment = next(c["value"] for c in choice["choices"] if "experiment" in c["title"])
            data = {**call.card["actions"][0]["data"], "answer": experiment}  # type: ignore[index]
            assert await bot.post(card_submit(connector.url, name, await _activity_id(connector, call), data)) == 202
        assert await bot.post(personal_message(connector.url, "coco", 'reflect publish 1 "Two next steps were agreed."')) == 202
        await drain(core)
        digests = {}
        for name in ANSWERS:
            [digest] = [c for c in _cards(connector, name) if "What we heard" in c["body"][0]["text"]]
            text = str(digest["body"])
            assert "3 of 3" in text and "3 votes" in text and "Two next steps" in text and "experiment" in text
            assert any(b["type"] == "Image" for b in digest["body"])
            digests[f"digest-{name}"] = digest

        alice, bob = member_key("alice"), member_key("bob")
        assert await bot.post(personal_message(connector.url, "coco", f'action add "Name an owner for the experiment" --owner {alice} --due 2w --round 1')) == 202
        assert await bot.post(personal_message(connector.url, "coco", f'action add "Share what the experiment taught" --owner {bob} --due 1w --round 1')) == 202
        assert await bot.post(personal_message(connector.url, "alice", 'action done 1 "Bob owns it"')) == 202
        await drain(core)
        seen = {name: len(_cards(connector, name)) for name in ANSWERS}
        assert await bot.post(personal_message(connector.url, "coco", "checkin start network")) == 202
        await drain(core)
        [asked] = [c for c in _cards(connector, "bob")[seen["bob"]:] if "did you get this done" in str(c)]
        assert "Share what the experiment taught" in str(asked)
        assert [a["title"] for a in asked["actions"]] == ["Done", "Not yet", "Drop"]
        assert not any("did you get this done" in str(c) for c in _cards(connector, "alice")[seen["alice"]:])

        assert await bot.post(personal_message(connector.url, "coco", "report actions")) == 202
        await drain(core)
    report = "\n".join(str(c.text) + str(c.card or "") for c in connector.delivered(conversation=personal_conversation("coco")))
    assert "2 commitments made" in report and "1 kept (50%)" in report and "1 open, of which 0 overdue" in report
    assert {n: p for n, p in check({**ballots, **digests, "asked": asked}).items() if p} == {}
