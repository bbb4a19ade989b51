"""Step 3's ground-rules charter and steps 6-7's vision on the console: proposals and drafts, the
network's dot-vote on them (the ballot of "close the loop"), what is kept, where it is shown
(charter, vision, stage, the report summary, the journey's evidence), and bad input."""

from __future__ import annotations

import json

from sqlalchemy import select

from flows.messages import Document, Prompt, Report
from storage.models import CharterRule, DecisionOption
from tests.conftest import Console
from tests.journey.helpers import text_to, texts

PEOPLE = ("alice", "bob", "cara", "dan", "eve", "fay")
RULES = ("We listen to the end before we answer", "What is said here stays here", "Every sector speaks before we decide")


def ballots(out: list, who: str) -> list[Prompt]:
    return [m for m in out if isinstance(m, Prompt) and m.audience.member_key == f"console:local:{who}"]


async def test_charter_proposed_voted_and_kept(core, console: Console) -> None:
    for who in PEOPLE:
        await console.command(who, "help")
    for _ in range(3):
        await console.command("alice", "stage next confirm")
    stage = texts(await console.command("alice", "stage next"))
    assert "no ground rules kept yet" in stage  # step 3's evidence names what is missing
    for who, rule in zip(("bob", "cara", "dan"), RULES):
        assert "is in the list, without your name" in texts(await console.command(who, f'charter propose "{rule}"'))
    listing = texts(await console.command("eve", "charter list"))
    assert all(rule in listing for rule in RULES) and "Bob" not in listing and "Proposed (3" in listing

    opened = await console.command("alice", "charter vote --votes 2")
    assert "3 proposals were sent to 6 members (2 votes each)" in texts(opened)
    [ballot] = ballots(opened, "fay")
    assert ballot.kind == "multi" and ballot.max_choices == 2 and [o.value for o in ballot.options] == ["1", "2", "3"]
    assert any(isinstance(m, Report) and m.audience.member_key == "console:local:fay" for m in opened)
    assert "vote on the proposed ground rules" in texts(await console.command("fay", "stage"))

    # Ticked on Slack/Teams (a list) or typed on the console ("1 3"); voting again replaces the dots.
    await console.answer("bob", ballot.prompt_ref, ["1", "2"])
    await console.say("cara", "3")
    await console.say("cara", "1 3")
    for who in ("dan", "eve", "fay"):
        assert "Your votes for rules 1, 2 are saved" in text_to(await console.say(who, "1 2"), who)
    assert "You have at most 2 votes; you chose 3" in texts(await console.say("alice", "1 2 3"))
    assert "Choose from the numbers 1 to 3 (not 7)" in texts(await console.answer("alice", ballot.prompt_ref, ["7"]))
    assert "vote on the proposed ground rules" not in texts(await console.command("fay", "stage"))

    closed = await console.command("alice", "charter vote close")
    result = text_to(closed, "alice")
    # 5 voted: rule 1 got 5 dots, rule 2 got 4, rule 3 one: the first two are kept.
    assert "2 ground rules are kept" in result and "5 members voted" in result and "✓ 1. We listen to the end before we answer — 5 votes" in result
    assert "· 3. Every sector speaks before we decide — 1 vote" in result
    assert "agreed on its ground rules" in text_to(closed, "dan")
    shown = texts(await console.command("eve", "charter"))
    assert RULES[0] in shown and RULES[1] in shown and RULES[2] not in shown
    assert "The vote on the ground rules has ended" in texts(await console.answer("bob", ballot.prompt_ref, ["3"]))
    assert "Our ground rules for dialogue (2 rules)" in texts(await console.command("fay", "stage"))
    assert "✓ 2 ground rules kept in the charter" in texts(await console.command("alice", "stage"))
    report = next(m for m in await console.command("fay", "report summary") if isinstance(m, Report))
    [section] = [s for s in report.sections if s.heading == "Our vision and ground rules"]
    assert any(RULES[1] in line for line in section.lines) and not any("Bob" in line or "Cara" in line for line in section.lines)

    # Coordinators amend and remove kept rules; a member only withdraws their own proposal.
    async with core.db.transaction() as tx:
        kept = (await tx.execute(select(CharterRule.id).where(CharterRule.status == "kept").order_by(CharterRule.id))).scalars().all()
    assert "coordinator" in texts(await console.command("bob", f'charter amend {kept[0]} "We listen"'))
    assert "now reads: We listen to each other to the end" in texts(await console.command("alice", f'charter amend {kept[0]} "We listen to each other to the end"'))
    assert "can be removed by a coordinator" in texts(await console.command("cara", f"charter remove {kept[1]}"))
    assert "has been removed" in texts(await console.command("alice", f"charter remove {kept[1]}"))
    assert "(1 rule)" in texts(await console.command("bob", "charter"))

    [data] = [m for m in await console.command("bob", "my-data") if isinstance(m, Document)]
    mine = json.loads(data.content)
    assert [(p["rule"], p["status"]) for p in mine["charter_proposals"]] == [("We listen to each other to the end", "kept")] and [v["option"] for v in mine["charter_and_vision_votes"]] == [1, 2]


DRAFTS = {
    "bob": "Every client finds the right service with one contact",
    "cara": "One contact is enough for every client to find the right service",
    "dan": "Clients find the right service with one contact, whoever they ask first",
    "eve": "The city, firms and associations plan their services together",
    "fay": "Firms and associations plan the services together with the city",
}


async def test_vision_drafted_grouped_voted_and_kept(core, console: Console) -> None:
    for who in PEOPLE:
        await console.command(who, "help")
    await console.command("alice", "stage set 6 confirm")
    assert "• draft the network's vision" in texts(await console.command("bob", "stage"))
    assert "no vision drafts yet" in texts(await console.command("alice", "stage"))
    for who, draft in DRAFTS.items():
        assert "the network sees it without your name" in texts(await console.command(who, f'vision draft "{draft}"'))
    assert "5 vision drafts written" in texts(await console.command("alice", "stage"))
    assert "• draft the network's vision" not in texts(await console.command("bob", "stage"))

    opened = await console.command("alice", "vision vote --votes 1")
    assert core.config.after_commit is not None
    await core.config.after_commit.wait()
    async with core.db.transaction() as tx:
        options = (await tx.execute(select(DecisionOption).order_by(DecisionOption.position))).scalars().all()
    # Two groups of drafts: about one contact (3 drafts) and about planning together (2).
    assert [o.drafts for o in options] == [3, 2]
    assert options[0].text in (DRAFTS["bob"], DRAFTS["cara"], DRAFTS["dan"]) and options[1].text in (DRAFTS["eve"], DRAFTS["fay"])
    everything = texts(opened)
    assert "2 candidates" in everything or "grouping the drafts" in everything
    for who in ("bob", "cara", "dan", "eve"):
        assert "Your vote for candidate 1 is saved" in text_to(await console.say(who, "1"), who)
    await console.say("fay", "2")
    closed = await console.command("alice", "vision vote close")
    assert f"The network's vision is: {options[0].text}" in text_to(closed, "alice")
    assert "has chosen its vision" in text_to(closed, "eve")
    assert f"Our vision: {options[0].text}" in texts(await console.command("fay", "stage"))
    await console.command("alice", "stage next confirm")
    assert "the network has chosen its vision" in texts(await console.command("alice", "stage"))
    report = next(m for m in await console.command("bob", "report summary") if isinstance(m, Report))
    assert any(f"Vision: {options[0].text}" in line for s in report.sections for line in s.lines)
    assert "now reads: Together" in texts(await console.command("alice", 'vision amend "Together we make one contact enough"'))
    assert "Our vision: Together we make one contact enough" in texts(await console.command("cara", "vision"))


async def test_bad_input_to_charter_and_vision(core, console: Console) -> None:
    for who in ("alice", "bob"):
        await console.command(who, "help")
    cases = {
        ("alice", "charter propose"): "Write the ground rule after the command",
        ("alice", 'charter propose ""'): "Write the ground rule after the command",
        ("alice", "charter propose " + "x" * 301): "at most 300 characters; yours has 301",
        ("alice", "charter vote"): "There are no proposals to vote on",
        ("alice", "charter vote close"): "No vote on the ground rules is open",
        ("alice", "charter vote sideways"): "charter vote [--votes N]",
        ("alice", "charter vote --votes 11"): "1 to 10 votes",
        ("alice", "charter remove 9"): "not a proposed or kept ground rule",
        ("alice", "charter remove x"): "not a proposed or kept ground rule",
        ("alice", "charter frobnicate"): "Use one of: propose, list, vote, remove, amend",
        ("bob", "charter vote"): "coordinator",
        ("alice", "vision draft"): "Write your vision draft after the command",
        ("alice", "vision draft " + "y" * 501): "at most 500 characters; yours has 501",
        ("alice", "vision vote"): "There are 0 vision drafts; a vote needs at least 2",
        ("alice", "vision vote close"): "No vote on the vision is open",
        ("alice", "vision remove 4"): "not a vision draft",
        ("alice", 'vision amend "x"'): "has not chosen its vision yet",
        ("bob", "vision vote"): "coordinator",
        ("bob", "charter list"): "No ground rules have been proposed yet",
        ("bob", "vision list"): "No vision drafts yet",
    }
    for (who, command), expected in cases.items():
        assert expected in texts(await console.command(who, command)), command
    await console.command("bob", 'charter propose "We listen"')
    assert "already been proposed" in texts(await console.command("alice", 'charter propose "we listen"'))
    await console.command("alice", "charter vote")
    assert "already open" in texts(await console.command("alice", "charter vote"))
    assert "is on the open ballot" in texts(await console.command("bob", "charter remove 1"))
    assert "Only a kept rule can be reworded" in texts(await console.command("alice", 'charter amend 1 "We listen well"'))
    assert "Your vote for rule 1 is saved" in texts(await console.say("bob", "1"))
    closed = texts(await console.command("alice", "charter vote close"))
    # One voter of a threshold of five: what was kept is told, the counts are not.
    assert "1 ground rule is kept" in closed and "1 member voted, fewer than 5" in closed and "— 1 vote" not in closed
    assert "The vote on the ground rules has ended" in texts(await console.answer("bob", "decide:1", ["1"]))
    await console.command("bob", 'vision draft "One"')
    assert "There is 1 vision draft" in texts(await console.command("alice", "vision vote"))


def test_extractive_candidates_group_finnish_forms_and_always_leave_a_choice() -> None:
    from bot.evaluation.themes import warm
    from bot.evaluation.vision_candidates import extractive

    warm(("fi",))
    drafts = [
        "Asiakas löytää palvelun yhdellä yhteydenotolla",
        "Yksi yhteydenotto riittää, jotta asiakas löytää palvelunsa",
        "Yritykset ja järjestöt suunnittelevat palveluja yhdessä",
        "Järjestöjen ja yritysten kanssa suunnitellaan palvelut",
    ]
    found = extractive(drafts, ("fi",))
    # "palvelu" is in every draft and gathers nothing; inflected forms of the rest do.
    assert sorted(c.drafts for c in found) == [2, 2]
    assert {drafts[c.draft_index] for c in found if c.draft_index is not None} <= set(drafts)
    same = ["Palvelu yhdellä yhteydenotolla", "Palvelu yhdellä yhteydenotolla kaikille"]
    assert [c.drafts for c in extractive(same, ("fi",))] == [1, 1]  # one group of all is no choice


async def test_a_model_naming_drafts_that_do_not_exist_is_not_believed() -> None:
    from bot.evaluation.synthesis import Synthesiser
    from bot.evaluation.vision_candidates import ModelVision, ModelVisions, synthesised

    class Model(Synthesiser):
        def __init__(self, reply: ModelVisions) -> None:
            super().__init__("key", None, "model", 1.0)
            self.reply, self.asked = reply, ""

        async def ask(self, system, user, name, schema, reply):  # type: ignore[no-untyped-def]
            self.asked = user
            return self.reply

    good = Model(ModelVisions(candidates=[ModelVision(statement="One contact  for all", drafts=[1, 2]), ModelVision(statement="Plan together", drafts=[3])]))
    found = await synthesised(good, ["a [P1]", "b", "c"], "en")
    assert [(c.text, c.drafts, c.draft_index) for c in found or []] == [("One contact for all", 2, None), ("Plan together", 1, None)]
    assert "[P1]" in good.asked and "<<draft-" in good.asked  # fenced as data
    bad = Model(ModelVisions(candidates=[ModelVision(statement="x", drafts=[1]), ModelVision(statement="y", drafts=[9])]))
    assert await synthesised(bad, ["a", "b", "c"], "en") is None
