"""Events API: DMs answer the open question, joiners of a network channel are welcomed, App Home."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Member
from tests.slack.conftest import SlackHarness, payload
from tests.slack.fake_slack import TEAM


async def test_a_typed_dm_answers_the_open_question_and_bot_messages_are_ignored(slack: SlackHarness) -> None:
    events = payload("events.json")
    await slack.command("pulse start trust here --named")  # named: the answer shows in responses at once
    await slack.event(events["message_im_bot"], "Ev0BOT")
    assert await slack.responses() == []
    await slack.event(events["message_im"], "Ev0TYPED")
    answers = await slack.responses()
    assert [(a.step_id, a.value_num) for a in answers] == [("trust-1", 4.0)]


async def test_joining_a_network_channel_welcomes_and_registers_the_member(slack: SlackHarness) -> None:
    events = payload("events.json")
    joined = events["member_joined_channel"]
    await slack.event(joined, "Ev0JOIN-BEFORE")  # not yet a channel the network works in
    assert await slack.outbox() == []
    await slack.command("pulse start trust here --named")  # named: the answer shows in responses at once
    await slack.event(joined, "Ev0JOIN")
    async with slack.core.db.transaction() as tx:
        newcomer = (await tx.execute(select(Member).where(Member.key == f"slack:{TEAM}:UNEW"))).scalar_one_or_none()
    assert newcomer is not None
    await slack.deliver()
    welcome = slack.posts_to("DNEW")
    assert len(welcome) == 1 and "Welcome" in welcome[0].args["text"]


async def test_app_home_shows_the_stage_open_questions_and_for_coordinators_the_rounds(slack: SlackHarness) -> None:
    events = payload("events.json")
    await slack.command("pulse start trust here --named")  # named: the answer shows in responses at once
    await slack.event(events["app_home_opened"], "Ev0HOME1")
    published = slack.fake.called("views.publish")
    assert len(published) == 1 and published[0].args["user_id"] == "UCOORD"
    view = published[0].args["view"]
    text = str(view)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert "U-process" in text  # where the network is on the U
    assert any(b.get("block_id", "").endswith(":trust-1") for b in view["blocks"])  # the open question, answerable here
    assert "0 of 4 answered" in text  # coordinators see response rates
    assert "reflect close 1" in text  # and quick actions

    member_home = dict(events["app_home_opened"], user="UBEN")
    await slack.event(member_home, "Ev0HOME2")
    ben_view = str(slack.fake.called("views.publish")[-1].args["view"])
    assert "reflect close" not in ben_view and "answered (" not in ben_view

    # Answering in the Home tab stores the answer and shows the tab again.
    block_id = next(b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("yhq|"))
    click = slack.block_action("UCOORD", "DCOORD", "1", {"action_id": "yh_choose", "block_id": block_id, "type": "button", "value": "5"})
    del click["container"]["channel_id"], click["container"]["message_ts"], click["channel"], click["message"]
    click["container"]["type"] = "view"
    click["view"] = {"id": "VHOME", "type": "home", "blocks": view["blocks"]}
    await slack.interaction(click)
    assert [(a.step_id, a.value_num) for a in await slack.responses()] == [("trust-1", 5.0)]
    republished = slack.fake.called("views.publish")[-1].args["view"]
    assert any(b.get("block_id", "").endswith(":trust-2") for b in republished["blocks"])


async def test_mention_in_a_channel_answers_with_help(slack: SlackHarness) -> None:
    await slack.event(payload("events.json")["app_mention"], "Ev0HELP")
    await slack.deliver()
    welcome, help_post = slack.posts_to("DANNA")  # anna's first message: the welcome, then help
    assert "Welcome" in welcome.args["text"]
    help_text = help_post.args["text"]
    assert "/yhdessa" in help_text
