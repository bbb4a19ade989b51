"""The step-3 practice on Slack, in Finnish, as a new network would meet it: the move announced,
the intro DMs with their buttons (passing the strict fake's block rules), "Tapasimme" pressed,
App Home showing the step, what it asks and the member's open intro, and `journey` as a chart."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import IntroMember
from tests.slack.conftest import SlackHarness, payload

PROFILES = {"UCOORD": ("public", "Kaupunki"), "UANNA": ("private", "Yritys Oy"), "UBEN": ("third", "Yhdistys ry"), "UGUEST": ("private", "Vieras Oy")}


def button(blocks: list, command: str) -> dict:
    for block in blocks:
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if element.get("type") == "button" and element.get("value") == command:
                return {"action_id": element["action_id"], "block_id": block.get("block_id", ""), "type": "button", "value": command}
    raise AssertionError(f"no button for {command}: {json.dumps(blocks)[:400]}")


async def test_step_three_intros_in_finnish_on_slack(slack: SlackHarness) -> None:
    await slack.command("lang fi --network")
    for user, (sector, organisation) in PROFILES.items():
        await slack.command(f'members set me sector={sector} organisation="{organisation}"', user=user)
        await slack.command("lang fi", user=user)
    await slack.command("stage next")
    await slack.command("stage set 3")  # skipping steps with no evidence is only shown, not done
    await slack.deliver()
    shown = slack.posts_to("DCOORD")[-1].args["text"]
    assert "ohittaisi askeleet" in shown and "stage set 3 confirm" in shown
    await slack.command("stage set 3 confirm")
    await slack.deliver()
    announced = slack.posts_to("DANNA")[-1].args["text"]
    assert "askeleelle 3/10" in announced and "Luodaan tila dialogille" in announced

    await slack.command("intro start")
    await slack.deliver()
    intro = next(c for c in slack.posts_to("DBEN") if "Haluan esitellä sinulle" in c.args["text"])
    assert "Kysymyksiä keskusteluunne" in json.dumps(intro.args["blocks"], ensure_ascii=False)
    async with slack.core.db.transaction() as tx:
        groups = {}
        for place in (await tx.execute(select(IntroMember))).scalars():
            groups.setdefault(place.grp, []).append(place.member_id)
    assert sorted(len(g) for g in groups.values()) == [2, 2]

    # Ben presses "Tapasimme" under the intro.
    click = slack.block_action("UBEN", "DBEN", intro.result["ts"], button(intro.args["blocks"], "intro met yes"))
    await slack.interaction(click)
    await slack.deliver()
    assert any("Hienoa, että sinä ja " in c.args["text"] for c in slack.posts_to("DBEN"))
    async with slack.core.db.transaction() as tx:
        assert [p.met for p in (await tx.execute(select(IntroMember).where(IntroMember.met.is_not(None)))).scalars()] == [True]

    # App Home: the step, what it asks this week and the open intro (Anna has not answered).
    await slack.event(dict(payload("events.json")["app_home_opened"], user="UANNA"), "Ev0JHOME")
    home = json.dumps(slack.fake.called("views.publish")[-1].args["view"], ensure_ascii=False)
    assert "askeleella 3/10" in home and "Tällä viikolla askel pyytää sinulta" in home and "tapaa " in home

    # The U picture is posted as a file with its alt text.
    await slack.command("journey")
    await slack.deliver()
    [upload] = slack.fake.called("files.getUploadURLExternal")
    assert "U-prosessin U-kuva" in upload.args.get("alt_txt", "")
    assert slack.fake.called("files.completeUploadExternal")[-1].args["channel_id"] == "DCOORD"
