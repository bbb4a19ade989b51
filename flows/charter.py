"""Step 3's ground rules for dialogue, kept as the network's charter.

`charter` shows the rules kept; `charter propose "…"` adds a proposal; `charter list` shows the
proposals and the kept rules (naming no one); `charter remove N` withdraws one's own proposal (a
coordinator may remove any rule). Coordinators: `charter vote [--votes N]` sends the proposals to
every member as a dot-vote (flows/decisions.py), `charter vote close` ends it and keeps every
proposal that at least half of the voters put a dot on; the rest are set aside and can be proposed
again. `charter amend N "…"` rewords a kept rule.
"""

from __future__ import annotations

from flows import decisions
from flows.arguments import ArgumentError, parse_id
from flows.turn import Refused, Turn
from storage import decisions as store, repository as repo
from storage.models import CharterRule, Decision, utcnow

MAX_RULE = 300
MAX_PROPOSALS = 20  # on one ballot: more would not fit one phone screen
SUBCOMMANDS = {
    "show": "show", "näytä": "show", "visa": "show",
    "propose": "propose", "ehdota": "propose", "föreslå": "propose",
    "list": "list", "lista": "list",
    "remove": "remove", "poista": "remove", "ta-bort": "remove",
    "amend": "amend", "muuta": "amend", "ändra": "amend",
    "vote": "vote", "äänestys": "vote", "äänestä": "vote", "omröstning": "vote", "rösta": "vote",
}


def rule_text(words: list[str], usage: str) -> str:
    text = " ".join(words).strip().strip("\"“”'").strip()
    if not text:
        raise ArgumentError(usage)
    if len(text) > MAX_RULE:
        raise ArgumentError("charter_too_long", max=MAX_RULE, given=len(text))
    return text


async def charter(turn: Turn, words: list[str]) -> None:
    sub = SUBCOMMANDS.get(words[0].lower()) if words else "show"
    if sub is None:
        raise ArgumentError("unknown_subcommand", verb="charter", value=words[0], choices="propose, list, vote, remove, amend")
    await HANDLERS[sub](turn, words[1:])


async def show(turn: Turn, words: list[str]) -> None:
    kept = await store.rules(turn.tx, turn.network.id, ("kept",))
    proposed = await store.rules(turn.tx, turn.network.id, ("proposed",))
    lines = [turn.t("charter_heading", count=len(kept))] if kept else [turn.t("charter_none")]
    lines += [turn.t("charter_rule_line", id=r.id, text=r.text) for r in kept]
    if await store.open_decision(turn.tx, turn.network.id, "charter"):
        lines.append(turn.t("charter_vote_is_open"))
    elif proposed:
        lines.append(turn.t("charter_proposals_waiting", count=len(proposed)))
    lines.append(turn.t("charter_how_to_propose"))
    turn.reply_text("\n".join(lines))


async def propose(turn: Turn, words: list[str]) -> None:
    text = rule_text(words, "charter_propose_usage")
    existing = await store.rules(turn.tx, turn.network.id, ("proposed", "kept"))
    if any(r.text.casefold() == text.casefold() for r in existing):
        raise Refused(turn.t("charter_duplicate"))
    row = CharterRule(network_id=turn.network.id, member_id=turn.member.id, text=text, status="proposed", created_at=utcnow())
    turn.tx.add(row)
    await turn.tx.flush()
    turn.reply("charter_proposed", id=row.id, count=sum(r.status == "proposed" for r in existing) + 1)


async def list_(turn: Turn, words: list[str]) -> None:
    proposed = await store.rules(turn.tx, turn.network.id, ("proposed",))
    kept = await store.rules(turn.tx, turn.network.id, ("kept",))
    if not proposed and not kept:
        turn.reply("charter_nothing")
        return
    lines = []
    if proposed:
        lines.append(turn.t("charter_proposals_heading", count=len(proposed)))
        lines += [turn.t("charter_rule_line", id=r.id, text=r.text) for r in proposed]
    if kept:
        lines.append(turn.t("charter_heading", count=len(kept)))
        lines += [turn.t("charter_rule_line", id=r.id, text=r.text) for r in kept]
    turn.reply_text("\n".join(lines))


async def _rule(turn: Turn, words: list[str], usage: str) -> CharterRule:
    if not words:
        raise ArgumentError(usage)
    row = await turn.tx.get(CharterRule, parse_id(words[0], "charter_unknown"))
    if row is None or row.network_id != turn.network.id or row.status not in ("proposed", "kept"):
        raise ArgumentError("charter_unknown", value=words[0])
    return row


async def remove(turn: Turn, words: list[str]) -> None:
    row = await _rule(turn, words, "charter_remove_usage")
    if not turn.is_coordinator and (row.member_id != turn.member.id or row.status != "proposed"):
        raise Refused(turn.t("charter_not_yours", id=row.id))
    if await store.open_decision(turn.tx, turn.network.id, "charter") and row.status == "proposed":
        raise Refused(turn.t("charter_on_ballot", id=row.id))
    was_kept = row.status == "kept"
    row.status, row.decided_at = "removed", utcnow()
    await repo.audit(turn.tx, turn.network.id, turn.member.key, "charter_removed", rule=row.id, kept=was_kept)
    turn.reply("charter_removed", id=row.id)


async def amend(turn: Turn, words: list[str]) -> None:
    turn.require_coordinator()
    row = await _rule(turn, words, "charter_amend_usage")
    if row.status != "kept":
        raise Refused(turn.t("charter_amend_only_kept", id=row.id))
    row.text = rule_text(words[1:], "charter_amend_usage")
    await repo.audit(turn.tx, turn.network.id, turn.member.key, "charter_amended", rule=row.id)
    turn.reply("charter_amended", id=row.id, text=row.text)


async def vote(turn: Turn, words: list[str]) -> None:
    to_close, requested = await decisions.vote_request(turn, "charter", words)
    if to_close is not None:
        await close(turn, to_close)
        return
    proposed = list(await store.rules(turn.tx, turn.network.id, ("proposed",)))
    if not proposed:
        raise Refused(turn.t("charter_no_proposals"))
    if len(proposed) > MAX_PROPOSALS:
        raise Refused(turn.t("charter_too_many_proposals", count=len(proposed), most=MAX_PROPOSALS))
    votes = decisions.votes_for(requested, len(proposed))
    decision = await store.start(turn.tx, turn.network.id, "charter", votes, "proposals", [(r.text, 1, r.id, None) for r in proposed])
    asked = await decisions.send_ballots(turn, decision)
    await repo.audit(turn.tx, turn.network.id, turn.member.key, "charter_vote_opened", decision=decision.id)
    turn.reply("charter_vote_opened", count=len(proposed), members=asked, votes=votes)


async def close(turn: Turn, decision: Decision) -> None:
    """Keep what at least half of the voters dotted, set the rest aside, and tell every member."""
    await store.close(turn.tx, decision)
    voted = await store.voters(turn.tx, decision.id)
    ranked = await store.ranking(turn.tx, decision.id)
    kept_positions = [r.option.position for r in ranked if voted and r.votes > 0 and 2 * r.votes >= voted]
    now = utcnow()
    kept_texts = []
    for r in ranked:
        rule = await turn.tx.get(CharterRule, r.option.rule_id) if r.option.rule_id else None
        if rule is None or rule.status != "proposed":
            continue
        rule.status, rule.decided_at = ("kept" if r.option.position in kept_positions else "aside"), now
        if rule.status == "kept":
            kept_texts.append(rule.text)
    await repo.audit(turn.tx, turn.network.id, turn.member.key, "charter_vote_closed", decision=decision.id, kept=len(kept_texts))
    lines = [turn.t("charter_vote_closed", count=len(kept_texts))]
    lines += [f"  • {text}" for text in kept_texts]
    lines += await decisions.result_lines(turn, decision, kept_positions)
    turn.reply_text("\n".join(lines))
    if kept_texts:
        await decisions.tell_everyone(turn, "charter_announce", "\n".join(f"  • {text}" for text in kept_texts))


HANDLERS = {"show": show, "propose": propose, "list": list_, "remove": remove, "amend": amend, "vote": vote}
