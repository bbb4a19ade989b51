"""A coordinator launches a pulse with a signed slash command; members answer with buttons and modals."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from storage.models import Member, MemberSession, OutboxMessage, Response
from tests.slack.conftest import SlackHarness, payload
from tests.slack.fake_slack import TEAM


def _prompt_post(slack: SlackHarness, dm: str) -> tuple[str, list[dict]]:
    posts = [c for c in slack.posts_to(dm) if any(b.get("type") == "actions" for b in c.args.get("blocks") or ())]
    assert posts, f"no prompt was posted to {dm}"
    call = posts[-1]
    return call.result["ts"], call.args["blocks"]


async def _start_pulse(slack: SlackHarness) -> None:
    started = time.monotonic()
    status, body = await slack.command("pulse start trust here")
    assert status == 200 and body == ""
    assert time.monotonic() - started < 3.0
    await slack.deliver()


async def test_slash_command_pulse_dms_each_channel_member(slack: SlackHarness) -> None:
    await _start_pulse(slack)
    opened = sorted(c.args["users"] for c in slack.fake.called("conversations.open"))
    assert opened == ["UANNA", "UBEN", "UCOORD", "UGUEST"]  # the bot itself is not invited
    ts, blocks = _prompt_post(slack, "DANNA")
    actions = [b for b in blocks if b["type"] == "actions"]
    buttons = actions[0]["elements"]
    assert actions[0]["block_id"].startswith("yhq|") and actions[0]["block_id"].endswith(":trust-1")
    assert [b["value"] for b in buttons] == ["1", "2", "3", "4", "5"]
    assert buttons[0]["text"]["text"].startswith("1 ") and buttons[-1]["text"]["text"].startswith("5 ")
    ids = [b["action_id"] for b in buttons]
    assert len(set(ids)) == 5 and all(i.startswith("yh_choose:") for i in ids)  # Slack refuses repeated action ids
    # The coordinator hears that the round is open, in a DM.
    assert any("Round #" in (c.args.get("text") or "") for c in slack.posts_to("DCOORD"))
    async with slack.core.db.transaction() as tx:
        guest = (await tx.execute(select(Member).where(Member.key == "slack:T0OTHER:UGUEST"))).scalar_one()
    assert guest.display_name == "Guest"  # a Slack Connect member keeps their own team


async def _held(slack: SlackHarness) -> list[tuple[str, float]]:
    async with slack.core.db.transaction() as tx:
        sessions = (await tx.execute(select(MemberSession))).scalars().all()
    return [(item["step_id"], item["value_num"]) for s in sessions for item in s.held or ()]


async def test_button_answer_is_stored_and_the_message_updated(slack: SlackHarness) -> None:
    await _start_pulse(slack)
    ts, blocks = _prompt_post(slack, "DANNA")
    block_id = next(b["block_id"] for b in blocks if b["type"] == "actions")
    click = slack.block_action("UANNA", "DANNA", ts, {"action_id": "yh_choose", "block_id": block_id, "type": "button", "value": "4", "text": {"type": "plain_text", "text": "4"}})
    status, _ = await slack.interaction(click)
    assert status == 200
    # Anonymous: kept on anna's session until she finishes, never as a row of its own yet.
    assert await slack.responses() == [] and await _held(slack) == [("trust-1", 4.0)]
    # The same click delivered twice (a proxy retry) stores nothing new.
    await slack.interaction(click)
    assert await _held(slack) == [("trust-1", 4.0)]
    await slack.deliver()
    updates = slack.fake.called("chat.update")
    assert [(u.args["channel"], u.args["ts"]) for u in updates] == [("DANNA", ts)]
    # A pulse is anonymous: the message says it was answered, not what.
    assert "anonymous" in updates[0].args["text"] and "4" not in updates[0].args["text"]
    updated = updates[0].args["blocks"]
    assert not any(b["type"] == "actions" for b in updated)  # no buttons left to click twice
    question = next(b["text"]["text"] for b in blocks if b.get("block_id", "").startswith("yh_q|"))
    assert any(b["type"] == "section" and b["text"]["text"] == question for b in updated)  # the question stays
    # The next question follows in the same DM.
    next_ts, next_blocks = _prompt_post(slack, "DANNA")
    assert next_ts != ts and any(b.get("block_id", "").endswith(":trust-2") for b in next_blocks)


async def test_text_answer_opens_a_modal_and_invalid_input_gets_field_errors(slack: SlackHarness) -> None:
    status, _ = await slack.command("reflect start u-stage-1 here")
    assert status == 200
    await slack.deliver()
    ts, blocks = _prompt_post(slack, "DBEN")
    button = next(b for b in blocks if b["type"] == "actions")["elements"][0]
    assert button["action_id"] == "yh_open"
    click = slack.block_action("UBEN", "DBEN", ts, {"action_id": "yh_open", "block_id": "yho|x", "type": "button", "value": button["value"], "text": button["text"]})
    await slack.interaction(click)
    opened = slack.fake.called("views.open")
    assert len(opened) == 1 and opened[0].args["trigger_id"] == click["trigger_id"]
    modal = opened[0].args["view"]
    text_input = modal["blocks"][1]["element"]
    assert text_input["type"] == "plain_text_input" and text_input["multiline"] and text_input["max_length"] == 1500
    assert modal["blocks"][0]["text"]["text"]  # the question is shown in the modal

    def submission(value: str) -> dict:
        data = payload("view_submission.json")
        data["user"] = {"id": "UBEN", "username": "ben", "name": "ben", "team_id": TEAM}
        data["view"]["private_metadata"] = modal["private_metadata"]
        data["view"]["id"] = f"V{value[:3]}{len(value)}"
        data["view"]["state"]["values"]["yh_text"]["yh_text_input"]["value"] = value
        return data

    status, body = await slack.interaction(submission("x" * 1501))
    assert status == 200
    errors = json.loads(body)
    assert errors["response_action"] == "errors" and "1500" in errors["errors"]["yh_text"]
    status, body = await slack.interaction(submission("   "))
    assert json.loads(body)["response_action"] == "errors"
    assert await slack.responses() == []  # nothing stored from refused input

    status, body = await slack.interaction(submission("We know the client's path through three services."))
    assert status == 200 and body == ""
    answers = await slack.responses()
    assert [(a.step_id, a.value_text) for a in answers] == [("facts", "We know the client's path through three services.")]
    await slack.deliver()
    assert [(u.args["channel"], u.args["ts"]) for u in slack.fake.called("chat.update")] == [("DBEN", ts)]


async def test_checkboxes_and_people_are_submitted_together(slack: SlackHarness) -> None:
    await slack.command("reflect start network-map here")
    await slack.deliver()
    ts, blocks = _prompt_post(slack, "DANNA")
    picker_block = next(b for b in blocks if b["type"] == "actions" and b["elements"][0]["action_id"] == "yh_pick")
    assert picker_block["elements"][0]["type"] == "multi_users_select"
    submit = next(b for b in blocks if b["type"] == "actions" and b["elements"][0]["action_id"] == "yh_submit")["elements"][0]
    # Ticking people only changes the message state; the submit sends them.
    tick = slack.block_action("UANNA", "DANNA", ts, {"action_id": "yh_pick", "block_id": picker_block["block_id"], "type": "multi_users_select", "selected_users": ["UBEN"]})
    await slack.interaction(tick)
    assert await slack.responses() == []
    state = {picker_block["block_id"]: {"yh_pick": {"type": "multi_users_select", "selected_users": ["UBEN", "UGUEST"]}}}
    click = slack.block_action("UANNA", "DANNA", ts, {"action_id": "yh_submit", "block_id": "yhs|x", "type": "button", "value": submit["value"]}, state)
    await slack.interaction(click)
    answers = await slack.responses()
    # The Slack Connect guest is stored under their own organisation's team.
    assert len(answers) == 1 and sorted(answers[0].value_list or []) == ["slack:T0OTHER:UGUEST", f"slack:{TEAM}:UBEN"]


async def test_a_member_who_is_not_a_coordinator_is_refused_in_their_language(slack: SlackHarness) -> None:
    await slack.command("pulse start", user="UBEN")
    await slack.deliver()
    assert slack.fake.called("conversations.members") == []
    refusal = [c for c in slack.posts_to("DBEN") if "Welcome" not in c.args["text"]]  # ben's first message is welcomed
    assert len(refusal) == 1 and "coordinator" in refusal[0].args["text"].lower()
    async with slack.core.db.transaction() as tx:
        assert (await tx.execute(select(Response))).first() is None
        assert len((await tx.execute(select(OutboxMessage))).scalars().all()) == 2  # the welcome and the refusal


async def test_a_named_channel_is_resolved_and_an_unknown_one_is_named_back(slack: SlackHarness) -> None:
    await slack.command("pulse start trust #network", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    assert slack.fake.called("conversations.list")
    assert {c.args["users"] for c in slack.fake.called("conversations.open")} >= {"UANNA", "UBEN", "UGUEST"}
    await slack.command("pulse start trust <#CNET|network>", channel="DCOORD", channel_name="directmessage")
    assert len(slack.fake.called("conversations.list")) == 1  # an escaped mention carries the id already
    before = len(slack.posts_to("DCOORD"))
    await slack.command("pulse start trust #nowhere", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    refusal = slack.posts_to("DCOORD")[before:]
    assert any("#nowhere" in c.args["text"] or "nowhere" in c.args["text"] for c in refusal)


async def test_a_round_in_the_channel_is_posted_once_and_each_click_is_recorded(slack: SlackHarness) -> None:
    status, _ = await slack.command("reflect start checkin here --in-channel")
    assert status == 200
    await slack.deliver()
    prompts = [c for c in slack.posts_to("CNET") if any(b.get("type") == "actions" for b in c.args.get("blocks") or ())]
    assert len(prompts) == 3  # every question of the check-in, once, in the channel
    assert not [c for c in slack.fake.called("conversations.open") if c.args.get("users") == "UANNA"]  # no DMs
    first = prompts[0]
    block_id = next(b["block_id"] for b in first.args["blocks"] if b["type"] == "actions")
    for user, value in (("UANNA", "4"), ("UBEN", "2")):
        click = slack.block_action(user, "CNET", first.result["ts"], {"action_id": "yh_choose", "block_id": block_id, "type": "button", "value": value, "text": {"type": "plain_text", "text": value}})
        assert (await slack.interaction(click))[0] == 200
    await slack.settle()
    answers = await slack.responses()
    async with slack.core.db.transaction() as tx:
        keys = dict((await tx.execute(select(Member.id, Member.key))).all())
    assert sorted((keys[a.member_id], a.value_num) for a in answers) == [(f"slack:{TEAM}:UANNA", 4.0), (f"slack:{TEAM}:UBEN", 2.0)]
