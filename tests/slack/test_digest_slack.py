"""A check-in with free text closes over Slack; themes are voted on with checkboxes; the digest,
in blocks the strict fake accepts, reaches every member asked, with its chart."""

from __future__ import annotations

from flows.events import MemberAnswered, MemberRef, NetworkRef
from flows.messages import Prompt
from tests.slack.block_rules import check_blocks
from tests.slack.conftest import SlackHarness
from tests.slack.fake_slack import TEAM

PEOPLE = {"UCOORD": "DCOORD", "UANNA": "DANNA", "UBEN": "DBEN", "UGUEST": "DGUEST"}
TEAMS = {"UGUEST": "T0OTHER"}
FOCUS = ["Evaluating the experiment", "The experiment results", "Sharing the experiment", "A spring event"]


async def test_round_closes_themes_are_voted_and_the_digest_reaches_every_dm(slack3: SlackHarness) -> None:
    slack = slack3
    await slack.command("reflect start checkin here")
    await slack.deliver()
    network = NetworkRef("slack", TEAM)
    for n, user in enumerate(PEOPLE):
        who = MemberRef("slack", TEAMS.get(user, TEAM), user)
        for step, value in (("mood", "4"), ("focus", FOCUS[n]), ("need", "-")):
            await slack.core.engine.handle(MemberAnswered(network, who, f"1:{step}", value, f"k-{user}-{step}"))
    await slack.command("reflect close 1")
    await slack.command("reflect themes 1 --votes 2")
    await slack.deliver()

    for user, dm in PEOPLE.items():
        post = next(c for c in reversed(slack.posts_to(dm)) if any(b.get("block_id", "").startswith("yhp|themes:1") for b in c.args.get("blocks") or ()))
        blocks = post.args["blocks"]
        picker = next(b for b in blocks if b.get("block_id") == "yhp|themes:1")["elements"][0]
        assert picker["type"] == "checkboxes" and picker["options"][0]["text"]["text"].startswith("experiment")
        submit = next(b for b in blocks if b.get("block_id") == "yhs|themes:1")["elements"][0]
        state = {"yhp|themes:1": {"yh_pick": {"type": "checkboxes", "selected_options": [picker["options"][0]]}}}
        status, _ = await slack.interaction(slack.block_action(user, dm, post.result["ts"], {**submit, "block_id": "yhs|themes:1"}, state))
        assert status == 200
    await slack.settle()
    await slack.command('reflect publish 1 "Thank you: the experiment gets an owner."')
    await slack.deliver()

    for user, dm in PEOPLE.items():
        digest = next(c for c in slack.posts_to(dm) if any(b.get("block_id") == "yh_digest_title" for b in c.args.get("blocks") or ()))
        blocks = digest.args["blocks"]
        assert check_blocks(blocks, "message") == []
        text = str(blocks)
        assert "4 of 4" in text and "experiment gets an owner" in text
        assert "1. experiment" in text and "4 votes" in text  # the ranked result
        assert "A spring event" not in text  # one answer: never a theme nor a quote
    uploads = [c for c in slack.fake.called("files.completeUploadExternal")] or slack.fake.called("files.getUploadURLExternal")
    assert len(uploads) >= len(PEOPLE)  # each digest has its chart


def test_digest_blocks_keep_within_slack_limits() -> None:
    from adapters.slack.digest_blocks import digest_blocks
    from flows.messages import Audience, Digest, ReportSection

    sections = tuple(ReportSection(f"Question {i} <&>", tuple(f"• theme {j} (5 answers)" for j in range(40))) for i in range(60))
    digest = Digest(Audience.member("slack:T1:U1"), "What we heard", "5 of 9 answered", tuple((f"m{i}", "mean 3.2/5") for i in range(14)), sections, "Response", "Thanks\n\nmore", "Note")
    pages = digest_blocks(digest)
    assert len(pages) > 1 and all(len(p) <= 50 for p in pages)
    for page in pages:
        assert check_blocks(page, "message") == []
        assert len({b["block_id"] for b in page}) == len(page)
    assert Prompt  # the ballot is an ordinary Prompt: its layout is checked with the prompts


async def test_a_channel_round_gets_its_digest_in_the_channel(slack3: SlackHarness) -> None:
    from flows.events import ChannelRef

    slack = slack3
    await slack.command("reflect start checkin here --in-channel")
    await slack.deliver()
    network, channel = NetworkRef("slack", TEAM), ChannelRef("slack", TEAM, "CNET")
    for n, user in enumerate(PEOPLE):
        who = MemberRef("slack", TEAMS.get(user, TEAM), user)
        for step, value in (("mood", "4"), ("focus", FOCUS[n]), ("need", "-")):
            await slack.core.engine.handle(MemberAnswered(network, who, f"1:{step}", value, f"c-{user}-{step}", channel=channel))
    await slack.command("reflect close 1")
    await slack.command("reflect publish 1")
    await slack.deliver()
    in_channel = [c for c in slack.posts_to("CNET") if any(b.get("block_id") == "yh_digest_title" for b in c.args.get("blocks") or ())]
    assert len(in_channel) == 1 and "4 of 4" in str(in_channel[0].args["blocks"])
    for dm in PEOPLE.values():
        assert not [c for c in slack.posts_to(dm) if any(b.get("block_id") == "yh_digest_title" for b in c.args.get("blocks") or ())]
