"""Issue 13's "how we will know" as one loop over Slack, through the strict fake: members type their
check-in answers in DMs, the round closes, themes are voted on with checkboxes, the digest (blocks
and chart) reaches every DM, two actions come of it, one is done, the next check-in asks the other
owner with buttons, and the report shows one kept and one open."""

from __future__ import annotations

from typing import Any

from tests.slack.block_rules import check_blocks
from tests.slack.conftest import SlackHarness

PEOPLE = {"UCOORD": "DCOORD", "UANNA": "DANNA", "UBEN": "DBEN"}
ANSWERS = {
    "UCOORD": ("4", "Evaluating the experiment", "Time to plan"),
    "UANNA": ("5", "The experiment results", "Time together"),
    "UBEN": ("3", "Sharing the experiment", "Time and a room"),
}


def _text(posts: list[Any]) -> str:
    return "\n".join(str(p.args.get("text", "")) + str(p.args.get("blocks", "")) for p in posts)


def _buttons(post: Any) -> list[dict[str, Any]]:
    return [e for b in post.args.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


async def test_a_round_comes_back_to_its_members_and_its_commitments_are_followed_up(slack3: SlackHarness) -> None:
    slack = slack3
    for user, dm in PEOPLE.items():
        await slack.command("help", user=user, channel=dm, channel_name="directmessage")
    await slack.command("checkin start network", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    n = 0
    for user, dm in PEOPLE.items():
        for value in ANSWERS[user]:
            n += 1
            event = {"type": "message", "channel": dm, "user": user, "text": value, "ts": f"17000000{n:02d}.000100", "channel_type": "im"}
            assert (await slack.event(event, f"EvLOOP{n}"))[0] == 200
            await slack.settle()
    await slack.command("reflect close 1", channel="DCOORD", channel_name="directmessage")
    await slack.command("reflect themes 1 --votes 1", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()

    for user, dm in PEOPLE.items():
        post = next(c for c in reversed(slack.posts_to(dm)) if any(b.get("block_id", "").startswith("yhp|themes:1") for b in c.args.get("blocks") or ()))
        blocks = post.args["blocks"]
        picker = next(b for b in blocks if b.get("block_id") == "yhp|themes:1")["elements"][0]
        chosen = next(o for o in picker["options"] if "experiment" in o["text"]["text"])
        submit = next(b for b in blocks if b.get("block_id") == "yhs|themes:1")["elements"][0]
        state = {"yhp|themes:1": {"yh_pick": {"type": "checkboxes", "selected_options": [chosen]}}}
        status, _ = await slack.interaction(slack.block_action(user, dm, post.result["ts"], {**submit, "block_id": "yhs|themes:1"}, state))
        assert status == 200
    await slack.settle()
    await slack.command('reflect publish 1 "Two next steps were agreed."', channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    for dm in PEOPLE.values():
        [digest] = [c for c in slack.posts_to(dm) if any(b.get("block_id") == "yh_digest_title" for b in c.args.get("blocks") or ())]
        assert check_blocks(digest.args["blocks"], "message") == []
        text = str(digest.args["blocks"])
        assert "3 of 3" in text and "Two next steps" in text and "3 votes" in text and "1. experiment" in text

    await slack.command('action add "Name an owner for the experiment" --owner <@UANNA|anna> --due 2w --round 1', channel="DCOORD", channel_name="directmessage")
    await slack.command('action add "Share what the experiment taught" --owner <@UBEN|ben> --due 1w --round 1', channel="DCOORD", channel_name="directmessage")
    await slack.command('action done 1 "Ben owns it"', user="UANNA", channel="DANNA", channel_name="directmessage")
    await slack.deliver()
    assert "marked done" in _text(slack.posts_to("DANNA"))

    seen = {dm: len(slack.posts_to(dm)) for dm in PEOPLE.values()}
    await slack.command("checkin start network", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    new = slack.posts_to("DBEN")[seen["DBEN"]:]
    [asked] = [p for p in new if "did you get this done" in str(p.args.get("text"))]
    assert "Share what the experiment taught" in str(asked.args.get("text"))
    assert [e["text"]["text"] for e in _buttons(asked)] == ["Done", "Not yet", "Drop"]
    assert check_blocks(asked.args["blocks"], "message") == []
    assert not any("did you get this done" in str(p.args.get("text")) for p in slack.posts_to("DANNA")[seen["DANNA"]:])

    await slack.command("report actions", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    report = _text(slack.posts_to("DCOORD")).split("Commitments", 1)[-1]
    assert "2 commitments made" in report and "1 kept (50%)" in report and "1 open, of which 0 overdue" in report
