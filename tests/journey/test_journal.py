"""The private journal: only its author reads it; no report, export or coordinator command can
reach an entry; my-data shows it and forget-me erases it; one line can be shared anonymously."""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

from sqlalchemy import func, select

from bot.evaluation import cli
from flows.messages import Document, to_json
from storage.models import JournalEntry, SharedLine
from tests.conftest import Console, make_settings
from tests.evaluation.conftest import run_pulse
from tests.journey.helpers import texts

SECRET = "Pelkään että häviämme budjettikiistan"  # non-ASCII, as JSON would escape it
NAMES = ["bob", "cara", "dan", "eve", "fay", "gus"]
ROOT = Path(__file__).resolve().parents[2]


def reaches(out: list, phrase: str) -> bool:
    """Whether any message, file or card of `out` carries the phrase (files are decoded)."""
    for message in out:
        data = json.dumps(to_json(message), ensure_ascii=False)
        if phrase in data:
            return True
        if isinstance(message, Document) and phrase in message.content.decode("utf-8", "replace"):
            return True
    return False


async def journal_network(console: Console) -> None:
    for i, name in enumerate(["alice", *NAMES]):
        await console.command(name, f"members set me sector={('public', 'private', 'third')[i % 3]} organisation=Org{i}")
    for _ in range(4):
        await console.command("alice", "stage next confirm")


async def test_no_report_export_or_coordinator_command_reaches_a_journal_entry(core, console: Console, db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import random

    await journal_network(console)
    await run_pulse(console, ["alice", *NAMES], 3.5, random.Random(3))
    out = await console.command("eve", f'journal write "{SECRET}"')
    assert "Only you can read it" in texts(out) and not reaches(out, SECRET)  # not even echoed back
    coordinator_commands = [
        "report", "report trends", "report network", "report trends --by sector", "export", "export --format json", "members list",
        "fact list", "fact export", "gaps", "actor list", "intro status", "journey", "stage", "stage next", "reflect status",
        "prototype list all", "journal list", "journal shared", "my-data", "help all", "network show",
    ]
    for command in coordinator_commands:
        assert not reaches(await console.command("alice", command), SECRET), command
    for command in ("journal list", "journal shared", "my-data", "stage"):
        assert not reaches(await console.command("bob", command), SECRET), command
    # The HTML report a coordinator hands to partners does not have it either.
    page = tmp_path / "report.html"
    args = argparse.Namespace(what=[], html=str(page), network="console:local", by=None, since=None, lang=None)
    assert await cli.run(make_settings(db_url, tmp_path), args) == 0
    assert SECRET not in page.read_text(encoding="utf-8")
    # Its author reads it, and finds it in my-data.
    assert reaches(await console.command("eve", "journal list"), SECRET)
    [mine] = [m for m in await console.command("eve", "my-data") if isinstance(m, Document)]
    assert json.loads(mine.content)["journal"][0]["text"] == SECRET
    # forget-me erases it.
    await console.command("eve", "forget-me confirm")
    async with core.db.transaction() as tx:
        assert (await tx.execute(select(func.count()).select_from(JournalEntry))).scalar_one() == 0
    if db_url.startswith("sqlite"):
        raw = b"".join(p.read_bytes() for p in Path(db_url.removeprefix("sqlite:///")).parent.glob("yhdessa.db*"))
        assert SECRET.encode() not in raw and base64.b64encode(SECRET.encode()) not in raw


def test_only_the_journal_and_the_members_own_data_read_entries() -> None:
    """No report, export or coordinator module selects from the journal: the table is named only
    where its author reads it (flows/journal.py, my-data in flows/practices.py), where journey
    evidence counts its writers (flows/journey_evidence.py) and where forget-me scrubs copies of
    the author's own entries (storage/journey_erasure.py)."""
    allowed = {"storage/models.py", "flows/journal.py", "flows/practices.py", "flows/journey_evidence.py", "storage/journey_erasure.py",
               "storage/migrations/versions/0013_journey.py"}
    found = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/")) or "node_modules" in relative:
            continue
        text = path.read_text(encoding="utf-8")
        if "JournalEntry" in text or "journal_entries" in text:
            found.add(relative)
    assert found == allowed


async def test_one_line_is_shared_anonymously_and_shown_only_above_the_threshold(core, console: Console) -> None:
    await journal_network(console)
    await console.command("bob", 'journal write "I hold on to our old way of reporting"')
    out = await console.command("bob", 'journal share "I hold on to our old way of reporting"')
    assert "word for word in your entry" in texts(out)
    for i, name in enumerate(NAMES[:4]):
        await console.command(name, f'journal share "Line number {i} about letting go"')
    assert "at least 5 are shared" in texts(await console.command("alice", "journal shared"))
    await console.command("gus", 'journal share "We could stop writing reports nobody reads"')
    shown = texts(await console.command("cara", "journal shared"))
    assert "5 lines shared anonymously" in shown and "nobody reads" in shown and "Line number 3" in shown
    assert set(SharedLine.__table__.columns.keys()) == {"key", "network_id", "u_step", "text"}  # no member, no time
    # Shared lines are not the member's data any more: nothing links them to the sharer.
    [mine] = [m for m in await console.command("gus", "my-data") if isinstance(m, Document)]
    assert b"nobody reads" not in mine.content
