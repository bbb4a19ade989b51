"""The strategic continuum: a coordinator sets the network's phase, every member is told in their
language, the phase stands beside the U (`stage`, `journey` and its picture), and leaving phase 4
starts the next cycle at phase 1 with the themes of the phase-4 reflection carried forward."""

from __future__ import annotations

import pytest

from bot.evaluation import themes
from flows.messages import Chart, Notice, Prompt
from tests.conftest import Console
from tests.evaluation.conftest import round_id_of
from tests.journey.helpers import text_to, texts

NAMES = ["alice", "bob", "carol", "dave", "erin", "frank"]
RESULTS = [
    "The shared intake form cut waiting times",
    "Waiting times fell after the intake form",
    "The intake form needs the firms too",
    "Our volunteers felt left out of planning",
    "Volunteers want a say in planning",
    "Planning with volunteers took too long",
]


@pytest.fixture(autouse=True, scope="module")
def _english_dictionary_loaded() -> None:
    themes.warm(("en",))


async def reflection_with_themes(console: Console) -> tuple[int, list[str]]:
    """A closed phase-4 reflection whose themes were found; the labels members vote on."""
    round_id = round_id_of(await console.command("alice", "reflect start reflection evaluate network"))
    for i, name in enumerate(NAMES):
        for value in ("4", RESULTS[i], "We learned to ask earlier", "-"):
            await console.say(name, value)
    closed = await console.command("alice", f"reflect close {round_id}")
    # Closed in phase 4, the reflection offers its opener the next cycle.
    assert ("Start the next cycle", "phase next") in [a for m in closed if isinstance(m, Notice) for a in m.actions]
    opened = await console.command("alice", f"reflect themes {round_id} --votes 1")
    ballot = next(m for m in opened if isinstance(m, Prompt) and m.prompt_ref == f"themes:{round_id}")
    return round_id, [o.label for o in ballot.options]


async def test_the_phase_is_set_announced_and_shown_beside_the_u(console: Console) -> None:
    for name in NAMES:
        await console.command(name, "help")
    await console.command("bob", "lang fi")
    assert "no phase set yet" in texts(await console.command("carol", "phase"))
    assert "coordinator" in texts(await console.command("bob", "phase next")).lower() or "koordinaattori" in texts(await console.command("bob", "phase next"))
    out = await console.command("alice", "phase set choose")
    assert "phase 2/4: choosing and updating ways of working and goals" in text_to(out, "carol")
    assert "vaiheeseen 2/4: yhteistyön toimintatapojen ja tavoitteiden valinta ja päivittäminen" in text_to(out, "bob")
    assert all(any(m.audience.member_key == f"console:local:{n}" for m in out if isinstance(m, Notice)) for n in NAMES)
    assert "I told all 6 members" in text_to(out, "alice")
    await console.command("alice", "stage next")
    stage = texts(await console.command("dave", "stage"))
    assert "Strategic continuum: phase 2/4" in stage and "step 1/10" in stage
    journey = await console.command("dave", "journey")
    assert "Strategic continuum: phase 2/4" in texts(journey)
    [chart] = [m for m in journey if isinstance(m, Chart)]
    assert chart.png.startswith(b"\x89PNG") and "Strategic continuum: phase 2/4" in chart.alt_text
    assert "already in phase 2" in texts(await console.command("alice", "phase set 2"))
    assert '"9" is not a phase' in texts(await console.command("alice", "phase set 9"))
    assert "Use: /yhdessa phase" in texts(await console.command("alice", "phase frobnicate"))
    assert "Strategic continuum: phase 2/4" in texts(await console.command("alice", "phase"))  # nothing moved


async def test_a_phase_four_reflection_starts_the_next_cycle_with_its_themes(console: Console) -> None:
    for name in NAMES:
        await console.command(name, "help")
    await console.command("alice", "phase set evaluate")
    round_id, labels = await reflection_with_themes(console)
    assert labels
    await console.say("bob", str(len(labels)))  # a dot on the last theme: it leads what is carried
    out = await console.command("alice", "phase next")
    said = text_to(out, "alice")
    assert "Cycle 2 begins at phase 1" in said and f"round {round_id} (reflection-4)" in said
    told = text_to(out, "erin")
    assert "phase 1/4: outlining the network from a shared situational picture (cycle 2)" in told
    assert "Carried forward from cycle 1:" in told
    carried = [line.removeprefix("  • ") for line in told.splitlines() if line.startswith("  • ")]
    # Each theme as the ballot named it ("label (question)"), the voted one first.
    assert len(carried) == len(labels) and labels[-1].startswith(carried[0] + " (")
    assert all(any(label.startswith(item + " (") for label in labels) for item in carried)
    shown = texts(await console.command("frank", "phase"))
    assert "cycle 2" in shown and all(item in shown for item in carried)
    assert "Carried forward from cycle 1:" in texts(await console.command("frank", "journey"))
    # The same reflection is not carried into a third cycle: a new one must be held first.
    for _ in range(3):
        await console.command("alice", "phase next")
    again = text_to(await console.command("alice", "phase next"), "alice")
    assert "Cycle 3 begins" in again and "nothing is carried forward" in again


async def test_leaving_phase_four_without_a_reflection_says_so(console: Console) -> None:
    await console.command("alice", "help")
    await console.command("alice", "phase set 4")
    said = texts(await console.command("alice", "phase next"))
    assert "Cycle 2 begins at phase 1" in said and "nothing is carried forward" in said
