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
