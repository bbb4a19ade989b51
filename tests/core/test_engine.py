"""The engine through neutral events, on SQLite and PostgreSQL: what members and coordinators see."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import build_core
from flows.messages import Notice, Prompt
from storage.export import export_rows
from storage.models import HeldAnswer, MemberSession, Response
from storage import repository as repo
from tests.conftest import Console, make_settings


def prompts(out: list, who: str) -> list[Prompt]:
    return [m for m in out if isinstance(m, Prompt) and m.audience.member_key == f"console:local:{who}"]


def notices(out: list) -> str:
    return "\n".join(m.text for m in out if isinstance(m, Notice))


async def count(core, model) -> int:  # type: ignore[no-untyped-def]
    async with core.db.transaction() as tx:
        return int((await tx.execute(select(func.count()).select_from(model))).scalar_one())


async def test_first_console_member_coordinates_and_checkin_is_stored(core, console: Console) -> None:
    out = await console.command("alice", "/yhdessa checkin")
    assert "coordinator" in notices(out)
    [first] = prompts(out, "alice")
    assert first.kind == "scale" and first.options[0].value == "1" and first.options[-1].value == "5"
    out = await console.say("alice", "4")
    assert prompts(out, "alice")[0].kind == "text"
    await console.say("alice", "Mapping the service path")
    async with core.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        rows = await export_rows(tx, network)
    assert [(r["step"], r["value"], r["member"]) for r in rows] == [
        ("mood", 4, "console:local:alice"),
        ("focus", "Mapping the service path", "console:local:alice"),
    ]


async def test_bad_answer_is_explained_and_asked_again(core, console: Console) -> None:
    await console.command("alice", "/yhdessa checkin")
    out = await console.say("alice", "9")
    assert "from 1 to 5" in notices(out)
    again = prompts(out, "alice")
    assert again and again[0].prompt_ref.endswith(":mood")
    assert await count(core, Response) == 0
    out = await console.say("alice", "x" * 1001 if False else "3")
    assert await count(core, Response) == 1


async def test_too_long_text_is_refused(core, console: Console) -> None:
    await console.command("alice", "/yhdessa checkin")
    await console.say("alice", "3")
    out = await console.say("alice", "x" * 1001)
    assert "1001" in notices(out) and "1000" in notices(out)
    assert await count(core, Response) == 1


async def test_same_event_twice_stores_one_answer(core, console: Console) -> None:
    await console.command("alice", "/yhdessa checkin")
    [prompt] = prompts(await console.command("alice", "/yhdessa checkin"), "alice")
    first = await console.answer("alice", prompt.prompt_ref, "5", key="slack-event-1")
    second = await console.answer("alice", prompt.prompt_ref, "5", key="slack-event-1")
    assert first and second == []
    assert await count(core, Response) == 1


async def test_members_are_refused_coordinator_verbs(core, console: Console) -> None:
    await console.command("alice", "/yhdessa help")  # alice becomes the coordinator
    out = await console.command("bob", "/yhdessa pulse start")
    assert "Only the network's coordinators" in notices(out)
    out = await console.command("bob", "/yhdessa stage next")
    assert "Only the network's coordinators" in notices(out)
    out = await console.command("alice", "/yhdessa members grant bob")
    assert "Bob is now a coordinator" in notices(out)
    out = await console.command("bob", "/yhdessa stage next")
    assert "1/10" in notices(out)


async def test_anonymous_pulse_keeps_no_member_link_and_no_double_answers(core, console: Console) -> None:
    await console.command("alice", "/yhdessa help")
    for name in ("bob", "carol"):
        await console.command(name, "/yhdessa help")
    out = await console.command("alice", "/yhdessa pulse start trust --closes 3d")
    invited = {m.audience.member_key for m in out if isinstance(m, Prompt)}
    assert invited == {"console:local:alice", "console:local:bob", "console:local:carol"}
    assert "Round #1" in notices(out)
    for _ in range(4):
        await console.say("bob", "4")
    out = await console.say("bob", "4")
    assert "no open question" in notices(out)
    async with core.db.transaction() as tx:
        held = (await tx.execute(select(HeldAnswer))).scalars().all()
        session = (await tx.execute(select(MemberSession).where(MemberSession.status == "done"))).scalar_one()
    # One respondent is fewer than the threshold: held back, not in responses.
    assert await count(core, Response) == 0
    assert len(held) == 4 and len({h.grp for h in held}) == 1  # one respondent, for reliability
    assert session.submission is None and not session.held  # and nothing left that ties it to bob
    status = notices(await console.command("alice", "/yhdessa reflect status"))
    assert "1/3" in status


async def test_answering_a_closed_round_is_refused(core, console: Console) -> None:
    await console.command("alice", "/yhdessa help")
    out = await console.command("alice", "/yhdessa reflect start reflection 4")
    [prompt] = prompts(out, "alice")
    closed = await console.command("alice", "/yhdessa reflect close")
    assert "closed" in notices(closed)
    out = await console.answer("alice", prompt.prompt_ref, "3")
    assert "has closed" in notices(out)
    assert await count(core, Response) == 0


async def test_restart_resumes_mid_flow(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(db_url, tmp_path)
    first = await build_core(settings)
    console = Console(first)
    await console.command("alice", "/yhdessa pulse start knowing")
    await console.say("alice", "2")
    await console.say("alice", "3")
    await first.close()

    second = await build_core(settings)
    from tests.conftest import CONSOLE, member

    [pending] = await second.engine.pending_prompts(CONSOLE, member("alice"))
    assert pending.position == (3, 4)
    console = Console(second)
    await console.say("alice", "4")
    out = await console.say("alice", "5")
    assert "Thank" in notices(out) or notices(out)
    async with second.db.transaction() as tx:
        held = (await tx.execute(select(HeldAnswer))).scalars().all()
    # The answers of both runs make one respondent in the held pool (one is too few to release).
    assert sorted(h.step_id for h in held) == ["knowing-1", "knowing-2", "knowing-3", "knowing-4"]
    assert len({h.grp for h in held}) == 1
    await second.close()


async def test_edited_flow_keeps_members_mid_way(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    flows_dir = tmp_path / "flows"
    flows_dir.mkdir()
    text = """
id: retro
title: {fi: Retro, sv: Retro, en: Retro}
steps:
  - {id: a, kind: text, text: {fi: "A?", sv: "A?", en: "A?"}}
  - {id: b, kind: text, text: {fi: "B?", sv: "B?", en: "B?"}}
  - {id: c, kind: text, text: {fi: "C?", sv: "C?", en: "C?"}}
"""
    (flows_dir / "retro.yaml").write_text(text)
    settings = make_settings(db_url, tmp_path, flows_dir=str(flows_dir))
    core = await build_core(settings)
    console = Console(core)
    await console.command("alice", "/yhdessa reflect start retro")
    await console.say("alice", "first")  # a answered; now at b
    await core.close()
    # The coordinator inserts a new step before b and removes b.
    (flows_dir / "retro.yaml").write_text(text.replace("id: b,", "id: a2,").replace('"B?"', '"A2?"'))
    core = await build_core(settings)
    from tests.conftest import CONSOLE, member

    [pending] = await core.engine.pending_prompts(CONSOLE, member("alice"))
    assert pending.text == "A2?"
    out = await Console(core).say("alice", "second")
    assert prompts(out, "alice")[0].text == "C?"
    await core.close()


async def test_my_data_and_forget_me(core, console: Console) -> None:
    await console.command("alice", "/yhdessa help")
    await console.command("bob", "/yhdessa checkin")
    await console.say("bob", "5")
    out = await console.command("bob", "/yhdessa my-data")
    text = notices(out)
    assert "1 named answer." in text and "checkin/mood: 5\n" in text  # as given, not 5.0
    out = await console.command("bob", "/yhdessa forget-me")
    assert "confirm" in notices(out)
    assert await count(core, Response) == 1
    out = await console.command("bob", "/yhdessa forget-me confirm")
    assert "1 named answer are erased" in notices(out)
    assert await count(core, Response) == 0
    async with core.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        assert await repo.member_by_key(tx, network.id, "console:local:bob") is None


async def test_unknown_command_and_bad_option_are_explained(core, console: Console) -> None:
    assert "don't know the command 'dance'" in notices(await console.command("alice", "/yhdessa dance"))
    out = await console.command("alice", "/yhdessa reflect start pulse --closes soon")
    assert "'soon' is not a duration" in notices(out)
    out = await console.command("alice", "/yhdessa reflect start nosuchflow")
    assert "no flow called 'nosuchflow'" in notices(out)
    out = await console.command("alice", "/yhdessa reflect start pulse --remind 3d --closes 1d")
    assert "before the round closes" in notices(out)


async def test_member_profile_and_language(core, console: Console) -> None:
    await console.command("alice", "/yhdessa help")
    out = await console.command("bob", '/yhdessa members set me sector=third side=external organisation="Red Cross" tz=Europe/Stockholm')
    assert "Saved" in notices(out)
    out = await console.command("bob", "/yhdessa members set me sector=army")
    assert "sector must be one of public, private, third" in notices(out)
    listing = notices(await console.command("alice", "/yhdessa members list"))
    assert "Red Cross" in listing and "third sector" in listing
    out = await console.command("bob", "/yhdessa lang fi")
    assert "suomea" in notices(out)


async def test_channel_round_posts_each_question_once_and_records_each_member(core, console: Console) -> None:
    from flows.events import ChannelRef, CommandIssued
    from tests.conftest import CONSOLE, member

    for name in ("alice", "bob", "carol"):
        await console.command(name, "/yhdessa help")
    general = ChannelRef("console", "local", "general")
    out = await core.engine.handle(CommandIssued(CONSOLE, member("alice"), "/yhdessa reflect start checkin here --in-channel", "ch-1", channel=general))
    posted = [m for m in out if isinstance(m, Prompt)]
    assert [p.audience.channel_key for p in posted] == ["console:local:general"] * 3
    assert [p.prompt_ref.split(":")[1] for p in posted] == ["mood", "focus", "need"]
    round_id = posted[0].prompt_ref.split(":")[0]
    out = await console.answer("bob", f"{round_id}:mood", "5")
    assert prompts(out, "bob") == []  # nothing is sent to bob privately: the questions are in the channel
    await console.answer("bob", f"{round_id}:focus", "The service path")
    await console.answer("bob", f"{round_id}:need", "-")
    await console.answer("carol", f"{round_id}:mood", "2")
    async with core.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        rows = await export_rows(tx, network)
    assert sorted((r["member"], r["step"]) for r in rows) == [
        ("console:local:bob", "focus"), ("console:local:bob", "mood"), ("console:local:carol", "mood"),
    ]
    assert "1/3" in notices(await console.command("alice", "/yhdessa reflect status"))


async def test_coordinators_channel_receives_results_of_rounds_launched_elsewhere(core, console: Console) -> None:
    from flows.events import ChannelRef, CommandIssued
    from tests.conftest import CONSOLE, member

    await console.command("alice", "/yhdessa help")
    out = await console.command("bob", "/yhdessa network channel #coordinators")
    assert "Only the network's coordinators" in notices(out)
    team = ChannelRef("console", "local", "coordinators")
    out = await core.engine.handle(CommandIssued(CONSOLE, member("alice"), "/yhdessa network channel here", "nc-1", channel=team))
    assert "coordinators' channel" in notices(out) and "coordinators." in notices(out)
    await console.command("alice", "/yhdessa reflect start checkin network")  # from a DM: no channel of its own
    out = await console.command("alice", "/yhdessa reflect close")
    posted = [m for m in out if m.audience.channel_key == "console:local:coordinators"]
    assert posted, "the round's results go to the coordinators' channel"
    out = await console.command("alice", "/yhdessa network channel none")
    assert "privately" in notices(out)


async def test_typed_answers_go_to_the_members_own_question_before_a_channel_round(core, console: Console) -> None:
    from flows.events import ChannelRef, CommandIssued
    from tests.conftest import CONSOLE, member

    for name in ("alice", "bob"):
        await console.command(name, "/yhdessa help")
    await console.command("alice", "/yhdessa pulse start trust network")  # bob gets trust-1 privately
    general = ChannelRef("console", "local", "general")
    await core.engine.handle(CommandIssued(CONSOLE, member("alice"), "/yhdessa reflect start checkin here --in-channel", "ch-2", channel=general))
    out = await console.say("bob", "4")  # typed in his DM after the channel round opened
    assert prompts(out, "bob")[0].prompt_ref.endswith(":trust-2")
    async with core.db.transaction() as tx:
        sessions = (await tx.execute(select(MemberSession).where(MemberSession.held.is_not(None)))).scalars().all()
    assert [[item["step_id"] for item in s.held] for s in sessions if s.held] == [["trust-1"]]
