"""Random words to the journey's verbs: every command is answered (a refusal is an answer), and
nothing crashes the turn."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import build_core
from flows.events import CommandIssued
from tests.conftest import CONSOLE, make_settings, member
from tests.robustness import fuzz

VERBS = ["fact", "gaps", "actor", "intro", "journal", "prototype", "stage", "journey", "charter", "vision"]
WORDS = [
    "add", "list", "export", "remove", "propose", "invite", "start", "status", "met", "yes", "no", "opt-out", "opt-in",
    "write", "delete", "share", "shared", "update", "done", "next", "set", "confirm", "mine", "open", "all", "1", "#1", "0",
    "--source", "--source=", "--format", "csv", "json", "pdf", "org=", "sector=moon", "sector=public", "side=external",
    "draft", "vote", "close", "amend", "--votes", "--votes=2", "--votes=99", "ehdota", "äänestä", "sulje",
    "why=", "owner=@bob", "owner=nobody", "test=", "status=done", "status=x", "lesson=", "hypothesis=", "\"", "'", "fi", "sv",
]
text = st.tuples(st.sampled_from(VERBS), st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(fuzz.ODD), st.text(max_size=10)), max_size=5)).map(
    lambda parts: "/yhdessa " + parts[0] + " " + " ".join(parts[1])
)


def test_random_journey_commands_are_always_answered(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    core = loop.run_until_complete(build_core(make_settings(f"sqlite:///{tmp_path / 'fuzz.db'}", tmp_path)))
    for who, words in (("alice", "help"), ("bob", "members set me sector=private organisation=Firm"), ("alice", "stage next"),
                       ("bob", 'prototype add "x"'), ("alice", "intro start"),
                       ("bob", 'charter propose "We listen"'), ("bob", 'vision draft "One contact"'), ("alice", 'vision draft "Plan together"')):
        loop.run_until_complete(core.engine.handle(CommandIssued(CONSOLE, member(who), words, f"seed:{uuid.uuid4().hex}", is_direct=True)))

    @settings(max_examples=min(fuzz.EXAMPLES, 400), deadline=None, database=None)
    @given(command=text, who=st.sampled_from(["alice", "bob"]))
    def run(command: str, who: str) -> None:
        out = loop.run_until_complete(core.engine.handle(CommandIssued(CONSOLE, member(who), command, f"fuzz:{uuid.uuid4().hex}", is_direct=True)))
        assert out, command

    try:
        run()
    finally:
        loop.run_until_complete(core.close())
        loop.close()
