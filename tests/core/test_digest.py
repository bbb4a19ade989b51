"""The "what we heard" digest and dot-voting on themes, through the engine as console members."""

from __future__ import annotations

import json

from flows.messages import Digest, Document, Notice, Prompt, Report

NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace"]
FOCUS = [
    "The experiment with the client went well",
    "Evaluating the experiment is on my mind",
    "We should share what the experiment taught us",
    "The experiment needs a clearer owner",
    "Our experiment results are coming in",
    "Spring event planning",
    "Spring event venue",
]
NEED = ["Time for planning", "More time together", "Time to meet", "Time and money", "Time, mostly", "A contact person", "Nothing"]

import pytest as _pytest

from bot.evaluation import themes as _themes


@_pytest.fixture(autouse=True, scope="module")
def _english_dictionary_loaded() -> None:
    """The English dictionary loads in a fraction of a second; loaded, themes are found in the turn."""
    _themes.warm(("en",))



async def _checkin_round(console, names=NAMES, focus=FOCUS, need=NEED) -> int:  # type: ignore[no-untyped-def]
    for name in names:
        await console.command(name, "help")
    out = await console.command("alice", "checkin start")
    round_id = next(int(m.prompt_ref.split(":")[0]) for m in out if isinstance(m, Prompt))
    for i, name in enumerate(names):
        await console.say(name, "4")
        await console.say(name, focus[i % len(focus)])
        await console.say(name, need[i % len(need)])
    return round_id


def _digests(out):  # type: ignore[no-untyped-def]
    return [m for m in out if isinstance(m, Digest)]


async def test_whole_loop_digest_reaches_everyone_with_votes_and_response(console) -> None:  # type: ignore[no-untyped-def]
    round_id = await _checkin_round(console)
    closed = await console.command("alice", f"reflect close {round_id}")
    held = [m for m in closed if isinstance(m, Notice) and f"reflect publish {round_id}" in m.text]
    assert held and held[0].audience.member_key == "console:local:alice"
    assert not _digests(closed)  # held for the coordinators' response by default

    opened = await console.command("alice", f"reflect themes {round_id} --votes 2")
    ballots = [m for m in opened if isinstance(m, Prompt) and m.prompt_ref == f"themes:{round_id}"]
    assert {b.audience.member_key for b in ballots} == {f"console:local:{n}" for n in NAMES}
    assert ballots[0].kind == "multi" and ballots[0].max_choices == 2
    theme_reports = [m for m in opened if isinstance(m, Report)]
    # Grouped per question: the experiment answers under focus, the time answers under need.
    labels = [o.label for o in ballots[0].options]
    assert any("experiment" in label for label in labels) and any(label.startswith("time") for label in labels), labels
    shown = "\n".join(line for r in theme_reports[:1] for s in r.sections for line in s.lines)
    assert "Spring event venue" not in shown  # two answers are below the threshold: never quoted

    for name in NAMES[:5]:
        reply = await console.say(name, "2")  # typed numbers answer the open ballot
        assert any("saved" in m.text for m in reply if isinstance(m, Notice))
    refused = await console.answer("bob", f"themes:{round_id}", ["1", "3"])
    assert any("1 to 2 (not 3)" in m.text for m in refused if isinstance(m, Notice))
    await console.answer("frank", f"themes:{round_id}", ["1"])

    out = await console.command("alice", f'reflect publish {round_id} "Thank you! We will name an owner for the experiment."')
    digests = _digests(out)
    assert {d.audience.member_key for d in digests} == {f"console:local:{n}" for n in NAMES}
    digest = digests[0]
    assert "7 of 7" in digest.summary
    assert digest.response.startswith("Thank you!") and digest.chart is not None
    ranked = next(s for s in digest.sections if s.heading == "What matters most")
    assert ranked.lines[0].startswith("6 members voted")
    assert ranked.lines[1].startswith("1. time") and "5 votes" in ranked.lines[1]

    report = next(m for m in await console.command("bob", f"report {round_id}") if isinstance(m, Report))
    assert any(s.heading == "What matters most" and any("5 votes" in line for line in s.lines) for s in report.sections)
    again = await console.command("alice", f"reflect publish {round_id}")
    assert any("already been sent" in m.text for m in again if isinstance(m, Notice))


async def test_auto_publishing_flow_sends_the_digest_at_close(console) -> None:  # type: ignore[no-untyped-def]
    await console.command("alice", "help")
    set_ = await console.command("alice", "reflect digest checkin auto")
    assert any("as soon as a round closes" in m.text for m in set_ if isinstance(m, Notice))
    round_id = await _checkin_round(console)
    out = await console.command("alice", f"reflect close {round_id}")
    assert {d.audience.member_key for d in _digests(out)} == {f"console:local:{n}" for n in NAMES}


async def test_digest_never_tells_a_theme_or_quote_of_fewer_than_the_threshold(console) -> None:  # type: ignore[no-untyped-def]
    # Three answer the free text alike; the threshold is five.
    names = ["alice", "bob", "carol"]
    round_id = await _checkin_round(console, names, ["Secret merger plans"] * 3, ["Secret budget"] * 3)
    await console.command("alice", f"reflect close {round_id}")
    themes = await console.command("alice", f"reflect themes {round_id}")
    assert not [m for m in themes if isinstance(m, Prompt)]
    assert any("no theme" in m.text for m in themes if isinstance(m, Notice))
    digest = _digests(await console.command("alice", f"reflect publish {round_id}"))[0]
    everything = json.dumps([digest.summary, digest.figures, [(s.heading, s.lines) for s in digest.sections]])
    assert "Secret" not in everything and "merger" not in everything.lower()
    assert "fewer than 5" in everything


async def test_votes_are_in_my_data_and_export_and_go_with_forget_me(console) -> None:  # type: ignore[no-untyped-def]
    round_id = await _checkin_round(console)
    await console.command("alice", f"reflect close {round_id}")
    await console.command("alice", f"reflect themes {round_id} --votes 1")
    too_many = await console.answer("carol", f"themes:{round_id}", ["1", "2"])
    assert any("only 1 vote" in m.text for m in too_many if isinstance(m, Notice))
    await console.say("carol", "1")
    mine = await console.command("carol", "my-data")
    data = json.loads(next(m for m in mine if isinstance(m, Document)).content)
    assert [v["theme"] for v in data["theme_votes"]] == [1]
    exported = next(m for m in await console.command("alice", "export --format json") if isinstance(m, Document))
    rows = [r for r in json.loads(exported.content) if r["step"].startswith("theme-vote")]
    assert [r["member"] for r in rows] == ["console:local:carol"]  # a check-in is a named round
    await console.command("carol", "forget-me confirm")
    exported = next(m for m in await console.command("alice", "export --format json") if isinstance(m, Document))
    assert not [r for r in json.loads(exported.content) if r["step"].startswith("theme-vote")]
    async with console.core.db.transaction() as tx:
        from sqlalchemy import select

        from storage.models import RoundTheme

        quoted = [a for t in (await tx.execute(select(RoundTheme))).scalars() for a in t.answers]
    assert FOCUS[2] not in quoted  # carol's named answer no longer quoted in a theme


async def test_anonymous_round_themes_are_the_same_for_everyone_and_link_to_no_one(console) -> None:  # type: ignore[no-untyped-def]
    for name in NAMES:
        await console.command(name, "help")
    out = await console.command("alice", "checkin start --anonymous")
    round_id = next(int(m.prompt_ref.split(":")[0]) for m in out if isinstance(m, Prompt))
    for i, name in enumerate(NAMES):
        for value in ("3", FOCUS[i], NEED[i]):
            await console.say(name, value)
    early = await console.command("alice", f"reflect themes {round_id}")
    assert any("still open" in m.text for m in early if isinstance(m, Notice))  # held answers are never grouped
    await console.command("alice", f"reflect close {round_id}")
    opened = await console.command("alice", f"reflect themes {round_id}")
    ballots = [m for m in opened if isinstance(m, Prompt)]
    assert len(ballots) == len(NAMES) and len({tuple(b.options) for b in ballots}) == 1
    reports = [m for m in opened if isinstance(m, Report)]
    assert len({tuple(r.sections) for r in reports}) == 1  # nobody's ballot marks their own answer
    async with console.core.db.transaction() as tx:
        from sqlalchemy import inspect, select

        from storage.models import RoundTheme

        themes = (await tx.execute(select(RoundTheme))).scalars().all()
    assert all(t.answers == sorted(t.answers) for t in themes)  # not in the order they were stored
    assert {c.key for c in inspect(RoundTheme).columns} == {"id", "round_id", "step_id", "position", "label", "answers"}
    for name in NAMES[:5]:
        await console.say(name, "1")
    digest = _digests(await console.command("alice", f"reflect publish {round_id}"))[0]
    assert "anonymous" in digest.note and "fewer than 5" in digest.note
    assert any(line.startswith("5 members voted") for s in digest.sections for line in s.lines)


async def test_a_cold_dictionary_is_loaded_after_the_turn_not_inside_it(console, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.evaluation import sensemaking

    round_id = await _checkin_round(console)
    await console.command("alice", f"reflect close {round_id}")
    monkeypatch.setattr(sensemaking, "is_warm", lambda languages: False)  # as at the first use in a process
    out = await console.command("alice", f"reflect themes {round_id}")
    assert not [m for m in out if isinstance(m, Prompt)]
    assert any("in a moment" in m.text for m in out if isinstance(m, Notice))
    await console.core.config.after_commit.wait()
    from sqlalchemy import select

    from flows.messages import chart_digests, from_json
    from storage import chart_images
    from storage.models import OutboxMessage

    async with console.core.db.transaction() as tx:
        rows = (await tx.execute(select(OutboxMessage))).scalars().all()
        images = await chart_images.load(tx, {d for r in rows for d in chart_digests(r.message)})
    queued = [from_json(r.message, images) for r in rows]
    assert len([m for m in queued if isinstance(m, Prompt) and m.prompt_ref == f"themes:{round_id}"]) == len(NAMES)
    assert any(isinstance(m, Notice) and "have been sent to everyone asked" in m.text for m in queued)


async def test_bad_digest_and_theme_commands_get_clear_messages(console) -> None:  # type: ignore[no-untyped-def]
    round_id = await _checkin_round(console)

    async def said(who: str, text: str) -> str:
        return "\n".join(m.text for m in await console.command(who, text) if isinstance(m, Notice))

    assert "still open" in await said("alice", f"reflect publish {round_id}")
    await console.command("alice", f"reflect close {round_id}")
    assert "reflect publish <round number>" in await said("alice", "reflect publish")
    assert "abc" in await said("alice", "reflect publish abc")
    assert "1 to 10 votes, not '0'" in await said("alice", f"reflect themes {round_id} --votes 0")
    assert "--votes" in await said("alice", f"reflect themes {round_id} --votes")
    assert "nosuch" in await said("alice", "reflect digest nosuch auto")
    assert "reflect digest <flow> auto" in await said("alice", "reflect digest checkin sometimes")
    assert "coordinator" in (await said("bob", f"reflect publish {round_id}")).lower()
    assert "coordinator" in (await said("bob", f"reflect themes {round_id} close")).lower()
    await console.command("alice", f"reflect themes {round_id}")
    await console.command("alice", f"reflect themes {round_id} close")
    assert "already been voted on" in await said("alice", f"reflect themes {round_id}")
    late = "\n".join(m.text for m in await console.say("bob", "1") if isinstance(m, Notice))
    assert "no open question" in late.lower()  # an ended vote takes no more dots
