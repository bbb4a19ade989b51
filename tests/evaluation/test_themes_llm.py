"""Themes from a language model: asked after the command's transaction, names never sent, and
no theme of fewer answers than the threshold kept; a bad reply falls back to the lemma method."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import build_core
from flows.messages import Digest, Notice, Prompt, chart_digests, from_json
from storage import chart_images
from storage.models import OutboxMessage
from tests.conftest import Console, make_settings
from tests.evaluation.conftest import join, round_id_of
from tests.evaluation.llm_server import fake_llm

MEMBERS = ["alice", "bea", "cai", "dan", "eve", "fay"]
ANSWERS = [
    "Evaluating the experiment, ask Bea's team",
    "The experiment results",
    "Experiments teach us",
    "Continuing the experiment",
    "The experiment and the client",
    "Spring event",
]

import pytest as _pytest

from bot.evaluation import themes as _themes


@_pytest.fixture(autouse=True, scope="module")
def _english_dictionary_loaded() -> None:
    """The English dictionary loads in a fraction of a second; loaded, themes are found in the turn."""
    _themes.warm(("en",))



async def _closed_round(console: Console) -> int:
    await join(console, MEMBERS)
    round_id = round_id_of(await console.command("alice", "checkin start"))
    for name, text in zip(MEMBERS, ANSWERS):
        await console.answer(name, f"{round_id}:mood", "4")
        await console.answer(name, f"{round_id}:focus", text)
        await console.answer(name, f"{round_id}:need", "-")
    await console.command("alice", f"reflect close {round_id}")
    return round_id


async def _queued(core) -> list:  # type: ignore[no-untyped-def]
    async with core.db.transaction() as tx:
        rows = (await tx.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars().all()
        images = await chart_images.load(tx, {d for r in rows for d in chart_digests(r.message)})
    return [from_json(r.message, images) for r in rows]


async def test_model_themes_follow_the_command_and_small_ones_are_dropped(sqlite_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The model makes a theme of five answers and one of a single answer (below the threshold).
    content = {"themes": [{"label": "Kokeilun oppiminen ja arviointi", "answers": [1, 2, 3, 4, 5]}, {"label": "Tapahtuma", "answers": [6]}]}
    async with fake_llm(content=content) as llm:
        core = await build_core(make_settings(sqlite_url, tmp_path, openai_base_url=llm.url, openai_api_key="k", llm_timeout=5))
        try:
            console = Console(core)
            round_id = await _closed_round(console)
            await core.config.after_commit.wait()
            asked = len(llm.raw)
            out = await console.command("alice", f"reflect themes {round_id}")
            assert any("in a moment" in m.text for m in out if isinstance(m, Notice))
            assert not [m for m in out if isinstance(m, Prompt)]  # nothing waited for the model
            await core.config.after_commit.wait()
            queued = await _queued(core)
        finally:
            await core.close()
    ballots = [m for m in queued if isinstance(m, Prompt) and m.prompt_ref == f"themes:{round_id}"]
    assert len(ballots) == len(MEMBERS)
    labels = [o.label for o in ballots[0].options]
    assert len(labels) == 1 and labels[0].startswith("Kokeilun oppiminen ja arviointi (What occupies me")
    sent = "\n".join(llm.raw[asked:])
    assert "Bea" not in sent  # pseudonymised before it left


async def test_a_reply_naming_answers_twice_falls_back_to_lemmas_for_the_auto_digest(sqlite_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    content = {"themes": [{"label": "A", "answers": [1, 2, 3, 4, 5]}, {"label": "B", "answers": [5, 6]}]}
    async with fake_llm(content=content) as llm:
        core = await build_core(make_settings(sqlite_url, tmp_path, openai_base_url=llm.url, openai_api_key="k", llm_timeout=5))
        try:
            console = Console(core)
            await console.command("alice", "help")
            await console.command("alice", "reflect digest checkin auto")
            round_id = await _closed_round(console)
            await core.config.after_commit.wait()
            queued = await _queued(core)
        finally:
            await core.close()
    digests = [m for m in queued if isinstance(m, Digest)]
    assert len(digests) == len(MEMBERS) and llm.requests
    focus = next(s for s in digests[0].sections if s.heading.startswith("What occupies me"))
    assert focus.lines[0] == "• experiment (5 answers)"  # the lemma method, since the model's reply was unusable
    assert round_id


def test_inflected_finnish_names_are_pseudonymised_too() -> None:
    from bot.evaluation.pseudonyms import Pseudonymiser

    names = Pseudonymiser(["Bea", "Pekka Virtanen", "Aino"])
    text = names.apply("Kysy Bealta, Pekalle ja Virtaselle; Ainon idea, Bob:lle ei. Aina paikalla.")
    for secret in ("Bea", "Pek", "Virta", "Ainon"):
        assert secret not in text, text
    assert "Aina paikalla" in text and "Bob:lle" in text  # other words and people stay as written
