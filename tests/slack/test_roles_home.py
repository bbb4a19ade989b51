"""On Slack: a role offered to a member reaches their DM with buttons, the App Home shows the
continuum phase and the offer, and a click on "I take it" makes the role theirs."""

from __future__ import annotations

from tests.slack.conftest import SlackHarness, payload


async def test_a_role_offer_is_taken_from_the_dm_and_shows_in_app_home(slack: SlackHarness) -> None:
    await slack.command("help", user="UBEN")
    await slack.command("phase set 2")
    await slack.command('role add "Keeps the shared calendar" --owner UBEN --level strategy')
    await slack.deliver()
    offer = next(c for c in slack.posts_to("DBEN") if "role #1" in str(c.args.get("blocks")))
    block = next(b for b in offer.args["blocks"] if b["type"] == "actions")
    take = next(e for e in block["elements"] if e["value"] == "role accept 1")

    await slack.event(dict(payload("events.json")["app_home_opened"], user="UBEN"), "Ev0HOMEROLE1")
    home = str(slack.fake.called("views.publish")[-1].args["view"])
    assert "Strategic continuum: phase 2/4" in home and "role #1 offered to you: Keeps the shared calendar" in home

    click = slack.block_action("UBEN", "DBEN", offer.result["ts"], {"action_id": take["action_id"], "block_id": block["block_id"], "type": "button", "value": take["value"]})
    await slack.interaction(click)
    await slack.deliver()
    assert any("uben took role #1" in str(c.args) for c in slack.posts_to("DCOORD"))  # the harness's display name
    await slack.event(dict(payload("events.json")["app_home_opened"], user="UBEN"), "Ev0HOMEROLE2")
    home = str(slack.fake.called("views.publish")[-1].args["view"])
    assert "Your roles: #1 Keeps the shared calendar" in home and "offered to you" not in home

