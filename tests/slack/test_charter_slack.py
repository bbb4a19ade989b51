"""The charter (step 3) and the vision (steps 6-7) on Slack, in Finnish, through the strict fake:
members propose ground rules, the ballot reaches every DM as checkboxes (block rules checked),
members tick and submit, the coordinator closes the vote, every member hears what was kept, and
App Home shows the charter; then vision drafts, candidates, votes and the chosen vision."""

from __future__ import annotations

import json
from typing import Any

from tests.slack.block_rules import check_blocks
from tests.slack.conftest import SlackHarness, payload

PEOPLE = {"UCOORD": "DCOORD", "UANNA": "DANNA", "UBEN": "DBEN"}
RULES = {"UANNA": "Kuuntelemme loppuun ennen kuin vastaamme", "UBEN": "Jokainen sektori saa puheenvuoron ennen päätöstä"}
DRAFTS = {
    "UCOORD": "Jokainen asiakas löytää oikean palvelun yhdellä yhteydenotolla",
    "UANNA": "Asiakas löytää oikean palvelun yhdellä yhteydenotolla, kenen puoleen hän kääntyykin",
    "UBEN": "Kaupunki, yritykset ja järjestöt suunnittelevat palvelut yhdessä",
}


def _text(posts: list[Any]) -> str:
    return "\n".join(str(p.args.get("text", "")) + json.dumps(p.args.get("blocks", ""), ensure_ascii=False) for p in posts)


def ballot(slack: SlackHarness, dm: str, ref: str) -> Any:
    return next(c for c in reversed(slack.posts_to(dm)) if any(b.get("block_id", "") == f"yhp|{ref}" for b in c.args.get("blocks") or ()))


async def tick(slack: SlackHarness, user: str, ref: str, numbers: tuple[str, ...]) -> None:
    """Tick the boxes of `numbers` and press the vote button, as a member does."""
    dm = PEOPLE[user]
    post = ballot(slack, dm, ref)
    blocks = post.args["blocks"]
    assert check_blocks(blocks, "message") == []
    picker = next(b for b in blocks if b.get("block_id") == f"yhp|{ref}")["elements"][0]
    assert picker["type"] == "checkboxes"
    chosen = [o for o in picker["options"] if o["value"] in numbers]
    submit = next(b for b in blocks if b.get("block_id") == f"yhs|{ref}")["elements"][0]
    state = {f"yhp|{ref}": {"yh_pick": {"type": "checkboxes", "selected_options": chosen}}}
    status, _ = await slack.interaction(slack.block_action(user, dm, post.result["ts"], {**submit, "block_id": f"yhs|{ref}"}, state))
    assert status == 200
    await slack.settle()


async def home_of(slack: SlackHarness, user: str, n: int) -> str:
    await slack.event(dict(payload("events.json")["app_home_opened"], user=user), f"Ev0CHARTER{n}")
    return json.dumps(slack.fake.called("views.publish")[-1].args["view"], ensure_ascii=False)


async def test_charter_and_vision_in_finnish_on_slack(slack3: SlackHarness) -> None:
    slack = slack3
    await slack.command("lang fi --network", channel="DCOORD", channel_name="directmessage")
    for user, dm in PEOPLE.items():
        await slack.command("lang fi", user=user, channel=dm, channel_name="directmessage")
    await slack.command("stage set 3 confirm", channel="DCOORD", channel_name="directmessage")
    for user, rule in RULES.items():
        await slack.command(f'pelisäännöt ehdota "{rule}"', user=user, channel=PEOPLE[user], channel_name="directmessage")
    await slack.command("pelisäännöt äänestä", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    assert "Äänestys on auki: 2 ehdotusta lähetettiin 3 jäsenelle" in slack.posts_to("DCOORD")[-1].args["text"]
    options = json.dumps(ballot(slack, "DBEN", "decide:1").args["blocks"], ensure_ascii=False)
    assert "Valitse enintään 2 pelisääntöä" in options and RULES["UANNA"] in options

    await tick(slack, "UANNA", "decide:1", ("1", "2"))
    await tick(slack, "UBEN", "decide:1", ("1",))
    await tick(slack, "UCOORD", "decide:1", ("1",))
    await slack.deliver()
    assert any("Äänesi säännöille 1, 2 on tallennettu" in str(c.args.get("text")) for c in slack.posts_to("DANNA"))
    await slack.command("pelisäännöt äänestä sulje", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    result = slack.posts_to("DCOORD")[-1].args["text"]
    assert "Pelisääntöihin jää 1 sääntö" in result and "3 jäsentä äänesti" in result and "— 3 ääntä" in result
    told = slack.posts_to("DBEN")[-1].args["text"]
    assert "Verkosto on sopinut dialogin pelisäännöistään" in told and RULES["UANNA"] in told and RULES["UBEN"] not in told
    home = await home_of(slack, "UBEN", 1)
    assert "Dialogin pelisääntömme (1 sääntö)" in home and RULES["UANNA"] in home

    await slack.command("stage set 6 confirm", channel="DCOORD", channel_name="directmessage")
    assert "luonnostele verkoston visio" in await home_of(slack, "UANNA", 2)
    for user, draft in DRAFTS.items():
        await slack.command(f'visio luonnos "{draft}"', user=user, channel=PEOPLE[user], channel_name="directmessage")
    await slack.command("visio äänestä --votes 1", channel="DCOORD", channel_name="directmessage")
    assert slack.core.config.after_commit is not None
    await slack.core.config.after_commit.wait()
    await slack.deliver()
    assert any("Äänestys on auki: 3 luonnoksesta syntyi" in str(c.args.get("text")) for c in slack.posts_to("DCOORD"))
    candidates = _text(slack.posts_to("DANNA")[-2:])  # the candidates in full, then the ballot
    assert "Visiomme ehdokkaat" in candidates and "kokoaa 2 luonnosta" in candidates and "Valitse visio, jota kannatat eniten" in candidates
    for user in PEOPLE:
        await tick(slack, user, "decide:2", ("1",))
    await slack.command("visio äänestä sulje", channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    assert "Verkoston visio on:" in slack.posts_to("DCOORD")[-1].args["text"]
    assert "Verkosto on valinnut visionsa" in slack.posts_to("DANNA")[-1].args["text"]
    home = await home_of(slack, "UBEN", 3)
    assert "Visiomme: " in home and "Dialogin pelisääntömme" in home
    assert not slack.fake.refused, [(c.method, c.result) for c in slack.fake.refused]
