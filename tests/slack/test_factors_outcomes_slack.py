"""`report factors` and `report outcomes` on Slack: a factors round answered by three members (the
threshold of this harness), then both reports as the coordinator gets them in their DM, every
message and chart upload accepted by the strict fake."""

from __future__ import annotations

import json
import uuid

from flows.events import MemberAnswered, MemberRef, NetworkRef
from tests.slack.conftest import SlackHarness
from tests.slack.fake_slack import TEAM

PEOPLE = ("UCOORD", "UANNA", "UBEN")


async def answer(slack: SlackHarness, user: str, ref: str, value: str) -> None:
    event = MemberAnswered(NetworkRef("slack", TEAM), MemberRef("slack", TEAM, user, user.title()), ref, value, f"test:{uuid.uuid4().hex}")
    await slack.core.engine.handle(event)


async def test_factors_and_outcomes_reports_reach_slack_with_their_charts(slack3: SlackHarness) -> None:
    slack = slack3
    await slack.command("reflect start factors")
    await slack.deliver()
    round_id = 1
    for i, user in enumerate(PEOPLE):
        for step in slack.core.flows["factors"].steps:
            value = ("2" if step.id == "res-means" else "5" if step.id == "purp-unique" else "3") if step.kind == "scale" else "skip"
            if step.id == "comment-res":
                value = ["No working time for the network.", "Time is short for the network work.", "The network work has no time set aside."][i]
            await answer(slack, user, f"{round_id}:{step.id}", value)
    await slack.command(f"reflect close {round_id}")
    await slack.command('action add "Map the service path" --due 2w')
    for command in ("report factors", "report outcomes"):
        await slack.command(command)
    await slack.deliver()
    assert not slack.fake.refused, [(c.method, c.result) for c in slack.fake.refused]
    posted = json.dumps([c.args.get("blocks") for c in slack.posts_to("DCOORD")], ensure_ascii=False)
    assert "Collaboration factors — round #1" in posted
    assert "Money, people, tools and time: 2.0 (3 answers) — a concern" in posted
    assert "3 comments on Resources, for example:" in posted
    assert "Outcomes of our work together" in posted and "1 commitment agreed so far" in posted
    alts = [c.args.get("alt_txt", "") for c in slack.fake.called("files.getUploadURLExternal")]
    assert any(a.startswith("Bar chart of round #1") for a in alts)
    assert sum(a.startswith(("Two charts.", "Bar chart of the members")) for a in alts) == 3
