"""Steps 4 and 5, a private journal: prompts whose answers only their author can read.

Entries are read only here, and only the asking member's own (every query filters on
`turn.member.id`); nothing in reports, exports or coordinator verbs selects from the table, and
forget-me erases it with the member. A member may share one line at a time anonymously: it is
written only to `shared_lines`, which holds no member and no time, and the network's pool is
rewritten in random order on each share (as storage/anonymous.py does for answers), so neither
the key nor the physical order tells who shared what, or when. Shared lines are shown only once
at least the anonymity threshold of them exist for the step.
"""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select

from flows.arguments import ArgumentError, parse_id
from flows.messages import Audience, Notice
from flows.turn import Turn
from storage.models import JournalEntry, SharedLine, utcnow

MAX_ENTRY = 4000
MAX_LINE = 280
PROMPTS = {4: 3, 5: 3}  # journal_prompt_<step>_<n> in the catalogue


def prompt_key(step: int, when: object = None) -> str:
    """This week's prompt of a step (another each week); outside steps 4-5 the general one."""
    if step not in PROMPTS:
        return "journal_prompt_any"
    week = (when or utcnow()).isocalendar().week  # type: ignore[attr-defined]
    return f"journal_prompt_{step}_{week % PROMPTS[step] + 1}"


async def wrote_this_week(turn: Turn) -> bool:
    since = utcnow() - timedelta(days=7)
    stmt = select(func.count()).select_from(JournalEntry).where(JournalEntry.member_id == turn.member.id, JournalEntry.created_at >= since)
    return bool((await turn.tx.execute(stmt)).scalar_one())


async def journal(turn: Turn, words: list[str]) -> None:
    sub = words[0].lower() if words else "show"
    rest = " ".join(words[1:]).strip()
    if sub in ("show", "näytä", "visa"):
        await _show(turn)
    elif sub in ("write", "kirjoita", "skriv"):
        await _write(turn, rest)
    elif sub in ("list", "lista"):
        await _list(turn)
    elif sub in ("delete", "poista", "radera"):
        await _delete(turn, rest)
    elif sub in ("share", "jaa", "dela"):
        await _share(turn, rest)
    elif sub in ("shared", "jaetut", "delade"):
        await _shared(turn)
    else:
        raise ArgumentError("unknown_subcommand", verb="journal", value=sub, choices="write, list, delete, share, shared")


async def _show(turn: Turn) -> None:
    step = turn.network.u_stage
    count = (await turn.tx.execute(select(func.count()).select_from(JournalEntry).where(JournalEntry.member_id == turn.member.id))).scalar_one()
    text = "\n".join([turn.t("journal_intro"), turn.t("journal_prompt_now", prompt=turn.t(prompt_key(step))), turn.t("journal_count", count=int(count)), turn.t("journal_how")])
    actions = ((turn.t("journal_button_list"), "journal list"), (turn.t("journal_button_shared"), "journal shared"))
    turn.emit(Notice(Audience.member(turn.member.key), text, turn.lang, actions))


async def _write(turn: Turn, text: str) -> None:
    if not text:
        raise ArgumentError("journal_write_usage")
    if len(text) > MAX_ENTRY:
        raise ArgumentError("journal_too_long", length=len(text), max=MAX_ENTRY)
    step = turn.network.u_stage
    turn.tx.add(JournalEntry(member_id=turn.member.id, u_step=step, prompt=prompt_key(step), text=text, created_at=utcnow()))
    # The reply does not repeat the entry: replies wait in the outbox, and the entry is only theirs.
    turn.reply("journal_saved")


async def _entries(turn: Turn) -> list[JournalEntry]:
    stmt = select(JournalEntry).where(JournalEntry.member_id == turn.member.id).order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc())
    return list((await turn.tx.execute(stmt)).scalars().all())


async def _list(turn: Turn) -> None:
    entries = await _entries(turn)
    if not entries:
        turn.reply("journal_empty")
        return
    lines = [turn.t("journal_list_header", count=len(entries))]
    for entry in entries[:20]:
        lines.append(turn.t("journal_line", id=entry.id, date=entry.created_at.date().isoformat(), prompt=turn.t(entry.prompt), text=entry.text))
    turn.reply_text("\n".join(lines))


async def _delete(turn: Turn, word: str) -> None:
    entry_id = parse_id(word, "journal_bad_entry") if word else None
    if entry_id is None:
        raise ArgumentError("journal_delete_usage")
    gone = await turn.tx.execute(delete(JournalEntry).where(JournalEntry.id == entry_id, JournalEntry.member_id == turn.member.id))
    if not gone.rowcount:
        raise ArgumentError("journal_bad_entry", value=word)
    turn.reply("journal_deleted", id=entry_id)


async def _share(turn: Turn, line: str) -> None:
    line = " ".join(line.split())
    if not line:
        raise ArgumentError("journal_share_usage")
    if len(line) > MAX_LINE:
        raise ArgumentError("journal_share_too_long", length=len(line), max=MAX_LINE)
    # A shared line word for word in the author's own journal would link the two in the database.
    folded = line.casefold()
    for entry in await _entries(turn):
        if folded in " ".join(entry.text.split()).casefold():
            raise ArgumentError("journal_share_copy", id=entry.id)
    step = turn.network.u_stage
    table = SharedLine.__table__
    pool = [dict(row._mapping) for row in (await turn.tx.execute(select(table).where(table.c.network_id == turn.network.id))).all()]
    pool.append({"key": "", "network_id": turn.network.id, "u_step": step, "text": line})
    random.SystemRandom().shuffle(pool)
    await turn.tx.execute(delete(table).where(table.c.network_id == turn.network.id))
    await turn.tx.execute(table.insert(), [{**row, "key": secrets.token_hex(16)} for row in pool])
    if turn.config.after_commit is not None:
        turn.config.after_commit.wipe_log(turn.tx)  # no log frame pairs the new row with this turn
    turn.reply("journal_shared_done")


async def _shared(turn: Turn) -> None:
    step = turn.network.u_stage
    rows = (await turn.tx.execute(select(SharedLine.text).where(SharedLine.network_id == turn.network.id, SharedLine.u_step == step))).scalars().all()
    threshold = turn.config.anonymity_threshold
    if len(rows) < threshold:
        turn.reply("journal_shared_few", count=len(rows), threshold=threshold)
        return
    lines = list(rows)
    random.SystemRandom().shuffle(lines)
    turn.reply_text("\n".join([turn.t("journal_shared_header", count=len(lines)), *(f"  “{line}”" for line in lines[:30])]))
