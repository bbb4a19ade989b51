"""Step 9, organise: the `role` verb, who does what in the network, built beside the actions
register (the same `--owner @member` grammar, the same refusals).

`role add "…" [--owner @member] [--level L]` offers a role to its owner (a role without an owner
is open for anyone to take); `role accept N`, `role decline N ["why"]` answer the offer;
`role offer N @member` offers it again; `role drop N`; `role list [mine|all]`. The owner, whoever
made it and coordinators may offer or drop a role; only the one it is offered to answers.
"""

from __future__ import annotations

from flows.actions import MAX_TEXT, find_member, split_options
from flows.arguments import ArgumentError, as_int, shown
from flows.levels import key as level_key, parse_level
from flows.messages import Audience, Notice
from flows.turn import Refused, Turn
from storage import repository as repo
from storage import roles as store
from storage.models import Member, Role, utcnow

OPTIONS = ("--owner", "--level")
SUBCOMMANDS = {
    "add": ("add", "lisää", "uusi", "lägg", "ny", "new"),
    "list": ("list", "ls", "lista", "listaa", "visa"),
    "accept": ("accept", "take", "hyväksy", "otan", "ota", "acceptera", "tar"),
    "decline": ("decline", "kieltäydy", "avböj"),
    "offer": ("offer", "tarjoa", "erbjud"),
    "drop": ("drop", "poista", "stryk"),
}


def _sub(word: str) -> str | None:
    lowered = word.lower()
    return next((name for name, words in SUBCOMMANDS.items() if lowered in words), None)


async def role(turn: Turn, words: list[str]) -> None:
    sub = _sub(words[0]) if words else "list"
    if sub is None:
        raise ArgumentError("unknown_subcommand", verb="role", value=shown(words[0]), choices="add, list, accept, decline, offer, drop")
    if sub == "add":
        await _add(turn, words[1:])
    elif sub == "list":
        await _list(turn, words[1:])
    else:
        await _change(turn, sub, words[1:])


def _owner_name(turn: Turn, owner: Member | None) -> str:
    if owner is None:
        return turn.t("role_owner_nobody")
    return turn.t("action_owner_you") if owner.id == turn.member.id else owner.display_name


def _offer(turn: Turn, row: Role, owner: Member) -> None:
    lang = owner.language or turn.network.language
    text = turn.catalog.t(lang, "role_offered_to_you", id=row.id, title=row.title, by=turn.member.display_name)
    buttons = ((turn.catalog.t(lang, "role_button_accept"), f"role accept {row.id}"), (turn.catalog.t(lang, "role_button_decline"), f"role decline {row.id}"))
    turn.emit(Notice(Audience.member(owner.key), text, lang, buttons))


async def _add(turn: Turn, words: list[str]) -> None:
    plain, options = split_options(words, OPTIONS)
    title = " ".join(plain).strip()
    if not title:
        raise ArgumentError("role_text_missing")
    if len(title) > MAX_TEXT:
        raise ArgumentError("action_text_too_long", length=len(title), max=MAX_TEXT)
    level = parse_level(options["--level"]) if "--level" in options else None
    owner = await find_member(turn, options["--owner"]) if "--owner" in options else None
    now = utcnow()
    mine = owner is not None and owner.id == turn.member.id
    status = "open" if owner is None else "accepted" if mine else "offered"
    row = Role(network_id=turn.network.id, title=title, owner_id=owner.id if owner else None, created_by=turn.member.id, status=status,
               level=level, created_at=now, answered_at=now if mine else None)
    turn.tx.add(row)
    await turn.tx.flush()
    await repo.audit(turn.tx, turn.network.id, turn.member.key, "role_added", number=row.id, status=status)
    turn.reply(f"role_added_{status}", id=row.id, title=title, owner=_owner_name(turn, owner))
    if owner is not None and not mine:
        _offer(turn, row, owner)


async def _list(turn: Turn, words: list[str]) -> None:
    choice = words[0].lower() if words else "all"
    if choice in ("mine", "omat", "mina"):
        rows = await store.listed(turn.tx, turn.network.id, store.LIVE, turn.member.id)
    elif choice in ("all", "kaikki", "alla"):
        rows = await store.listed(turn.tx, turn.network.id)
    else:
        raise ArgumentError("unknown_subcommand", verb="role list", value=shown(words[0]), choices="mine, all")
    if not rows:
        turn.reply("role_list_empty")
        return
    lines = [turn.t("role_list_header", count=len(rows))]
    for row, owner in rows[:50]:
        level = "" if row.level is None else turn.t("role_line_level", level=turn.t(level_key(row.level)))
        lines.append(turn.t("role_line", id=row.id, title=row.title, owner=_owner_name(turn, owner), state=turn.t(f"role_state_{row.status}"), level=level))
    if len(rows) > 50:
        lines.append(turn.t("action_list_more", count=len(rows) - 50))
    turn.reply_text("\n".join(lines))


async def _change(turn: Turn, sub: str, words: list[str]) -> None:
    if not words:
        raise ArgumentError("role_needs_id", verb=sub)
    role_id = as_int(words[0].strip().removeprefix("#"), 1)
    row = await store.in_network(turn.tx, turn.network.id, role_id) if role_id is not None else None
    if row is None:
        raise ArgumentError("role_unknown", value=shown(words[0]))
    if row.status == "dropped":
        raise Refused(turn.t("role_is_dropped", id=row.id))
    me = turn.member.id
    if sub == "accept":
        if row.status == "accepted" and row.owner_id == me:
            raise Refused(turn.t("role_already_yours", id=row.id))
        if not (row.status == "offered" and row.owner_id == me) and row.status not in ("open", "declined"):
            raise Refused(turn.t("role_not_offered_to_you", id=row.id))
        row.owner_id, row.status, row.answered_at, row.note = me, "accepted", utcnow(), None
        turn.reply("role_accepted", id=row.id, title=row.title)
        await _tell_maker(turn, row, "role_accepted_by")
    elif sub == "decline":
        if row.owner_id != me or row.status not in ("offered", "accepted"):
            raise Refused(turn.t("role_not_offered_to_you", id=row.id))
        note = " ".join(words[1:]).strip()
        if len(note) > MAX_TEXT:
            raise ArgumentError("action_text_too_long", length=len(note), max=MAX_TEXT)
        row.status, row.answered_at, row.note = "declined", utcnow(), note or None
        turn.reply("role_declined", id=row.id, title=row.title)
        await _tell_maker(turn, row, "role_declined_by")
    else:
        if me not in (row.owner_id, row.created_by) and not turn.is_coordinator:
            raise Refused(turn.t("role_not_yours", id=row.id))
        if sub == "drop":
            row.status = "dropped"
            turn.reply("role_dropped", id=row.id, title=row.title)
        else:
            if len(words) < 2:
                raise ArgumentError("role_offer_usage")
            owner = await find_member(turn, words[1])
            row.owner_id, row.note = owner.id, None
            row.status = "accepted" if owner.id == me else "offered"
            row.answered_at = utcnow() if owner.id == me else None
            turn.reply(f"role_added_{row.status}", id=row.id, title=row.title, owner=_owner_name(turn, owner))
            if owner.id != me:
                _offer(turn, row, owner)
    await repo.audit(turn.tx, turn.network.id, turn.member.key, f"role_{sub}", number=row.id)


async def _tell_maker(turn: Turn, row: Role, key: str) -> None:
    """Whoever offered the role hears the answer (not when they answered it themselves)."""
    if row.created_by is None or row.created_by == turn.member.id:
        return
    maker = await turn.tx.get(Member, row.created_by)
    if maker is None:
        return
    lang = maker.language or turn.network.language
    turn.emit(Notice(Audience.member(maker.key), turn.catalog.t(lang, key, id=row.id, title=row.title, name=turn.member.display_name, note=row.note or "–"), lang))


async def mine(turn: Turn) -> tuple[list[Role], list[Role]]:
    """The member's accepted roles and the roles offered to them, for `stage` and App Home."""
    rows = [r for r, _ in await store.listed(turn.tx, turn.network.id, ("offered", "accepted"), turn.member.id)]
    return [r for r in rows if r.status == "accepted"], [r for r in rows if r.status == "offered"]
