"""The flow engine: one inbound event in, one transaction, outbound messages into the outbox."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from flows import actions, answer_turn, charter, continuum, decisions, facts, gaps, intros, journal, journey, member_commands, network_commands, prototypes, roles, round_commands, rounds_listing
from flows.arguments import ArgumentError, as_int, split_command
from flows.events import CommandIssued, InboundEvent, MemberAnswered, MemberJoined, MessageReceived, NetworkRef
from flows.launch import Launcher
from flows.messages import Audience, ChartImages, Notice, Outbound, Prompt, to_json
from flows import repeats
from flows.rounds import current_step, ensure_member, join_round, may_join, prompt_for, record_answer
from flows.turn import CommandHandler, EngineConfig, Refused, SaveFailed, Turn
from flows.welcome import Welcomes, is_greeting, nearest
from storage import chart_images, repository as repo
from storage.answer_sql import AnswerStatements
from storage.database import Database
from storage.health import WRITE_FAULTS
from storage.models import Network

log = logging.getLogger(__name__)

COMMANDS: dict[str, CommandHandler] = {
    "help": network_commands.help_,
    "apua": network_commands.help_,
    "hjälp": network_commands.help_,
    "checkin": round_commands.checkin,
    "reflect": round_commands.reflect,
    "pulse": round_commands.pulse,
    "stage": journey.stage,
    "journey": journey.journey,
    "lang": network_commands.lang,
    "network": network_commands.network,
    "members": member_commands.members,
    "my-data": member_commands.my_data,
    "forget-me": member_commands.forget_me,
    "export": member_commands.export,
    # U journey (issue 14)
    "fact": facts.fact,
    "gaps": gaps.gaps,
    "actor": gaps.actor,
    "intro": intros.intro,
    "journal": journal.journal,
    "päiväkirja": journal.journal,
    "dagbok": journal.journal,
    "prototype": prototypes.prototype,
    "charter": charter.charter,
    "pelisäännöt": charter.charter,
    "spelregler": charter.charter,
    "action": actions.action,
    "actions": actions.action,
    "toimi": actions.action,
    "åtgärd": actions.action,
    # levels of network work, the continuum and roles (issue 14, item 3 and step 9)
    "phase": continuum.phase,
    "vaihe": continuum.phase,
    "fas": continuum.phase,
    "role": roles.role,
    "roles": roles.role,
    "rooli": roles.role,
    "roll": roles.role,
    "rounds": rounds_listing.rounds,
    "kierrokset": rounds_listing.rounds,
    "rundor": rounds_listing.rounds,
}


class Engine:
    def __init__(self, db: Database, config: EngineConfig) -> None:
        self.db = db
        self.config = config
        self.commands: dict[str, CommandHandler] = {**COMMANDS, **config.extra_commands}
        config.verbs.update(self.commands)
        decisions.register(config)
        self.launcher = Launcher(db, config)
        self.welcomes = Welcomes()
        self._handlers: dict[type, Callable[[Turn, Any], Awaitable[None]]] = {
            CommandIssued: self._command,
            MemberAnswered: self._answered,
            MessageReceived: self._message,
            MemberJoined: self._joined,
        }

    async def handle(self, event: InboundEvent) -> list[Outbound]:
        """Handle one event exactly once; the replies are in the outbox when this returns.

        Raises SaveFailed when the database cannot be written (full disk, read-only file, server
        gone): nothing of the turn is kept, and the member is to be told directly."""
        try:
            return await self._handle(event)
        except WRITE_FAULTS as exc:
            log.warning("could not store a %s: %s", type(event).__name__, str(getattr(exc, "orig", exc)).splitlines()[0][:200])
            raise SaveFailed(await self._save_failed(event)) from None

    async def _save_failed(self, event: InboundEvent) -> Notice:
        lang = self.config.default_language
        try:  # reading may still work when writing does not
            async with self.db.transaction() as tx:
                network, member = await repo.network_and_member(tx, event.network.key, event.member.key)
                lang = (member.language if member else None) or (network.language if network else lang)
        except WRITE_FAULTS:
            pass
        return Notice(Audience.member(event.member.key), self.config.catalog.t(lang, "save_failed"), lang)

    async def _handle(self, event: InboundEvent) -> list[Outbound]:
        try:
            if isinstance(event, MemberAnswered):
                try:
                    async with self.db.grouped(orm=False) as tx:
                        return await answer_turn.answer(tx, self.config, event)
                except answer_turn.GeneralPath:
                    pass  # nothing of it was kept: the general turn below does it all
            # Grouped: turns arriving together commit together, each kept or refused on its own.
            async with self.db.grouped() as tx:
                turn = await self._begin(tx, event)
                if turn is None:
                    return []
                await self._handlers[type(event)](turn, event)
                await self.enqueue(tx, turn.out, turn.prepared)
            if turn.launches:
                await self.finish_launches(turn.launches)
            return turn.out
        except (Refused, ArgumentError) as problem:
            # Whatever the refused turn changed is rolled back; only the refusal is kept.
            async with self.db.grouped() as tx:
                turn = await self._begin(tx, event)
                if turn is None:
                    return []
                if isinstance(problem, ArgumentError):
                    turn.reply(problem.key, **problem.values)
                else:
                    turn.reply_text(str(problem))
                await self.enqueue(tx, turn.out)
                return turn.out

    async def finish_launches(self, round_ids: list[int]) -> None:
        """After the commit: the round and its first chunk are out while the rest is written. The
        round is open whatever happens here; chunks left over are taken by `Launcher.run`."""
        try:
            await self.launcher.finish(round_ids)
        except Exception as exc:
            log.warning("launch of round(s) %s paused, to be finished by the launcher: %r", round_ids, exc)

    async def _begin(self, tx: Any, event: InboundEvent) -> Turn | None:
        if not await repo.claim_event(tx, event.idempotency_key):
            return None
        network, known = await repo.network_and_member(tx, event.network.key, event.member.key)
        if network is None:
            network = await self.network(tx, event.network)
        elif event.network.name and network.name == event.network.workspace:
            network.name = event.network.name  # a better name than the id it was first given
        member, created = await ensure_member(tx, self.config, network, event.member, known)
        turn = Turn(tx, self.config, network, member, event.channel, getattr(event, "is_direct", event.channel is None), new_member=created)
        await self.welcomes.greet(turn)  # a first click is a first interaction too
        if created:
            await self._welcome_first(turn)
        return turn

    async def enqueue(self, tx: Any, messages: Sequence[Outbound], prepared: Mapping[int, dict[str, Any]] | None = None) -> None:
        """Into the outbox; `prepared` holds the JSON of some messages already (by id()), built in bulk."""
        known = prepared or {}
        images = ChartImages()  # a chart goes into the database once, the rows name it
        await repo.enqueue_many(tx, [(m.audience.platform, m.audience.key, known.get(id(m)) or to_json(m, images)) for m in messages])
        await chart_images.save(tx, images.by_digest)

    async def network(self, tx: Any, ref: NetworkRef) -> Network:
        network = await repo.network_by_key(tx, ref.key)
        if network is None:
            network = Network(
                key=ref.key,
                name=ref.name or ref.workspace,
                language=self.config.default_language,
                timezone=self.config.default_timezone,
                u_stage=0,
            )
            tx.add(network)
            await tx.flush()
        return network

    async def _welcome_first(self, turn: Turn) -> None:
        """On the console, with no coordinator configured, the first member runs the network.

        Only in a brand new network: after the last member erased their data, whoever comes next
        is a new member like any other, not its coordinator."""
        if turn.member.key.startswith("console:") and not self.config.coordinators:
            if await repo.network_is_new(turn.tx, turn.network.id, turn.member.id):
                turn.member.role = "coordinator"
                turn.reply("first_coordinator")

    async def _command(self, turn: Turn, event: CommandIssued) -> None:
        words = split_command(event.text)
        if not words:
            await network_commands.help_(turn, [])
            return
        verb = words[0].lower()
        handler = self.commands.get(verb)
        if handler is None:
            guess = nearest(verb, self.commands)
            if guess is not None:
                raise ArgumentError("unknown_command_guess", verb=verb, guess=guess)
            raise ArgumentError("unknown_command", verb=verb)
        await handler(turn, words[1:])

    async def _answered(self, turn: Turn, event: MemberAnswered) -> None:
        round_text, _, step_id = event.prompt_ref.partition(":")
        if round_text in self.config.answer_handlers:  # a ballot, not a round's step
            await self.config.answer_handlers[round_text](turn, step_id, event.value)
            return
        round_id = as_int(round_text, 1)
        round_, known = (
            await repo.round_and_session(turn.tx, turn.network.id, round_id, turn.member.id)
            if round_id is not None
            else (None, None)
        )
        flow = self.config.flows.get(round_.flow_id) if round_ else None
        if round_ is None or flow is None:
            raise Refused(turn.t("unknown_prompt"))
        if round_.status != "open":
            raise Refused(turn.t("round_not_open", id=round_.id))
        step = flow.step(step_id)
        if step is None:
            raise Refused(turn.t("unknown_prompt"))
        if known is None:
            if not may_join(round_, event.channel):
                raise Refused(turn.t("not_invited", id=round_.id))
            round_ = await repo.lock_round(turn.tx, round_, exclusive=True)
            session = await join_round(turn, round_, flow) if round_.status == "open" else None
        else:
            # Under the locks a concurrent click, or a close, that committed first is seen.
            round_ = await repo.lock_round(turn.tx, round_)
            session = await repo.lock_session(turn.tx, known)
        if round_.status != "open":
            raise Refused(turn.t("round_not_open", id=round_.id))
        if session is None or session.status != "open":
            raise Refused(turn.t("already_answered"))
        flow = await repeats.flow_for(turn.tx, flow, round_, session)
        step = flow.step(step_id)
        if step is None:
            raise Refused(turn.t("unknown_prompt"))
        await record_answer(turn, round_, flow, session, step, event.value, event.reply_handle)

    async def _message(self, turn: Turn, event: MessageReceived) -> None:
        """Free text answers the member's open question (the most recently active one)."""
        sessions = await repo.open_sessions(turn.tx, turn.member.id)
        if sessions and turn.welcomed and is_greeting(turn, event.text):
            turn.reply("welcome_question_waiting")  # a first "moi" says hello; it answers nothing
            return
        # Questions posted in a channel are answered there (buttons, the modal); typed text goes to
        # the member's own questions first, and to a channel's only when there is nothing else.
        sessions = sorted(sessions, key=lambda pair: pair[1].delivery != "dm")
        for session, round_ in sessions:
            flow = self.config.flows.get(round_.flow_id)
            step = current_step(flow, session) if flow else None
            if flow is None or step is None:
                continue
            round_ = await repo.lock_round(turn.tx, round_)
            locked = await repo.lock_session(turn.tx, session)
            flow = await repeats.flow_for(turn.tx, flow, round_, locked)
            step = current_step(flow, locked) if locked is not None and locked.status == "open" else None
            if round_.status != "open" or locked is None or step is None:
                continue
            await record_answer(turn, round_, flow, locked, step, event.text)
            return
        for handler in self.config.text_handlers:
            if await handler(turn, event.text):
                return
        if not turn.out:  # a first message got the welcome, which says what to do
            turn.reply("no_open_question")

    async def _joined(self, turn: Turn, event: MemberJoined) -> None:
        """Welcomed once (in `_begin`): a reinstall, another team or channel with the bot is no news to them."""

    async def pending_prompts(self, network_ref: NetworkRef, member_ref: Any) -> list[Prompt]:
        """The open question of each unfinished session, so a restarted console can resume."""
        async with self.db.transaction() as tx:
            network = await self.network(tx, network_ref)
            member = await repo.member_by_key(tx, network.id, member_ref.key)
            if member is None:
                return []
            everyone = await repo.members_of(tx, network.id)
            prompts: list[Prompt] = []
            for session, round_ in await repo.open_sessions(tx, member.id):
                flow = self.config.flows.get(round_.flow_id)
                flow = await repeats.flow_for(tx, flow, round_, session) if flow else None
                step = current_step(flow, session) if flow else None
                if flow and step:
                    prompt = prompt_for(self.config, flow, step, round_, member, network, everyone)
                    assert isinstance(prompt, Prompt)
                    prompts.append(prompt)
            return prompts

    async def check_answer(self, network_ref: NetworkRef, member_ref: Any, prompt_ref: str, value: str | list[str]) -> str | None:
        """Why an answer would be refused (in the member's language), or None if it is valid.

        Slack modals must show field errors in the acknowledgement itself, before anything is stored.
        """
        round_text, _, step_id = prompt_ref.partition(":")
        round_id = as_int(round_text, 1)
        known = None
        if round_text not in self.config.answer_handlers and round_id is not None:
            # A known member's check is the answer turn's one plain query (storage/answer_sql.py),
            # read on a connection of its own: no write transaction, no place in SQLite's writer
            # queue behind the turns being handled.
            async with self.db.connect() as conn:
                known = await (await AnswerStatements.on(conn)).context(network_ref.key, member_ref.key, round_id)
        if known is not None:
            return self._problem(known.language, known.flow_id, step_id, value)
        async with self.db.transaction() as tx:
            network = await self.network(tx, network_ref)
            member = await repo.member_by_key(tx, network.id, member_ref.key)
            lang = (member.language if member else None) or network.language
            if round_text in self.config.answer_handlers:
                return None  # a ballot checks its votes when they arrive
            round_ = await repo.round_in_network(tx, network.id, round_id) if round_id is not None else None
            flow_id = round_.flow_id if round_ else None
        return self._problem(lang, flow_id, step_id, value)

    def _problem(self, lang: str, flow_id: str | None, step_id: str, value: str | list[str]) -> str | None:
        from flows.answers import Invalid, parse_answer

        flow = self.config.flows.get(flow_id) if flow_id else None
        step = flow.step(step_id) if flow else None
        if step is None:
            return self.config.catalog.t(lang, "unknown_prompt")
        result = parse_answer(step, value, lang, self.config.catalog.words(lang, "skip_words"), None)
        if isinstance(result, Invalid) and step.kind not in ("members", "organisations"):
            return self.config.catalog.t(lang, result.key, **result.values)
        return None
