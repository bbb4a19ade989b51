"""The actions loop on Teams, through the real Agents SDK and the fake Bot Connector: two actions,
one done, the next check-in asks about the other with three Action.Submit buttons, "not yet" is
pressed, and the report shows one kept and one open. Every card passes the Adaptive Cards checks."""

from __future__ import annotations

from typing import Any

from bot.app import Core
from tests.teams.fake_connector import FakeConnector
from tests.teams.test_teams_http import drain, teams_core  # noqa: F401 (the fixture)
from tests.teams.wire import card_submit, live_bot, member_key, personal_conversation, personal_install, personal_message


def texts(connector: FakeConnector, name: str) -> str:
    return "\n".join(str(c.text) + str(c.card or "") for c in connector.delivered(conversation=personal_conversation(name)))


def command_buttons(card: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["title"], a["data"].get("yhdessa_command_text", a["data"].get("yhdessa_command", ""))) for a in card.get("actions", [])]


async def test_two_actions_one_done_the_check_in_asks_about_the_other_and_the_report_counts(teams_core: Core, connector: FakeConnector) -> None:  # noqa: F811
    async with live_bot(teams_core) as bot:
        for name in ("coco", "alice", "bob"):
            assert await bot.post(personal_install(connector.url, name)) == 202
        await drain(teams_core)
        [welcome] = [c.card for c in connector.cards(personal_conversation("alice")) if c.card and "Welcome" in str(c.card)]
        assert [command for _, command in command_buttons(welcome)] == ["checkin", "my-data", "help"]

        alice, bob = member_key("alice"), member_key("bob")
        assert await bot.post(personal_message(connector.url, "coco", f'action add "Send the service map" --owner {alice} --due 2w')) == 202
        assert await bot.post(personal_message(connector.url, "coco", f'action add "Book the room" --owner {bob} --due 3d')) == 202
        assert await bot.post(personal_message(connector.url, "bob", 'action done 2 "Room 4"')) == 202
        await drain(teams_core)
        assert "Recorded action #1" in texts(connector, "coco") and "marked done" in texts(connector, "bob")

        seen = len(connector.cards(personal_conversation("alice")))
        assert await bot.post(personal_message(connector.url, "coco", "checkin start network")) == 202
        await drain(teams_core)
        new = connector.cards(personal_conversation("alice"))[seen:]
        [asked] = [c for c in new if "did you get this done" in str(c.card)]
        assert [title for title, _ in command_buttons(asked.card)] == ["Done", "Not yet", "Drop"]  # type: ignore[arg-type]
        assert not any("did you get this done" in str(c.card) for c in connector.cards(personal_conversation("bob")))

        later = next(a for a in asked.card["actions"] if a["title"] == "Not yet")  # type: ignore[index]
        assert await bot.post(card_submit(connector.url, "alice", "act-later", later["data"])) == 202
        await drain(teams_core)
        assert "again at the next check-in" in texts(connector, "alice")

        assert await bot.post(personal_message(connector.url, "coco", "report actions")) == 202
        await drain(teams_core)
    report = texts(connector, "coco")
    assert "2 commitments made" in report and "1 kept (50%)" in report and "1 open, of which 0 overdue" in report
