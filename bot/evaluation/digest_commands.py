"""`reflect publish`, `reflect themes`, `reflect digest`, and what happens when a round closes.

When a round closes, its digest is held for the coordinators' response (they are told how to
publish it) unless the flow is set to publish at once (`reflect digest <flow> auto`). Publishing
sends the digest to everyone the round was sent to, each in their language (a channel round: into
its channel). With a language model configured, themes are asked of it after the command's
transaction has committed, so a slow model never holds the database or the member up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.evaluation import digest, digest_fanout
from bot.evaluation.report import Reporter
from bot.evaluation.sensemaking import RoundText, ballot_themes, find_groups, needs_time, round_text
from bot.evaluation.themes import Group, warm
from flows import themes as ballots
from flows.arguments import ArgumentError, parse_int, parse_id
from flows.messages import Audience, Notice, Outbound
from flows.turn import EngineConfig, Refused, Turn
from storage import digests, repository as repo
from storage.models import Network, Round, utcnow

log = logging.getLogger(__name__)
DEFAULT_VOTES = 3
MAX_VOTES = 10


class DigestService:
    def __init__(self, config: EngineConfig, reporter: Reporter) -> None:
        self.config = config
        self.reporter = reporter

    def slow(self, text: RoundText) -> bool:
        """Themes that may take seconds (a model, dictionaries still to load) wait for the commit."""
        return self.config.after_commit is not None and needs_time(text, self.reporter.synthesiser)

    async def _groups_later(self, text: RoundText, lang: str) -> dict[str, list[Group]]:
        await asyncio.to_thread(warm, text.languages)  # off the event loop: Finnish takes seconds
        _, groups = await find_groups(text, lang, self.config.anonymity_threshold, self.reporter.synthesiser)
        return groups

    async def round_closed(self, tx: AsyncSession, config: EngineConfig, network: Network, round_: Round) -> list[Outbound]:
        """The closing hook (flows.rounds.close_round): publish now, or hold and tell the coordinators."""
        invited, _ = await repo.participation(tx, round_.id)
        if not invited:
            return []
        state = await digests.hold_digest(tx, round_.id)
        if await digests.auto_publish(tx, network.id, round_.flow_id):
            return await self.publish(tx, network, round_, state.response)
        title = self._title(round_, network.language)
        has_text = bool((await self.text_of(tx, network, round_, network.language)).answers)
        key = "digest_held_text" if has_text else "digest_held"
        out: list[Outbound] = []
        for coordinator in await repo.coordinators_of(tx, network.id):
            lang = coordinator.language or network.language
            text = config.catalog.t(lang, key, id=round_.id, title=self._title(round_, lang) or title, flow=round_.flow_id)
            actions = [(config.catalog.t(lang, "digest_button_publish"), f"reflect publish {round_.id}")]
            if has_text:
                actions.append((config.catalog.t(lang, "digest_button_themes"), f"reflect themes {round_.id}"))
            out.append(Notice(Audience.member(coordinator.key), text, lang, tuple(actions)))
        return out

    def _title(self, round_: Round, lang: str) -> str:
        flow = self.config.flows.get(round_.flow_id)
        return flow.title[lang] if flow else round_.flow_id

    async def text_of(self, tx: AsyncSession, network: Network, round_: Round, lang: str) -> RoundText:
        return await round_text(tx, self.config.flows.get(round_.flow_id), network, round_, self.config.anonymity_threshold, lang)

    async def publish(self, tx: AsyncSession, network: Network, round_: Round, response: str | None) -> list[Outbound]:
        """Mark the digest published and return it for everyone asked (or defer it behind the model)."""
        state = await digests.hold_digest(tx, round_.id)
        state.status, state.published_at = "published", utcnow()
        if response:
            state.response = response[:3000]
        ballot = await digests.ballot_of(tx, round_.id)
        if ballot is not None and ballot.status == "open":
            await digests.close_ballot(tx, ballot)
        stored = await self.stored_groups(tx, round_.id)
        if stored is not None:
            return list(await self.digests_for(tx, network, round_, stored))
        text = await self.text_of(tx, network, round_, network.language)
        if not self.slow(text):
            _, groups = await find_groups(text, network.language, self.config.anonymity_threshold, None)
            return list(await self.digests_for(tx, network, round_, groups))
        assert self.config.after_commit is not None
        db, network_id, round_id = self.config.after_commit.db, network.id, round_.id

        async def later() -> list[Outbound]:
            async with db.transaction() as read:
                net, rnd = await _reload(read, network_id, round_id)
                text = await self.text_of(read, net, rnd, net.language)
            groups = await self._groups_later(text, net.language)
            async with db.transaction() as write:
                net, rnd = await _reload(write, network_id, round_id)
                return list(await self.digests_for(write, net, rnd, groups))

        self.config.after_commit.run(tx, later)
        return []

    async def stored_groups(self, tx: AsyncSession, round_id: int) -> dict[str, list[Group]] | None:
        """The ballot's themes, when members have had them to vote on: the digest shows the same."""
        if await digests.ballot_of(tx, round_id) is None:
            return None
        found: dict[str, list[Group]] = {}
        for theme in await digests.themes_of(tx, round_id):
            found.setdefault(theme.step_id, []).append(Group(theme.label, tuple(theme.answers)))
        return found

    async def digests_for(self, tx: AsyncSession, network: Network, round_: Round, groups: dict[str, list[Group]]) -> Sequence[Outbound]:
        """Everyone's digest: the first chunk's returned, the rest queued after the commit in
        chunks of their own (bot/evaluation/digest_fanout.py)."""
        targets = digest.audiences(round_, await digests.invited_members(tx, round_.id), network)
        made = await digest.editions(self.reporter, tx, network, round_, groups, targets)
        return await digest_fanout.split(tx, self.config, round_.id, made, targets)

    async def open_themes(self, tx: AsyncSession, network: Network, round_: Round, votes: int, text: RoundText) -> tuple[int, list[Outbound]]:
        """Open the ballot (themes found inline) and return (themes, the messages for everyone asked)."""
        method, groups = await find_groups(text, network.language, self.config.anonymity_threshold, None)
        return await self._store_ballot(tx, network, round_, votes, method, groups, text)

    async def _store_ballot(
        self, tx: AsyncSession, network: Network, round_: Round, votes: int, method: str, groups: dict[str, list[Group]], text: RoundText
    ) -> tuple[int, list[Outbound]]:
        rows = ballot_themes(groups, text.questions)
        if not rows:
            return 0, []
        await digests.open_ballot(tx, round_.id, votes, method, rows)
        themes = await digests.themes_of(tx, round_.id)
        out: list[Outbound] = []
        targets = digest.audiences(round_, await digests.invited_members(tx, round_.id), network)
        for audience, lang in targets:
            questions = (await self.text_of(tx, network, round_, lang)).questions
            out.extend(ballots.ballot_messages(self.config.catalog, audience, lang, round_.id, self._title(round_, lang), themes, questions, votes))
        return len(rows), out

    def open_themes_later(self, tx: AsyncSession, network: Network, round_: Round, votes: int, asker: str, asker_lang: str) -> None:
        assert self.config.after_commit is not None
        db, network_id, round_id, catalog = self.config.after_commit.db, network.id, round_.id, self.config.catalog

        async def later() -> list[Outbound]:
            async with db.transaction() as read:
                net, rnd = await _reload(read, network_id, round_id)
                text = await self.text_of(read, net, rnd, net.language)
            await asyncio.to_thread(warm, text.languages)
            method, groups = await find_groups(text, net.language, self.config.anonymity_threshold, self.reporter.synthesiser)
            async with db.transaction() as write:
                net, rnd = await _reload(write, network_id, round_id)
                if await digests.ballot_of(write, round_id) is not None:
                    return []  # opened meanwhile by another coordinator
                count, out = await self._store_ballot(write, net, rnd, votes, method, groups, text)
            key = "themes_opened" if count else "themes_none"
            return [*out, Notice(Audience.member(asker), catalog.t(asker_lang, key, id=round_id, count=count, votes=votes), asker_lang)]

        self.config.after_commit.run(tx, later)


async def _reload(tx: AsyncSession, network_id: int, round_id: int) -> tuple[Network, Round]:
    network = await tx.get(Network, network_id)
    round_ = await tx.get(Round, round_id)
    assert network is not None and round_ is not None
    return network, round_


class DigestCommands:
    """The `reflect` subcommands of this area."""

    def __init__(self, service: DigestService) -> None:
        self.service = service

    async def _closed_round(self, turn: Turn, words: list[str], usage: str) -> Round:
        turn.require_coordinator()
        if not words:
            raise ArgumentError(usage)
        round_ = await repo.round_in_network(turn.tx, turn.network.id, parse_id(words[0], "bad_round"))
        if round_ is None:
            raise ArgumentError("bad_round", value=words[0])
        if round_.status != "closed":
            raise Refused(turn.t("digest_round_open", id=round_.id))
        return round_

    async def publish(self, turn: Turn, words: list[str]) -> None:
        """`reflect publish N ["response"]`"""
        round_ = await self._closed_round(turn, words, "digest_publish_usage")
        state = await digests.digest_of(turn.tx, round_.id)
        if state is not None and state.status == "published":
            raise Refused(turn.t("digest_already_published", id=round_.id))
        response = " ".join(words[1:]).strip()
        turn.out.extend(await self.service.publish(turn.tx, turn.network, round_, response or None))
        await repo.audit(turn.tx, turn.network.id, turn.member.key, "digest_published", round=round_.id)
        count = await digests.invited_count(turn.tx, round_.id)
        where = turn.t("digest_where_channel") if round_.delivery == "channel" and round_.channel else turn.t("digest_where_members", count=count)
        turn.reply("digest_published", id=round_.id, where=where)

    async def themes(self, turn: Turn, words: list[str]) -> None:
        """`reflect themes N [--votes 3]`, `reflect themes N close`"""
        votes, words = _votes_option(words)
        round_ = await self._closed_round(turn, words, "themes_usage")
        ballot = await digests.ballot_of(turn.tx, round_.id)
        if len(words) > 1 and words[1].lower() in ("close", "sulje", "stäng"):
            if ballot is None or ballot.status != "open":
                raise Refused(turn.t("themes_closed", id=round_.id))
            await digests.close_ballot(turn.tx, ballot)
            state = await digests.digest_of(turn.tx, round_.id)
            if state is not None and state.status == "published":
                # The digest already went out: the ranked result follows it to the same people.
                turn.out.extend(await self.service.digests_for(turn.tx, turn.network, round_, await self.service.stored_groups(turn.tx, round_.id) or {}))
            turn.reply("themes_closed_by_you", id=round_.id)
            return
        if len(words) > 1:
            raise ArgumentError("themes_usage")
        if ballot is not None:
            raise Refused(turn.t("themes_already_open" if ballot.status == "open" else "themes_ended", id=round_.id))
        text = await self.service.text_of(turn.tx, turn.network, round_, turn.network.language)
        if self.service.slow(text):
            self.service.open_themes_later(turn.tx, turn.network, round_, votes, turn.member.key, turn.lang)
            turn.reply("themes_follow", id=round_.id)
            return
        count, out = await self.service.open_themes(turn.tx, turn.network, round_, votes, text)
        turn.out.extend(out)
        turn.reply("themes_opened" if count else "themes_none", id=round_.id, count=count, votes=votes)

    async def digest(self, turn: Turn, words: list[str]) -> None:
        """`reflect digest <flow> auto|hold`, `reflect digest` (which flows publish at once)"""
        turn.require_coordinator()
        if not words:
            flows = await digests.auto_flows(turn.tx, turn.network.id)
            turn.reply("digest_policy_show", flows=", ".join(flows) if flows else turn.t("digest_policy_none"))
            return
        if len(words) != 2 or words[1].lower() not in ("auto", "hold"):
            raise ArgumentError("digest_policy_usage")
        flow = turn.config.flows.get(words[0])
        if flow is None:
            raise ArgumentError("unknown_flow", value=words[0], flows=", ".join(turn.config.flows.ids()))
        auto = words[1].lower() == "auto"
        await digests.set_auto_publish(turn.tx, turn.network.id, flow.id, auto)
        await repo.audit(turn.tx, turn.network.id, turn.member.key, "digest_policy", flow=flow.id, auto=auto)
        turn.reply("digest_policy_auto" if auto else "digest_policy_hold", flow=flow.id)


def _votes_option(words: list[str]) -> tuple[int, list[str]]:
    """`--votes N` (or `--votes=N`) out of the words; the rest as they were."""
    rest: list[str] = []
    votes = DEFAULT_VOTES
    i = 0
    while i < len(words):
        name, _, inline = words[i].partition("=")
        if name.lower() == "--votes":
            if not inline and i + 1 >= len(words):
                raise ArgumentError("option_needs_value", option="--votes")
            value = inline or words[i + 1]
            votes = parse_int(value, "themes_bad_votes", 1, MAX_VOTES, most=MAX_VOTES)
            i += 1 if inline else 2
            continue
        rest.append(words[i])
        i += 1
    return votes, rest


def register(config: EngineConfig, reporter: Reporter) -> None:
    service = DigestService(config, reporter)
    commands = DigestCommands(service)
    config.round_closed_hooks.append(service.round_closed)
    config.reflect_subcommands.update({"publish": commands.publish, "themes": commands.themes, "digest": commands.digest})
    config.answer_handlers[ballots.PREFIX] = ballots.record_votes
    config.text_handlers.append(ballots.typed_votes)
    config.extra_help.append("digest_help_coordinator")
