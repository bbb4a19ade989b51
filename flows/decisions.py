"""The network's own dot-votes: on the ground rules of its charter (step 3, flows/charter.py) and
on the candidates for its vision (steps 6-7, bot/evaluation/vision.py).

The ballot is the dot-vote of "close the loop" (flows/themes.py: the same multiple-choice prompt,
the same checks of the numbers given, typed numbers on the console), sent to every member of the
network with the options' full texts before it. A member may change their dots while the vote is
open. Who voted for what is theirs alone (my-data, forget-me): a result shows counts, and only
once at least the anonymity threshold of members voted; below it only what was decided is told.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flows.arguments import ArgumentError, as_int, parse_int
from flows.messages import Audience, Notice, Report, ReportSection
from flows.themes import chosen_numbers, dot_ballot, typed_numbers
from flows.turn import EngineConfig, Refused, Turn
from storage import decisions as store, repository as repo
from storage.models import Decision, DecisionOption, Member
from storage.privacy import effective_threshold, too_small

PREFIX = "decide"
DEFAULT_VOTES = 3
MAX_VOTES = 10
CLOSE = ("close", "sulje", "stäng")


async def vote_request(turn: Turn, kind: str, words: list[str]) -> tuple[Decision | None, int | None]:
    """`KIND vote [--votes N]` or `KIND vote close`, a coordinator's: (the open vote to close, or
    None to open one; the dots asked for). Refused, with KIND's own texts: a close with no vote
    open, a second vote while one is open, and any other words."""
    turn.require_coordinator()
    open_ = await store.open_decision(turn.tx, turn.network.id, kind)
    if words and words[0].lower() in CLOSE:
        if open_ is None:
            raise Refused(turn.t(f"{kind}_no_open_vote"))
        return open_, None
    requested = None
    if words and words[0].lower().startswith("--votes"):
        value = words[0].partition("=")[2] or (words[1] if len(words) > 1 else "")
        requested = parse_int(value, "themes_bad_votes", 1, MAX_VOTES, most=MAX_VOTES)
    elif words:
        raise ArgumentError(f"{kind}_vote_usage")
    if open_ is not None:
        raise Refused(turn.t(f"{kind}_vote_already_open"))
    return None, requested


def ref(decision_id: int) -> str:
    return f"{PREFIX}:{decision_id}"


def votes_for(requested: int | None, options: int) -> int:
    """Dots each: as asked (or three), never more than there are options."""
    return max(1, min(requested or DEFAULT_VOTES, options))


async def send_ballots(turn: Turn, decision: Decision) -> int:
    """The options and the ballot to every member, each in their language; how many were asked."""
    options = await store.options_of(turn.tx, decision.id)
    everyone = await repo.members_of(turn.tx, turn.network.id)
    for member in everyone:
        turn.out.extend(ballot_for(turn, decision, options, member))
    return len(everyone)


def ballot_for(turn: Turn, decision: Decision, options: Sequence[DecisionOption], member: Member) -> list[Any]:
    lang = member.language or turn.network.language
    t = turn.catalog.t
    audience = Audience.member(member.key)
    kind = decision.kind
    lines = tuple(t(lang, f"decide_{kind}_option", number=o.position, text=o.text, count=o.drafts) for o in options)
    report = Report(audience, t(lang, f"decide_{kind}_title"), (ReportSection(t(lang, f"decide_{kind}_intro", count=decision.votes), lines),), (), lang)
    labels = [(str(o.position), o.text) for o in options]  # the renderers number the options
    hint = t(lang, "decide_hint", count=decision.votes)
    prompt = dot_ballot(turn.catalog, audience, lang, ref(decision.id), t(lang, f"decide_{kind}_ballot", count=decision.votes), t(lang, f"decide_{kind}_ballot_title"), labels, decision.votes, hint)
    return [report, prompt]


async def tell_everyone(turn: Turn, key: str, text: str) -> None:
    """What the vote decided, to every member but the one who closed it (they have the result)."""
    for member in await repo.members_of(turn.tx, turn.network.id):
        if member.id != turn.member.id:
            lang = member.language or turn.network.language
            turn.emit(Notice(Audience.member(member.key), turn.catalog.t(lang, key, text=text), lang))


async def record_votes(turn: Turn, decision_text: str, value: str | list[str]) -> None:
    """A submitted ballot: the chosen numbers replace the member's earlier dots on this vote."""
    decision_id = as_int(decision_text, 1)
    decision = await turn.tx.get(Decision, decision_id) if decision_id is not None else None
    if decision is None or decision.network_id != turn.network.id:
        raise Refused(turn.t("unknown_prompt"))
    if decision.status != "open":
        raise Refused(turn.t(f"decide_{decision.kind}_closed"))
    options = {str(o.position): o for o in await store.options_of(turn.tx, decision.id)}
    chosen = chosen_numbers(turn, value, list(options), decision.votes, "decide_bad_vote")
    await store.replace_votes(turn.tx, decision.id, turn.member.id, [options[p].id for p in chosen])
    turn.reply(f"decide_{decision.kind}_voted", numbers=", ".join(chosen), count=len(chosen))


async def typed_votes(turn: Turn, text: str) -> bool:
    """Numbers typed on the console answer the newest open charter or vision vote."""
    if not typed_numbers(text):
        return False
    found = await store.open_decisions(turn.tx, turn.network.id)
    if not found:
        return False
    await record_votes(turn, str(found[0].id), text)
    return True


async def result_lines(turn: Turn, decision: Decision, chosen: Sequence[int]) -> list[str]:
    """The count per option, only from the anonymity threshold of voters up; `chosen` positions
    are marked. Below the threshold the counts would tell who wanted what."""
    voted = await store.voters(turn.tx, decision.id)
    k = effective_threshold(turn.config.anonymity_threshold)
    if too_small(voted, k):
        return [turn.t("decide_counts_hidden", count=voted, threshold=k)]
    lines = [turn.t("decide_counts_intro", count=voted, votes=decision.votes)]
    for ranked in await store.ranking(turn.tx, decision.id):
        mark = "✓" if ranked.option.position in chosen else "·"
        lines.append(turn.t("decide_count_line", mark=mark, number=ranked.option.position, text=ranked.option.text[:120], count=ranked.votes))
    return lines


async def open_lines(turn: Turn) -> list[str]:
    """For `stage` and App Home: open votes the member has not voted in."""
    lines = []
    for decision in await store.open_decisions(turn.tx, turn.network.id):
        if not await store.has_voted(turn.tx, decision.id, turn.member.id):
            lines.append(turn.t(f"decide_{decision.kind}_open_for_you"))
    return lines


async def network_lines(turn: Turn) -> list[str]:
    """The network's charter and vision as `stage`, App Home and the Teams card show them."""
    lines = []
    kept = await store.rules(turn.tx, turn.network.id, ("kept",))
    if kept:
        lines.append(turn.t("charter_heading", count=len(kept)))
        lines += [turn.t("charter_rule_line", id=r.id, text=r.text) for r in kept]
    vision = await store.vision(turn.tx, turn.network.id)
    if vision is not None:
        lines.append(turn.t("vision_line", text=vision.text))
    return lines


async def member_data(turn: Turn) -> dict[str, Any]:
    """The member's proposals, drafts and dots, for my-data."""
    tx, me = turn.tx, turn.member.id
    return {
        "charter_proposals": [{"id": r.id, "rule": r.text, "status": r.status, "proposed": r.created_at.isoformat()} for r in await store.member_rules(tx, me)],
        "vision_drafts": [{"id": d.id, "draft": d.text, "written": d.created_at.isoformat()} for d in await store.member_drafts(tx, me)],
        "charter_and_vision_votes": [
            {"vote": d.id, "on": d.kind, "option": o.position, "text": o.text, "voted_at": v.voted_at.isoformat()} for d, o, v in await store.member_votes(tx, me)
        ],
    }


def register(config: EngineConfig) -> None:
    if PREFIX in config.answer_handlers:
        return  # another engine on the same configuration registered it already
    config.answer_handlers[PREFIX] = record_votes
    config.text_handlers.append(typed_votes)
    config.extra_help.extend(["charter_help", "charter_help_coordinator"])
