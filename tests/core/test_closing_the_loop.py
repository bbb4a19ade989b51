"""Issue 13's "how we will know", as one loop on the console: a check-in with free text closes,
themes are voted on, the digest reaches every member asked, two actions come of it, one is done,
the next check-in asks its owner about the other, and the report shows one kept and one open."""

from __future__ import annotations

import pytest

from bot.evaluation import themes
from flows.messages import Digest, Notice, Prompt, Report
from tests.conftest import Console

NAMES = ["alice", "bob", "carol", "dave", "erin", "frank"]
FOCUS = [
    "The experiment with the client went well",
    "Evaluating the experiment is on my mind",
    "We should share what the experiment taught us",
    "The experiment needs a clearer owner",
    "Our experiment results are coming in",
    "Spring event venue",
]
NEED = ["Time for planning", "More time together", "Time to meet", "Time and money", "Time, mostly", "A contact person"]


@pytest.fixture(autouse=True, scope="module")
def _english_dictionary_loaded() -> None:
    """Loaded, the dictionary lets themes be found within the command's turn."""
    themes.warm(("en",))


def _to(out: list, who: str) -> list:  # type: ignore[type-arg]
    return [m for m in out if m.audience.key == f"console:local:{who}"]


def _asked_done(out: list, who: str) -> list[Notice]:  # type: ignore[type-arg]
    return [m for m in _to(out, who) if isinstance(m, Notice) and any(c.startswith("action done") for _, c in m.actions)]


async def test_a_round_comes_back_to_its_members_and_its_commitments_are_followed_up(console: Console) -> None:
    welcomed = await console.say("alice", "moi")  # the first member's very first message: she coordinates
    assert any("Welcome" in m.text for m in welcomed if isinstance(m, Notice))
    for name in NAMES:
        await console.command(name, "help")
    started = await console.command("alice", "checkin start")
    round_id = next(int(m.prompt_ref.split(":")[0]) for m in started if isinstance(m, Prompt))
    for i, name in enumerate(NAMES):
        for value in ("4", FOCUS[i], NEED[i]):
            await console.say(name, value)
    await console.command("alice", f"reflect close {round_id}")

    opened = await console.command("alice", f"reflect themes {round_id} --votes 1")
    ballots = [m for m in opened if isinstance(m, Prompt) and m.prompt_ref == f"themes:{round_id}"]
    assert {b.audience.member_key for b in ballots} == {f"console:local:{n}" for n in NAMES}
    labels = [o.label for o in ballots[0].options]
    experiment = 1 + next(i for i, label in enumerate(labels) if "experiment" in label)
    for name in NAMES:
        saved = await console.say(name, str(experiment))
        assert any("saved" in m.text for m in saved if isinstance(m, Notice)), name

    out = await console.command("alice", f'reflect publish {round_id} "We agreed two next steps; see the actions."')
    digests = [m for m in out if isinstance(m, Digest)]
    assert {d.audience.member_key for d in digests} == {f"console:local:{n}" for n in NAMES}
    ranked = next(s for s in digests[0].sections if s.heading == "What matters most")
    assert ranked.lines[0].startswith("6 members voted") and "experiment" in ranked.lines[1] and "6 votes" in ranked.lines[1]
    assert "6 of 6" in digests[0].summary and "two next steps" in digests[0].response

    made = await console.command("alice", f'action add "Name an owner for the experiment" --owner @bob --due 2w --round {round_id}')
    assert any("#1" in m.text for m in _to(made, "alice") if isinstance(m, Notice))
    assert any("recorded an action for you" in m.text for m in _to(made, "bob") if isinstance(m, Notice))
    await console.command("alice", f'action add "Share what the experiment taught us" --owner @carol --due 1w --round {round_id}')
    done = await console.command("bob", 'action done 1 "Dave owns it now"')
    assert any("marked done" in m.text for m in done if isinstance(m, Notice))

    nxt = await console.command("alice", "checkin start")
    [asked] = _asked_done(nxt, "carol")
    assert "Share what the experiment taught us" in asked.text and "#2" in asked.text
    assert not _asked_done(nxt, "bob")  # his is kept: not asked again
    carols = _to(nxt, "carol")
    assert carols.index(asked) < next(i for i, m in enumerate(carols) if isinstance(m, Prompt))

    [report] = [m for m in await console.command("dave", "report actions") if isinstance(m, Report)]
    lines = [line for s in report.sections for line in s.lines]
    assert "2 commitments made" in lines and "1 kept (50%)" in lines and "1 open, of which 0 overdue" in lines
    assert not any("Bob" in line or "Carol" in line for line in lines)
