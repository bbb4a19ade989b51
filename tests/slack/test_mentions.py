"""Members and channels named the way Slack sends them (`should_escape: true`), as `@name`, or by
bare id: every command argument that names one accepts each form."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Member, Network
from tests.slack.conftest import SlackHarness
from tests.slack.fake_slack import TEAM


async def _role(slack: SlackHarness, user: str) -> str:
    async with slack.core.db.transaction() as tx:
        return (await tx.execute(select(Member.role).where(Member.key == f"slack:{TEAM}:{user}"))).scalar_one()


async def test_members_and_channels_by_mention_name_or_id(slack: SlackHarness) -> None:
    await slack.command("pulse start trust here")  # everyone in the channel becomes a member
    await slack.command("members grant <@UBEN|ben>")
    assert await _role(slack, "UBEN") == "coordinator"
    await slack.command("members revoke @Ben")
    assert await _role(slack, "UBEN") == "member"
    await slack.command("members grant UBEN")
    assert await _role(slack, "UBEN") == "coordinator"
    await slack.command("members revoke <@UBEN>")
    assert await _role(slack, "UBEN") == "member"
    # A Slack Connect guest, named by mention, keeps their own organisation's key.
    await slack.command("members grant <@UGUEST|guest>")
    assert (await _guest_role(slack)) == "coordinator"

    await slack.command("network channel <#CNET|network>", channel="DCOORD", channel_name="directmessage")
    async with slack.core.db.transaction() as tx:
        channel = (await tx.execute(select(Network.report_channel))).scalar_one()
    assert channel == f"slack:{TEAM}:CNET"
    await slack.deliver()
    refusals = [c.args["text"] for c in slack.posts_to("DCOORD") if "don't know" in c.args["text"].lower() or "not a member" in c.args["text"].lower()]
    assert not refusals, refusals


async def _guest_role(slack: SlackHarness) -> str:
    async with slack.core.db.transaction() as tx:
        return (await tx.execute(select(Member.role).where(Member.key == "slack:T0OTHER:UGUEST"))).scalar_one()


async def test_what_people_wrote_can_never_ping_or_link(slack: SlackHarness) -> None:
    """Names and answers written by members come back escaped: `<!channel>` is shown, not sent."""
    await slack.command('members set me organisation="<!channel> & <https://evil.example|Partners>"', user="UCOORD", channel="DCOORD", channel_name="directmessage")
    await slack.command('network name "<!here> network"', channel="DCOORD", channel_name="directmessage")
    await slack.command("members list", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    sent = [c.args for c in slack.posts_to("DCOORD")]
    texts = [c.get("text", "") for c in sent] + [b["text"]["text"] for c in sent for b in c.get("blocks") or () if b.get("type") == "section"]
    joined = "\n".join(texts)
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|Partners&gt;" in joined
    assert "&lt;!here&gt; network" in joined
    assert "<!channel>" not in joined and "<!here>" not in joined and "<https://" not in joined


async def test_owners_and_launch_channels_by_mention_name_or_id(slack: SlackHarness) -> None:
    """`--owner` of an action, `owner=` of a prototype and the channel a round goes to take each form."""
    await slack.command("pulse start trust here")
    for n, owner in enumerate(("<@UANNA|anna>", "@Anna", "UANNA"), start=1):
        await slack.command(f'action add "Task {n}" --owner {owner} --due 2w', channel="DCOORD", channel_name="directmessage")
        await slack.command(f'prototype add "If {n}, then less waiting" owner={owner}', channel="DCOORD", channel_name="directmessage")
    await slack.command("checkin start <#CNET|network>", channel="DCOORD", channel_name="directmessage")
    slack.fake.add_channel("C0A1B2C3D4E", "partners", ["UCOORD", "UANNA", "UBOT"])  # a bare id looks like Slack's
    await slack.command("reflect start u-stage-1 C0A1B2C3D4E", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    async with slack.core.db.transaction() as tx:
        from storage.models import Action, Prototype, Round

        anna = (await tx.execute(select(Member.id).where(Member.key == f"slack:{TEAM}:UANNA"))).scalar_one()
        owners = (await tx.execute(select(Action.owner_id))).scalars().all() + (await tx.execute(select(Prototype.owner_id))).scalars().all()
        rounds = (await tx.execute(select(Round.flow_id, Round.audience).order_by(Round.id))).all()
    assert owners == [anna] * 6
    assert [(f, a) for f, a in rounds[1:]] == [("checkin", f"channel:slack:{TEAM}:CNET"), ("u-stage-1", f"channel:slack:{TEAM}:C0A1B2C3D4E")]
