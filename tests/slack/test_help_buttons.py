"""`help` on Slack: the short text with its command buttons, each with its own action id; pressing
one runs that command for the member, as on Teams."""

from __future__ import annotations

from tests.slack.conftest import SlackHarness


async def test_help_has_buttons_and_pressing_check_in_starts_the_check_in(slack: SlackHarness) -> None:
    await slack.command("help", user="UANNA", channel="DANNA", channel_name="directmessage")
    await slack.deliver()
    post = slack.posts_to("DANNA")[-1]
    [actions] = [b for b in post.args["blocks"] if b["type"] == "actions"]
    labels = [e["text"]["text"] for e in actions["elements"]]
    assert labels == ["Check-in", "Our journey", "Results", "My data", "All commands"]
    assert len({e["action_id"] for e in actions["elements"]}) == len(labels)  # Slack refuses repeats

    check_in = actions["elements"][0]
    action = {"action_id": check_in["action_id"], "block_id": actions["block_id"], "type": "button", "value": check_in["value"]}
    status, _ = await slack.interaction(slack.block_action("UANNA", "DANNA", post.result["ts"], action))
    assert status == 200
    await slack.deliver()
    question = slack.posts_to("DANNA")[-1]
    assert "Check-in" in question.args["text"] and any(b["type"] == "actions" for b in question.args["blocks"])


async def test_a_coordinator_gets_the_pulse_button(slack: SlackHarness) -> None:
    await slack.command("help", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    [actions] = [b for b in slack.posts_to("DCOORD")[-1].args["blocks"] if b["type"] == "actions"]
    assert [e["value"] for e in actions["elements"]] == ["checkin", "pulse start", "report", "my-data", "help all"]
