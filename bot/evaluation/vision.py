"""Steps 6-7, let come and clarify the vision: `vision draft "…"`, `vision list`, `vision remove N`,
`vision` (the network's vision); coordinators `vision vote [--votes N]` (the drafts grouped into a
few candidates, bot/evaluation/vision_candidates.py, sent to every member as a dot-vote,
flows/decisions.py), `vision vote close` (the candidate with the most dots is kept as the
network's vision and told to everyone) and `vision amend "…"` (its wording).

Drafts name no one wherever they are shown. With a language model configured, or the dictionaries
not yet loaded, the candidates are made after the command's transaction has committed (as the
themes are), so a slow model never holds the database or the member up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.evaluation.pseudonyms import Pseudonymiser
from bot.evaluation.synthesis import Synthesiser
from bot.evaluation.themes import is_warm, warm
from bot.evaluation.vision_candidates import Candidate, extractive, synthesised
from flows import decisions
from flows.arguments import ArgumentError, parse_id
from flows.messages import Outbound
from flows.turn import EngineConfig, Refused, Turn
from storage import decisions as store, repository as repo
from storage.models import Decision, Network, NetworkVision, VisionDraft, utcnow

MAX_DRAFT = 500
SUBCOMMANDS = {
    "show": "show", "näytä": "show", "visa": "show",
    "draft": "draft", "luonnos": "draft", "luonnostele": "draft", "utkast": "draft",
    "list": "list", "lista": "list",
    "remove": "remove", "poista": "remove", "ta-bort": "remove",
    "vote": "vote", "äänestys": "vote", "äänestä": "vote", "omröstning": "vote", "rösta": "vote",
    "amend": "amend", "muuta": "amend", "ändra": "amend",
}


def _text(words: list[str], usage: str) -> str:
    text = " ".join(words).strip().strip("\"“”'").strip()
    if not text:
        raise ArgumentError(usage)
    if len(text) > MAX_DRAFT:
        raise ArgumentError("vision_too_long", max=MAX_DRAFT, given=len(text))
    return text


class VisionCommand:
    def __init__(self, config: EngineConfig, synthesiser: Synthesiser) -> None:
        self.config = config
        self.synthesiser = synthesiser

    async def __call__(self, turn: Turn, words: list[str]) -> None:
        sub = SUBCOMMANDS.get(words[0].lower()) if words else "show"
        if sub is None:
            raise ArgumentError("unknown_subcommand", verb="vision", value=words[0], choices="draft, list, vote, remove, amend")
        await getattr(self, sub)(turn, words[1:])

    async def show(self, turn: Turn, words: list[str]) -> None:
        chosen = await store.vision(turn.tx, turn.network.id)
        drafted = await store.drafts(turn.tx, turn.network.id)
        lines = [turn.t("vision_line", text=chosen.text)] if chosen else [turn.t("vision_none")]
        if await store.open_decision(turn.tx, turn.network.id, "vision"):
            lines.append(turn.t("vision_vote_is_open"))
        lines.append(turn.t("vision_drafts_count", count=len(drafted)))
        lines.append(turn.t("vision_how_to_draft"))
        turn.reply_text("\n".join(lines))

    async def draft(self, turn: Turn, words: list[str]) -> None:
        text = _text(words, "vision_draft_usage")
        row = VisionDraft(network_id=turn.network.id, member_id=turn.member.id, text=text, created_at=utcnow())
        turn.tx.add(row)
        await turn.tx.flush()
        turn.reply("vision_drafted", id=row.id, count=len(await store.drafts(turn.tx, turn.network.id)))

    async def list(self, turn: Turn, words: list[str]) -> None:
        drafted = await store.drafts(turn.tx, turn.network.id)
        if not drafted:
            turn.reply("vision_no_drafts")
            return
        lines = [turn.t("vision_drafts_heading", count=len(drafted))]
        lines += [turn.t("vision_draft_line", id=d.id, text=d.text) for d in drafted]
        turn.reply_text("\n".join(lines))

    async def remove(self, turn: Turn, words: list[str]) -> None:
        if not words:
            raise ArgumentError("vision_remove_usage")
        row = await turn.tx.get(VisionDraft, parse_id(words[0], "vision_unknown"))
        if row is None or row.network_id != turn.network.id:
            raise ArgumentError("vision_unknown", value=words[0])
        if row.member_id != turn.member.id and not turn.is_coordinator:
            raise Refused(turn.t("vision_not_yours", id=row.id))
        await turn.tx.delete(row)  # a candidate that is this draft word for word leaves the ballot with it
        turn.reply("vision_removed", id=row.id)

    async def amend(self, turn: Turn, words: list[str]) -> None:
        turn.require_coordinator()
        chosen = await store.vision(turn.tx, turn.network.id)
        if chosen is None:
            raise Refused(turn.t("vision_none"))
        chosen.text = _text(words, "vision_amend_usage")
        await repo.audit(turn.tx, turn.network.id, turn.member.key, "vision_amended")
        turn.reply("vision_amended", text=chosen.text)

    async def vote(self, turn: Turn, words: list[str]) -> None:
        to_close, requested = await decisions.vote_request(turn, "vision", words)
        if to_close is not None:
            await self.close(turn, to_close)
            return
        drafted = list(await store.drafts(turn.tx, turn.network.id))
        if len(drafted) < 2:
            raise Refused(turn.t("vision_too_few_drafts", count=len(drafted)))
        languages = await _languages(turn)
        slow = self.synthesiser.configured or not is_warm(languages)
        if slow and self.config.after_commit is not None:
            self._later(turn, requested, languages)
            turn.reply("vision_grouping")
            return
        decision = await self._open(turn, drafted, extractive([d.text for d in drafted], languages), "lemmas", requested)
        turn.reply("vision_vote_opened", count=len(await store.options_of(turn.tx, decision.id)), drafts=len(drafted), votes=decision.votes)

    async def _open(self, turn: Turn, drafted: Sequence[VisionDraft], found: Sequence[Candidate], method: str, requested: int | None) -> Decision:
        options = [(c.text, c.drafts, None, drafted[c.draft_index].id if c.draft_index is not None else None) for c in found]
        # One dot among a few candidates, two among more: the vote is to choose one vision.
        votes = decisions.votes_for(requested or (1 if len(options) <= 3 else 2), len(options))
        decision = await store.start(turn.tx, turn.network.id, "vision", votes, method, options)
        await decisions.send_ballots(turn, decision)
        await repo.audit(turn.tx, turn.network.id, turn.member.key, "vision_vote_opened", decision=decision.id, method=method)
        return decision

    def _later(self, turn: Turn, requested: int | None, languages: tuple[str, ...]) -> None:
        assert self.config.after_commit is not None
        db, network_id, asker = self.config.after_commit.db, turn.network.id, turn.member.key

        async def later() -> list[Outbound]:
            async with db.transaction() as read:
                drafted = list(await store.drafts(read, network_id))
                names = [m.display_name for m in await repo.members_of(read, network_id)]
                network = await read.get(Network, network_id)
                assert network is not None
                lang = network.language
            texts = [d.text for d in drafted]
            found = None
            if self.synthesiser.configured:
                found = await synthesised(self.synthesiser, [Pseudonymiser(names).apply(t) for t in texts], lang)
            if found is None:
                await asyncio.to_thread(warm, languages)  # off the event loop: Finnish takes seconds
            async with db.transaction() as write:
                network = await write.get(Network, network_id)
                member = await repo.member_by_key(write, network_id, asker) if network else None
                if network is None or member is None or await store.open_decision(write, network_id, "vision"):
                    return []  # gone, or opened meanwhile by another coordinator
                turn_ = Turn(write, self.config, network, member)
                method = "llm" if found is not None else "lemmas"
                decision = await self._open(turn_, drafted, found or extractive(texts, languages), method, requested)
                turn_.reply("vision_vote_opened", count=len(await store.options_of(write, decision.id)), drafts=len(drafted), votes=decision.votes)
                return turn_.out

        self.config.after_commit.run(turn.tx, later)

    async def close(self, turn: Turn, decision: Decision) -> None:
        """The candidate with the most dots is the network's vision (ties: the first on the ballot)."""
        await store.close(turn.tx, decision)
        voted = await store.voters(turn.tx, decision.id)
        ranked = await store.ranking(turn.tx, decision.id)
        if not voted or not ranked:
            turn.reply("vision_vote_closed_empty")
            return
        top = ranked[0]
        turn.tx.add(NetworkVision(network_id=turn.network.id, text=top.option.text, votes=top.votes, voters=voted, chosen_at=utcnow()))
        await turn.tx.flush()
        await repo.audit(turn.tx, turn.network.id, turn.member.key, "vision_chosen", decision=decision.id)
        lines = [turn.t("vision_vote_closed", text=top.option.text), *await decisions.result_lines(turn, decision, [top.option.position])]
        turn.reply_text("\n".join(lines))
        await decisions.tell_everyone(turn, "vision_announce", top.option.text)


async def _languages(turn: Turn) -> tuple[str, ...]:
    """The network's language first, then those its members speak: the drafts may be in any."""
    spoken = {m.language for m in await repo.members_of(turn.tx, turn.network.id) if m.language}
    return (turn.network.language, *sorted(spoken - {turn.network.language}))


def register(config: EngineConfig, synthesiser: Synthesiser) -> None:
    command = VisionCommand(config, synthesiser)
    for verb in ("vision", "visio"):
        config.extra_commands[verb] = command
