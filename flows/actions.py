"""The `action` verb: agreements and commitments with an owner, a due date and what came of them.

`action add "…" [--owner @member] [--due 2w|2026-12-24] [--round N]`, `action list [mine|open|all]`,
`action done N ["what came of it"]`, `action drop N`; `action later N` is what the check-in's
"not yet" button sends. Any member may make an action (agreements are made together); the owner,
whoever made it and coordinators may close it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flows.action_review import due_text
from flows.arguments import ArgumentError, MAX_DURATION, as_int, parse_duration, parse_id, shown
from flows.events import MemberRef
from flows.levels import key as level_key, parse_level
from flows.messages import Audience, Notice
from flows.turn import Refused, Turn
from storage import actions as store
from storage import repository as repo
from storage.models import Action, Member, utcnow

MAX_TEXT = 500
OPTIONS = ("--owner", "--due", "--round", "--level")
SUBCOMMANDS = {
    "add": ("add", "lisää", "uusi", "lägg", "ny", "new"),
    "list": ("list", "ls", "lista", "listaa", "visa"),
    "done": ("done", "valmis", "tehty", "klar", "gjord"),
    "drop": ("drop", "poista", "luovu", "stryk", "släpp"),
    "later": ("later", "notyet", "myöhemmin", "senare"),
}
FILTERS = {
    "mine": ("mine", "omat", "minun", "mina"),
    "open": ("open", "avoimet", "öppna"),
    "all": ("all", "kaikki", "alla"),
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_FINNISH = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})?$")


def _sub(word: str, table: dict[str, tuple[str, ...]]) -> str | None:
    lowered = word.lower()
    return next((name for name, words in table.items() if lowered in words), None)


async def action(turn: Turn, words: list[str]) -> None:
    sub = _sub(words[0], SUBCOMMANDS) if words else "list"
    if sub is None:
        raise ArgumentError("unknown_subcommand", verb="action", value=shown(words[0]), choices="add, list, done, drop")
    if sub == "add":
        await _add(turn, words[1:])
    elif sub == "list":
        await _list(turn, words[1:])
    else:
        await _close(turn, sub, words[1:])


def split_options(words: list[str], allowed: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """Plain words and `--name value` (or `--name=value`) options, refusing an unknown `--x`."""
    plain: list[str] = []
    options: dict[str, str] = {}
    i = 0
    while i < len(words):
        name, sep, inline = words[i].partition("=")
        if name.lower() in allowed:
            if sep:
                options[name.lower()] = inline
            elif i + 1 < len(words):
                i += 1
                options[name.lower()] = words[i]
            else:
                raise ArgumentError("option_needs_value", option=name)
        elif words[i].startswith("--"):
            raise ArgumentError("unknown_option", option=shown(words[i]))
        else:
            plain.append(words[i])
        i += 1
    return plain, options


async def find_member(turn: Turn, word: str) -> Member:
    """A member of the network named as chat clients write them: `@anna`, `anna`, `me`, a key or user id."""
    name = word.removeprefix("@").strip() or word
    if name.lower() in ("me", "minä", "mä", "jag", "mig"):
        return turn.member
    everyone = await repo.members_of(turn.tx, turn.network.id)
    for member in everyone:
        if name == member.key or name == member.key.rsplit(":", 1)[-1]:
            return member
    folded = name.casefold()
    matches = [m for m in everyone if folded in (m.display_name.casefold(), m.key.rsplit(":", 1)[-1].casefold())]
    if len(matches) == 1:
        return matches[0]
    try:
        ref = MemberRef.parse(name)
    except ValueError:
        ref = None
    if ref is not None:
        known = await repo.member_by_key(turn.tx, turn.network.id, ref.key)
        if known is not None:
            return known
    raise ArgumentError("unknown_member", value=shown(word))


def parse_due(turn: Turn, text: str, zone: str) -> datetime:
    """`2w`, `3d`, `12h` from now, or a day (`2026-12-24`, `24.12.2026`, `24.12.`) at its end of working day."""
    cleaned = text.strip()
    day: date | None = None
    iso, finnish = _ISO.match(cleaned), _FINNISH.match(cleaned)
    try:
        if iso:
            day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        elif finnish:
            year = int(finnish.group(3)) if finnish.group(3) else utcnow().astimezone(ZoneInfo(zone)).year
            day = date(year, int(finnish.group(2)), int(finnish.group(1)))
    except ValueError:
        raise ArgumentError("action_bad_due", value=shown(cleaned)) from None
    now = utcnow()
    if day is not None:
        moment = datetime.combine(day, time(17, 0), ZoneInfo(zone)).astimezone(now.tzinfo)
        if moment <= now:
            raise ArgumentError("action_due_past", value=shown(cleaned))
        if moment - now > MAX_DURATION:
            raise ArgumentError("duration_too_long", value=shown(cleaned), days=MAX_DURATION.days)
        return moment
    try:
        return now + parse_duration(cleaned)
    except ArgumentError as problem:
        if problem.key == "bad_duration":
            raise ArgumentError("action_bad_due", value=shown(cleaned)) from None
        raise


def when(turn: Turn, moment: datetime | None, member: Member | None = None) -> str:
    """A due date as the reader writes dates, in the zone of `member` (the reader by default)."""
    return due_text(turn.config, turn.network, member or turn.member, moment, turn.lang)


async def _add(turn: Turn, words: list[str]) -> None:
    plain, options = split_options(words, OPTIONS)
    text = " ".join(plain).strip()
    if not text:
        raise ArgumentError("action_text_missing")
    if len(text) > MAX_TEXT:
        raise ArgumentError("action_text_too_long", length=len(text), max=MAX_TEXT)
    owner = await find_member(turn, options["--owner"]) if "--owner" in options else turn.member
    zone = owner.timezone or turn.network.timezone
    due = parse_due(turn, options["--due"], zone) if "--due" in options else None
    level = parse_level(options["--level"]) if "--level" in options else None
    round_id = None
    if "--round" in options:
        round_id = parse_id(options["--round"], "action_unknown_round")
        if await store.round_in_network(turn.tx, turn.network.id, round_id) is None:
            raise ArgumentError("action_unknown_round", value=shown(options["--round"]))
    row = Action(
        network_id=turn.network.id,
        text=text,
        owner_id=owner.id,
        created_by=turn.member.id,
        round_id=round_id,
        sector=owner.sector,
        status="open",
        due_at=due,
        reminders_sent=0,
        created_at=utcnow(),
        level=level,
    )
    turn.tx.add(row)
    await turn.tx.flush()
    await repo.audit(turn.tx, turn.network.id, turn.member.key, "action_added", number=row.id, round=round_id)
    owner_name = turn.t("action_owner_you") if owner.id == turn.member.id else owner.display_name
    turn.reply("action_added", id=row.id, text=text, owner=owner_name, due=when(turn, due, owner))
    if level is not None:
        turn.reply("tagged_level", level=turn.t(level_key(level)))
    if owner.id != turn.member.id:
        lang = owner.language or turn.network.language
        message = turn.catalog.t(lang, "action_given", id=row.id, text=text, by=turn.member.display_name, due=due_text(turn.config, turn.network, owner, due, lang))
        buttons = ((turn.catalog.t(lang, "action_button_done"), f"action done {row.id}"), (turn.catalog.t(lang, "action_button_list"), "action list mine"))
        turn.emit(Notice(Audience.member(owner.key), message, lang, buttons))


async def _list(turn: Turn, words: list[str]) -> None:
    choice = _sub(words[0], FILTERS) if words else "open"
    if choice is None:
        raise ArgumentError("unknown_subcommand", verb="action list", value=shown(words[0]), choices="mine, open, all")
    statuses = store.STATUSES if choice == "all" else ("open",)
    rows = await store.listed(turn.tx, turn.network.id, statuses, turn.member.id if choice == "mine" else None)
    if not rows:
        turn.reply(f"action_list_empty_{choice}")
        return
    now = utcnow()
    lines = [turn.t(f"action_list_header_{choice}", count=len(rows))]
    for row, owner in rows[:40]:
        overdue = row.status == "open" and row.due_at is not None and row.due_at < now
        state = turn.t("action_state_overdue") if overdue else turn.t(f"action_state_{row.status}")
        name = turn.t("action_owner_you") if owner is not None and owner.id == turn.member.id else owner.display_name if owner else turn.t("action_owner_nobody")
        level = turn.t("level_suffix", level=turn.t(level_key(row.level))) if row.level else ""
        lines.append(turn.t("action_line", id=row.id, text=row.text, owner=name, due=when(turn, row.due_at), state=state) + level)
        if row.outcome:
            lines.append(turn.t("action_line_outcome", outcome=row.outcome))
    if len(rows) > 40:
        lines.append(turn.t("action_list_more", count=len(rows) - 40))
    turn.reply_text("\n".join(lines))


async def _close(turn: Turn, sub: str, words: list[str]) -> None:
    if not words:
        raise ArgumentError("action_needs_id", verb=sub)
    action_id = as_int(words[0].strip().removeprefix("#"), 1)
    row = await store.in_network(turn.tx, turn.network.id, action_id) if action_id is not None else None
    if row is None:
        raise ArgumentError("action_unknown", value=shown(words[0]))
    if turn.member.id not in (row.owner_id, row.created_by) and not turn.is_coordinator:
        raise Refused(turn.t("action_not_yours", id=row.id))
    if row.status != "open":
        raise Refused(turn.t(f"action_already_{row.status}", id=row.id))
    if sub == "later":
        turn.reply("action_later", id=row.id, text=row.text)
        return
    outcome = " ".join(words[1:]).strip()
    if len(outcome) > MAX_TEXT:
        raise ArgumentError("action_text_too_long", length=len(outcome), max=MAX_TEXT)
    row.status = "done" if sub == "done" else "dropped"
    row.closed_at = utcnow()
    if outcome:
        row.outcome = outcome
    await repo.audit(turn.tx, turn.network.id, turn.member.key, f"action_{row.status}", number=row.id)
    turn.reply(f"action_{row.status}", id=row.id, text=row.text)
