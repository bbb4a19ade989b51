"""`help` is short (what a member does, with command buttons); `help all` is the whole grammar."""

from __future__ import annotations

from flows.messages import Notice
from tests.conftest import Console


async def test_help_is_short_with_buttons_and_help_all_is_everything(console: Console) -> None:
    await console.command("alice", "/yhdessa help")  # alice becomes the coordinator
    welcome, member_help = [m for m in await console.command("bob", "/yhdessa help") if isinstance(m, Notice)]
    assert [command for _, command in welcome.actions] == ["checkin", "my-data", "help"]  # bob's first message
    assert "/yhdessa checkin" in member_help.text and "/yhdessa help all" in member_help.text
    assert "reflect start" not in member_help.text  # the coordinators' verbs are not a member's business
    assert [command for _, command in member_help.actions] == ["checkin", "journey", "report", "my-data", "help all"]
    [coordinator_help] = [m for m in await console.command("alice", "/yhdessa help") if isinstance(m, Notice)]
    assert "pulse start" in coordinator_help.text and ("Start a pulse", "pulse start") in coordinator_help.actions
    assert len(coordinator_help.actions) <= 5
    [everything] = await console.command("bob", "/yhdessa help all")
    assert isinstance(everything, Notice) and not everything.actions
    assert "members set me" in everything.text and "report trends" in everything.text
    assert len(everything.text) > len(member_help.text)
    [all_of_it] = await console.command("alice", "/yhdessa help all")
    assert len(all_of_it.text) > 2 * len(coordinator_help.text)  # type: ignore[union-attr]
