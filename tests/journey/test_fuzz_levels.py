"""Random words to the verbs of levels, the continuum and roles: every command is answered (a
refusal is an answer), and nothing crashes the turn."""

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

VERBS = ["phase", "role", "action", "prototype", "report", "pulse", "checkin", "schedule"]
WORDS = [
    "add", "list", "accept", "take", "decline", "offer", "drop", "mine", "all", "next", "set", "show", "start", "levels", "journey",
    "trends", "actions", "1", "2", "4", "5", "#1", "0", "99999999999", "--level", "--level=", "--level=world", "strategy", "palvelupolku",
    "påverkan", "moon", "--owner", "@bob", "@nobody", "me", "--by", "level", "sector", "evaluate", "arviointi", "level=", "level=x",
    "\"", "'", "every monday 09:00", "--closes", "3d",
]
text = st.tuples(st.sampled_from(VERBS), st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(fuzz.ODD), st.text(max_size=10)), max_size=5)).map(
    lambda parts: "/yhdessa " + parts[0] + " " + " ".join(parts[1])
)


def test_random_level_phase_and_role_commands_are_always_answered(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    core = loop.run_until_complete(build_core(make_settings(f"sqlite:///{tmp_path / 'fuzz.db'}", tmp_path)))
    for who, words in (("alice", "help"), ("bob", "help"), ("alice", 'role add "Keeps the calendar" --owner @bob'), ("alice", "phase set 4"),
                       ("bob", 'action add "Call the region" --level advocacy')):
        loop.run_until_complete(core.engine.handle(CommandIssued(CONSOLE, member(who), words, f"seed:{uuid.uuid4().hex}", is_direct=True)))

    @settings(max_examples=min(fuzz.EXAMPLES, 300), deadline=None, database=None)
    @given(command=text, who=st.sampled_from(["alice", "bob"]))
    def run(command: str, who: str) -> None:
        out = loop.run_until_complete(core.engine.handle(CommandIssued(CONSOLE, member(who), command, f"fuzz:{uuid.uuid4().hex}", is_direct=True)))
        assert out, command

    try:
        run()
    finally:
        loop.run_until_complete(core.close())
        loop.close()
