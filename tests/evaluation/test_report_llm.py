"""A round's free text synthesised by the LLM through the whole engine, names never sent."""

from __future__ import annotations

import json

from bot.app import build_core
from sqlalchemy import select

from flows.messages import Report, chart_digests, from_json
from storage import chart_images
from storage.models import OutboxMessage
from tests.conftest import Console, make_settings
from tests.evaluation.conftest import join, round_id_of
from tests.evaluation.llm_server import fake_llm

MEMBERS = ["alice", "bea", "cai", "dan", "eve"]
SYNTHESIS = {
    "themes": [{"theme": "Yhteinen palvelupolku", "count": 4}],
    "tensions": ["Aikaa kokouksiin vs. tekemiseen"],
    "situational_picture": "Verkosto rakentaa yhteistä palvelupolkua.",
}


async def test_round_report_uses_the_llm_and_sends_no_names(sqlite_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with fake_llm(content=SYNTHESIS) as llm:
        settings = make_settings(sqlite_url, tmp_path, openai_base_url=llm.url, openai_api_key="k", llm_timeout=5)
        core = await build_core(settings)
        try:
            console = Console(core)
            await join(console, MEMBERS)
            round_id = round_id_of(await console.command("alice", "checkin start"))
            for name in MEMBERS:
                await console.answer(name, f"{round_id}:mood", "4")
                await console.answer(name, f"{round_id}:focus", f"Bea and I work on the service path; ask Cai at cai@example.org ({name})")
                await console.answer(name, f"{round_id}:need", "-")
            out = await console.command("alice", f"report {round_id}")
            first = next(m for m in out if isinstance(m, Report))
            # The model is asked after the turn's transaction has committed, never inside it.
            assert "follows in a moment" in "\n".join(line for s in first.sections for line in s.lines)
            await core.config.after_commit.wait()
            async with core.db.transaction() as tx:
                rows = (await tx.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars().all()
                images = await chart_images.load(tx, chart_digests(rows[-1].message))
            report = from_json(rows[-1].message, images)
        finally:
            await core.close()
    assert isinstance(report, Report) and report.audience.member_key == "console:local:alice"
    text = "\n".join(line for s in report.sections for line in s.lines)
    assert "Synthesis of 5 answers made by a language model (gpt-4o-mini)" in text
    assert "Yhteinen palvelupolku (4 answers)" in text and "Verkosto rakentaa" in text
    sent = llm.raw[0]
    for secret in ("Alice", "alice", "Bea", "Cai", "cai@example.org"):
        assert secret not in sent
    assert "English" in json.loads(sent)["messages"][0]["content"]  # the reader's language
