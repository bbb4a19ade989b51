"""Linking attacks on every table, the later features' too (issue 11): someone with the database
file looks for an anonymous free-text answer anywhere it sits next to a member, and zips the
anonymous shared journal lines with the confirmations their sharers got.

The table list is read from the database, so a table added later is searched as well: an
anonymous answer may sit only where no member is named (the released answers, the held pool, the
themes), or in a message that every member got word for word (the digest, the ballot).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text

from bot.app import Core, build_core
from bot.evaluation import themes as _themes
from flows.messages import Prompt
from tests.conftest import Console, make_settings

N = 8
NAMES = [f"m{i:02d}" for i in range(N)]
KEYS = [f"console:local:{n}" for n in NAMES]
# The only tables an anonymous answer may be found in.
HOLDERS = {"responses", "held_answers", "round_themes", "outbox"}


async def tables(core: Core) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as name -> rows (values as text)."""
    async with core.db.transaction() as tx:
        if core.db.is_postgres:
            names = (await tx.execute(text("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"))).scalars().all()
        else:
            names = (await tx.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))).scalars().all()
        return {n: [dict(r._mapping) for r in (await tx.execute(text(f'SELECT * FROM "{n}"'))).all()] for n in names}


def message(row: dict[str, Any]) -> dict[str, Any]:
    value = row["message"]
    return dict(json.loads(value) if isinstance(value, str) else value)


def dumped(row: dict[str, Any]) -> str:
    return json.dumps(row, default=str, ensure_ascii=False)


async def test_no_table_keeps_an_anonymous_answer_beside_a_member(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _themes.warm(("en",))
    core = await build_core(make_settings(db_url, tmp_path))
    marks = {key: f"harbour ferry {uuid.uuid4().hex[:10]} timetable" for key in KEYS}
    try:
        console = Console(core)
        await console.command("alice", "help")
        for name in NAMES:
            await console.command(name, "help")
        opened = await console.command("alice", "reflect start reflection-1 --anonymous")
        round_id = next(int(m.prompt_ref.split(":")[0]) for m in opened if isinstance(m, Prompt))
        for name, key in zip(NAMES, KEYS):
            for words in ("3", marks[key], "-", "-"):
                await console.say(name, words)
        for stage in ("open", "closed"):
            if stage == "closed":
                await console.command("alice", f"reflect close {round_id}")
                await console.command("alice", f"reflect themes {round_id}")
                await console.command("alice", f'reflect publish {round_id} "Thank you"')
            seen = 0
            for table, rows in (await tables(core)).items():
                holding = [r for r in rows if any(m in dumped(r) for m in marks.values())]
                seen += len(holding)
                assert not holding or table in HOLDERS, (stage, table, holding[:1])
                for row in holding:
                    if table == "responses":
                        assert row["member_id"] is None
                    if table == "outbox":
                        continue
                    assert not any(k in dumped(row) for k in KEYS), (table, row)
                if table == "outbox" and holding:
                    # A message quoting answers goes to every member alike: each kind of them,
                    # its addressee taken out, is one and the same for all of them.
                    kinds: dict[str, set[str]] = {}
                    for r in holding:
                        body = message(r)  # its addressee, wherever named in it, taken out
                        kinds.setdefault(f"{body.get('type')}:{body.get('title', '')}", set()).add(dumped(body).replace(r["audience"], "X"))
                    assert all(len(b) == 1 for b in kinds.values()), (stage, kinds)
            assert seen >= N  # the answers are there to be found
    finally:
        await core.close()


async def test_shared_journal_lines_cannot_be_zipped_with_their_sharers(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(db_url, tmp_path))
    try:
        console = Console(core)
        await console.command("alice", "help")
        for name in NAMES:
            await console.command(name, "help")
        for _ in range(3):
            await console.command("alice", "stage next confirm")  # step 4: the journal's
        for i, name in enumerate(NAMES):
            await console.command(name, f'journal share "line {i:02d} about letting go"')
        async with core.db.transaction() as tx:
            physical = "ctid" if core.db.is_postgres else "key"  # no rowid: stored in key order
            lines = (await tx.execute(text(f"SELECT text FROM shared_lines ORDER BY {physical}"))).scalars().all()
            confirmed = (await tx.execute(text("SELECT audience FROM outbox WHERE audience LIKE 'console:local:m%' ORDER BY id"))).scalars().all()
        sharers = list(dict.fromkeys(a for a in confirmed))
        assert len(lines) == N and sharers[-N:] == KEYS  # the order of sharing is in the outbox ...
        right = sum(1 for n, line in enumerate(lines) if line == f"line {n:02d} about letting go")
        # ... and the lines are in an order of their own: zipping gets as many right as guessing
        # does (3 or more of 8 by chance: 1 in 12; 5 or more: 1 in 250).
        assert right <= 4
    finally:
        await core.close()
