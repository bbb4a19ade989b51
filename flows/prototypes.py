"""Step 8, experiment and prototype: a register of the network's prototypes.

`prototype add "hypothesis" [owner=@member] [test="next test"]`, `prototype list [open|mine|all]`,
`prototype update N test="…" status=testing|paused owner=@member hypothesis="…" lesson="…"`,
`prototype done N ["lesson learned"]`. Anyone may add; the owner, whoever added it and the
coordinators may change it. Two weeks after each change the owner gets a check-in ("how did the
test go?"), and an open prototype not updated for two weeks is shown in their `stage` and App Home
(flows/practices.py).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select

from flows.arguments import ArgumentError, parse_id
from flows.levels import key as level_key, parse_level
from flows.messages import Audience, Notice, to_json
from flows.turn import Refused, Turn
from storage import repository as repo
from storage.models import Member, OutboxMessage, Prototype, utcnow

STATUSES = ("idea", "testing", "paused", "done", "dropped")
OPEN = ("idea", "testing", "paused")
FIELDS = ("test", "status", "owner", "hypothesis", "lesson", "level")
MAX_TEXT = 1000
CHECK_IN = timedelta(days=14)


async def _member(turn: Turn, word: str) -> Member:
    word = word.removeprefix("@")
    if word.lower() in ("me", "minä", "jag"):
        return turn.member
    for member in await repo.members_of(turn.tx, turn.network.id):
        if word.casefold() in (member.display_name.casefold(), member.key.casefold(), member.key.rsplit(":", 1)[-1].casefold()):
            return member
    raise ArgumentError("unknown_member", value=word)


def _fields(words: list[str]) -> tuple[list[str], dict[str, str]]:
    words = _level_option(words)
    plain = [w for w in words if "=" not in w]
    fields: dict[str, str] = {}
    for word in words:
        if "=" in word:
            name, value = word.split("=", 1)
            if name.lower() not in FIELDS:
                raise ArgumentError("members_set_field", value=word, fields=", ".join(FIELDS))
            if len(value) > MAX_TEXT:
                raise ArgumentError("prototype_too_long", max=MAX_TEXT)
            fields[name.lower()] = value.strip()
    return plain, fields


def _level_option(words: list[str]) -> list[str]:
    """`--level X` as rounds and actions write it, read as the field `level=X`."""
    found: list[str] = []
    i = 0
    while i < len(words):
        if words[i].lower() == "--level":
            if i + 1 >= len(words):
                raise ArgumentError("option_needs_value", option="--level")
            found.append(f"level={words[i + 1]}")
            i += 2
            continue
        found.append(words[i])
        i += 1
    return found


async def _get(turn: Turn, word: str) -> Prototype:
    row = await turn.tx.get(Prototype, parse_id(word, "prototype_unknown"))
    if row is None or row.network_id != turn.network.id:
        raise ArgumentError("prototype_unknown", value=word)
    if turn.member.id not in (row.owner_id, row.created_by) and not turn.is_coordinator:
        raise Refused(turn.t("prototype_not_yours", id=row.id))
    return row


async def _apply(turn: Turn, row: Prototype, fields: dict[str, str]) -> None:
    if "status" in fields:
        if fields["status"] not in STATUSES:
            raise ArgumentError("members_set_choice", field="status", value=fields["status"], choices=", ".join(STATUSES))
        row.status = fields["status"]
        row.done_at = utcnow() if row.status in ("done", "dropped") else None
    if "owner" in fields:
        row.owner_id = (await _member(turn, fields["owner"])).id
    if "test" in fields:
        row.next_test = fields["test"] or None
    if "hypothesis" in fields and fields["hypothesis"]:
        row.hypothesis = fields["hypothesis"]
    if "lesson" in fields:
        row.lesson = fields["lesson"] or None
    if "level" in fields:
        row.level = parse_level(fields["level"]) if fields["level"] else None
    row.updated_at = utcnow()


async def _check_in(turn: Turn, row: Prototype) -> None:
    """Hold back a check-in to the owner two weeks from now, replacing the one waiting; none once
    the prototype is done or dropped. It is an outbox row with a later `available_at`."""
    if row.check_in is not None:
        await turn.tx.execute(delete(OutboxMessage).where(OutboxMessage.id == row.check_in, OutboxMessage.status == "pending"))
        row.check_in = None
    owner = await turn.tx.get(Member, row.owner_id) if row.owner_id else None
    if owner is None or row.status not in OPEN:
        return
    lang = owner.language or turn.network.language
    text = turn.catalog.t(lang, "prototype_check_in", id=row.id, hypothesis=row.hypothesis[:200], test=row.next_test or "–")
    buttons = ((turn.catalog.t(lang, "prototype_button_mine"), "prototype list mine"),)
    ask = Notice(Audience.member(owner.key), text, lang, buttons)
    now = utcnow()
    message = OutboxMessage(platform=ask.audience.platform, audience=ask.audience.key, message=to_json(ask), available_at=now + CHECK_IN, created_at=now)
    turn.tx.add(message)
    await turn.tx.flush()
    row.check_in = message.id


def line(turn: Turn, row: Prototype, owners: dict[int, str]) -> str:
    text = turn.t("prototype_line", id=row.id, hypothesis=row.hypothesis, status=turn.t(f"prototype_status_{row.status}"), owner=owners.get(row.owner_id or 0, "–"),
                  test=row.next_test or "–", lesson=row.lesson or "–")
    return text + (turn.t("level_suffix", level=turn.t(level_key(row.level))) if row.level else "")


async def prototype(turn: Turn, words: list[str]) -> None:
    sub = words[0].lower() if words else "list"
    if sub in ("add", "lisää", "lägg"):
        plain, fields = _fields(words[1:])
        hypothesis = " ".join(plain).strip() or fields.get("hypothesis", "")
        if not hypothesis:
            raise ArgumentError("prototype_add_usage")
        if len(hypothesis) > MAX_TEXT:
            raise ArgumentError("prototype_too_long", max=MAX_TEXT)
        now = utcnow()
        row = Prototype(network_id=turn.network.id, hypothesis=hypothesis, owner_id=turn.member.id, status="idea", created_by=turn.member.id, created_at=now, updated_at=now)
        await _apply(turn, row, {k: v for k, v in fields.items() if k != "hypothesis"})
        turn.tx.add(row)
        await turn.tx.flush()
        await _check_in(turn, row)
        turn.reply("prototype_added", id=row.id)
        if row.level:
            turn.reply("tagged_level", level=turn.t(level_key(row.level)))
    elif sub in ("list", "lista"):
        which = words[1].lower() if len(words) > 1 else "open"
        stmt = select(Prototype).where(Prototype.network_id == turn.network.id).order_by(Prototype.id)
        if which in ("open", "avoimet", "öppna"):
            stmt = stmt.where(Prototype.status.in_(OPEN))
        elif which in ("mine", "omat", "mina"):
            stmt = stmt.where(or_(Prototype.owner_id == turn.member.id, Prototype.created_by == turn.member.id))
        elif which not in ("all", "kaikki", "alla"):
            raise ArgumentError("prototype_list_usage")
        rows = list((await turn.tx.execute(stmt)).scalars().all())
        if not rows:
            turn.reply("prototype_none")
            return
        owners = {m.id: m.display_name for m in await repo.members_of(turn.tx, turn.network.id)}
        turn.reply_text("\n".join([turn.t("prototype_header", count=len(rows)), *(line(turn, r, owners) for r in rows[-30:])]))
    elif sub in ("update", "päivitä", "uppdatera"):
        if len(words) < 3:
            raise ArgumentError("prototype_update_usage")
        row = await _get(turn, words[1])
        plain, fields = _fields(words[2:])
        if plain or not fields:
            raise ArgumentError("prototype_update_usage")
        await _apply(turn, row, fields)
        await _check_in(turn, row)
        turn.reply("prototype_updated", id=row.id)
    elif sub in ("done", "valmis", "klar"):
        if len(words) < 2:
            raise ArgumentError("prototype_done_usage")
        row = await _get(turn, words[1])
        lesson = " ".join(words[2:]).strip()
        if len(lesson) > MAX_TEXT:
            raise ArgumentError("prototype_too_long", max=MAX_TEXT)
        await _apply(turn, row, {"status": "done", **({"lesson": lesson} if lesson else {})})
        await _check_in(turn, row)
        turn.reply("prototype_done", id=row.id)
    else:
        raise ArgumentError("unknown_subcommand", verb="prototype", value=sub, choices="add, list, update, done")
