"""The actions loop on Slack, through the strict fake: two actions are made (owners named with
Slack mentions), one is done, the next check-in asks about the other with three buttons, "not yet"
is pressed, and the report shows one kept and one open. The welcome's buttons pass the fake too."""

from __future__ import annotations

from tests.slack.conftest import SlackHarness


def buttons(post) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return [e for b in post.args.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


def all_text(posts) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(p.args.get("text", "")) + str(p.args.get("blocks", "")) for p in posts)


async def test_two_actions_one_done_the_check_in_asks_about_the_other_and_the_report_counts(slack: SlackHarness) -> None:
    for user in ("UCOORD", "UANNA", "UBEN"):
        await slack.command("help", user=user, channel=f"D{user[1:]}", channel_name="directmessage")
    await slack.deliver()
    welcome = next(p for p in slack.posts_to("DANNA") if "Welcome" in str(p.args.get("text")))
    assert [e["value"] for e in buttons(welcome)] == ["checkin", "my-data", "help"]

    await slack.command('action add "Send the service map to everyone" --owner <@UANNA|anna> --due 2w', channel="DCOORD", channel_name="directmessage")
    await slack.command('action add "Book the room" --owner <@UBEN|ben> --due 3d', channel="DCOORD", channel_name="directmessage")
    await slack.command('action done 2 "Room 4"', user="UBEN", channel="DBEN", channel_name="directmessage")
    await slack.deliver()
    assert "Recorded action #1" in all_text(slack.posts_to("DCOORD")) and "Owner: uanna" in all_text(slack.posts_to("DCOORD"))
    assert "recorded an action for you" in all_text(slack.posts_to("DANNA"))
    assert "marked done" in all_text(slack.posts_to("DBEN"))

    before = len(slack.posts_to("DANNA"))
    await slack.command("checkin start network")
    await slack.deliver()
    new = slack.posts_to("DANNA")[before:]
    [asked] = [p for p in new if "did you get this done" in str(p.args.get("text"))]
    labels = [e["text"]["text"] for e in buttons(asked)]
    assert labels == ["Done", "Not yet", "Drop"]
    assert len({e["action_id"] for e in buttons(asked)}) == 3  # Slack refuses repeats
    assert new.index(asked) < next(i for i, p in enumerate(new) if "How am I doing" in str(p.args.get("text")))
    assert not any("did you get this done" in str(p.args.get("text")) for p in slack.posts_to("DBEN"))

    later = buttons(asked)[1]
    action = {"action_id": later["action_id"], "block_id": next(b["block_id"] for b in asked.args["blocks"] if b["type"] == "actions"), "type": "button", "value": later["value"]}
    status, _ = await slack.interaction(slack.block_action("UANNA", "DANNA", asked.result["ts"], action))
    assert status == 200
    await slack.deliver()
    assert "again at the next check-in" in all_text(slack.posts_to("DANNA"))

    await slack.command("report actions", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    report = all_text(slack.posts_to("DCOORD"))
    assert "2 commitments made" in report and "1 kept (50%)" in report and "1 open, of which 0 overdue" in report
    assert "uanna" not in report.split("Commitments", 1)[-1].lower()  # the report names no owner


async def test_rounds_are_listed_on_app_home(slack: SlackHarness) -> None:
    await slack.command("pulse start network")
    await slack.command("help", user="UANNA", channel="DANNA", channel_name="directmessage")
    status, _ = await slack.event({"type": "app_home_opened", "user": "UANNA", "channel": "DANNA", "tab": "home", "event_ts": "1.0"}, "EvHOME1")
    assert status == 200
    [view] = [c for c in slack.fake.called("views.publish") if c.result.get("ok")][-1:]
    text = str(view.args["view"])
    assert "Rounds" in text and "#1" in text and "/yhdessa report 1" in text
