"""A member's first interaction gets the welcome whatever it is: a click on a question the bot sent
them (the fast answer path), or a greeting typed while a question waits, which is no answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.app import Core, build_core
from bot.settings import load_settings
from flows.messages import Notice, Prompt
from storage.models import Response
from tests.conftest import Console


def welcomes(out: list) -> list[Notice]:  # type: ignore[type-arg]
    return [m for m in out if isinstance(m, Notice) and [c for _, c in m.actions] == ["checkin", "my-data", "help"]]


async def _invited(console: Console, *names: str, renamed: bool = False) -> int:
    """`names` are members the bot knows (a coordinator set their details) but who never wrote.
    With their names as the platform gives them, their first click takes the fast answer path;
    `renamed`, the general turn (it refreshes the name)."""
    await console.command("alice", "help")
    for name in names:
        named = "" if renamed else f" name={name.capitalize()}"
        await console.command("alice", f"members set console:local:{name}{named} sector=public")
    out = await console.command("alice", "checkin start")
    return next(int(m.prompt_ref.split(":")[0]) for m in out if isinstance(m, Prompt))


async def _answers(core: Core) -> list[float | None]:
    async with core.db.transaction() as tx:
        return [r.value_num for r in (await tx.execute(select(Response).where(Response.step_id == "mood"))).scalars()]


@pytest.mark.parametrize("renamed", [False, True], ids=["fast-path", "general-path"])
async def test_a_first_click_gets_the_welcome_with_the_next_question_and_only_once(core: Core, console: Console, renamed: bool) -> None:
    round_id = await _invited(console, "bob", renamed=renamed)
    out = await console.answer("bob", f"{round_id}:mood", "4")
    [welcome] = welcomes(out)
    assert welcome.text.startswith("Welcome") and out.index(welcome) == 0  # before the next question
    assert any(isinstance(m, Prompt) and m.prompt_ref == f"{round_id}:focus" for m in out)
    assert await _answers(core) == [4.0]  # the click was taken as well
    assert not welcomes(await console.answer("bob", f"{round_id}:focus", "The experiment"))
    assert not welcomes(await console.say("bob", "-"))
    assert not welcomes(await console.command("bob", "help"))


async def test_a_refused_first_click_still_welcomes(core: Core, console: Console) -> None:
    round_id = await _invited(console, "bob")
    out = await console.answer("bob", f"{round_id}:mood", "9")
    assert welcomes(out) and "1 to 5" in "\n".join(getattr(m, "text", "") for m in out)
    assert not welcomes(await console.answer("bob", f"{round_id}:mood", "3"))


async def test_a_greeting_as_the_first_message_is_a_hello_not_an_answer(core: Core, console: Console) -> None:
    round_id = await _invited(console, "bob", "carol")
    out = await console.say("bob", "Moi!")
    assert welcomes(out) and "already waiting for you" in "\n".join(m.text for m in out if isinstance(m, Notice))
    assert "couldn't take that answer" not in "\n".join(m.text for m in out if isinstance(m, Notice))
    reply = await console.say("bob", "4")  # the question is still his to answer
    assert any(isinstance(m, Prompt) and m.prompt_ref == f"{round_id}:focus" for m in reply)
    # Later, or not a greeting, a typed word is an answer (or refused as one) as before.
    assert "couldn't take that answer" in "\n".join(getattr(m, "text", "") for m in await console.say("carol", "perhaps four"))
    assert await _answers(core) == [4.0]


async def test_the_greetings_are_known_in_every_language(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    core = await build_core(load_settings(database_url=db_url, language="fi", chart_dir=str(tmp_path / "charts")))
    try:
        console = Console(core)
        await _invited(console, "bob", "carol")
        out = await console.say("bob", "hei kaikki")
        assert welcomes(out) and "Sinulle on jo kysymys odottamassa" in "\n".join(m.text for m in out if isinstance(m, Notice))
        out = await console.say("carol", "Hej!")
        assert "Sinulle on jo kysymys odottamassa" in "\n".join(m.text for m in out if isinstance(m, Notice))
    finally:
        await core.close()
